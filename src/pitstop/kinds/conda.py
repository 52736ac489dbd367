"""``conda``: ``<prefix>/bin/python``, or ``conda run -n <name> python``.

A name is looked up in ``conda env list --json``; ``base`` is the install root
(``conda info --base``), not ``envs/base``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from pitstop.errors import PitstopError
from pitstop.kinds.base import KindContext, PythonCommand, Report, ValidatedKind, describe, error, relative


def _conda(ctx: KindContext) -> str | None:
    for name in ("conda", "mamba", "micromamba"):
        found = ctx.which(name)
        if found:
            return found
    return None


def parse_env_list(text: str) -> list[str]:
    """Prefixes from ``conda env list --json``."""
    start = text.find("{")  # conda may print warnings first (stdout and stderr are merged)
    if start < 0:
        raise ValueError("no JSON in conda's answer")
    data, _ = json.JSONDecoder().raw_decode(text[start:])
    envs = data.get("envs", []) if isinstance(data, dict) else []
    return [str(e) for e in envs]


class CondaKind(ValidatedKind):
    """A conda env by ``prefix`` (run directly) or by ``name`` (through ``conda run``)."""

    name = "conda"

    def _by_prefix(self, ctx: KindContext, prefix: str) -> Report:
        path = ctx.path(prefix)
        shown = relative(ctx, path)
        python = path / "bin" / "python"
        if not python.exists():
            if (path / "conda-meta").is_dir():
                return error(
                    ctx, f"the conda env at {shown} has no python", f"conda install -p {shown} python"
                )
            return error(ctx, f"no conda env at {shown}", f"conda create -p {shown} python", location=shown)
        command = PythonCommand(
            argv=(str(python),),
            env=(("CONDA_PREFIX", str(path)),),
            bin_dir=str(python.parent),
            prefix=str(path),
        )
        return describe(ctx, command, location=shown, fix=f"conda install -p {shown} python")

    def _lookup(self, ctx: KindContext, conda: str, name: str) -> str | None:
        """The prefix of env ``name`` (``base``: the install root)."""
        from pitstop.process import run, scrubbed_env

        env = scrubbed_env(ctx.environ)
        if name == "base":
            proc = run([conda, "info", "--base"], env=env, check=False, timeout=120)
            lines = (proc.stdout or "").strip().splitlines()
            base = lines[-1].strip() if proc.returncode == 0 and lines else ""
            return base if os.path.isabs(base) and os.path.isdir(base) else None
        proc = run([conda, "env", "list", "--json"], env=env, check=False, timeout=120)
        try:
            prefixes = parse_env_list(proc.stdout) if proc.returncode == 0 else []
        except ValueError:
            prefixes = []
        return next((p for p in prefixes if Path(p).name == name), None)

    def validate(self, ctx: KindContext) -> Report:
        """conda present (for a name), env found, python in it starts."""
        prefix = ctx.spec.option("prefix")
        name = ctx.spec.option("name")
        if prefix:
            return self._by_prefix(ctx, prefix)
        if not name:
            return error(ctx, "conda env needs name or prefix", 'set name = "myenv" in the config')
        conda = _conda(ctx)
        if conda is None:
            return error(ctx, "conda is not installed", "install Miniforge (conda), then retry")
        try:
            found = self._lookup(ctx, conda, name)
        except PitstopError as exc:
            return error(ctx, f"conda did not answer: {exc.message}", "conda info")
        if found is None:
            return error(ctx, f"conda env {name!r} not found", f"conda create -n {name} python")
        if not os.path.exists(os.path.join(found, "bin", "python")):
            return error(
                ctx,
                f"the conda env {name!r} has no python",
                f"conda install -n {name} python",
                location=found,
            )
        wrapper = (conda, "run", "--no-capture-output", "-n", name)
        command = PythonCommand(argv=(*wrapper, "python"), wrapper=wrapper, prefix=found)
        return describe(ctx, command, location=found, fix=f"conda install -n {name} --force-reinstall python")
