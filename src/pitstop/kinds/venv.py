"""``venv``: an existing virtual environment (``path``, default ``.venv`` then ``venv``)."""

from __future__ import annotations

import os
import re
import shlex
import sys
from pathlib import Path

from pitstop.kinds.base import KindContext, PythonCommand, Report, ValidatedKind, describe, error, relative


def venv_python(path: Path) -> Path:
    """The interpreter of the venv at ``path``."""
    if sys.platform == "win32":  # pragma: no cover
        return path / "Scripts" / "python.exe"
    return path / "bin" / "python"


def read_pyvenv(path: Path, *keys: str) -> str | None:
    """The first of ``keys`` found in ``path``'s ``pyvenv.cfg``."""
    from pitstop.reading import read_bytes

    try:  # bounded, regular files only: a committed pyvenv.cfg may be a symlink to /dev/zero
        text = read_bytes(path / "pyvenv.cfg", limit=1 << 20).decode("utf-8", errors="replace")
    except OSError:  # UnreadableFile too
        return None
    found: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            found.setdefault(key.strip(), value.strip())
    return next((found[k] for k in keys if k in found), None)


def read_pyvenv_home(path: Path) -> str | None:
    """``home`` from ``pyvenv.cfg`` (the base interpreter's directory)."""
    return read_pyvenv(path, "home")


def pyvenv_minor(path: Path) -> str | None:
    """``3.12`` from ``pyvenv.cfg``'s ``version`` (venv) or ``version_info`` (uv, virtualenv)."""
    match = re.match(r"(\d+)\.(\d+)(?:\.|$)", read_pyvenv(path, "version", "version_info") or "")
    return f"{match.group(1)}.{match.group(2)}" if match else None


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

        quoted = shlex.quote(shown)

        def recreate() -> str:
            return f"{_base_python(ctx, pyvenv_minor(path))} -m venv --clear {quoted}"

        if not path.is_dir():
            return error(
                ctx,
                f"no virtual environment at {shown}",
                f"{_base_python(ctx, None)} -m venv {quoted}",
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


def _base_python(ctx: KindContext, minor: str | None) -> str:
    """The interpreter a fix names to (re)create a venv: ``python3.12`` for a venv of 3.12
    (``minor``), else ``python3``. The name is given when it starts a real interpreter here
    (on PATH, or a pyenv shim whose selected version has it); a pyenv version of the right
    ``major.minor`` behind a shim is selected with ``PYENV_VERSION=3.12.1 python3.12``; only
    when neither works, the path of a real interpreter of that version found on disk."""
    from pitstop.runtime import is_script

    name = f"python{minor}" if minor else "python3"
    found = ctx.which(name)
    shim = found is not None and "shims" in Path(found).parts
    if found and not shim and not is_script(os.path.realpath(found)):
        return name
    root = ctx.runtimes.pyenv_root()
    if shim and root and _pyenv_selected_has(ctx, root, name):
        return name
    best: tuple[list[int], str, str] | None = None
    for cand in ctx.runtimes.candidates():
        version = cand.version or ""
        if cand.implementation not in (None, "cpython") or cand.free_threaded:
            continue
        if not (version.startswith(f"{minor}.") if minor else version.startswith("3.")):
            continue
        key = [int(p) if p.isdigit() else 0 for p in version.split(".")]
        if (best is None or key > best[0]) and not is_script(os.path.realpath(cand.path)):
            best = (key, cand.path, cand.source)
    if best is None:
        return name
    if shim and root and best[1].startswith(os.path.join(root, "versions", "")):
        version_dir = Path(best[1]).parent.parent.name
        return f"PYENV_VERSION={shlex.quote(version_dir)} {name}"
    return shlex.quote(best[1])


def _pyenv_selected_has(ctx: KindContext, root: str, name: str) -> bool:
    """Whether pyenv's selected version (``$PYENV_VERSION``, else the global one) has ``name``
    (so its shim runs it); read from disk, the shim is never run."""
    selected = ctx.environ.get("PYENV_VERSION", "").split(":")[0].strip()
    if not selected:
        try:
            with open(os.path.join(root, "version"), encoding="utf-8") as handle:
                selected = (handle.read(256).split() or [""])[0]
        except OSError:
            return False
    if not selected or selected == "system" or "/" in selected or selected.startswith("."):
        return False
    return os.path.isfile(os.path.join(root, "versions", selected, "bin", name))
