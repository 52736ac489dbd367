"""``pitstop run [-e ENV] -- CMD ...``: ensure the env per policy, run CMD inside it."""

from __future__ import annotations

import argparse
import subprocess
import sys
from dataclasses import replace
from typing import TYPE_CHECKING

from pitstop.errors import UsageError

if TYPE_CHECKING:
    from pitstop.commands import Options
    from pitstop.config import EnvSpec
    from pitstop.kinds.base import PythonCommand, Report
    from pitstop.session import Session


def command_for_env(
    opts: Options, *, with_report: bool = False, record_run: bool = False
) -> tuple[Session, EnvSpec, PythonCommand, Report | None]:
    """Shared by ``run`` and ``python``: (context, env spec, PythonCommand, Report) after
    ensuring a managed env; an adopted env is validated exactly as ``check`` does, so a ❌
    there is a NotReadyError here with the same fix (the Report is None for a managed env
    unless ``with_report``). ``record_run``: remember a ready env for ``run``'s fast path."""
    from pitstop.commands import context, selected_envs
    from pitstop.kinds import registry
    from pitstop.kinds.base import command_of

    ctx = context(opts, allow_auto=True)
    if opts.all:
        raise UsageError("this command takes one env, not --all", fix="pass -e NAME")
    envs = selected_envs(ctx.project, opts)
    if len(envs) != 1:
        raise UsageError("this command takes one env", fix="pass a single -e NAME")
    env = envs[0]
    if env.kind != "managed":
        adopted = registry.validate(ctx.project, env, runtimes=ctx.runtimes, raise_config=True, remember=True)
        return ctx, env, command_of(adopted), adopted
    prov = ctx.provisioner()
    ready = prov.ensure(env, build=False)
    command = registry.resolve(ctx.project, env, runtimes=ctx.runtimes)
    command = replace(command, prefix=str(ready.path))
    report: Report | None = None
    if record_run and opts.plain:
        state = prov.status(env)
        if state.ready and not state.pending and state.held is None:
            from pitstop.fastpath import key, record

            answer = {"bin_dir": str(ready.bin_dir), "venv": str(ready.path)}
            record(ctx.project.root, {key("run", envs=[env.name]): answer}, files=prov.fingerprint(env))
    if with_report:
        from pitstop.kinds.base import Report

        recorded = prov.status(env).state
        runtime = dict(recorded.runtime) if recorded else {}
        report = Report(
            env.name,
            "managed",
            "ok",
            command=command,
            implementation=_str(runtime.get("implementation")),
            version=_str(runtime.get("version")),
            free_threading=bool(runtime.get("free_threading")) if runtime else None,
            executable=_str(runtime.get("executable")),
        )
    return ctx, env, command, report


def _str(value: object) -> str | None:
    return str(value) if value is not None else None


def run(args: argparse.Namespace) -> int:
    """Return CMD's exit code (128+N when it died of signal N)."""
    cmd = list(args.cmd)
    if cmd and cmd[0] == "--":
        cmd = cmd[1:]
    if not cmd:
        raise UsageError("run needs a command", fix="run: pitstop run -- python -c 'print(1)'")
    if not cmd[0] or "\0" in cmd[0]:
        raise UsageError(
            f"run: {cmd[0]!r} is not a command name", fix="run: pitstop run -- python -c 'print(1)'"
        )
    from pitstop.commands import Options

    _, env, command, _ = command_for_env(Options.of(args), record_run=True)
    argv = command.command_for(cmd)
    try:
        proc = subprocess.Popen(argv, env=command.environ(), cwd=command.cwd)
    except FileNotFoundError:
        sys.stderr.write(
            f"error: {cmd[0]}: command not found in env {env.name!r}\n"
            f"fix: add the package that provides {cmd[0]} to the env's requirements\n"
        )
        return 127
    except PermissionError:
        sys.stderr.write(
            f"error: {cmd[0]}: not executable in env {env.name!r}\n"
            f"fix: chmod +x {cmd[0]}, or run it through its interpreter (pitstop run -- python {cmd[0]})\n"
        )
        return 126
    while True:
        try:
            code = proc.wait()
            break
        except KeyboardInterrupt:
            continue  # the child got the same Ctrl-C; wait for it to finish
    return 128 - code if code < 0 else code
