"""``uv``: a uv project (``uv.lock``); its ``.venv`` python, or ``uv run --frozen python``."""

from __future__ import annotations

import os
from pathlib import Path

from pitstop.errors import NotReadyError, PitstopError
from pitstop.kinds.base import KindContext, PythonCommand, Report, describe, error, relative
from pitstop.kinds.venv import venv_python


class UvKind:
    """uv owns the env; pitstop only finds and runs it."""

    name = "uv"

    def _dir(self, ctx: KindContext) -> Path:
        return ctx.path(ctx.spec.option("project-dir") or ".")

    def _uv(self, ctx: KindContext) -> str | None:
        found = ctx.which("uv")
        if found:
            return found
        try:
            from pitstop.uvbin import find_uv

            return find_uv()
        except PitstopError:
            return None

    def resolve(self, ctx: KindContext) -> PythonCommand:
        """The project env's python if it exists, else ``uv run --frozen python``."""
        directory = self._dir(ctx)
        if not (directory / "uv.lock").is_file():
            raise NotReadyError(
                f"no uv.lock in {relative(ctx, directory)}",
                fix=f"run: uv lock --directory {relative(ctx, directory)}",
            )
        python = venv_python(directory / ".venv")
        if python.exists():
            return PythonCommand(
                argv=(str(python),),
                env=(("VIRTUAL_ENV", str(directory / ".venv")),),
                bin_dir=str(python.parent),
            )
        uv = self._uv(ctx)
        if uv is None:
            raise NotReadyError("uv is not installed", fix="run: pip install uv")
        wrapper = (uv, "run", "--frozen", "--directory", str(directory))
        return PythonCommand(argv=(*wrapper, "python"), cwd=str(directory), wrapper=wrapper)

    def validate(self, ctx: KindContext) -> Report:
        """uv.lock present, uv installed, env created."""
        directory = self._dir(ctx)
        shown = relative(ctx, directory)
        if not (directory / "uv.lock").is_file():
            return error(ctx, f"no uv.lock in {shown}", f"uv lock --directory {shown}", location=shown)
        if self._uv(ctx) is None:
            return error(ctx, "uv is not installed", "pip install uv", location=shown)
        if not os.path.exists(venv_python(directory / ".venv")):
            return error(
                ctx,
                f"the uv env of {shown} is not created yet",
                f"uv sync --frozen --directory {shown}",
                location=shown,
            )
        return describe(
            ctx,
            self.resolve(ctx),
            location=relative(ctx, directory / ".venv"),
            fix=f"uv sync --frozen --directory {shown}",
        )
