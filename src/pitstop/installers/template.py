"""An empty venv kept as a template (issue #14): a dev build writes it into ``venv.new``
instead of starting ``uv venv`` again.

``uv venv --relocatable`` writes no path of the venv itself into it (its scripts find the venv
from their own location), so the files of the empty venv uv made for one interpreter and one
prompt are, byte for byte, what uv would make again. They are kept as one file (marshal data:
loading runs no code), ``.pitstop/.cache/venv-<key>``, written atomically, so a template is
whole or absent and a reader never sees a tree another process is writing or replacing.

A template is used only when everything that went into it is unchanged: the ``uv venv``
arguments, the uv binary and the interpreter (path, resolved path, size, mtime, inode). It
must also look like an empty venv: relative paths only, nothing inside ``site-packages``, no
``.pth`` file, ``bin/python`` linking to that interpreter and other links naming a sibling;
anything else, or a file that cannot be read, and uv runs (its fresh venv replaces the
template). Strict mode neither reads nor writes one; ``pitstop clean`` deletes them. A
``.cache`` that is a symlink (out of the project) is never used.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import shutil
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any

PREFIX = "venv-"
_LIMIT = 1024 * 1024  # uv's empty venv is ~20 KB
_SCHEMA = 1

#: (relative path, "d" | "f" | "l", mode, file bytes or link target), parents first.
Entry = tuple[str, str, int, Any]


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
    return f"{PREFIX}{digest[:32]}"


def take(template: Path, venv: Path, interpreter: str) -> bool:
    """Write the template's files into the new directory ``venv``: True when done; False
    (``venv`` not created, or removed again) when there is no valid template or a write
    fails. ``interpreter``: where ``bin/python`` must link."""
    from pitstop.reading import read_bytes

    try:
        data = marshal.loads(read_bytes(template, limit=_LIMIT))  # noqa: S302 - checked below; loading runs no code
    except Exception:  # unreadable, or bytes marshal rejects
        return False
    entries = _entries(data, interpreter)
    if entries is None:
        return False
    try:
        os.mkdir(venv)
    except OSError:
        return False
    try:
        for rel, kind, mode, content in entries:
            target = os.path.join(venv, rel)
            if kind == "d":
                os.mkdir(target)
            elif kind == "l":
                os.symlink(content, target)
            else:
                with open(target, "xb") as handle:
                    handle.write(content)
                os.chmod(target, mode)
    except OSError:
        shutil.rmtree(venv, ignore_errors=True)  # only what this call created
        return False
    return True


def keep(venv: Path, template: Path, interpreter: str) -> None:
    """Record the empty venv ``venv`` (just created by uv) as the template, replacing any
    other one atomically. Failing to is no error: the next build runs ``uv venv`` again."""
    from pitstop.fsutil import atomic_write_bytes, sweep_tmp

    try:
        entries = _read(venv)
    except OSError:
        return
    if _entries({"schema": _SCHEMA, "entries": entries}, interpreter) is None:
        return  # not what pitstop would take back: keep nothing
    sweep_tmp(template.parent)  # what a killed keep() left
    try:
        atomic_write_bytes(template, marshal.dumps({"schema": _SCHEMA, "entries": entries}), durable=False)
    except (OSError, ValueError):
        return


def forget(cache: Path) -> None:
    """Delete every template in ``cache`` (``pitstop clean``: start over); never through a
    symlinked ``cache``."""
    if cache.is_symlink():
        return
    try:
        names = [entry.name for entry in os.scandir(cache) if entry.name.startswith(PREFIX)]
    except OSError:
        return
    for name in names:
        with contextlib.suppress(OSError):
            os.unlink(cache / name)


def _read(venv: Path) -> list[Entry]:
    """Every entry under ``venv``, parents first (an error anywhere is raised)."""

    def fail(exc: OSError) -> None:
        raise exc

    entries: list[Entry] = []
    for root, dirs, files in os.walk(venv, onerror=fail):
        dirs.sort()
        for name in sorted([*dirs, *files]):
            path = os.path.join(root, name)
            rel = os.path.relpath(path, venv).replace(os.sep, "/")
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                entries.append((rel, "l", 0, os.readlink(path)))
            elif stat.S_ISDIR(st.st_mode):
                entries.append((rel, "d", 0, None))
            elif stat.S_ISREG(st.st_mode):
                with open(path, "rb") as handle:
                    entries.append((rel, "f", stat.S_IMODE(st.st_mode), handle.read()))
            else:
                raise OSError(f"{path}: not a file, directory or symlink")
    return entries


def _entries(data: object, interpreter: str) -> list[Entry] | None:
    """The entries of template ``data`` if they describe an empty venv, else None."""
    if not isinstance(data, dict) or data.get("schema") != _SCHEMA:
        return None
    if not isinstance(data.get("entries"), list):
        return None
    entries: list[Entry] = []
    seen: set[str] = set()
    directories: set[str] = set()
    for item in data["entries"]:
        if not (isinstance(item, tuple) and len(item) == 4):
            return None
        rel, kind, mode, content = item
        if not isinstance(rel, str) or not isinstance(mode, int) or not _safe(rel, seen, directories):
            return None
        parts = rel.split("/")
        if "site-packages" in parts[:-1] or rel.endswith(".pth"):
            return None  # an empty venv installs nothing
        if kind == "l":
            if rel == "bin/python":
                if content != interpreter:
                    return None
            elif not isinstance(content, str) or "/" in content or content in ("", ".", ".."):
                return None  # a sibling's name only
        elif kind == "f":
            if not isinstance(content, bytes) or mode & ~0o777:
                return None
        elif kind == "d":
            directories.add(rel)
        else:
            return None
        seen.add(rel)
        entries.append((rel, kind, mode, content))
    if "pyvenv.cfg" not in seen or "bin/python" not in seen:
        return None
    return entries


def _safe(rel: str, seen: set[str], directories: set[str]) -> bool:
    """A relative path of plain names, new, whose parent is a directory listed before it
    (never a symlink: nothing is written through one)."""
    parts = rel.split("/")
    if rel in seen or any(p in ("", ".", "..") or "\\" in p or "\0" in p for p in parts):
        return False
    return len(parts) == 1 or "/".join(parts[:-1]) in directories
