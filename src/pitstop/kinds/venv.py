"""``venv``: an existing virtual environment (``path``, default ``.venv`` then ``venv``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from pitstop.kinds.base import KindContext, PythonCommand, Report, ValidatedKind, describe, error, relative


def venv_python(path: Path) -> Path:
    """The interpreter of the venv at ``path``."""
    if sys.platform == "win32":  # pragma: no cover
        return path / "Scripts" / "python.exe"
    return path / "bin" / "python"


def read_pyvenv_home(path: Path) -> str | None:
    """``home`` from ``pyvenv.cfg`` (the base interpreter's directory)."""
    try:
        text = (path / "pyvenv.cfg").read_text(encoding="utf-8")
    except OSError:
        return None
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() == "home":
            return value.strip()
    return None


class VenvKind(ValidatedKind):
    """A venv pitstop does not own."""

    name = "venv"

    def _path(self, ctx: KindContext) -> Path:
        configured = ctx.spec.option("path")
        if configured:
            return ctx.path(configured)
        for name in (".venv", "venv"):
            if (ctx.project.root / name / "pyvenv.cfg").is_file():
                return ctx.project.root / name
        return ctx.project.root / ".venv"

    def validate(self, ctx: KindContext) -> Report:
        """Missing dir, dangling base interpreter, or a python that does not start."""
        path = self._path(ctx)
        shown = relative(ctx, path)

        def recreate() -> str:
            return f"{_base_python(ctx)} -m venv --clear {shown}"

        if not path.is_dir():
            return error(
                ctx,
                f"no virtual environment at {shown}",
                f"{_base_python(ctx)} -m venv {shown}",
                location=shown,
            )
        python = venv_python(path)
        if python.is_symlink() and not python.exists():
            target = os.readlink(python)
            return error(
                ctx,
                f"{shown}: its base interpreter {target} is gone",
                f"{recreate()}  (then reinstall its packages)",
                location=shown,
            )
        home = read_pyvenv_home(path)
        if home and not os.path.isdir(home):
            return error(
                ctx,
                f"{shown}: its base interpreter directory {home} is gone",
                f"{recreate()}  (then reinstall its packages)",
                location=shown,
            )
        if not python.exists():
            return error(ctx, f"{shown} has no bin/python", recreate(), location=shown)
        command = PythonCommand(
            argv=(str(python),),
            env=(("VIRTUAL_ENV", str(path)),),
            bin_dir=str(python.parent),
            prefix=str(path),
        )
        return describe(ctx, command, location=shown, fix=f"{recreate()}  (then reinstall its packages)")


def _base_python(ctx: KindContext) -> str:
    """``python3`` for a fix, unless that name is only a shim here (then a real one's path)."""
    from pitstop.runtime import is_script

    found = ctx.which("python3")
    if found and "shims" not in Path(found).parts and not is_script(os.path.realpath(found)):
        return "python3"
    best: tuple[list[int], str] | None = None
    for cand in ctx.runtimes.candidates():
        if cand.implementation not in (None, "cpython") or not (cand.version or "").startswith("3."):
            continue
        key = [int(p) if p.isdigit() else 0 for p in (cand.version or "").split(".")]
        if (best is None or key > best[0]) and not is_script(os.path.realpath(cand.path)):
            best = (key, cand.path)
    return best[1] if best else "python3"
