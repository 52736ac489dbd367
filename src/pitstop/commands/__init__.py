"""One small module per subcommand; each exposes ``run(args) -> int``."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pitstop.config import DEFAULT_ENV, EnvSpec, Project
from pitstop.errors import ConfigError, NoConfigError
from pitstop.output import Reporter
from pitstop.runtime import Runtimes

if TYPE_CHECKING:
    from pitstop.policy import Policy
    from pitstop.provision import Provisioner


@dataclass(frozen=True, slots=True)
class Context:
    """What every command needs: the project, a reporter and interpreter discovery."""

    project: Project
    reporter: Reporter
    runtimes: Runtimes


def reporter_for(args: argparse.Namespace) -> Reporter:
    """-q / -v into a Reporter."""
    return Reporter(int(getattr(args, "verbose", 0)) - int(getattr(args, "quiet", 0)))


def context(args: argparse.Namespace, *, allow_auto: bool = False, read_only: bool = False) -> Context:
    """Load the project named by ``--project`` (or found upwards) into a Context.

    With ``allow_auto`` (run, python, check) a directory without pitstop config is one
    auto-detected env rooted at the nearest directory upwards holding an adopted kind's
    marker (``uv.lock``, ``.venv``, ...), else at the working directory (or ``--project``).
    """
    from pitstop import config

    try:
        project = config.load(Path(args.project) if args.project else None)
    except NoConfigError:
        if not allow_auto:
            raise
        from pitstop.discovery import find_marker
        from pitstop.kinds.registry import auto_project

        if args.project:  # --project names the root itself: no search
            project = auto_project(Path(args.project))
        else:
            found = find_marker(str(Path.cwd()))
            project = auto_project(found[0] if found else Path.cwd())
    return Context(project, reporter_for(args), runtimes_for(project, read_only=read_only))


def runtimes_for(project: Project, *, read_only: bool = False) -> Runtimes:
    """Interpreter discovery with its cache in the project's env store (``read_only``: the
    cache is used but never written, for commands that must not write)."""
    top = project.envs[DEFAULT_ENV].settings
    location = project.location(top)
    return Runtimes(location / ".cache" / "interpreters.json", store=location, read_only=read_only)


def selected_envs(project: Project, args: argparse.Namespace, *, managed_only: bool = False) -> list[EnvSpec]:
    """The envs named by ``-e`` (repeatable) or ``--all``; default ``default``."""
    names: list[str] = list(getattr(args, "env", None) or [])
    if getattr(args, "all", False):
        if names:
            raise ConfigError("use either -e/--env or --all, not both", fix="drop one of them")
        envs = list(project.envs.values())
        return [e for e in envs if e.kind == "managed"] if managed_only else envs
    envs = [project.env(name) for name in (names or [DEFAULT_ENV])]
    if managed_only:
        for env in envs:
            if env.kind != "managed":
                raise ConfigError(
                    f"env {env.name!r} is kind {env.kind!r}; pitstop only locks managed envs",
                    fix="pick a managed env with -e, or use --all",
                )
    return envs


def policy_for(ctx: Context, args: argparse.Namespace) -> Policy:
    """The strict/dev policy from flags, environment and the default env's auto-install."""
    from pitstop.policy import decide

    project = ctx.project
    auto = project.auto_install_override or project.envs[DEFAULT_ENV].settings.auto_install
    return decide(
        flag=getattr(args, "strict", None),
        auto_install=auto,
        auto_install_from_env=project.auto_install_override is not None,
    )


def provisioner(ctx: Context, args: argparse.Namespace) -> Provisioner:
    """A Provisioner for this command's policy."""
    from pitstop.provision import Provisioner

    policy = policy_for(ctx, args)
    return Provisioner(ctx.project, runtimes=ctx.runtimes, reporter=ctx.reporter, policy=policy)
