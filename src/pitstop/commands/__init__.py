"""One small module per subcommand; each exposes ``run(args) -> int``."""

from __future__ import annotations

import argparse
from pathlib import Path

from pitstop.config import DEFAULT_ENV, EnvSpec, Project
from pitstop.errors import ConfigError, NoConfigError
from pitstop.output import Reporter
from pitstop.session import Session, load_project, open_session


def _verbosity(args: argparse.Namespace) -> int:
    return int(getattr(args, "verbose", 0)) - int(getattr(args, "quiet", 0))


def reporter_for(args: argparse.Namespace) -> Reporter:
    """-q / -v into a Reporter."""
    return Reporter(_verbosity(args))


def context(args: argparse.Namespace, *, allow_auto: bool = False, read_only: bool = False) -> Session:
    """Load the project named by ``--project`` (or found upwards) into a Session (the policy
    from ``--strict``/``--no-strict`` where the command has them).

    With ``allow_auto`` (run, python, check) a directory without pitstop config is one
    auto-detected env rooted at the nearest directory upwards holding an adopted kind's
    marker (``uv.lock``, ``.venv``, ...), else at the working directory (or ``--project``).
    """
    try:
        project = load_project(Path(args.project) if args.project else None)
    except NoConfigError:
        if not allow_auto:
            raise
        from pitstop.discovery import find_marker
        from pitstop.kinds import plugins
        from pitstop.kinds.registry import auto_project

        if args.project:  # --project names the root itself: no search
            project = auto_project(Path(args.project))
        else:
            found = find_marker(str(Path.cwd()), plugins.declared_markers)
            project = auto_project(found[0] if found else Path.cwd())
    return open_session(
        project,
        strict=getattr(args, "strict", None),
        verbosity=_verbosity(args),
        read_only=read_only,
    )


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
