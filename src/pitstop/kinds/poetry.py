"""``poetry``: a poetry project (``poetry.lock``); the python of poetry's env."""

from __future__ import annotations

import os
from pathlib import Path

from pitstop.errors import NotReadyError
from pitstop.kinds.base import KindContext, PythonCommand, Report, describe, error, relative


class PoetryKind:
    """Asks poetry where its env is (``poetry env info --executable``)."""

    name = "poetry"

    def _dir(self, ctx: KindContext) -> Path:
        return ctx.path(ctx.spec.option("project-dir") or ".")

    def _executable(self, ctx: KindContext) -> tuple[str | None, str | None, str]:
        """(python, error message, fix)."""
        from pitstop.process import run, scrubbed_env

        directory = self._dir(ctx)
        shown = relative(ctx, directory)
        if not (directory / "poetry.lock").is_file():
            return None, f"no poetry.lock in {shown}", f"poetry lock --directory {shown}"
        poetry = ctx.which("poetry")
        if poetry is None:
            return None, "poetry is not installed", "pipx install poetry"
        env = scrubbed_env(ctx.environ)
        proc = run(
            [poetry, "env", "info", "--executable", "--no-interaction"],
            env=env,
            cwd=directory,
            check=False,
            timeout=120,
        )
        exe = (proc.stdout or "").strip().splitlines()[-1:] if proc.returncode == 0 else []
        if not exe or exe[0] in ("", "NA") or not os.path.isabs(exe[0]) or not os.path.exists(exe[0]):
            return (
                None,
                f"the poetry env of {shown} is not created yet",
                f"poetry install --directory {shown}",
            )
        return exe[0], None, ""

    def resolve(self, ctx: KindContext) -> PythonCommand:
        """The poetry env's interpreter."""
        exe, message, fix = self._executable(ctx)
        if exe is None:
            raise NotReadyError(message or "poetry env not found", fix=f"run: {fix}")
        bindir = os.path.dirname(exe)
        return PythonCommand(argv=(exe,), env=(("VIRTUAL_ENV", os.path.dirname(bindir)),), bin_dir=bindir)

    def validate(self, ctx: KindContext) -> Report:
        """poetry.lock present, poetry installed, env created."""
        exe, message, fix = self._executable(ctx)
        shown = relative(ctx, self._dir(ctx))
        if exe is None:
            return error(ctx, message or "poetry env not found", fix, location=shown)
        bindir = os.path.dirname(exe)
        command = PythonCommand(argv=(exe,), env=(("VIRTUAL_ENV", os.path.dirname(bindir)),), bin_dir=bindir)
        return describe(
            ctx,
            command,
            location=os.path.dirname(bindir),
            fix=f"poetry install --directory {shown}",
        )
