"""Test seams: the one place pitstop can be told to stop at a step or take another path.

Product code marks each step of a build, swap and rollback with :func:`checkpoint` and asks
:data:`hooks` whether to use ``renameat2`` and the env lock. Nothing changes them unless a
test or the soak starts pitstop through ``python -m pitstop._testing`` (``__main__.py``), which
sets them and then runs the ``pitstop`` command; nothing here is read from the environment.
"""

from __future__ import annotations


class Hooks:
    """What a test asked for (the defaults are what every real run does)."""

    __slots__ = ("crash_at", "exchange", "flock", "pause_at")

    def __init__(self) -> None:
        self.crash_at: str | None = None  # SIGKILL this process at the named checkpoint
        self.pause_at: str | None = None  # sleep at the named checkpoint (to signal it there)
        self.exchange = True  # False: the journaled rename fallback instead of renameat2
        self.flock = True  # False: no env lock (the soak's negative control)


hooks = Hooks()


def checkpoint(name: str) -> None:
    """A named step (``after-install``, ``after-exchange``, ...); a no-op in real runs."""
    if name == hooks.crash_at:  # pragma: no cover - SIGKILLs this process: coverage never saves what ran
        import os
        import signal

        os.kill(os.getpid(), signal.SIGKILL)
    if name == hooks.pause_at:
        import time

        time.sleep(120)
