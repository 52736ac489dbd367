"""Command line: argparse and dispatch. ``main(argv) -> int``; errors are caught once here."""

from __future__ import annotations

import sys

from pitstop.errors import INTERNAL, INTERRUPTED, PROVISION_FAILED, USAGE, PitstopError

TYPE_CHECKING = False  # not typing's: `pitstop check` on a ready env should not import it
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence


COMMANDS = ("setup", "check", "lock", "run", "python", "rollback", "detect", "ci", "clean")


def command_of(argv: Sequence[str]) -> str | None:
    """The subcommand argparse picks from ``argv``: the first argument that is not a global
    option (``--project`` and its abbreviations take the next one); None when in doubt."""
    args = iter(argv)
    for arg in args:
        if arg in ("-", "--") or _asks_help(arg):  # the top level's help lists every command
            return None
        if arg.startswith("--p") and "=" not in arg and "--project".startswith(arg):
            next(args, None)
        elif not arg.startswith("-"):
            return arg if arg in COMMANDS else None
    return None


def _asks_help(arg: str) -> bool:
    if arg.startswith("--"):
        return len(arg) > 2 and "--help".startswith(arg.partition("=")[0])
    return arg.startswith("-") and "h" in arg  # -h, or a cluster such as -vh


def _parser(argv: Sequence[str] = ()) -> object:
    """The command line's parser. Defining every subcommand's options costs milliseconds at
    every start (and ``ci``'s imports its module): with ``argv`` naming a subcommand only that
    one is defined, as argparse would pick no other; otherwise all of them (``--help``)."""
    import argparse

    from pitstop import __version__

    def common_options(suppress: bool) -> argparse.ArgumentParser:
        # Subcommands repeat the global options; SUPPRESS keeps their defaults from
        # overwriting a value given before the subcommand.
        opts = argparse.ArgumentParser(add_help=False)
        default = argparse.SUPPRESS if suppress else None
        opts.add_argument(
            "--project",
            metavar="DIR",
            default=default,
            help="project root (default: search upwards)",
        )
        opts.add_argument(
            "-v",
            "--verbose",
            action="count",
            default=argparse.SUPPRESS if suppress else 0,
            help="more output",
        )
        opts.add_argument(
            "-q",
            "--quiet",
            action="count",
            default=argparse.SUPPRESS if suppress else 0,
            help="less output",
        )
        return opts

    common = common_options(suppress=True)

    envs = argparse.ArgumentParser(add_help=False)
    envs.add_argument("-e", "--env", action="append", metavar="NAME", help="env to act on (repeatable)")
    envs.add_argument("--all", action="store_true", help="act on every configured env")

    policy = argparse.ArgumentParser(add_help=False)
    group = policy.add_mutually_exclusive_group()
    group.add_argument(
        "--strict",
        dest="strict",
        action="store_true",
        default=None,
        help="never resolve or rebuild: require a fresh lock and env",
    )
    group.add_argument(
        "--no-strict", dest="strict", action="store_false", help="dev mode even when CI is set"
    )

    parser = argparse.ArgumentParser(
        prog="pitstop",
        description="Provision project Python environments and run the project's Python.",
        parents=[common_options(suppress=False)],
    )
    parser.add_argument("--version", action="version", version=f"pitstop {__version__}")
    # Every subcommand's namespace has the shared options (commands.Options reads them).
    parser.set_defaults(env=None, all=False, strict=None)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    only = command_of(argv)

    def add(name: str, help_text: str, *parents: argparse.ArgumentParser) -> argparse.ArgumentParser | None:
        if only not in (None, name):
            return None
        return sub.add_parser(name, help=help_text, description=help_text, parents=[common, *parents])

    def skip_unavailable(command: argparse.ArgumentParser) -> None:
        command.add_argument(
            "--skip-unavailable",
            action="store_true",
            help="an adopted env that is not available here (a local container, a local .venv) "
            "is a warning, not a failure; managed envs are always provisioned (for CI)",
        )

    setup = add(
        "setup",
        "make the lock fresh (dev) or require it (strict), then provision envs",
        envs,
        policy,
    )
    if setup:
        setup.add_argument(
            "--frozen",
            action="store_true",
            help="install from the locks as committed; never write a lock (a stale one is a warning)",
        )
        skip_unavailable(setup)
    check = add("check", "read-only status of envs", envs, policy)
    if check:
        check.add_argument("--json", action="store_true", help="machine-readable output on stdout")
        skip_unavailable(check)
    lock = add("lock", "resolve requirements into the lock", envs)
    if lock:
        lock.add_argument("--check", action="store_true", help="only check freshness, offline")
        lock.add_argument(
            "--upgrade",
            nargs="*",
            metavar="PKG",
            default=None,
            help="allow upgrades (of the named packages, or of all)",
        )
    run = add("run", "ensure the env, then run a command inside it", envs, policy)
    if run:
        run.add_argument("cmd", nargs=argparse.REMAINDER, metavar="-- CMD ...")
    python = add("python", "print the interpreter command of an env", envs, policy)
    if python:
        form = python.add_mutually_exclusive_group()
        form.add_argument(
            "--json", action="store_true", help="the launcher contract: one JSON document, success or error"
        )
        form.add_argument(
            "--nul", action="store_true", help="NUL-terminated tag=value records (argv=, env=, unset=, cwd=)"
        )
    add("rollback", "swap venv.prev and venv back", envs)
    detect = add("detect", "what auto-detection finds in DIR")
    if detect:
        detect.add_argument(
            "dir",
            nargs="?",
            default=None,
            metavar="DIR",
            help="default: --project, else the working directory",
        )
        detect.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    ci = add("ci", "print a CI job template")
    if ci:
        from pitstop.commands.ci import add_arguments

        add_arguments(ci)
    add("clean", "remove env directories and the empty-venv templates (never locks)", envs)
    return parser


def main(argv: Sequence[str] | None = None, *, render: Callable[[PitstopError], str] | None = None) -> int:
    """Run pitstop with ``argv`` (default ``sys.argv[1:]``) and return the exit code.

    ``render`` turns an error into its text (the nox sessions name nox commands as fixes).
    """
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        import argparse

        parser = _parser(args_list)
        assert isinstance(parser, argparse.ArgumentParser)
        try:
            args = parser.parse_args(args_list)
        except SystemExit as exc:
            if exc.code in (0, None):
                return 0
            _launcher_usage_error(args_list)
            return USAGE
        from importlib import import_module

        module = import_module(f"pitstop.commands.{args.command}")
        return int(module.run(args))
    except PitstopError as exc:
        sys.stderr.write((render(exc) if render else exc.render()) + "\n")
        if _on_github():
            sys.stdout.write(exc.annotation() + "\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write(
            "interrupted\n"
            "fix: run the command again (the next pitstop command cleans up or completes an "
            "interrupted build)\n"
        )
        return INTERRUPTED
    except OSError as exc:  # a read-only directory, a full disk, ...: say so, no traceback
        where = f": {exc.filename}" if exc.filename else ""
        sys.stderr.write(
            f"error: {exc.strerror or exc}{where}\n"
            "fix: check the permissions and free space of that path, then run the command again\n"
        )
        return PROVISION_FAILED
    except Exception as exc:  # a pitstop bug: one exit code, never 1 ("not ready")
        return internal_error(exc, verbose=_verbose(args_list))


def internal_error(exc: BaseException, *, verbose: bool) -> int:
    """Report an unexpected exception as exit 4; the traceback only with ``-v``."""
    from pitstop import __version__

    sys.stderr.write(
        f"error: internal error: {type(exc).__name__}: {exc}"[:2000]
        + f"\nthis is a bug in pitstop {__version__}: please report it with the output of the "
        "command run again with -v\n"
    )
    if verbose:
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
    else:
        sys.stderr.write("fix: run the command again with -v for the traceback, then report it\n")
    return INTERNAL


def _verbose(argv: Sequence[str]) -> bool:
    for arg in argv:
        if arg == "--":
            break
        if arg == "--verbose" or (len(arg) > 1 and arg[0] == "-" and arg[1] != "-" and set(arg[1:]) == {"v"}):
            return True
    return False


def _launcher_usage_error(args: list[str]) -> None:
    """``pitstop python --json`` / ``--nul`` answers even a usage error in its own form."""
    if "python" not in args or not ({"--json", "--nul"} & set(args)):
        return
    from pitstop.commands.python import failure, render

    data = failure(USAGE, "bad command line (see the message on stderr)", "pitstop python --help", env=None)
    sys.stdout.write(render(data, "json" if "--json" in args else "nul"))


def _on_github() -> bool:
    import os

    return os.environ.get("GITHUB_ACTIONS") == "true"


def console() -> None:
    """Entry point of the ``pitstop`` console script and ``python -m pitstop``.

    Tries the stat-only fast path first; only a whole process may take it, since a fast
    ``run`` replaces the process with the command (``main()`` is also called in-process).
    """
    try:
        from pitstop.fastpath import try_fast

        fast = try_fast(sys.argv[1:])
    except Exception:  # the fast path is only a shortcut: the normal path decides and reports
        fast = None
    raise SystemExit(fast if fast is not None else main())
