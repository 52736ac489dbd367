"""``pitstop check [--json]``: read-only status of every selected env. Never writes."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from pitstop.errors import NOT_READY, READY

if TYPE_CHECKING:
    from pitstop.kinds.base import Report
    from pitstop.policy import Policy
    from pitstop.session import Session

_MARKS = {"ok": "✅", "warning": "⚠️ ", "error": "❌"}
_PLAIN = {"ok": "ok ", "warning": "warn", "error": "FAIL"}


def run(args: argparse.Namespace) -> int:
    """Print one block per env (SPEC §6 format) or JSON; exit 1 if any env has an error."""
    from pitstop.commands import context, selected_envs
    from pitstop.kinds import registry

    ctx = context(args, allow_auto=True, read_only=True)
    envs = selected_envs(ctx.project, args)
    if not args.env and not args.all:
        envs = list(ctx.project.envs.values())  # check shows every configured env by default
    reports = [registry.validate(ctx.project, env, runtimes=ctx.runtimes) for env in envs]
    if getattr(args, "skip_unavailable", False):
        reports = [skip_unavailable(r) for r in reports]
    ok = all(r.status != "error" for r in reports)
    if args.json:
        sys.stdout.write(render_json(ctx, reports, ctx.policy))
    else:
        sys.stdout.write(render_text(reports))
    return READY if ok else NOT_READY


def skip_unavailable(report: Report) -> Report:
    """An adopted env that fails validation here becomes a warning (``--skip-unavailable``)."""
    from dataclasses import replace

    if report.status != "error" or report.kind == "managed":
        return report
    note = f"skipped: not available here: {report.message}"
    return replace(report, status="warning", message="", fix=None, warnings=(*report.warnings, note))


def render_json(ctx: Session, reports: list[Report], policy: Policy) -> str:
    """``check --json`` output (schema 1)."""
    data = {
        "schema": 1,
        "ready": all(r.status != "error" for r in reports),
        "policy": {"strict": policy.strict, "reason": policy.reason},
        "project": str(ctx.project.root),
        "envs": [r.to_dict() for r in reports],
    }
    return json.dumps(data, indent=2) + "\n"


def render_text(reports: list[Report]) -> str:
    """``check`` output: a status line per env, then its warnings and fix."""
    width = max(len(r.env) for r in reports)
    marks = _MARKS if _utf8(sys.stdout) else _PLAIN
    lines: list[str] = []
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
        lines.append("  ".join(parts).rstrip())
        lines += [f"    warning: {warning}" for warning in report.warnings]
        if report.status == "error" and report.fix:
            lines.append(f"    fix: {report.fix}")
    return "".join(f"{line}\n" for line in lines)


def remember(ctx: Session) -> None:
    """Record the answers of ``check``, ``check --json`` and ``lock --check`` for the fast
    path, when every env is managed and ready. Called by the commands that write (setup,
    lock), so that check itself never writes."""
    from dataclasses import replace

    from pitstop.fastpath import record_all
    from pitstop.kinds import registry
    from pitstop.policy import for_project

    envs = list(ctx.project.envs.values())
    if not all(e.kind == "managed" for e in envs):
        return
    reports = [registry.validate(ctx.project, env, runtimes=ctx.runtimes) for env in envs]
    if not all(r.status == "ok" for r in reports):
        return
    project = ctx.project
    policy = for_project(project)  # what a plain `check --json` reports, whatever this command's flags
    prov = replace(ctx, policy=policy).provisioner()
    files = [f for env in envs for f in prov.fingerprint(env)]
    # One stat pass, one write. `lock --check` without -e/--all checks the default env only.
    record_all(
        project.root,
        {
            "check": {"stdout": render_text(reports)},
            "check --json": {"stdout": render_json(ctx, reports, policy)},
            "lock --check": {"stderr": "pylock.toml: fresh\n"},
        },
        files=files,
    )


def _utf8(stream: object) -> bool:
    encoding = getattr(stream, "encoding", None) or ""
    return encoding.lower().replace("-", "") in ("utf8", "utf8sig")
