"""Installers behind one small Protocol (:mod:`pitstop.installers.base`), listed in a plain dict."""

from __future__ import annotations

from pitstop.config import EnvSpec, Project
from pitstop.installers.base import Installer
from pitstop.output import Reporter


def get(name: str, project: Project, env: EnvSpec, reporter: Reporter) -> Installer:
    """The installer called ``name`` for ``env``."""
    from pitstop.installers.pip import PipInstaller
    from pitstop.installers.uv import UvInstaller

    installers: dict[str, type[UvInstaller] | type[PipInstaller]] = {
        "uv": UvInstaller,
        "pip": PipInstaller,
    }
    return installers[name](project, env, reporter)
