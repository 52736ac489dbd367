"""Small filesystem helpers: atomic writes and fsync."""

from __future__ import annotations

import contextlib
import os
from _thread import get_ident
from pathlib import Path


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8, newlines as given) to ``path`` so that readers see the old or the
    new file, never a part; the directory entry is made durable too."""
    atomic_write_bytes(path, text.encode("utf-8"))
    fsync_dir(path.parent)


def atomic_write_bytes(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` atomically (a temporary file, fsync, rename).

    ``durable=False`` skips the fsync, for caches only: readers still see the old or the new
    file, but a crash may leave it empty or torn, which a cache's reader must reject."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # the thread too: two threads of one process (the API, nox) writing one cache must not
    # share, and unlink, each other's temporary file; the pid stays last for sweep_tmp
    tmp = path.with_name(f".{path.name}.{get_ident()}.{os.getpid()}.tmp")
    try:
        with os.fdopen(_create(tmp), "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        _discard(tmp)
        raise


#: A new file, never an existing one and never through a symlink: the names of temporary files
#: are predictable (the pid), and a pull request may commit a symlink under one of them.
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)


def _create(path: Path) -> int:
    """Open ``path`` as a new file; what is there already (a file a killed process of this pid
    left, a symlink) is unlinked first, never written through."""
    try:
        return os.open(path, _NEW_FILE, 0o666)
    except FileExistsError:
        os.unlink(path)  # removes a symlink itself, not its target
        return os.open(path, _NEW_FILE, 0o666)


def create_new(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` if nothing is there (not even a dangling symlink, which is
    left alone rather than written through); True if written."""
    try:
        fd = os.open(path, _NEW_FILE, 0o666)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return True


def _discard(tmp: Path) -> None:
    with contextlib.suppress(OSError):
        tmp.unlink()


def sweep_tmp(directory: Path) -> list[str]:
    """Delete the ``.<name>.<thread>.<pid>.tmp`` files :func:`atomic_write` left in ``directory``
    when its process was killed (only those whose process is gone); returns their names."""
    removed: list[str] = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if not (name.startswith(".") and name.endswith(".tmp")):
            continue
        pid = name[:-4].rpartition(".")[2]
        if not pid.isdigit() or _alive(int(pid)) or not entry.is_file(follow_symlinks=False):
            continue
        try:
            os.unlink(entry.path)
            removed.append(name)
        except OSError:
            pass
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def fsync_dir(path: Path) -> None:
    """Flush a directory entry change to disk (no-op where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
