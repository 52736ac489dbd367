"""The single helper that runs external commands, and the scrubbed environment they get."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence

from pitstop.errors import CommandError, ProvisionError

# Variables that would redirect an installer or an interpreter away from what pitstop chose.
_SCRUB_PREFIXES = ("PIP_", "UV_", "CONDA_")
_SCRUB = frozenset(
    {
        "PYTHONPATH",
        "PYTHONHOME",
        "PYTHONUSERBASE",
        "PYTHONEXECUTABLE",
        "PYTHONSTARTUP",
        "VIRTUAL_ENV",
        "PYENV_VERSION",
        "__PYVENV_LAUNCHER__",
    }
)

# Where uv keeps its cache and managed Pythons changes no result, only disk use, so users
# (and hermetic tests) may still choose it.
_PASS = frozenset({"UV_CACHE_DIR", "UV_PYTHON_INSTALL_DIR"})

_PINNED = {
    "PYTHONNOUSERSITE": "1",
    "PIP_REQUIRE_VIRTUALENV": "1",
    "PIP_NO_INPUT": "1",
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
}


def scrubbed_env(
    base: Mapping[str, str] | None = None, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Return a copy of ``base`` (default ``os.environ``) fit for running installers.

    Drops inherited ``PIP_*``, ``UV_*``, ``PYTHONPATH``, ``PYTHONHOME``, ``VIRTUAL_ENV`` and
    ``CONDA_*`` (they would silently change what gets installed where), then pins the
    isolation settings of SPEC §5. ``extra`` is applied last (pitstop's own ``UV_*`` choices).
    """
    source = os.environ if base is None else base
    env = {
        key: value
        for key, value in source.items()
        if key in _PASS or (key not in _SCRUB and not key.startswith(_SCRUB_PREFIXES))
    }
    env.update(_PINNED)
    if extra:
        env.update(extra)
    return env


def _pdeathsig() -> object:
    """``prctl(PR_SET_PDEATHSIG, SIGKILL)`` bound in the parent (nothing is loaded after fork)."""
    if not sys.platform.startswith("linux"):  # pragma: no cover - macOS has no parent-death signal
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    return prctl


_PR_SET_PDEATHSIG = 1


# Runs in the forked child before exec, where coverage records nothing.
def _child_setup(parent: int, prctl: object, mask: object = None) -> None:  # pragma: no cover
    """In the child between fork and exec: its own process group (a Ctrl-C or SIGKILL sent to
    pitstop's group is handled by pitstop, which then ends the whole child group), and on Linux
    a parent-death signal so a SIGKILLed pitstop never leaves an installer running. ``mask``:
    the signal mask to restore (the parent blocks SIGINT and SIGTERM around the fork)."""
    if mask is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # type: ignore[arg-type]
    os.setpgid(0, 0)
    if prctl is not None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # type: ignore[operator]
    if os.getppid() != parent:  # pitstop died before prctl took effect
        os._exit(1)


def _end_group(proc: subprocess.Popen[str]) -> None:
    """SIGKILL the child's whole process group and reap the child."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def run(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    capture: bool = True,
    check: bool = True,
    fix: str | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` (never through a shell) and return the completed process.

    The child runs in its own process group and (on Linux) dies with pitstop; if pitstop is
    interrupted (Ctrl-C, SIGTERM, timeout) the child's group is killed before the exception
    propagates. The file descriptors of the env locks pitstop holds are inherited, so an env
    lock stays held while any child lives. With ``capture`` stdout and stderr are captured
    together as text. A missing executable becomes a :class:`ProvisionError` naming it; a
    non-zero exit with ``check`` becomes a :class:`CommandError` showing the command, its
    exit code and the tail of its output.
    """
    proc = start(argv, env=env, cwd=cwd, capture=capture, fix=fix)
    return finish(proc, check=check, fix=fix, timeout=timeout)


def start(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    capture: bool = True,
    fix: str | None = None,
) -> subprocess.Popen[str]:
    """Start ``argv`` as :func:`run` does (own process group, dies with pitstop, env locks
    inherited) without waiting: the caller must :func:`finish` or :func:`kill` it."""
    from functools import partial

    from pitstop.flock import held_fds

    args = tuple(str(a) for a in argv)
    posix = os.name == "posix"
    # Ctrl-C or SIGTERM while fork runs the parent's at-fork handlers (logging registers one)
    # raised KeyboardInterrupt inside such a handler, where Python discards it: the signal was
    # lost and setup ran on. Both are blocked around the fork and delivered right after it
    # (the child gets the old mask back before exec).
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, _DEFERRED) if posix and _DEFERRED else None
    proc = None
    try:
        proc = subprocess.Popen(
            args,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            stdout=subprocess.PIPE if capture else None,
            stderr=subprocess.STDOUT if capture else None,
            stdin=subprocess.DEVNULL,
            text=True,
            pass_fds=held_fds() if posix else (),
            preexec_fn=partial(_child_setup, os.getpid(), _prctl(), mask) if posix else None,
        )
    except FileNotFoundError:
        raise ProvisionError(
            f"{args[0]} was not found", fix=fix or f"install {os.path.basename(args[0])}"
        ) from None
    except PermissionError:
        raise ProvisionError(f"{args[0]} is not executable", fix=fix) from None
    finally:
        if mask is not None:
            try:
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # a deferred signal raises here
            except BaseException:
                if proc is not None:  # never a child no caller knows about
                    _end_group(proc)
                raise
    return proc


def finish(
    proc: subprocess.Popen[str],
    *,
    check: bool = True,
    fix: str | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """Wait for a :func:`start`-ed child as :func:`run` does (its group is killed if the wait
    is interrupted) and return the completed process."""
    args = tuple(str(a) for a in proc.args)  # type: ignore[union-attr]
    try:
        out, _ = proc.communicate(timeout=timeout)
    except BaseException:
        kill(proc)
        raise
    done = subprocess.CompletedProcess(args, proc.returncode, out, None)
    if check and done.returncode != 0:
        raise CommandError(args, done.returncode, done.stdout or "", fix=fix)
    return done


def kill(proc: subprocess.Popen[str]) -> None:
    """End a :func:`start`-ed child's whole process group and reap it."""
    if os.name == "posix":
        _end_group(proc)
    else:  # pragma: no cover - not a POSIX system
        proc.kill()
        proc.wait()


_PRCTL: list[object] = []
#: Signals held back while a child is forked (see :func:`start`).
_DEFERRED = frozenset(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM") if hasattr(signal, "pthread_sigmask")
)


def _prctl() -> object:
    if not _PRCTL:
        _PRCTL.append(_pdeathsig())
    return _PRCTL[0]
