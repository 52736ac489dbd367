"""What every installer is (the :class:`Installer` Protocol), a command it started in the
background (:class:`Pending`), and the guards they share: the target must be a venv right now,
and work happens in a scratch directory of the store."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from pitstop.config import EnvSpec
from pitstop.errors import CommandError, ProvisionError, env_flag
from pitstop.identity import Interpreter
from pitstop.lockfile import LockFile
from pitstop.runtime import Runtimes
from pitstop.swap import SCRATCH


class Installer(Protocol):
    """Creates a venv and installs exactly a lock into it."""

    name: str
    #: Distributions the installer itself puts into every env (pip's venvs carry pip).
    own_packages: frozenset[str]

    def start_create(self, venv: Path, interpreter: Interpreter, *, reuse: bool = False) -> Pending:
        """Start creating an empty venv at ``venv`` for ``interpreter`` (``wait()`` for it);
        ``reuse`` (dev mode): an installer may copy an empty venv it made before."""

    def prepare(self, lock: LockFile, expected: dict[str, str | None]) -> dict[str, Any]:
        """The plan for installing exactly the verified ``lock`` (hash-checked), ``expected``
        being what it selects here: plain data (marshal-able), a pure function of the lock,
        the selection and where the lock lives, so a build may reuse it
        (:mod:`pitstop.lockcache`)."""

    def accepts(self, plan: dict[str, Any]) -> bool:
        """``plan`` has the shape :meth:`prepare` gives (a cached plan is checked before use)."""

    def install(self, venv: Path, plan: dict[str, Any]) -> None:
        """Carry out ``plan`` (what :meth:`prepare` made) in the venv ``venv``."""

    def finalize(self, venv: Path, final: Path) -> None:
        """Make the env at ``venv`` correct once it is renamed to ``final``."""

    def version(self, runtimes: Runtimes) -> str:
        """e.g. ``uv 0.8.3``."""


class Pending:
    """An installer command started in the background (``uv venv`` while pitstop reads and
    verifies the lock): :meth:`wait` for it, or :meth:`kill` it (its whole process group)
    when the build fails meanwhile. Either way it is over before the caller goes on, and
    ``done`` (e.g. removing the command's scratch directory) has run."""

    def __init__(
        self,
        proc: subprocess.Popen[str] | None,
        fail: Callable[[CommandError], ProvisionError],
        *,
        done: Callable[[], object] = lambda: None,
        after: Callable[[], object] | None = None,
    ) -> None:
        self._proc = proc  # None: the work was done already (a venv copied from a template)
        self._fail = fail
        self._done = done
        self._after = after

    def wait(self) -> None:
        """Wait for the command; its failure is the installer's :class:`ProvisionError`.
        ``after`` runs once it succeeded."""
        from pitstop.process import finish

        try:
            if self._proc is not None:
                finish(self._proc)
        except CommandError as exc:
            raise self._fail(exc) from None
        finally:
            self._done()
        if self._after is not None:
            self._after()

    def kill(self) -> None:
        """End the command now (nothing of its output matters any more)."""
        from pitstop.process import kill

        try:
            if self._proc is not None:
                kill(self._proc)
        finally:
            self._done()


def require_venv(venv: Path, env: EnvSpec) -> None:
    """Refuse unless ``venv`` is a virtual environment right now: a real directory (not a
    symlink) holding ``pyvenv.cfg`` and ``bin/python``. Called immediately before every
    installer call, so an installer is never pointed at a directory whose interpreter would
    resolve to the base interpreter behind it."""
    flag = env_flag(env.name)
    problem = None
    if venv.is_symlink() or not venv.is_dir():
        problem = "is missing" if not venv.is_symlink() else "is a symlink"
    elif not (venv / "pyvenv.cfg").is_file() or (venv / "pyvenv.cfg").is_symlink():
        problem = "has no pyvenv.cfg (it is not a virtual environment)"
    elif not (venv / "bin" / "python").exists():
        problem = "has no bin/python"
    if problem:
        raise ProvisionError(
            f"refusing to install: {venv} {problem}; pitstop installs only into its own venv.new",
            fix=f"run: pitstop setup{flag}",
        )


@contextmanager
def scratch(store: Path) -> Iterator[Path]:
    """A private working directory in the env store (removed afterwards; a killed pitstop's
    is swept by recovery). It holds an empty ``.venv`` directory: uv's working-directory
    discovery stops there with an error instead of finding a ``.venv`` further up."""
    import os
    import shutil

    while True:  # what tempfile.mkdtemp does, without importing tempfile and random (~2 ms)
        work = store / f"{SCRATCH}{os.urandom(6).hex()}"
        try:
            work.mkdir(mode=0o700)
            break
        except FileExistsError:  # pragma: no cover - 48 random bits collided
            continue
    try:
        (work / ".venv").mkdir()
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def failed(tool: str, what: str, env: EnvSpec, exc: CommandError) -> ProvisionError:
    """The error for an installer command that failed: what ``tool`` could not do, the end of
    its output, and the fix."""
    return ProvisionError(
        f"{tool} could not {what} for env {env.name!r}:\n{exc.output.strip()[-2000:]}",
        fix=f"fix the cause above, then run: pitstop setup{env_flag(env.name)}",
    )
