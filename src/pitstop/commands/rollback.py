"""``pitstop rollback``: exchange venv.prev and venv under the env lock and journal."""

from __future__ import annotations

import argparse

from pitstop.errors import READY


def run(args: argparse.Namespace) -> int:
    """Roll each selected managed env back to its previous generation."""
    from pitstop import swap
    from pitstop.commands import Options, context, selected_envs
    from pitstop.flock import EnvLock

    opts = Options.of(args)
    ctx = context(opts)
    from pitstop.store import confined

    for env in selected_envs(ctx.project, opts, managed_only=True):
        store = confined(ctx.project, env)
        if not (store / swap.PREV).exists() and not (store / swap.JOURNAL).exists():
            swap.rollback(store)  # raises "no previous env" before anything is created
        try:
            with EnvLock(store / swap.LOCKFILE, ctx.reporter):
                journal = swap.interrupted(store) or {}
                repaired = swap.recover(store)
                if repaired:
                    ctx.reporter.step(f"{env.name}: {repaired}")
                if journal.get("op") == "rollback" and repaired and repaired.startswith("finished"):
                    # The rollback asked for was interrupted: finishing it *is* this rollback.
                    before, after = journal.get("from", "?"), journal.get("generation", "?")
                else:
                    before, after = swap.rollback(store)
        finally:
            swap.sweep(store)  # leftovers set aside under the lock
        ctx.reporter.step(f"rolled back {env.name}: generation {before} → {after} (run it again to return)")
    return READY
