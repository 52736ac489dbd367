"""``conda``: ``<prefix>/bin/python``, or ``conda run -n <name> python``."""

from __future__ import annotations

import json
import os
from pathlib import Path

from pitstop.errors import NotReadyError
from pitstop.kinds.base import KindContext, PythonCommand, Report, describe, error, relative


def _conda(ctx: KindContext) -> str | None:
    for name in ("conda", "mamba", "micromamba"):
        found = ctx.which(name)
        if found:
            return found
    return None


def parse_env_list(text: str) -> list[str]:
    """Prefixes from ``conda env list --json``."""
    data = json.loads(text)
    envs = data.get("envs", []) if isinstance(data, dict) else []
    return [str(e) for e in envs]


class CondaKind:
    """A conda env by ``prefix`` (run directly) or by ``name`` (through ``conda run``)."""

    name = "conda"

    def resolve(self, ctx: KindContext) -> PythonCommand:
        """By prefix: its python. By name: ``conda run --no-capture-output -n NAME python``."""
        prefix = ctx.spec.option("prefix")
        name = ctx.spec.option("name")
        if prefix:
            path = ctx.path(prefix)
            python = path / "bin" / "python"
            if not python.exists():
                raise NotReadyError(
                    f"no conda env at {relative(ctx, path)}",
                    fix=f"run: conda create -p {relative(ctx, path)} python",
                )
            return PythonCommand(
                argv=(str(python),), env=(("CONDA_PREFIX", str(path)),), bin_dir=str(python.parent)
            )
        if not name:
            raise NotReadyError(
                "conda env needs name or prefix", fix='set name = "myenv" or prefix = "path/to/env"'
            )
        conda = _conda(ctx)
        if conda is None:
            raise NotReadyError("conda is not installed", fix="install Miniforge (conda), then retry")
        wrapper = (conda, "run", "--no-capture-output", "-n", name)
        return PythonCommand(argv=(*wrapper, "python"), wrapper=wrapper)

    def validate(self, ctx: KindContext) -> Report:
        """conda present (for a name), env found."""
        from pitstop.process import run, scrubbed_env

        prefix = ctx.spec.option("prefix")
        name = ctx.spec.option("name")
        if prefix:
            path = ctx.path(prefix)
            if not (path / "conda-meta").is_dir() and not (path / "bin" / "python").exists():
                return error(
                    ctx,
                    f"no conda env at {relative(ctx, path)}",
                    f"conda create -p {relative(ctx, path)} python",
                    location=str(path),
                )
            return describe(
                ctx,
                self.resolve(ctx),
                location=relative(ctx, path),
                fix=f"conda install -p {relative(ctx, path)} python",
            )
        if not name:
            return error(ctx, "conda env needs name or prefix", 'set name = "myenv" in the config')
        conda = _conda(ctx)
        if conda is None:
            return error(ctx, "conda is not installed", "install Miniforge (conda), then retry")
        proc = run(
            [conda, "env", "list", "--json"],
            env=scrubbed_env(ctx.environ),
            check=False,
            timeout=120,
        )
        try:
            prefixes = parse_env_list(proc.stdout) if proc.returncode == 0 else []
        except ValueError:
            prefixes = []
        if not any(Path(p).name == name for p in prefixes):
            return error(ctx, f"conda env {name!r} not found", f"conda create -n {name} python")
        match = next(p for p in prefixes if Path(p).name == name)
        python = os.path.join(match, "bin", "python")
        report = describe(ctx, self.resolve(ctx), location=match, fix=f"conda install -n {name} python")
        if report.status == "error" and os.path.exists(python):
            return describe(
                ctx,
                PythonCommand(argv=(python,)),
                location=match,
                fix=f"conda install -n {name} python",
            )
        return report
