"""``pitstop python [-e ENV] [--json | --nul]``: the interpreter command of an env.

This is the launcher contract (docs/kinds/launcher.md, ``python-command.schema.json``):
``--json`` always prints exactly one JSON document, an answer or an error; ``--nul`` prints
NUL-terminated ``tag=value`` records for launchers without a JSON parser.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from typing import TYPE_CHECKING, Any

from pitstop.errors import READY, PitstopError

if TYPE_CHECKING:
    from pitstop.commands import Options

INTERNAL = 4

SCHEMA = 2
_CODES = {1: "not-ready", 2: "config", 3: "provision-failed", 4: "internal", 130: "interrupted"}


def run(args: argparse.Namespace) -> int:
    """A path (or a shell-quoted argv) on stdout; with ``--json`` / ``--nul`` the contract."""
    from pitstop.commands import Options

    opts = Options.of(args)
    mode = "json" if args.json else "nul" if args.nul else "text"
    if mode == "text":
        data = answer(opts)
        argv = data["argv"]
        text = (argv[0] if len(argv) == 1 else shlex.join(argv)) + "\n"
        sys.stdout.write(text)
        _remember(opts, mode, text)
        return READY
    try:
        data = answer(opts)
        code = READY
    except PitstopError as exc:
        sys.stderr.write(exc.render() + "\n")
        data = failure(exc.exit_code, exc.message, exc.fix, env=_env_name(opts))
        code = exc.exit_code
    except KeyboardInterrupt:
        data = failure(130, "interrupted", "run the command again", env=_env_name(opts))
        code = 130
    except Exception as exc:  # the contract holds even for a pitstop bug: exit 4, "please report"
        sys.stderr.write(f"internal error: {type(exc).__name__}: {exc}\n")
        data = failure(
            INTERNAL,
            f"internal error (please report): {type(exc).__name__}: {exc}",
            "run it again with -v and report the output",
            env=_env_name(opts),
        )
        code = INTERNAL
    text = render(data, mode)
    sys.stdout.write(text)
    if code == READY:
        _remember(opts, mode, text)
    return code


def _remember(opts: Options, mode: str, text: str) -> None:
    """Record the answer for the fast path: one env, managed and ready, no other options."""
    names = list(opts.envs)
    if len(names) > 1 or not opts.plain or opts.strict is not None:
        return
    from pitstop.commands import context
    from pitstop.config import DEFAULT_ENV
    from pitstop.fastpath import key, record

    ctx = context(opts, allow_auto=True)
    env = ctx.project.envs.get(names[0] if names else DEFAULT_ENV)
    if env is None or env.kind != "managed":
        return
    prov = ctx.provisioner()
    state = prov.status(env)
    if state.ready and not state.pending and state.held is None:
        name = key("python", envs=[env.name], flags=[] if mode == "text" else [f"--{mode}"])
        record(ctx.project.root, {name: {"stdout": text}}, files=prov.fingerprint(env))


def render(data: dict[str, Any], mode: str) -> str:
    """The document (``json``) or the NUL records (``nul``) of ``data``."""
    if mode == "json":
        return json.dumps(data, indent=2) + "\n"
    records: list[str] = [f"schema={data['schema']}"]
    if "error" in data:
        err = data["error"]
        records += [f"error={err['message']}", f"fix={err['fix'] or ''}", f"code={err['code']}"]
    else:
        records += [f"kind={data['kind']}"]
        records += [f"argv={a}" for a in data["argv"]]
        records += [f"env={k}={v}" for k, v in data["env"].items()]
        records += [f"unset={name}" for name in data["unset"]]
        records += [f"path_prepend={d}" for d in data["path_prepend"]]
        if data["cwd"]:
            records.append(f"cwd={data['cwd']}")
    return "".join(f"{r}\0" for r in records if "\0" not in r)


def failure(exit_code: int, message: str, fix: str | None, *, env: str | None) -> dict[str, Any]:
    """The error document."""
    return {
        "schema": SCHEMA,
        "ok": False,
        "name": env,
        "error": {
            "code": _CODES.get(exit_code, "not-ready"),
            "exit": exit_code,
            "message": message,
            "fix": (fix or "").removeprefix("run: ") or None,
        },
    }


def _env_name(opts: Options) -> str | None:
    names = opts.envs
    return names[0] if len(names) == 1 else "default" if not names else None


def answer(opts: Options) -> dict[str, Any]:
    """The success document for the selected env (raises PitstopError when not ready)."""
    from pitstop.commands.run import command_for_env

    ctx, env, command, report = command_for_env(opts, with_report=True)
    python: dict[str, Any] = {
        "path": command.argv[0] if len(command.argv) == 1 else None,
        "executable": None,
        "version": None,
        "implementation": None,
        "free_threading": None,
    }
    warnings: list[str] = []
    kind = env.kind
    if report is not None:
        kind = report.kind
        python.update(
            executable=report.executable,
            version=report.version,
            implementation=report.implementation,
            free_threading=report.free_threading,
        )
        warnings = list(report.warnings)
    return {
        "schema": SCHEMA,
        "ok": True,
        "name": env.name,
        "kind": kind,
        "project": str(ctx.project.root),
        **command.to_dict(),
        "python": python,
        "warnings": warnings,
    }
