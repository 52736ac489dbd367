"""One small module per subcommand; each exposes ``run(args) -> int``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import NamedTuple

from pitstop.config import DEFAULT_ENV, EnvSpec, Project
from pitstop.errors import ConfigError, NoConfigError
from pitstop.output import Reporter
from pitstop.session import Session, load_project, open_session


class Options(NamedTuple):
    """The options the subcommands share, typed: read once from argparse's namespace, where
    ``main`` gives every subcommand all of them (a subcommand without ``-e``/``--all`` or
    ``--strict`` has the defaults)."""

    project: Path | None = None
    verbose: int = 0
    quiet: int = 0
    #: ``--strict`` True, ``--no-strict`` False, neither None.
    strict: bool | None = None
    envs: tuple[str, ...] = ()
    all: bool = False

    @classmethod
    def of(cls, args: argparse.Namespace) -> Options:
        """The shared options of a parsed command line."""
        return cls(
            project=Path(args.project) if args.project else None,
            verbose=int(args.verbose),
            quiet=int(args.quiet),
            strict=args.strict,
            envs=tuple(args.env or ()),
            all=bool(args.all),
        )

    @property
    def verbosity(self) -> int:
        """-v minus -q."""
        return self.verbose - self.quiet

    @property
    def plain(self) -> bool:
        """No --project, -v or -q (an answer the fast path may record)."""
        return self.project is None and not self.verbose and not self.quiet


def reporter_for(opts: Options) -> Reporter:
    """-q / -v into a Reporter."""
    return Reporter(opts.verbosity)


def working_directory() -> Path:
    """The working directory; one that was deleted (a release directory a deploy removed
    under a long-running launcher) is a config error (exit 2), not a failed build."""
    try:
        return Path.cwd()
    except FileNotFoundError:
        raise ConfigError(
            "the working directory no longer exists (it was deleted or replaced)",
            fix="cd into an existing directory, then run the command again",
        ) from None


def context(opts: Options, *, allow_auto: bool = False, read_only: bool = False) -> Session:
    """Load the project named by ``--project`` (or found upwards) into a Session (the policy
    from ``--strict``/``--no-strict`` where the command has them).

    With ``allow_auto`` (run, python, check) a directory without pitstop config is one
    auto-detected env rooted at the nearest directory upwards holding an adopted kind's
    marker (``uv.lock``, ``.venv``, ...), else at the working directory (or ``--project``).
    """
    working_directory()  # every later relative path and message assumes one
    try:
        project = load_project(opts.project)
    except NoConfigError:
        if not allow_auto:
            raise
        from pitstop.discovery import find_marker
        from pitstop.kinds import plugins
        from pitstop.kinds.registry import auto_project

        if opts.project:  # --project names the root itself: no search
            project = auto_project(opts.project)
        else:
            found = find_marker(str(Path.cwd()), plugins.declared_markers)
            project = auto_project(found[0] if found else Path.cwd())
    return open_session(
        project,
        strict=opts.strict,
        verbosity=opts.verbosity,
        read_only=read_only,
    )


def selected_envs(project: Project, opts: Options, *, managed_only: bool = False) -> list[EnvSpec]:
    """The envs named by ``-e`` (repeatable) or ``--all``; default ``default``."""
    names = list(opts.envs)
    if opts.all:
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
