"""``pitstop check [--json]``: read-only status of every selected env. Never writes."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from pitstop.errors import NOT_READY, READY

if TYPE_CHECKING:
    from pitstop.config import Project
    from pitstop.kinds.base import Report
    from pitstop.policy import Policy
    from pitstop.session import Session

_MARKS = {"ok": "✅", "warning": "⚠️ ", "error": "❌"}
_PLAIN = {"ok": "ok ", "warning": "warn", "error": "FAIL"}


def run(args: argparse.Namespace) -> int:
    """Print one block per env (SPEC §6 format) or JSON; exit 1 if any env has an error."""
    from pitstop.commands import Options, context, selected_envs
    from pitstop.kinds import registry

    opts = Options.of(args)
    ctx = context(opts, allow_auto=True, read_only=True)
    envs = selected_envs(ctx.project, opts)
    if not args.env and not args.all:
        envs = list(ctx.project.envs.values())  # check shows every configured env by default
    # A config error is exit 2 for every command (SPEC §3), not an env's error report.
    reports = [
        registry.validate(
            ctx.project, env, runtimes=ctx.runtimes, raise_config=True, strict=ctx.policy.strict
        )
        for env in envs
    ]
    if args.skip_unavailable:
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
    """Record the no-op answers of ``lock`` and ``lock --check`` (every form: default,
    ``-e NAME``, ``--all``) when the locks are fresh, and of ``check``/``check --json`` when
    every env is managed and ready, for the fast path: one stat pass, one cache write.
    Called after the full path found things in order (setup), so ``check`` never writes."""
    from pitstop.fastpath import key, record
    from pitstop.kinds import registry

    project = ctx.project
    envs = list(project.envs.values())
    answers = lock_answers(project)
    if all(e.kind == "managed" for e in envs):
        reports = [registry.validate(project, env, runtimes=ctx.runtimes) for env in envs]
        if all(r.status == "ok" for r in reports):
            from pitstop.policy import for_project

            policy = for_project(project)  # what a plain `check --json` reports, whatever the flags
            prov = ctx._replace(policy=policy).provisioner()
            files = [f for env in envs for f in prov.fingerprint(env)]
            for every in (False, True):
                answers[key("check", every=every)] = {"stdout": render_text(reports), "files": files}
                answers[key("check", every=every, flags=["--json"])] = {
                    "stdout": render_json(ctx, reports, policy),
                    "files": files,
                }
            for env, report in zip(envs, reports, strict=True):
                answers[key("check", envs=[env.name])] = {"stdout": render_text([report]), "files": files}
                answers[key("check", envs=[env.name], flags=["--json"])] = {
                    "stdout": render_json(ctx, [report], policy),
                    "files": files,
                }
    record(project.root, answers)


def remember_locks(project: Project, *, create: bool = False) -> None:
    """Record the answers of ``lock`` and ``lock --check`` (after ``lock`` or a passing
    ``lock --check``); ``create`` makes the default env store for the cache if needed."""
    from pitstop.fastpath import record

    if create:
        top = project.envs["default"].settings
        create = project.location(top) == project.root / ".pitstop"
    record(project.root, lock_answers(project), create=create)


def lock_answers(project: Project) -> dict[str, dict[str, object]]:
    """The fast-path answers of ``lock`` and ``lock --check`` for every selection of envs
    whose locks are all fresh, with the raw inputs (an unrelated edit keeps them valid)."""
    from pitstop import lockfile
    from pitstop.fastpath import key
    from pitstop.inputs import collect

    root = project.root
    managed = [e for e in project.envs.values() if e.kind == "managed"]
    fresh: dict[str, tuple[list[str], str, list[str]]] = {}
    for env in managed:
        inputs = collect(project, env)
        path = project.lock_path(env)
        if inputs.lock_runtime == "exact" or not lockfile.status(path, inputs.hash).fresh:
            continue
        warnings = [f"warning: {w}\n" for w in inputs.warnings]
        fresh[env.name] = ([*inputs.files, str(path)], path.name, warnings)
    common = [str(project.config_file), str(root / "pyproject.toml"), str(root / ".python-version")]
    answers: dict[str, dict[str, object]] = {}

    def answer(names: list[str], *, every: bool, envs: list[str]) -> None:
        if not names or not all(n in fresh for n in names):
            return
        files = [f for n in names for f in fresh[n][0]]
        spec = {"envs": names, "all": every, "files": files}
        checked = "".join(f"{fresh[n][1]}: fresh\n" for n in names)
        locked = "".join(f"{''.join(fresh[n][2])}{fresh[n][1]}: fresh, nothing to resolve\n" for n in names)
        for flags, text in (((), locked), (("--check",), checked)):
            answers[key("lock", envs=envs, every=every, flags=flags)] = {
                "stderr": text,
                "files": [*common, *files],
                "lock_inputs": spec,
            }

    if "default" in project.envs and project.envs["default"].kind == "managed":
        answer(["default"], every=False, envs=[])
    answer([e.name for e in managed], every=True, envs=[])
    for env in managed:
        answer([env.name], every=False, envs=[env.name])
    return answers


def _utf8(stream: object) -> bool:
    encoding = getattr(stream, "encoding", None) or ""
    return encoding.lower().replace("-", "") in ("utf8", "utf8sig")
