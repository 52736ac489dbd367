"""``pitstop python [-e ENV] [--json]``: the interpreter command of an env."""

from __future__ import annotations

import argparse
import json
import shlex
import sys

from pitstop.errors import READY


def run(args: argparse.Namespace) -> int:
    """A path (or a shell-quoted argv) on stdout; with ``--json`` argv/env/cwd."""
    from pitstop.commands.run import command_for_env

    _, env, command = command_for_env(args)
    if args.json:
        data = {"schema": 1, "name": env.name, "kind": env.kind, **command.to_dict()}
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    elif len(command.argv) == 1:
        sys.stdout.write(command.argv[0] + "\n")
    else:
        sys.stdout.write(shlex.join(command.argv) + "\n")
    return READY
