"""A :class:`Session`: what every command and API call works with, built once per call.

The CLI (``commands``) and the library (``api``, ``nox``) both open one here, so the project,
interpreter discovery, the reporter and the strict/dev policy are made the same way for both.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from pitstop.config import DEFAULT_ENV, KINDS, Project
from pitstop.output import Reporter

if TYPE_CHECKING:
    # Imported where used: `lock --check` and the pre-commit hook load a project but
    # never probe an interpreter nor decide a policy.
    from pitstop.policy import Policy
    from pitstop.provision import Provisioner
    from pitstop.runtime import Runtimes


class Session(NamedTuple):
    """The project, interpreter discovery, a reporter and the strict/dev policy."""

    project: Project
    runtimes: Runtimes
    reporter: Reporter
    policy: Policy

    def provisioner(self) -> Provisioner:
        """A Provisioner working under this session's policy."""
        from pitstop.provision import Provisioner

        return Provisioner(self.project, runtimes=self.runtimes, reporter=self.reporter, policy=self.policy)


def load_project(directory: Path | None = None) -> Project:
    """The project at ``directory`` (``--project``; None: found from the working directory),
    its third-party kinds checked: config parsing never reads entry points, so every caller
    loads the project here."""
    from pitstop import config_load

    project = config_load.load(directory)
    if any(spec.kind not in KINDS for spec in project.envs.values()):
        from pitstop.kinds import plugins

        plugins.check(project)
    return project


def runtimes_for(project: Project, *, read_only: bool = False) -> Runtimes:
    """Interpreter discovery with its cache in the project's env store (``read_only``: the
    cache is used but never written, for commands that must not write)."""
    from pitstop.runtime import Runtimes

    top = project.envs[DEFAULT_ENV].settings
    location = project.location(top)
    return Runtimes(location / ".cache" / "interpreters.json", store=location, read_only=read_only)


def open_session(
    project: Project, *, strict: bool | None = None, verbosity: int = 0, read_only: bool = False
) -> Session:
    """A Session for ``project``: ``strict`` is ``--strict``/``--no-strict`` (None: decide from
    the environment and ``auto-install``), ``verbosity`` is -q/-v, ``read_only`` as in
    :func:`runtimes_for`."""
    from pitstop import policy as _policy

    return Session(
        project,
        runtimes_for(project, read_only=read_only),
        Reporter(verbosity),
        _policy.for_project(project, strict=strict),
    )
