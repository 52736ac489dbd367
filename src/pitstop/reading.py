"""Bounded reading of untrusted files: config, requirement files and locks.

In CI these files come from a pull request, so a "file" may be a FIFO (``open`` would block
forever), ``/dev/zero`` (``read`` would exhaust memory), a symlink loop, or simply huge.
Only regular files up to :data:`MAX_BYTES` are read. Standard library only: the fast path
uses this too.
"""

from __future__ import annotations

import errno
import os
import stat

#: Far above any real config, requirements file or lock (a big real lock is ~2 MB).
MAX_BYTES = 32 * 1024 * 1024


class UnreadableFile(OSError):
    """``path`` cannot be read as text; ``reason`` says why, in words (``missing`` is True
    when there is simply no file there). An ``OSError``, so code that already falls back on
    an unreadable file (the fast path) does so for these too."""

    def __init__(self, path: str, reason: str, *, missing: bool = False) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
        self.missing = missing


def read_bytes(path: str | os.PathLike[str], *, limit: int = MAX_BYTES) -> bytes:
    """The bytes of the regular file at ``path``, at most ``limit`` of them.

    Raises :class:`UnreadableFile` for a missing file, a symlink loop, anything that is not
    a regular file (FIFO, device, directory), a file over ``limit`` bytes, or a read error.
    """
    name = os.fspath(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        if "\0" in name:
            raise UnreadableFile(name, "the name holds a NUL character")
        fd = os.open(name, flags)  # O_NONBLOCK: opening a FIFO must not wait for a writer
    except UnreadableFile:
        raise
    except OSError as exc:
        raise _unreadable(name, exc) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableFile(name, "not a regular file")
        if info.st_size > limit:
            raise UnreadableFile(name, f"larger than {limit // (1024 * 1024)} MiB")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1024 * 1024, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:  # grew while being read
            raise UnreadableFile(name, f"larger than {limit // (1024 * 1024)} MiB")
        return b"".join(chunks)
    except OSError as exc:
        raise _unreadable(name, exc) from None
    finally:
        os.close(fd)


def read_text(path: str | os.PathLike[str], *, limit: int = MAX_BYTES) -> str:
    """Like :func:`read_bytes`, decoded as UTF-8 (a decoding error is :class:`UnreadableFile`)."""
    data = read_bytes(path, limit=limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UnreadableFile(os.fspath(path), "not UTF-8 text") from None


def _unreadable(name: str, exc: OSError) -> UnreadableFile:
    if exc.errno == errno.ENOENT:
        return UnreadableFile(name, "no such file", missing=True)
    if exc.errno == errno.ELOOP:
        return UnreadableFile(name, "a symlink loop")
    if exc.errno == errno.EISDIR:
        return UnreadableFile(name, "not a regular file")
    if exc.errno == errno.ENAMETOOLONG:
        return UnreadableFile(name, "the name is too long")
    return UnreadableFile(name, exc.strerror or str(exc))


def escapes(path: str | os.PathLike[str], root: str | os.PathLike[str]) -> str | None:
    """Where ``path`` really is (symlinks followed) when that is outside ``root`` or inside a
    ``.git`` directory under it; None when it stays inside.

    In CI a pull request names the files pitstop reads (requirement files and their
    ``-r``/``-c`` includes, ``.python-version``, the locks), as a path or as a committed
    symlink: reading ``/proc/self/environ`` or a CI credentials file and quoting it in an
    error, or sending its words to an index as package names, would leak it. A ``.git``
    directory holds no requirement, but may hold the credentials a CI checkout step writes.
    """
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    if real != real_root and not real.startswith(real_root.rstrip(os.sep) + os.sep):
        return real
    if ".git" in os.path.relpath(real, real_root).split(os.sep):
        return real
    return None


def boundary(root: str | os.PathLike[str]) -> str:
    """The directory the files a project names may come from (:func:`escapes`' root): the git
    work tree holding ``root``, so that a monorepo's shared ``-r ../../shared/base.txt`` or
    ``.python-version`` still reads, else ``root`` itself. Anything in that work tree is
    repository content a pull request could change anyway; ``.git`` stays excluded."""
    real = directory = os.path.realpath(root)
    while True:
        if os.path.lexists(os.path.join(directory, ".git")):
            return directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return real
        directory = parent


def stat_key(path: str) -> list[int] | None:
    """``[size, mtime in ns, inode]`` of ``path``, None when it cannot be stat'ed: what the
    caches (the fast path, adopted kinds' reports, interpreter identities) record to notice
    that a file changed."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ino]
