"""A tiny advisory lock on ``<store>/.pitstop.lock`` (the file is never deleted)."""

from __future__ import annotations

import os
import sys
from _thread import get_ident
from pathlib import Path
from types import TracebackType

from pitstop._testing import hooks
from pitstop.output import Reporter

#: fd -> (lock path, the thread holding it)
_HELD: dict[int, tuple[Path, int]] = {}


def held_fds() -> tuple[int, ...]:
    """The descriptors of the env locks this thread holds. Children inherit them, so a lock
    stays held until pitstop *and* every child it started have exited: another pitstop never
    recovers (deletes) a ``venv.new`` an installer is still writing. Only this thread's: in a
    process running pitstop in several threads (the API), another thread may close its lock's
    descriptor while this one starts a child, which failed with "Bad file descriptor"."""
    me = get_ident()
    return tuple(fd for fd, (_, owner) in list(_HELD.items()) if owner == me)


class EnvLock:
    """Exclusive lock held while an env is built, swapped, rolled back or cleaned."""

    def __init__(self, path: Path, reporter: Reporter | None = None) -> None:
        self.path = path
        self.reporter = reporter
        self._fd: int | None = None

    def __enter__(self) -> EnvLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not hooks.flock:
            return self  # test-only: the soak's negative control proves locking is needed
        try:  # never through a symlink: a lock file pointing out would create its target
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
        except OSError:
            if not self.path.is_symlink():
                raise
            import shlex

            from pitstop.errors import ConfigError

            raise ConfigError(
                f"{self.path} is a symlink; pitstop's lock file there must be a plain file",
                fix=f"remove the link (not its target): rm {shlex.quote(str(self.path))}",
            ) from None
        try:
            if sys.platform == "win32":  # pragma: no cover - Windows only
                import msvcrt

                msvcrt.locking(fd, msvcrt.LK_LOCK, 1)  # type: ignore[attr-defined]
            else:
                import fcntl

                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    if self.reporter is not None:
                        self.reporter.step(f"waiting for another pitstop on {self.path.parent.name}")
                    fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        _HELD[fd] = (self.path, get_ident())
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            _HELD.pop(self._fd, None)
            os.close(self._fd)  # closing releases the lock (once no child holds it either)
            self._fd = None
