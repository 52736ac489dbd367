"""``pitstop detect [DIR] [--json]``: what auto-detection finds, why, and the command."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from pitstop.errors import READY, ConfigError, PitstopError


def run(args: argparse.Namespace) -> int:
    """Print the detected kind, the file that decided it and the Python command (in DIR,
    searched upwards; else in ``--project``, which names the root itself; else from ``.``)."""
    from pitstop import config
    from pitstop.commands import working_directory
    from pitstop.kinds import registry
    from pitstop.kinds.detect import detect
    from pitstop.session import load_project, runtimes_for

    working_directory()
    # DIR is searched upwards, as every command searches from the working directory;
    # --project names the root itself (no search), as for check, python and run.
    from pitstop.commands import Options

    project_dir = Options.of(args).project
    if args.dir is not None and project_dir:
        raise ConfigError(
            "pass either --project or DIR, not both", fix=f"pitstop detect {shlex.quote(args.dir)}"
        )
    given = args.dir if args.dir is not None else str(project_dir or ".")
    directory = Path(given)
    if not directory.is_dir():
        raise ConfigError(f"{given}: no such directory", fix="pass an existing directory")
    found = detect(directory, upwards=not project_dir)
    command = None
    problem: PitstopError | None = None
    try:
        if found.kind == "managed":
            project = load_project(found.directory)
            env = project.env(config.DEFAULT_ENV)
        else:
            project = registry.auto_project(found.directory)
            env = project.env(config.DEFAULT_ENV)
        command = registry.resolve(project, env, runtimes=runtimes_for(project, read_only=True))
    except PitstopError as exc:
        problem = exc
    if args.json:
        data = {
            "schema": 1,
            "directory": str(found.directory),
            "kind": found.kind,
            "reason": found.reason,
            "options": dict(found.options),
            "command": command.to_dict() if command else None,
            "error": problem.message if problem else None,
            # the command itself, as check --json and python --json give it (no "run: ")
            "fix": problem.fix.removeprefix("run: ") if problem and problem.fix else None,
        }
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return READY
    sys.stdout.write(f"{found.directory}: {found.kind} ({found.reason})\n")
    if command is not None:
        sys.stdout.write(f"python: {shlex.join(command.argv)}\n")
    elif problem is not None:
        sys.stdout.write(f"python: unavailable: {problem.message}\n")
        if problem.fix:
            sys.stdout.write(f"    fix: {problem.fix.removeprefix('run: ')}\n")
    return READY
