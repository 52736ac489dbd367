"""``uv``: a uv project (``uv.lock``) and its project environment.

Ready means what ``uv sync --locked --check`` says (the lock matches pyproject.toml and the
env matches the lock), run with the real uv and the user's ``UV_*`` settings; the env is
``$UV_PROJECT_ENVIRONMENT`` (relative to the project directory) or ``.venv``.
"""

from __future__ import annotations

import os
from pathlib import Path

from pitstop.errors import PitstopError
from pitstop.kinds.base import KindContext, PythonCommand, Report, ValidatedKind, describe, error, relative
from pitstop.kinds.venv import venv_python


class UvKind(ValidatedKind):
    """uv owns the env; pitstop only finds, checks and runs it."""

    name = "uv"

    def env_dir(self, ctx: KindContext, directory: Path) -> Path:
        """``UV_PROJECT_ENVIRONMENT`` (relative to the project directory, as uv reads it)."""
        configured = ctx.environ.get("UV_PROJECT_ENVIRONMENT")
        if configured:
            return Path(os.path.normpath(directory / os.path.expanduser(configured)))
        return directory / ".venv"

    def _uv(self, ctx: KindContext) -> str | None:
        found = ctx.which("uv")
        if found:
            return found
        try:
            from pitstop.uvbin import find_uv

            return find_uv()
        except PitstopError:
            return None

    def validate(self, ctx: KindContext) -> Report:
        """uv.lock present, uv installed, env created and in sync with the lock."""
        directory = ctx.project_dir()
        shown = relative(ctx, directory)
        flag = "" if shown == "." else f" --directory {shown}"
        if not (directory / "uv.lock").is_file():
            return error(ctx, f"no uv.lock in {shown}", f"uv lock{flag}", location=shown)
        uv = self._uv(ctx)
        if uv is None:
            return error(ctx, "uv is not installed", "pip install uv", location=shown)
        env_dir = self.env_dir(ctx, directory)
        where = relative(ctx, env_dir)
        python = venv_python(env_dir)
        if not os.path.exists(python):
            return error(
                ctx,
                f"the uv env of {shown} is not created yet ({where})",
                f"uv sync --locked{flag}",
                location=where,
            )
        problem = self._sync_check(ctx, uv, directory, env_dir)
        if problem is not None:
            message, fix = problem
            return error(ctx, message, f"{fix}{flag}", location=where)
        command = PythonCommand(
            argv=(str(python),),
            env=(("VIRTUAL_ENV", str(env_dir)),),
            bin_dir=str(python.parent),
            prefix=str(env_dir),
        )
        return describe(ctx, command, location=where, fix=f"uv sync --locked --reinstall{flag}")

    def _sync_check(
        self, ctx: KindContext, uv: str, directory: Path, env_dir: Path
    ) -> tuple[str, str] | None:
        """``uv sync --locked --check``: None when in sync, else (message, fix)."""
        from pitstop.process import run

        env = {k: v for k, v in ctx.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONHOME")}
        env.update({"UV_NO_PROGRESS": "1", "UV_PYTHON_DOWNLOADS": "never", "NO_COLOR": "1"})
        env["UV_PROJECT_ENVIRONMENT"] = str(env_dir)
        try:
            proc = run([uv, "sync", "--locked", "--check"], env=env, cwd=directory, check=False, timeout=300)
        except PitstopError as exc:
            return f"uv sync --locked --check did not run: {exc.message}", "uv sync --locked"
        if proc.returncode == 0:
            return None
        text = proc.stdout or ""
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        # Out of sync: is it the env, or the lock behind pyproject.toml? (`uv sync --locked`
        # is the fix only for the first.)
        lock = run([uv, "lock", "--check"], env=env, cwd=directory, check=False, timeout=300)
        if lock.returncode != 0 or "needs to be updated" in text:
            return "uv.lock is out of date with pyproject.toml", "uv sync"
        detail = next(
            (line for line in lines if line.lower().startswith("error")), lines[-1] if lines else ""
        )
        detail = detail.removeprefix("error:").strip().split("; run `uv sync`")[0]
        return f"the uv env does not match uv.lock ({detail[:300]})", "uv sync --locked"
