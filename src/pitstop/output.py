"""Progress and warnings on stderr: short step lines, quiet with -q."""

from __future__ import annotations

import sys
from typing import TextIO


class Reporter:
    """Writes pitstop's step lines to stderr (``verbosity`` -1 quiet, 0 normal, 1 verbose)."""

    def __init__(self, verbosity: int = 0, stream: TextIO | None = None) -> None:
        self.verbosity = verbosity
        self.stream = stream if stream is not None else sys.stderr

    def step(self, text: str) -> None:
        """A progress line (hidden with -q)."""
        if self.verbosity >= 0:
            self._write(text)

    def detail(self, text: str) -> None:
        """A line shown with -v only."""
        if self.verbosity > 0:
            self._write(f"  {text}")

    def warn(self, text: str) -> None:
        """A warning; shown even with -q."""
        self._write(f"warning: {text}")

    def error(self, text: str, fix: str | None = None) -> None:
        """A failure that does not stop the command (its exit code reports it), with its fix
        as ``check`` shows it; shown even with -q."""
        self._write(f"error: {text}" + (f"\nfix: {fix}" if fix else ""))

    def _write(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    @property
    def interactive(self) -> bool:
        """True when stderr is a terminal (uv's own progress display may pass through)."""
        return self.verbosity >= 0 and self.stream.isatty()


QUIET = Reporter(-1)


def count(number: int, noun: str) -> str:
    """``"1 package"``, ``"3 packages"``."""
    return f"{number} {noun}{'' if number == 1 else 's'}"
