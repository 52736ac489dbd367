"""Fixes shared by the kinds whose tool owns a lock file (uv, poetry)."""

from __future__ import annotations

from pathlib import Path

from pitstop.kinds.base import KindContext, relative


def restore_fix(ctx: KindContext, lock: Path, relock: str) -> str:
    """The fix for a lock its tool cannot read (the tool refuses to re-lock over it):
    ``git checkout -- LOCK`` when git tracks it, else ``rm LOCK && RELOCK`` (shell-quoted)."""
    import shlex

    from pitstop.errors import PitstopError
    from pitstop.process import run, scrubbed_env

    shown = shlex.quote(relative(ctx, lock))
    git = ctx.which("git")
    if git is not None:
        try:
            proc = run(
                [git, "ls-files", "--error-unmatch", "--", lock.name],
                env=scrubbed_env(ctx.environ),
                cwd=lock.parent,
                check=False,
                timeout=30,
            )
        except PitstopError:
            proc = None
        if proc is not None and proc.returncode == 0:
            return f"git checkout -- {shown}"
    return f"rm {shown} && {relock}"
