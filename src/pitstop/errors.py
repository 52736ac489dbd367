"""One exception family for every user-facing failure, with SPEC exit codes and a fix."""

from __future__ import annotations

# Imported by the console entry before the fast path: keep this module's imports to builtins
# (no dataclasses, shlex or re: each costs milliseconds on every no-op `pitstop check`).

READY = 0
NOT_READY = 1
USAGE = 2
PROVISION_FAILED = 3
INTERNAL = 4
INTERRUPTED = 130


def env_flag(name: str) -> str:
    """The option that selects env ``name`` in a fix: ``" -e docs"``, or ``""`` for the
    default env (the one place this is spelled)."""
    return "" if name == "default" else f" -e {name}"


class Fix:
    """A fix that is a pitstop command, kept as data so each front end renders it its own way
    (``pitstop setup -e docs`` on the command line, ``nox -s setup -- -e docs`` inside nox).

    ``argv`` is the pitstop subcommand and its arguments; ``note`` is text after the command.
    Immutable, compared by value (a plain class: a dataclass would cost the no-op path).
    """

    __slots__ = ("argv", "note")
    argv: tuple[str, ...]
    note: str

    def __init__(self, argv: tuple[str, ...], note: str = "") -> None:
        object.__setattr__(self, "argv", tuple(argv))
        object.__setattr__(self, "note", note)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Fix is immutable: cannot set {name}")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Fix) and (self.argv, self.note) == (other.argv, other.note)

    def __hash__(self) -> int:
        return hash((self.argv, self.note))

    def __repr__(self) -> str:
        return f"Fix(argv={self.argv!r}, note={self.note!r})"

    @property
    def command(self) -> str | None:
        """The pitstop subcommand (``setup``, ``lock``, ...)."""
        return self.argv[0] if self.argv else None

    def render(self) -> str:
        """``run: pitstop setup -e docs`` plus the note."""
        import shlex

        return f"run: {shlex.join(('pitstop', *self.argv))}{self.note}"


class PitstopError(Exception):
    """Base of every error pitstop reports to a user.

    ``message`` says what is wrong, ``fix`` is the command or edit that fixes it, and
    ``exit_code`` is the process exit code from SPEC §3.
    """

    exit_code = NOT_READY

    def __init__(self, message: str, *, fix: str | Fix | None = None, file: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        #: The fix as data when it is a pitstop command (front ends render it their own way).
        self.command: Fix | None = fix if isinstance(fix, Fix) else None
        self.fix: str | None = fix.render() if isinstance(fix, Fix) else fix
        #: The file to fix, when there is one (CI annotations point at it).
        self.file = file

    def render(self) -> str:
        """The text printed on stderr: the message, then the fix on its own last line.

        A fix that is a command reads ``run: <command>``; any other fix reads ``fix: <text>``.
        """
        text = f"error: {self.message}"
        if self.fix:
            text += "\n" + (self.fix if self.fix.startswith("run: ") else f"fix: {self.fix}")
        return text

    def annotation(self) -> str:
        """A GitHub Actions ``::error`` workflow command for this error."""
        return github_annotation(self.message, fix=self.fix, file=self.file)


def github_annotation(message: str, *, fix: str | None, file: str | None) -> str:
    """``::error file=...,title=pitstop::message. run: fix`` with GitHub's escaping."""

    def escape(text: str) -> str:
        return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

    body = escape(message) + (f"%0A{escape(fix)}" if fix else "")
    props = f"file={escape(file).replace(',', '%2C').replace(':', '%3A')}," if file else ""
    return f"::error {props}title=pitstop::{body}"


class ConfigError(PitstopError):
    """Invalid configuration or arguments; nothing was changed (exit 2)."""

    exit_code = USAGE


class NoConfigError(ConfigError):
    """No pitstop configuration was found (exit 2); commands that can auto-detect do so."""


class UsageError(ConfigError):
    """Bad command-line usage (exit 2)."""


class NotReadyError(PitstopError):
    """Lock or env missing or stale, or a check failed (exit 1)."""

    exit_code = NOT_READY


class InterpreterNotFound(NotReadyError):
    """No interpreter satisfies the request (exit 1)."""


class ProvisionError(PitstopError):
    """Provisioning failed; the previous env is intact and venv.new is gone (exit 3)."""

    exit_code = PROVISION_FAILED


class CommandError(PitstopError):
    """An external command failed; its text shows the command, exit code and output."""

    exit_code = PROVISION_FAILED

    def __init__(
        self,
        argv: tuple[str, ...],
        returncode: int,
        output: str,
        *,
        fix: str | None = None,
    ) -> None:
        tail = "\n".join(output.strip().splitlines()[-25:])
        super().__init__(
            f"command failed with exit code {returncode}: {' '.join(argv)}\n{tail}".rstrip(),
            fix=fix,
        )
        self.argv = argv
        self.returncode = returncode
        self.output = output
