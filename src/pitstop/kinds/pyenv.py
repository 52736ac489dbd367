"""``pyenv``: ``$PYENV_ROOT/versions/<v>/bin/python3``, read directly (shims never run)."""

from __future__ import annotations

import os
import re

from pitstop.errors import NotReadyError
from pitstop.kinds.base import KindContext, PythonCommand, Report, describe, error


class PyenvKind:
    """A pyenv version named by ``python`` (``3.12`` picks the highest 3.12.x)."""

    name = "pyenv"

    def _version(self, ctx: KindContext) -> str:
        version = ctx.spec.settings.python or ctx.project.python_version_file
        if not version:
            raise NotReadyError(
                "no pyenv version configured",
                fix='set python = "3.12" for this env, or write .python-version',
            )
        return version

    def _find(self, ctx: KindContext) -> tuple[str | None, list[str]]:
        version = self._version(ctx)
        root = ctx.runtimes.pyenv_root()
        installed = ctx.runtimes.pyenv_versions()
        matches = [v for v in installed if v == version or v.startswith(version + ".")]
        matches.sort(key=lambda v: [int(p) if p.isdigit() else -1 for p in re.split(r"[.-]", v)])
        for name in reversed(matches):
            for exe in ("python3", "python", "pypy3"):
                path = os.path.join(root or "", "versions", name, "bin", exe)
                if root and os.path.isfile(path):
                    return path, installed
        return None, installed

    def resolve(self, ctx: KindContext) -> PythonCommand:
        """The version's interpreter."""
        path, installed = self._find(ctx)
        if path is None:
            version = self._version(ctx)
            raise NotReadyError(
                f"pyenv version {version} is not installed (installed: {', '.join(installed) or 'none'})",
                fix=f"run: pyenv install {version}",
            )
        return PythonCommand(argv=(path,), bin_dir=os.path.dirname(path))

    def validate(self, ctx: KindContext) -> Report:
        """Lists the installed versions when the requested one is missing."""
        try:
            version = self._version(ctx)
        except NotReadyError as exc:
            return error(ctx, exc.message, exc.fix or "")
        if ctx.runtimes.pyenv_root() is None:
            return error(
                ctx,
                "pyenv is not installed (no $PYENV_ROOT or ~/.pyenv)",
                "install pyenv: https://github.com/pyenv/pyenv#installation",
            )
        path, installed = self._find(ctx)
        if path is None:
            return error(
                ctx,
                f"pyenv version {version} is not installed (installed: {', '.join(installed) or 'none'})",
                f"pyenv install {version}",
            )
        return describe(
            ctx,
            PythonCommand(argv=(path,), bin_dir=os.path.dirname(path)),
            location=os.path.dirname(os.path.dirname(path)),
            fix=f"pyenv install --force {version}",
        )
