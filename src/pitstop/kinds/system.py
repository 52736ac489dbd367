"""``system``: an interpreter installed on the machine (read-only to pitstop)."""

from __future__ import annotations

import os

from pitstop.errors import ConfigError, NotReadyError, PitstopError
from pitstop.kinds.base import KindContext, PythonCommand, Report, ValidatedKind, describe, error
from pitstop.python_request import parse_request


class SystemKind(ValidatedKind):
    """``python`` (absolute path or version request), else the first real python3 on PATH."""

    name = "system"

    def _interpreter(self, ctx: KindContext) -> str:
        if ctx.project.python_override:
            return ctx.project.python_override
        request = ctx.spec.settings.python
        if request:
            parsed = parse_request(request)
            if parsed.path:
                from pitstop.python_request import require_interpreter

                require_interpreter(
                    parsed.path, where="python", fix="point python at a Python interpreter's absolute path"
                )
                return parsed.path
            return ctx.runtimes.find(parsed).path
        for cand in ctx.runtimes.candidates():
            if cand.source == "PATH":
                return cand.path
        raise NotReadyError("no python3 found on PATH", fix='install Python 3 or set python = "/abs/path"')

    def validate(self, ctx: KindContext) -> Report:
        """Runs it; PEP 668 is noted as read-only."""
        try:
            exe = self._interpreter(ctx)
        except ConfigError:
            raise  # exit 2 whatever the command (SPEC §3)
        except PitstopError as exc:
            return error(ctx, exc.message, (exc.fix or "").removeprefix("run: "))
        command = PythonCommand(argv=(exe,), bin_dir=os.path.dirname(exe))
        fix = (
            "set PITSTOP_PYTHON to a working interpreter's absolute path, or unset it"
            if ctx.project.python_override
            else "point python at a working interpreter"
        )
        return describe(ctx, command, location=exe, fix=fix)
