"""The single helper that runs external commands, and the scrubbed environment they get."""

from __future__ import annotations

import os
import subprocess
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

    With ``capture`` stdout and stderr are captured together as text. A missing executable
    becomes a :class:`ProvisionError` naming it; a non-zero exit with ``check`` becomes a
    :class:`CommandError` showing the command, its exit code and the tail of its output.
    """
    args = tuple(str(a) for a in argv)
    try:
        proc = subprocess.run(
            args,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            stdout=subprocess.PIPE if capture else None,
            stderr=subprocess.STDOUT if capture else None,
            stdin=subprocess.DEVNULL,
            text=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        raise ProvisionError(
            f"{args[0]} was not found", fix=fix or f"install {os.path.basename(args[0])}"
        ) from None
    except PermissionError:
        raise ProvisionError(f"{args[0]} is not executable", fix=fix) from None
    if check and proc.returncode != 0:
        raise CommandError(args, proc.returncode, proc.stdout or "", fix=fix)
    return proc
