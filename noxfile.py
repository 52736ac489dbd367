"""pitstop's own nox sessions, run in pitstop-managed envs declared in pyproject.toml.

nox -s setup          # provision the envs (pitstop's ready-made session)
nox                   # lint, typecheck, tests
nox -s soak -- --size 3
"""

from __future__ import annotations

import nox

from pitstop.nox import check, lock, session, setup

__all__ = ["bench", "check", "lint", "lock", "setup", "soak", "tests", "typecheck"]

nox.options.sessions = ["lint", "typecheck", "tests"]

PATHS = ("src", "tests", "benchmarks", "noxfile.py")


@session(env="lint")
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.run("ruff", "check", *PATHS)
    session.run("ruff", "format", "--check", *PATHS)


@session(env="default")
def typecheck(session: nox.Session) -> None:
    """mypy --strict over src, tests and benchmarks."""
    session.run("mypy")


@session(env="default")
def tests(session: nox.Session) -> None:
    """The test suite (pass pytest arguments after --)."""
    session.run("python", "-m", "pytest", *session.posargs)


@session(env="default")
def soak(session: nox.Session) -> None:
    """The reliability soak (e.g. nox -s soak -- --size 3)."""
    session.run("python", "benchmarks/soak.py", *session.posargs)


@session(env="bench")
def bench(session: nox.Session) -> None:
    """Benchmarks against uv, nox, tox and pre-commit (e.g. nox -s bench -- --write docs/benchmarks.md)."""
    session.run("python", "benchmarks/bench.py", *session.posargs)
