"""``pyenv``: ``$PYENV_ROOT/versions/<v>/bin/python3``, read directly (shims never run).

The versions come from the env's ``python`` setting, else ``$PYENV_VERSION``, else the
project's ``.python-version`` read as pyenv reads it (comments, several lines, ``system``).
As with pyenv, every named version must be installed, and the first one is used; ``system``
means the first real interpreter on PATH outside pyenv's shims.
"""

from __future__ import annotations

import os
import re
import shlex

from pitstop.errors import ConfigError, NotReadyError
from pitstop.kinds.base import KindContext, PythonCommand, Report, ValidatedKind, describe, error


def _key(version: str) -> list[int]:
    return [int(p) if p.isdigit() else -1 for p in re.split(r"[.-]", version)]


class PyenvKind(ValidatedKind):
    """A pyenv version named by ``python`` (``3.12`` picks the highest installed 3.12.x)."""

    name = "pyenv"

    def versions(self, ctx: KindContext) -> tuple[tuple[str, ...], str]:
        """(versions, where they were set)."""
        from pitstop.discovery import PYENV_NAME_FIX, is_pyenv_name, read_python_version

        if ctx.spec.settings.python:
            name = ctx.spec.settings.python
            if not is_pyenv_name(name):  # inherited (a table's own is refused when parsed)
                raise ConfigError(
                    f"{ctx.spec.table}: python: {name!r} is not a pyenv version name", fix=PYENV_NAME_FIX
                )
            return (name,), f"python in {ctx.spec.table}"
        if ctx.environ.get("PYENV_VERSION"):
            names = tuple(ctx.environ["PYENV_VERSION"].replace(":", " ").split())
            bad = [n for n in names if not is_pyenv_name(n)]
            if bad:
                raise ConfigError(
                    f"PYENV_VERSION: {bad[0][:100]!r} is not a pyenv version name",
                    fix="export PYENV_VERSION=3.12  (pyenv version names, separated by ':')",
                )
            return names, "PYENV_VERSION"
        found = read_python_version(str(ctx.project.root / ".python-version"))
        if found:
            return found, ".python-version"
        raise NotReadyError(
            "no pyenv version configured",
            fix='set python = "3.12" for this env, or write .python-version',
        )

    def _one(self, ctx: KindContext, version: str, installed: list[str]) -> str | None:
        if version == "system":
            for cand in ctx.runtimes.candidates():
                if cand.source == "PATH":
                    return cand.path
            return None
        root = ctx.runtimes.pyenv_root()
        if not root:
            return None
        name = version.removeprefix("python-") if version not in installed else version
        matches = [v for v in installed if v == name or v.startswith(name + ".")]
        for match in sorted(matches, key=_key, reverse=True):
            for exe in ("python3", "python", "pypy3"):
                path = os.path.join(root, "versions", match, "bin", exe)
                if os.path.isfile(path):
                    return path
        return None

    def _find(self, ctx: KindContext) -> tuple[str | None, list[str], list[str]]:
        """(interpreter of the first version, missing versions, installed versions)."""
        versions, _ = self.versions(ctx)
        installed = ctx.runtimes.pyenv_versions()
        found = [self._one(ctx, v, installed) for v in versions]
        missing = [v for v, path in zip(versions, found, strict=True) if path is None]
        return (found[0] if not missing else None), missing, installed

    def validate(self, ctx: KindContext) -> Report:
        """Lists the installed versions when a requested one is missing."""
        try:
            versions, source = self.versions(ctx)
        except NotReadyError as exc:
            return error(ctx, exc.message, exc.fix or "")
        if ctx.runtimes.pyenv_root() is None and versions != ("system",):
            return error(
                ctx,
                "pyenv is not installed (no $PYENV_ROOT or ~/.pyenv)",
                "brew install pyenv  (or git clone https://github.com/pyenv/pyenv ~/.pyenv)",
            )
        path, missing, installed = self._find(ctx)
        if path is None:
            if missing == ["system"]:
                return error(
                    ctx, "no system python3 found on PATH (outside pyenv's shims)", "install python3"
                )
            listed = ", ".join(sorted(installed, key=_key)) or "none"
            wanted = " ".join(shlex.quote(v) for v in missing if v != "system")
            return error(
                ctx,
                f"pyenv version {', '.join(missing)} (from {source}) is not installed (installed: {listed})",
                f"pyenv install {wanted}",
            )
        prefix = os.path.dirname(os.path.dirname(path))
        return describe(
            ctx,
            PythonCommand(argv=(path,), bin_dir=os.path.dirname(path), prefix=prefix),
            location=prefix,
            fix=f"pyenv install --force {shlex.quote(versions[0])}",
        )
