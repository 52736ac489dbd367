"""The typed Python API: ensure, check, lock, resolve, detect.

Every failure raises :class:`pitstop.PitstopError` (with ``exit_code`` and ``fix``).
"""

from __future__ import annotations

import os

from pitstop.environment import Environment

TYPE_CHECKING = False  # see pitstop/__init__.py: ensure() on a ready env stays light
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any

    from pitstop.config import Project
    from pitstop.kinds.base import PythonCommand, Report
    from pitstop.kinds.detect import Detection
    from pitstop.locking import LockResult
    from pitstop.session import Session

__all__ = ["Environment", "check", "detect", "ensure", "lock", "resolve"]
DEFAULT_ENV = "default"


def _project(project: str | os.PathLike[str] | None) -> Project:
    from pathlib import Path

    from pitstop.session import load_project

    return load_project(Path(project) if project is not None else None)


def _session(
    project: str | os.PathLike[str] | None, *, strict: bool | None = None, quiet: bool = False
) -> Session:
    from pitstop.session import open_session

    return open_session(_project(project), strict=strict, verbosity=-1 if quiet else 0)


def ensure(
    env: str = DEFAULT_ENV,
    *,
    project: str | os.PathLike[str] | None = None,
    strict: bool | None = None,
    quiet: bool = False,
) -> Environment:
    """Make ``env`` ready per policy (dev: lock and build as needed; strict: verify only).

    A ready env is answered from the fast path (:mod:`pitstop.fastpath`) when nothing that
    decided it last time has changed."""
    from pitstop import fastpath

    name = fastpath.key("ensure", envs=[env], flags=[f"strict={strict!r}"])
    root = fastpath.find_root(os.path.abspath(project) if project is not None else os.getcwd())
    hit = fastpath.replay(root, name) if root is not None else None
    if hit is not None:
        return Environment(
            name=env,
            path=str(hit["venv"]),
            python=str(hit["python"]),
            bin_dir=str(hit["bin_dir"]),
            identity=hit.get("identity"),  # type: ignore[arg-type]
            generation=int(hit.get("generation", -1)),  # type: ignore[call-overload]
        )
    session = _session(project, strict=strict, quiet=quiet)
    prov = session.provisioner()
    spec = session.project.env(env)
    result = prov.ensure(spec, build=not session.policy.strict)
    ready = prov.status(spec)
    if ready.ready and not ready.pending and ready.held is None and ready.state is not None:
        answer = {
            "venv": str(result.path),
            "python": str(result.python),
            "bin_dir": str(result.bin_dir),
            "identity": dict(ready.state.runtime),
            "generation": result.generation,
        }
        fastpath.record(session.project.root, {name: answer}, files=prov.fingerprint(spec))
    return result


def check(
    env: str | Sequence[str] | None = None, *, project: str | os.PathLike[str] | None = None
) -> list[Report]:
    """Read-only status of ``env`` (a name, names, or every env when None)."""
    from pitstop.kinds import registry
    from pitstop.session import runtimes_for

    proj = _project(project)
    names = list(proj.envs) if env is None else [env] if isinstance(env, str) else list(env)
    runtimes = runtimes_for(proj, read_only=True)  # like `pitstop check`: never writes
    return [registry.validate(proj, proj.env(n), runtimes=runtimes) for n in names]


def lock(
    env: str = DEFAULT_ENV,
    *,
    project: str | os.PathLike[str] | None = None,
    upgrade: bool | Sequence[str] = False,
    quiet: bool = False,
) -> LockResult:
    """Resolve ``env`` into its lock (``upgrade``: True for all, or package names)."""
    from pitstop.locking import lock_env
    from pitstop.output import Reporter
    from pitstop.session import runtimes_for

    proj = _project(project)
    packages = tuple(upgrade) if not isinstance(upgrade, bool) else ()
    return lock_env(
        proj,
        proj.env(env),
        runtimes=runtimes_for(proj),
        reporter=Reporter(-1 if quiet else 0),
        upgrade=upgrade is True,
        upgrade_packages=packages,
    )


def resolve(
    env: str | Mapping[str, Any] = DEFAULT_ENV, *, project: str | os.PathLike[str] | None = None
) -> PythonCommand:
    """The Python command of a configured env name, or of a kind config such as
    ``{"kind": "docker", "container": "worker", "python": "python3"}``. Managed envs are not
    built here; call :func:`ensure` first."""
    from pathlib import Path

    from pitstop.config import ADOPTED_KEYS, KINDS, EnvSpec, Settings, Sources
    from pitstop.errors import ConfigError
    from pitstop.kinds import registry
    from pitstop.session import runtimes_for

    if isinstance(env, str):
        proj = _project(project)
        return registry.resolve(proj, proj.env(env), runtimes=runtimes_for(proj))
    kind = str(env.get("kind", "auto"))
    unknown = set(env) - set(ADOPTED_KEYS) - {"kind", "python"}
    if unknown or (kind not in KINDS and kind not in registry.third_party_names()):
        raise ConfigError(
            f"resolve(): bad kind config {dict(env)!r}",
            fix=f"use kind plus any of: python, {', '.join(ADOPTED_KEYS)}",
        )

    root = Path(project) if project is not None else Path.cwd()
    proj = registry.auto_project(root)
    spec = EnvSpec(
        name=DEFAULT_ENV,
        kind=kind,
        settings=Settings(python=env.get("python")),
        sources=Sources(),
        options=tuple((k, str(v)) for k, v in env.items() if k in ADOPTED_KEYS),
    )
    return registry.resolve(proj, spec, runtimes=runtimes_for(proj))


def detect(path: str | os.PathLike[str] = ".") -> Detection:
    """What auto-detection finds in ``path``."""
    from pathlib import Path

    from pitstop.kinds.detect import detect as _detect

    return _detect(Path(path))
