"""``pitstop setup``: fresh lock (dev) or required lock (strict), then provision / validate."""

from __future__ import annotations

import argparse

from pitstop.errors import NOT_READY, READY, NotReadyError


def run(args: argparse.Namespace) -> int:
    """Provision managed envs and validate adopted ones; exit 1 if an adopted one is broken."""
    from pitstop.commands import Options, context, selected_envs
    from pitstop.kinds import registry

    opts = Options.of(args)
    ctx = context(opts)
    prov = ctx.provisioner()
    ctx.reporter.detail(prov.policy.describe())
    failed = 0
    frozen = bool(args.frozen)
    skipped = 0
    for env in selected_envs(ctx.project, opts):
        if env.kind == "managed":
            try:
                result = prov.ensure(env, build=True, relock=not frozen)
            except NotReadyError as exc:
                if not frozen:
                    raise
                # The post-checkout hook: never write the lock, never fail the checkout.
                skipped += 1
                ctx.reporter.warn(f"{exc.message}; {exc.fix}")
                continue
            ctx.reporter.step(f"ready {env.name}: {result.path}")
            continue
        report = registry.validate(ctx.project, env, runtimes=ctx.runtimes, raise_config=True)
        if report.status == "error" and args.skip_unavailable:
            ctx.reporter.warn(f"skipped {env.name} ({env.kind}): not available here: {report.message}")
        elif report.status == "error":
            failed += 1
            ctx.reporter.error(f"{env.name} ({env.kind}): {report.message}", fix=report.fix)
        else:
            ctx.reporter.step(f"valid {env.name} ({env.kind}): {report.summary}")
    if not failed and not skipped:
        from pitstop.commands.check import remember

        remember(ctx)
    return NOT_READY if failed else READY
