"""``pitstop clean``: remove env directories and the empty-venv templates (never locks, never
the flock file)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from pitstop.errors import READY

if TYPE_CHECKING:
    from pitstop.config import EnvSpec, Project


def run(args: argparse.Namespace) -> int:
    """Remove venv, venv.new, venv.prev and leftovers of the selected managed envs."""
    from pitstop import swap
    from pitstop.commands import Options, context, selected_envs
    from pitstop.flock import EnvLock

    opts = Options.of(args)
    ctx = context(opts)
    from pitstop.installers import template
    from pitstop.store import confined

    selected = selected_envs(ctx.project, opts, managed_only=True)
    for env in [variant for chosen in selected for variant in with_variants(ctx.project, chosen)]:
        store = confined(ctx.project, env)  # never follows a symlink out of the project
        if not store.exists():
            ctx.reporter.step(f"{_label(env)}: nothing to clean")
            continue
        with EnvLock(store / swap.LOCKFILE, ctx.reporter):
            (store / swap.JOURNAL).unlink(missing_ok=True)
            for name in (swap.NEW, swap.OLD, swap.VENV, swap.PREV):
                swap.trash(store / name)
            swap.recover(store)
        swap.sweep(store)  # what was set aside, and trash a killed command left
        template.forget(store.parent / ".cache")  # the next build runs uv venv afresh
        ctx.reporter.step(f"cleaned {_label(env)} ({store})")
    return READY


def with_variants(project: Project, env: EnvSpec) -> list[EnvSpec]:
    """``env`` and the per-interpreter envs a nox matrix built from it (``<env>@3.12``)."""
    location = project.location(env.settings)
    found = sorted(p.name for p in location.iterdir()) if location.is_dir() else []
    prefix = f"{env.name}@"  # env names cannot contain "@"
    return [env] + [env._replace(python_variant=n[len(prefix) :]) for n in found if n.startswith(prefix)]


def _label(env: EnvSpec) -> str:
    return f"{env.name}@{env.python_variant}" if env.python_variant else env.name
