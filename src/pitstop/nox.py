"""nox integration: ready-made ``setup``/``check``/``lock`` sessions and a decorator whose
sessions run inside a pitstop env.

Register the ready-made sessions by importing them into a noxfile::

    from pitstop.nox import check, lock, setup, session

    @session(env="test", python=["3.11", "3.12"])
    def tests(session):
        session.run("pytest", *session.posargs)

Sessions have no venv of nox's own (``venv_backend="none"``): the pitstop env is put on
``session.env`` (PATH, VIRTUAL_ENV) after being ensured in nox's install phase, so ``-R`` and
``--no-install`` reuse it as it is and ``--install-only`` only provisions it. ``python=`` is
parametrized by nox itself (names ``tests-3.12``, ``--python``, ``--force-python``,
``--extra-python``); each interpreter gets its own env built from the env's one lock.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any

import nox

from pitstop._nox_session import PitstopSession
from pitstop._nox_target import NoxfileError, Target, registered_ready_made, render_for_nox

__all__ = ["session"]  # plus the ready-made check, lock and setup (see __getattr__)

_READY_MADE = {
    "setup": "Provision pitstop envs (pass pitstop arguments after --, e.g. -- --all).",
    "check": "Show the status of every pitstop env (read-only).",
    "lock": "Resolve pitstop envs into their locks (e.g. -- --upgrade).",
}
#: nox.session keywords the decorator passes on; the others are refused (the env's packages,
#: interpreter and venv belong to pitstop).
_PASSED_ON = ("name", "tags", "default", "requires", "allow_parallel")
_REFUSED = {
    "venv_backend": "pitstop builds the env (uv or pip, per [tool.pitstop] installer)",
    "venv_params": "pitstop builds the env",
    "reuse_venv": "pitstop envs are reused until their lock changes; -R skips the install phase",
    "download_python": "pitstop finds interpreters itself (uv python install when allowed)",
}


def __getattr__(name: str) -> Any:
    # `from pitstop.nox import setup` registers the session; merely importing the module for
    # the decorator registers nothing. Nothing is cached here: nox resets its registry before
    # loading the noxfile (e.g. under `uv run noxfile.py`), and every import registers again.
    if name in _READY_MADE:
        return registered_ready_made(name) or _ready_made(name)
    raise AttributeError(f"module 'pitstop.nox' has no attribute {name!r}")


def _ready_made(name: str) -> Any:
    def run(session: nox.Session) -> None:
        from pitstop.main import main

        posargs = list(session.posargs)
        if name == "lock" and "--check" not in posargs:
            policy = Target.policy_for(None)
            if policy is not None and policy.strict:
                session.error(
                    f"nox -s lock resolves and writes locks, which strict mode never does "
                    f"({policy.describe()})\nrun: nox -s lock  (locally, outside CI), then commit the "
                    "locks; in CI: nox -s lock -- --check"
                )
        code = main([name, *posargs], render=render_for_nox)
        if code:
            session.error(f"pitstop {name} failed (exit {code}); see the message above")

    run.__name__ = name
    run.__qualname__ = name
    run.__doc__ = _READY_MADE[name]
    func: Any = nox.session(name=name, venv_backend="none", default=False)(run)
    func._pitstop_ready_made = True
    return func


def session(
    func: Callable[..., Any] | None = None,
    /,
    *,
    env: str = "default",
    project: str | os.PathLike[str] | None = None,
    python: str | list[str] | tuple[str, ...] | None = None,
    py: str | list[str] | tuple[str, ...] | None = None,
    **nox_kwargs: Any,
) -> Any:
    """Like ``@nox.session``, but the session runs inside pitstop env ``env``.

    ``python`` (or ``py``) parametrizes the session exactly like nox's own: one session per
    interpreter (``tests-3.11``, ``tests-3.12``), each in an env built for that interpreter
    from the env's one lock. ``name``, ``tags``, ``default`` and ``requires`` go to nox;
    ``venv_backend``, ``venv_params``, ``reuse_venv`` and ``download_python`` are refused with
    a pitstop error. ``@session`` without arguments uses env ``default``.
    """
    if python is not None and py is not None:
        raise NoxfileError("give python= or py=, not both", fix="drop py=")
    pythons = _pythons(python if python is not None else py, env)
    for key in nox_kwargs:
        if key in _REFUSED:
            raise NoxfileError(
                f"@pitstop.nox.session(env={env!r}) does not take {key}=: {_REFUSED[key]}",
                fix=f"remove {key}= (the env is configured in [tool.pitstop])",
            )
        if key not in _PASSED_ON:
            raise NoxfileError(
                f"@pitstop.nox.session() got an unknown keyword {key}=",
                fix=f"use env=, project=, python=, or nox's {', '.join(_PASSED_ON)}",
            )
        if key not in _nox_keywords():
            raise NoxfileError(
                f"this nox ({getattr(nox, '__version__', 'unknown version')}) does not take {key}=",
                fix=f"upgrade nox, or remove {key}=",
            )

    def decorate(given: Callable[..., Any]) -> Any:
        kwargs = dict(nox_kwargs)
        target_python = pythons
        fn = _absorb(given, kwargs, env)
        if target_python is None and kwargs.get("python") is not None:
            target_python = _pythons(kwargs["python"], env)
        kwargs.pop("python", None)

        @functools.wraps(fn)
        def wrapper(session: nox.Session, *args: Any, **kw: Any) -> Any:
            target = Target.enter(session, env=env, project=project)
            return fn(PitstopSession(session, target), *args, **kw)

        registered: Any = nox.session(venv_backend="none", python=target_python, **kwargs)(wrapper)
        registered.__class__ = _matrix_class(type(registered))
        return registered

    if func is not None:
        if not callable(func):
            raise NoxfileError(
                "@pitstop.nox.session takes keyword arguments only", fix='use @session(env="NAME")'
            )
        return decorate(func)
    return decorate


def _nox_keywords() -> set[str]:
    import inspect

    return set(inspect.signature(nox.session).parameters)


def _pythons(value: Any, env: str) -> str | list[str] | None:
    """Validate nox's ``python=``: None, a version request, or a list of them."""
    if value is None or value is False:
        return None
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) for v in values):
        raise NoxfileError(
            f"@pitstop.nox.session(env={env!r}): python= must be a version or a list of versions, "
            f"not {value!r}",
            fix='use python="3.12" or python=["3.11", "3.12"]',
        )
    for item in values:
        Target.check_variant(item)
    return value if isinstance(value, str) else list(values)


def _absorb(fn: Any, kwargs: dict[str, Any], env: str) -> Any:
    """A ``@nox.session`` under ``@pitstop.nox.session``: take its function and settings and
    drop its own registration, so the session exists once and runs in the pitstop env."""
    inner = getattr(fn, "func", None)
    if inner is None or not hasattr(fn, "venv_backend") or not hasattr(fn, "should_warn"):
        return fn  # a plain function
    if fn.venv_backend not in (None, "none") or fn.venv_params or fn.reuse_venv is not None:
        raise NoxfileError(
            f"@nox.session(...) under @pitstop.nox.session(env={env!r}) sets its own venv",
            fix="drop the inner @nox.session; give name=, tags= etc. to @pitstop.nox.session",
        )
    from nox import registry

    registry._REGISTRY.pop(fn.name or fn.__name__, None)  # nox has no public unregister
    kwargs.setdefault("name", fn.name)
    if fn.tags:
        kwargs.setdefault("tags", list(fn.tags))
    if not fn.default:
        kwargs.setdefault("default", False)
    if fn._requires:
        kwargs.setdefault("requires", list(fn._requires))
    if fn.python is not None:
        kwargs.setdefault("python", fn.python)
    return inner


def _matrix_class(base: Any) -> type:
    """A subclass of nox's ``Func`` that lets nox parametrize ``python`` while the sessions
    themselves have no nox venv.

    nox drops ``python=`` for ``venv_backend="none"`` sessions; this class reports no backend
    while ``python`` is still a list (so nox expands it into ``name-3.11``, ``name-3.12`` and
    applies ``--python``, ``--force-python`` and ``--extra-python``) and ``"none"`` for every
    expanded session, which then runs in the process's own environment.
    """

    def get_backend(self: Any) -> str | None:
        return None if isinstance(self.python, (list, tuple, set)) else "none"

    def set_backend(self: Any, value: Any) -> None:
        pass  # nox's constructor assigns it; the property decides

    def copy(self: Any, name: str | None = None) -> Any:
        new = base.copy(self, name)
        new.__class__ = type(self)
        return new

    return type(
        "PitstopFunc",
        (base,),
        {"venv_backend": property(get_backend, set_backend), "copy": copy, "__module__": __name__},
    )
