"""``pitstop lock [--check] [--upgrade [PKG ...]]``."""

from __future__ import annotations

import argparse
import os
import sys

from pitstop.errors import NOT_READY, READY, env_flag


def run(args: argparse.Namespace) -> int:
    """Write fresh locks, or with ``--check`` report freshness offline."""
    if args.check:
        return _check(args)
    from pitstop.commands import Options, context, selected_envs
    from pitstop.locking import lock_env

    ctx = context(Options.of(args))
    upgrade_all = args.upgrade is not None and not args.upgrade
    for env in selected_envs(ctx.project, Options.of(args), managed_only=True):
        lock_env(
            ctx.project,
            env,
            runtimes=ctx.runtimes,
            reporter=ctx.reporter,
            upgrade=upgrade_all,
            upgrade_packages=tuple(args.upgrade or ()),
        )
    from pitstop.commands.check import remember_locks

    remember_locks(ctx.project, create=True)
    return READY


def _check(args: argparse.Namespace) -> int:
    # The pre-commit hook's path: config + text of the lock; no uv, no resolver, no probe.
    from pathlib import Path

    from pitstop import lockfile
    from pitstop.commands import Options, reporter_for, selected_envs, working_directory
    from pitstop.inputs import collect
    from pitstop.session import load_project

    working_directory()
    project = load_project(Path(args.project) if args.project else None)
    opts = Options.of(args)
    reporter = reporter_for(opts)
    failures = 0
    for env in selected_envs(project, opts, managed_only=True):
        inputs = collect(project, env)
        state = lockfile.status(project.lock_path(env), inputs.hash)
        if state.fresh:
            reporter.step(f"{state.path.name}: fresh")
            continue
        failures += 1
        flag = env_flag(env.name)
        sys.stderr.write(f"error: {state.describe()}\nrun: pitstop lock{flag}\n")
        if os.environ.get("GITHUB_ACTIONS") == "true":
            from pitstop.errors import github_annotation

            shown = os.path.relpath(state.path) if state.path.is_absolute() else str(state.path)
            sys.stdout.write(
                github_annotation(state.describe(), fix=f"run: pitstop lock{flag}", file=shown) + "\n"
            )
    if failures:
        return NOT_READY
    from pitstop.commands.check import remember_locks

    remember_locks(project)
    return READY
