"""Installers behind one small Protocol, listed in a plain dict."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from pitstop.config import EnvSpec, Project
from pitstop.lockfile import LockFile
from pitstop.output import Reporter
from pitstop.runtime import Interpreter, Runtimes


class Installer(Protocol):
    """Creates a venv and installs exactly a lock into it."""

    name: str
    #: Distributions the installer itself puts into every env (pip's venvs carry pip).
    own_packages: frozenset[str]

    def create(self, venv: Path, interpreter: Interpreter) -> None:
        """Create an empty venv at ``venv`` for ``interpreter``."""

    def install(self, venv: Path, lock: LockFile, expected: dict[str, str | None]) -> None:
        """Install exactly ``lock`` (hash-checked); ``expected`` is what it selects here."""

    def finalize(self, venv: Path, final: Path) -> None:
        """Make the env at ``venv`` correct once it is renamed to ``final``."""

    def version(self, runtimes: Runtimes) -> str:
        """e.g. ``uv 0.8.3``."""


def get(name: str, project: Project, env: EnvSpec, reporter: Reporter) -> Installer:
    """The installer called ``name`` for ``env``."""
    from pitstop.installers.pip import PipInstaller
    from pitstop.installers.uv import UvInstaller

    installers: dict[str, type[UvInstaller] | type[PipInstaller]] = {
        "uv": UvInstaller,
        "pip": PipInstaller,
    }
    return installers[name](project, env, reporter)
