"""Remembered verdicts of ready adopted envs (what is safe to cache).

A local env's validation (the probe, ``uv sync --locked --check``, ``poetry check --lock``)
is remembered with the (size, mtime, inode) of every file that decided it: the interpreter,
``pyvenv.cfg``, the site-packages directories (a package added, removed or upgraded changes
their listing), the locks, ``pyproject.toml``, ``.python-version`` and the config, plus the
environment variables that change the answer. While none of them changed, ``python`` and
``run`` reuse it; ``check`` reads it but never writes it. Containers and ``conda run`` envs
(state outside the files) and plugin kinds are never cached; neither is a ❌.

The cache lives in the user cache directory (``$XDG_CACHE_HOME/pitstop/adopted``), never in
a project or an env pitstop does not own.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pitstop.kinds.base import KindContext, PythonCommand, Report
from pitstop.reading import stat_key

CACHEABLE = ("system", "venv", "uv", "poetry", "pyenv", "conda")
SCHEMA = 1
_VARS = ("PATH", "PYTHON_GIL", "PYENV_VERSION", "PYENV_ROOT", "VIRTUAL_ENV", "PITSTOP_PYTHON")
_PREFIXES = ("UV_", "POETRY_")


def _dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("pitstop", appauthor=False)) / "adopted"


def _key(ctx: KindContext) -> str:
    spec = ctx.spec
    env = {k: v for k, v in ctx.environ.items() if k in _VARS or k.startswith(_PREFIXES)}
    data = [
        str(ctx.project.root),
        spec.name,
        spec.kind,
        sorted(spec.options),
        sorted(spec.third_party),
        spec.settings.python,
        env,
    ]
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:32]


def _files(ctx: KindContext, report: Report) -> list[str] | None:
    command = report.command
    if ctx.spec.kind not in CACHEABLE or command is None or command.wrapper is not None:
        return None
    if not command.prefix or report.status == "error":
        return None
    prefix = Path(command.prefix)
    project_dir = ctx.project_dir()
    if ctx.spec.kind == "uv" and _workspace(project_dir / "uv.lock"):
        return None  # members' pyproject.toml files decide too: always ask uv
    if ctx.spec.kind == "poetry" and prefix.parent != project_dir:
        return None  # an env poetry picked from its own config (poetry env use): not ours to track
    files = [command.argv[0], os.path.realpath(command.argv[0]), str(prefix / "pyvenv.cfg")]
    if report.executable:
        files.append(report.executable)
    for lib in ("lib", "lib64"):
        files += [str(p) for p in sorted((prefix / lib).glob("python*/site-packages"))]
    root = ctx.project.root
    for directory in {root, project_dir}:
        files += [str(directory / n) for n in ("pyproject.toml", ".python-version", "uv.lock", "poetry.lock")]
    files.append(str(ctx.project.config_file))
    return sorted(set(files))


def _workspace(lock: Path) -> bool:
    from pitstop.reading import UnreadableFile, read_bytes

    try:  # bounded, and a FIFO or device (a committed symlink to one) is never waited on
        return b"[manifest]" in read_bytes(lock)
    except UnreadableFile:
        return True


def lookup(ctx: KindContext) -> Report | None:
    """The remembered Report of this env, if every file that decided it is unchanged."""
    if ctx.spec.kind not in CACHEABLE:
        return None
    try:
        data = json.loads((_dir() / f"{_key(ctx)}.json").read_text(encoding="utf-8"))
        if data.get("schema") != SCHEMA:
            return None
        for path, recorded in data["stats"].items():
            if stat_key(path) != recorded:
                return None
        return _report(data["report"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remember(ctx: KindContext, report: Report) -> None:
    """Store a ready env's Report (best effort: a cache is never worth failing for)."""
    files = _files(ctx, report)
    if files is None:
        return
    from pitstop.fsutil import atomic_write_bytes

    data = {"schema": SCHEMA, "stats": {f: stat_key(f) for f in files}, "report": asdict(report)}
    try:
        path = _dir() / f"{_key(ctx)}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, json.dumps(data).encode())
    except (OSError, TypeError, ValueError):
        return


def _report(data: Mapping[str, Any]) -> Report:
    fields = dict(data)
    command = fields.get("command")
    if command is not None:
        fields["command"] = PythonCommand(
            argv=tuple(command["argv"]),
            env=tuple(tuple(pair) for pair in command["env"]),
            cwd=command["cwd"],
            bin_dir=command["bin_dir"],
            wrapper=tuple(command["wrapper"]) if command["wrapper"] is not None else None,
            unset=tuple(command["unset"]),
            prefix=command["prefix"],
        )
    fields["warnings"] = tuple(fields.get("warnings") or ())
    fields["extra"] = tuple(tuple(pair) for pair in fields.get("extra") or ())
    return Report(**fields)
