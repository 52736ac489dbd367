"""An empty venv kept as a template (issue #14): a dev build copies it into ``venv.new``
instead of starting ``uv venv`` again.

``uv venv --relocatable`` writes no path of the venv itself into it (its scripts find the venv
from their own location), so a copy of the empty venv uv made for one interpreter and one
prompt is, file for file, what uv would make again. The template is taken only when
everything that went into it is unchanged: the ``uv venv`` arguments, the uv binary (path,
size, mtime, inode) and the interpreter (path and the same of the file it resolves to); else
uv runs, and its fresh venv becomes the template. Strict mode neither reads nor writes one.
A template that cannot be copied is ignored the same way: the build starts ``uv venv``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path


def key(argv: Sequence[str], uv: str, interpreter: str) -> str | None:
    """The name of the template for ``uv venv`` run as ``argv`` (the venv's own path left
    out) with the binary ``uv`` for ``interpreter``; None when either cannot be read."""
    import hashlib
    import json

    parts: list[object] = [list(argv)]
    for path in (uv, interpreter):
        try:
            st = os.stat(path)
        except OSError:
            return None
        parts += [path, os.path.realpath(path), st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev]
    digest = hashlib.sha256(json.dumps(parts).encode("utf-8")).hexdigest()
    return f"venv-{digest[:32]}"


def take(template: Path, venv: Path) -> bool:
    """Copy ``template`` to the new directory ``venv``: True when done; False (``venv`` not
    created) when there is no whole template or the copy fails."""
    if not _whole(template):
        return False
    try:
        os.mkdir(venv)
    except OSError:
        return False
    try:
        _copy(template, venv, made=True)
    except OSError:
        shutil.rmtree(venv, ignore_errors=True)  # only what this call created
        return False
    return True


def keep(venv: Path, template: Path) -> None:
    """Make the empty venv ``venv`` (just created by uv) the template, atomically: copied
    next to it under a private name, then renamed (over a damaged one, set aside first).
    Failing to is no error: the next build runs ``uv venv`` and tries again."""
    if _whole(template):
        return
    work = template.parent / f".{template.name}.{os.urandom(6).hex()}"
    try:
        if template.is_symlink():
            template.unlink()
        elif template.exists():
            os.rename(template, f"{work}.damaged")
            shutil.rmtree(f"{work}.damaged", ignore_errors=True)
        template.parent.mkdir(parents=True, exist_ok=True)
        _copy(venv, work)
        os.rename(work, template)
    except OSError:
        pass  # a concurrent build kept one first, or the disk is full: the next build retries
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _whole(template: Path) -> bool:
    """A template is only ever renamed into place whole; check it is still a venv."""
    return (
        template.is_dir()
        and not template.is_symlink()
        and (template / "pyvenv.cfg").is_file()
        and (template / "bin" / "python").is_symlink()
    )


def _copy(source: Path, target: Path, *, made: bool = False) -> None:
    """Copy the small tree ``source`` to the new directory ``target`` (``made``: created
    already, empty): directories, files (with their modes) and symlinks as symlinks (never
    followed)."""
    if not made:
        os.mkdir(target)
    for root, dirs, files in os.walk(source):
        into = target / os.path.relpath(root, source)
        for name in [*dirs, *files]:
            path = os.path.join(root, name)
            if os.path.islink(path):
                os.symlink(os.readlink(path), into / name)
            elif os.path.isdir(path):
                os.mkdir(into / name)
            else:
                shutil.copyfile(path, into / name)
                shutil.copymode(path, into / name)
