"""``pitstop check [--json]``: read-only status of every selected env. Never writes."""

from __future__ import annotations

import argparse
import json
import sys

from pitstop.errors import NOT_READY, READY

_MARKS = {"ok": "✅", "warning": "⚠️ ", "error": "❌"}
_PLAIN = {"ok": "ok ", "warning": "warn", "error": "FAIL"}


def run(args: argparse.Namespace) -> int:
    """Print one block per env (SPEC §6 format) or JSON; exit 1 if any env has an error."""
    from pitstop.commands import context, policy_for, selected_envs
    from pitstop.kinds import registry

    ctx = context(args, allow_auto=True)
    envs = selected_envs(ctx.project, args)
    if not args.env and not args.all:
        envs = list(ctx.project.envs.values())  # check shows every configured env by default
    reports = [registry.validate(ctx.project, env, runtimes=ctx.runtimes) for env in envs]
    ok = all(r.status != "error" for r in reports)
    if args.json:
        policy = policy_for(ctx, args)
        json.dump(
            {
                "schema": 1,
                "ready": ok,
                "policy": {"strict": policy.strict, "reason": policy.reason},
                "project": str(ctx.project.root),
                "envs": [r.to_dict() for r in reports],
            },
            sys.stdout,
            indent=2,
        )
        sys.stdout.write("\n")
        return READY if ok else NOT_READY
    width = max(len(r.env) for r in reports)
    marks = _MARKS if _utf8(sys.stdout) else _PLAIN
    for report in reports:
        parts = [f"{marks[report.status]} {report.env:<{width}}", f"{report.kind:<8}"]
        if report.status == "error":
            parts.append(report.message)
        else:
            if report.summary:
                parts.append(report.summary)
            if report.kind == "managed":
                parts.append("lock fresh")
        if report.location:
            parts.append(f"({report.location})")
        sys.stdout.write("  ".join(parts).rstrip() + "\n")
        for warning in report.warnings:
            sys.stdout.write(f"    warning: {warning}\n")
        if report.status == "error" and report.fix:
            sys.stdout.write(f"    fix: {report.fix}\n")
    return READY if ok else NOT_READY


def _utf8(stream: object) -> bool:
    encoding = getattr(stream, "encoding", None) or ""
    return encoding.lower().replace("-", "") in ("utf8", "utf8sig")
