"""``pitstop clean``: remove env directories (never locks, never the flock file)."""

from __future__ import annotations

import argparse

from pitstop.errors import READY


def run(args: argparse.Namespace) -> int:
    """Remove venv, venv.new, venv.prev and leftovers of the selected managed envs."""
    from pitstop import swap
    from pitstop.commands import context, selected_envs
    from pitstop.flock import EnvLock

    ctx = context(args)
    from pitstop.store import confined

    for env in selected_envs(ctx.project, args, managed_only=True):
        store = confined(ctx.project, env)  # never follows a symlink out of the project
        if not store.exists():
            ctx.reporter.step(f"{env.name}: nothing to clean")
            continue
        with EnvLock(store / swap.LOCKFILE, ctx.reporter):
            (store / swap.JOURNAL).unlink(missing_ok=True)
            for name in (swap.NEW, swap.OLD, swap.VENV, swap.PREV):
                swap.trash(store / name)
            swap.recover(store)
        swap.sweep(store)  # what was set aside, and trash a killed command left
        ctx.reporter.step(f"cleaned {env.name} ({store})")
    return READY
