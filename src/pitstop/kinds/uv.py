"""``uv``: a uv project (``uv.lock``) and its project environment.

Ready means what ``uv sync --locked --check`` says (the lock matches pyproject.toml and the
env matches the lock), run with the real uv and the user's ``UV_*`` settings; the env is
``$UV_PROJECT_ENVIRONMENT`` (relative to the project directory) or ``.venv``.
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

from pitstop.errors import PitstopError
from pitstop.kinds.base import (
    KindContext,
    PythonCommand,
    Report,
    ValidatedKind,
    describe,
    error,
    relative,
)
from pitstop.kinds.locks import restore_fix
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
        flag = "" if shown == "." else f" --directory {shlex.quote(shown)}"
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
                f"the uv env of {shown} is not created yet",
                f"uv sync --locked{flag}",
                location=where,
            )
        problem = self._sync_check(ctx, uv, directory, env_dir, flag)
        if problem is not None:
            message, fix = problem
            return error(ctx, message, fix, location=where)
        command = PythonCommand(
            argv=(str(python),),
            env=(("VIRTUAL_ENV", str(env_dir)),),
            bin_dir=str(python.parent),
            prefix=str(env_dir),
        )
        return describe(ctx, command, location=where, fix=f"uv sync --locked --reinstall{flag}")

    def _sync_check(
        self, ctx: KindContext, uv: str, directory: Path, env_dir: Path, flag: str
    ) -> tuple[str, str] | None:
        """``uv sync --locked --check``: None when in sync, else (message, fix).

        uv exits 1 when the check itself fails (the env or the lock would change; ``uv lock
        --check`` then tells the two apart) and 2 on any error (a lock it cannot parse, a
        Python it cannot find, ...): that error is shown in uv's words, with a fix that works.
        """
        from pitstop.process import run

        env = {k: v for k, v in ctx.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONHOME")}
        env.update({"UV_NO_PROGRESS": "1", "UV_PYTHON_DOWNLOADS": "never", "NO_COLOR": "1"})
        env["COLUMNS"] = "10000"  # uv wraps its errors at the terminal's width: one line each
        env["UV_PROJECT_ENVIRONMENT"] = str(env_dir)
        try:
            proc = run([uv, "sync", "--locked", "--check"], env=env, cwd=directory, check=False, timeout=300)
            if proc.returncode == 0:
                return None
            if proc.returncode != 1:
                return self._uv_error(ctx, directory, proc.stdout or "", flag)
            lock = run([uv, "lock", "--check"], env=env, cwd=directory, check=False, timeout=300)
        except PitstopError as exc:
            return f"uv sync --locked --check did not run: {exc.message}", f"uv sync --locked --check{flag}"
        if lock.returncode == 1:
            return "uv.lock is out of date with pyproject.toml", f"uv sync{flag}"
        if lock.returncode != 0:
            return self._uv_error(ctx, directory, lock.stdout or "", flag)
        lines = [line.strip() for line in (proc.stdout or "").splitlines()]
        changes = [line for line in lines if line[:2] in ("+ ", "- ")]
        names = [re.split(r"[\s=@]", line[2:], maxsplit=1)[0] for line in changes]
        # uv always reinstalls a package it built from a path (the project itself): not news
        rebuilt = {n for c, n in zip(changes, names, strict=True) if c.startswith("- ") and "(from " in c}
        changes = [c for c, n in zip(changes, names, strict=True) if n not in rebuilt] or changes
        if changes:
            more = f" and {len(changes) - 3} more" if len(changes) > 3 else ""
            detail = ", ".join(changes[:3]) + more
        else:
            said = next((line for line in lines if line.lower().startswith("error")), "")
            detail = said.removeprefix("error:").strip().split("; run `uv sync`")[0]
        return f"the uv env does not match uv.lock ({detail[:300]})", f"uv sync --locked{flag}"

    def _uv_error(self, ctx: KindContext, directory: Path, text: str, flag: str) -> tuple[str, str]:
        """uv's own error line (and its first cause), with the fix for the errors a user
        meets: a damaged uv.lock, a Python that is not installed, ``.python-version`` outside
        ``requires-python``. Anything else: uv's words, and the command that shows them whole."""
        raw = text.splitlines()
        lines = [line.strip() for line in raw]
        at = next((i for i, line in enumerate(lines) if line.startswith("error:")), None)
        if at is None:
            said = next((line for line in reversed(lines) if line), "no output")
        else:
            said = lines[at].removeprefix("error:").strip()
            rest = at + 1
            while rest < len(raw) and raw[rest][:1].isspace() and lines[rest] and ":" not in lines[rest][:7]:
                said += " " + lines[rest]  # a wrapped line
                rest += 1
            if rest < len(lines) and lines[rest].startswith("cause:"):
                said += ": " + lines[rest].removeprefix("cause:").strip()
        message = f"uv cannot check the env: {said[:300]}"
        if "Failed to parse `uv.lock`" in said:
            fix = restore_fix(ctx, directory / "uv.lock", f"uv lock{flag}")
            return f"uv.lock is damaged ({said[:300]})", fix
        missing = re.search(r"No interpreter found for Python (.+?) in ", said)
        if missing:
            return message, f"uv python install {shlex.quote(missing.group(1))}"
        incompatible = re.search(r"Python requirement: `([^`]+)`", said)
        if incompatible:
            spec = incompatible.group(1)
            version = _installed_match(ctx, spec)
            if version:
                return message, f"uv python pin {version}{flag}"
            return message, (
                f"uv python install {shlex.quote(spec)}  (then pin it with uv python pin, "
                "or change requires-python in pyproject.toml)"
            )
        whole = "  (uv's whole error; fix what it names, then run it again)"
        return message, f"uv sync --locked --check{flag}{whole}"


def _installed_match(ctx: KindContext, spec: str) -> str | None:
    """The highest ``major.minor`` of a CPython on this machine that ``spec`` allows."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import InvalidVersion, Version

    try:
        allowed = SpecifierSet(spec)
    except InvalidSpecifier:
        return None
    best: Version | None = None
    for cand in ctx.runtimes.candidates():
        if cand.implementation not in (None, "cpython") or not cand.version or cand.free_threaded:
            continue
        try:
            version = Version(cand.version)
        except InvalidVersion:
            continue
        if allowed.contains(version, prereleases=True) and (best is None or version > best):
            best = version
    return f"{best.major}.{best.minor}" if best else None
