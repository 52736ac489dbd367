"""nox integration: ready-made ``setup``/``check``/``lock`` sessions and a decorator whose
sessions run inside a pitstop env.

Register the ready-made sessions by importing them into a noxfile::

    from pitstop.nox import check, lock, setup, session

    @session(env="test")
    def tests(session):
        session.run("pytest", *session.posargs)

Sessions have no venv of their own (``venv_backend="none"``): the pitstop env is put on
``session.env`` (PATH, VIRTUAL_ENV) after being ensured in nox's install phase, so ``-R`` and
``--no-install`` reuse it as it is and ``--install-only`` only provisions it.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any, TypeVar, cast

import nox

__all__ = ["session"]  # plus the ready-made check, lock and setup (see __getattr__)

F = TypeVar("F", bound=Callable[..., Any])
_READY_MADE = {
    "setup": "Provision pitstop envs (pass pitstop arguments after --, e.g. -- --all).",
    "check": "Show the status of every pitstop env (read-only).",
    "lock": "Resolve pitstop envs into their locks (e.g. -- --upgrade).",
}
_registered: dict[str, Any] = {}


def __getattr__(name: str) -> Any:
    # `from pitstop.nox import setup` registers the session; merely importing the module for
    # the decorator registers nothing.
    if name in _READY_MADE:
        if name not in _registered:
            _registered[name] = _ready_made(name)
        return _registered[name]
    raise AttributeError(f"module 'pitstop.nox' has no attribute {name!r}")


def _ready_made(name: str) -> Any:
    def run(session: nox.Session) -> None:
        from pitstop.main import main

        code = main([name, *session.posargs])  # in nox's own process
        if code:
            session.error(f"pitstop {name} failed (exit {code}); see the message above")

    run.__name__ = name
    run.__qualname__ = name
    run.__doc__ = _READY_MADE[name]
    return nox.session(name=name, venv_backend="none")(run)


def session(
    *,
    env: str = "default",
    project: str | os.PathLike[str] | None = None,
    **nox_kwargs: Any,
) -> Callable[[F], F]:
    """Like ``@nox.session``, but the session runs inside pitstop env ``env``.

    Keyword-only; every other keyword goes to ``nox.session`` (``name``, ``tags``,
    ``default``, ``requires``, ...). ``python`` and ``venv_backend`` are refused: the env's
    Python is configured in ``[tool.pitstop]``.
    """
    for key in ("python", "py", "venv_backend", "venv_params", "reuse_venv"):
        if key in nox_kwargs:
            raise TypeError(
                f"pitstop.nox.session() does not take {key!r}: the env's python and packages "
                f"are set in [tool.pitstop] (env {env!r})"
            )

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(session: nox.Session, *args: Any, **kwargs: Any) -> Any:
            _enter(session, env, project)
            return func(_PitstopSession(session, env), *args, **kwargs)

        return cast(F, nox.session(venv_backend="none", **nox_kwargs)(wrapper))

    return decorate


def _installs_enabled(session: nox.Session) -> bool:
    # nox keeps --no-install (also implied by -R) on its runner's global config; a session
    # without a venv has no public accessor for it, so read it defensively.
    config = getattr(getattr(session, "_runner", None), "global_config", None)
    return not bool(getattr(config, "no_install", False))


def _enter(session: nox.Session, env: str, project: str | os.PathLike[str] | None) -> None:
    from pitstop import api
    from pitstop.errors import PitstopError

    try:
        if _installs_enabled(session):
            api.ensure(env, project=project)
        command = api.resolve(env, project=project)
    except PitstopError as exc:
        session.error(f"{exc.message}\n{_nox_fix(exc.fix or '')}".rstrip())
    if command.bin_dir and not os.path.exists(command.argv[0]):
        session.error(f"pitstop env {env!r} is not built yet\nrun: nox -s setup -- -e {env}")
    if command.bin_dir:
        session.env["PATH"] = command.bin_dir + os.pathsep + os.environ.get("PATH", "")
    for key, value in command.env:
        session.env[key] = value
    session.env.pop("PYTHONHOME", None)


def _nox_fix(fix: str) -> str:
    """``run: pitstop setup -e docs`` -> ``run: nox -s setup -- -e docs``."""
    prefix = "run: pitstop setup"
    if not fix.startswith(prefix):
        return fix
    rest = fix[len(prefix) :]
    args = rest.split("  (", 1)[0].strip()
    return f"run: nox -s setup{' -- ' + args if args else ''}"


class _PitstopSession:
    """The nox session, minus installs: packages belong in the env's requirements."""

    def __init__(self, session: nox.Session, env: str) -> None:
        self._session = session
        self._env = env

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)

    def _resolved(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        # nox looks programs up on its own PATH; look them up on the env's PATH first.
        if args and isinstance(args[0], str) and os.sep not in args[0]:
            import shutil

            found = shutil.which(args[0], path=str(self._session.env.get("PATH") or ""))
            if found:
                return (found, *args[1:])
        return args

    def run(self, *args: Any, **kwargs: Any) -> Any:
        """``session.run`` with programs found in the pitstop env."""
        return self._session.run(*self._resolved(args), **kwargs)

    def run_install(self, *args: Any, **kwargs: Any) -> Any:
        """``session.run_install`` with programs found in the pitstop env."""
        return self._session.run_install(*self._resolved(args), **kwargs)

    run_always = run_install

    def _refuse(self, *args: Any, **kwargs: Any) -> None:
        what = " ".join(str(a) for a in args) or "packages"
        table = "[tool.pitstop]" if self._env == "default" else f"[tool.pitstop.envs.{self._env}]"
        self._session.error(
            f"session.install({what}) is not used in pitstop sessions: add {what} to the "
            f"requirements of {table}\nrun: nox -s setup"
        )

    install = _refuse
    conda_install = _refuse
    mamba_install = _refuse
    micromamba_install = _refuse
