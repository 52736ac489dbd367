"""``poetry``: a poetry project (``poetry.lock``) and its env.

The env is the in-project ``.venv`` when there is one (poetry uses it first; poetry need not
be installed), else the one ``poetry env info --executable`` names. Ready means: the env holds
every package ``poetry.lock`` pins for it (non-optional, in a group ``poetry install`` installs,
markers true for the env's Python) at the locked version, and, when poetry is installed,
``poetry check --lock`` agrees that the lock matches pyproject.toml.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

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
from pitstop.kinds.venv import read_pyvenv, venv_python


def _norm(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _marker_true(marker: object, environment: Mapping[str, str]) -> bool:
    if not isinstance(marker, str) or not marker.strip():
        return True
    from packaging.markers import InvalidMarker, Marker

    try:
        return Marker(marker).evaluate(dict(environment))
    except (InvalidMarker, ValueError, TypeError):
        return True  # unknown syntax: expect the package rather than miss a stale env


def locked_packages(
    lock: Mapping[str, Any], pyproject: Mapping[str, Any], environment: Mapping[str, str]
) -> dict[str, str]:
    """{name: version} that ``poetry install`` puts into an env with these marker values."""
    groups = ((pyproject.get("tool") or {}).get("poetry") or {}).get("group") or {}
    optional_groups = {
        name for name, body in groups.items() if isinstance(body, Mapping) and body.get("optional") is True
    }
    out: dict[str, str] = {}
    for package in lock.get("package") or []:
        if not isinstance(package, Mapping) or package.get("optional") is True:
            continue
        name, version = package.get("name"), package.get("version")
        if not isinstance(name, str) or not isinstance(version, str):
            continue
        in_groups = [g for g in package.get("groups") or ["main"] if g not in optional_groups]
        if not in_groups:
            continue
        markers = package.get("markers")
        if isinstance(markers, Mapping):
            wanted = any(_marker_true(markers.get(g), environment) for g in in_groups)
        else:
            wanted = _marker_true(markers, environment)
        if wanted:
            out[_norm(name)] = version
    return out


def _project_name(pyproject: Mapping[str, Any]) -> str | None:
    project = pyproject.get("project")
    poetry = (pyproject.get("tool") or {}).get("poetry")
    for table in (project, poetry):
        if isinstance(table, Mapping) and isinstance(table.get("name"), str):
            return _norm(table["name"])
    return None


def extraneous(
    lock: Mapping[str, Any], pyproject: Mapping[str, Any], dists: Mapping[str, object]
) -> list[str]:
    """Installed packages ``poetry sync`` would remove: in no ``[[package]]`` of the lock (of
    any group, optional or extra, so an env installed ``--with docs`` is not flagged), not the
    project itself, not pip (poetry keeps an unlocked pip)."""
    locked = {
        _norm(p["name"])
        for p in lock.get("package") or []
        if isinstance(p, Mapping) and isinstance(p.get("name"), str)
    }
    keep = locked | {"pip"}
    project = _project_name(pyproject)
    if project:
        keep.add(project)
    return [f"{name} {version}" for name, version in sorted(dists.items()) if name not in keep]


def env_problem(
    lock: Mapping[str, Any], pyproject: Mapping[str, Any], data: Mapping[str, object]
) -> tuple[str, bool] | None:
    """What the env (PROBE output ``data``) lacks or has beyond the lock, or None; and
    whether it has packages beyond it (then ``poetry sync`` is the fix, not ``install``)."""
    from packaging.version import InvalidVersion, Version

    environment = data.get("markers")
    dists = data.get("dists")
    if not isinstance(environment, Mapping) or not isinstance(dists, Mapping):
        return None  # a Python too old to list its distributions: nothing to compare
    wanted = locked_packages(lock, pyproject, {str(k): str(v) for k, v in environment.items()})
    missing: list[str] = []
    for name, version in sorted(wanted.items()):
        have = dists.get(name)
        if have is None:
            missing.append(f"{name} {version} is missing")
            continue
        try:
            same = Version(str(have)) == Version(version)
        except InvalidVersion:
            same = str(have) == version
        if not same:
            missing.append(f"{name} is {have}, locked {version}")
    # with system site-packages the probe also lists the base's packages: poetry keeps those
    extra = [] if data.get("system_site_packages") else extraneous(lock, pyproject, dists)
    problems = missing + [f"{e} is not in the lock" for e in extra]
    if not problems:
        return None
    more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
    return "the poetry env does not match poetry.lock: " + "; ".join(problems[:3]) + more, bool(extra)


class PoetryKind(ValidatedKind):
    """poetry owns the env; pitstop finds, checks and runs it."""

    name = "poetry"

    def _env(self, ctx: KindContext, directory: Path, poetry: str | None) -> Path | None:
        """The env's directory: in-project ``.venv`` first, else what poetry says."""
        from pitstop.process import run, scrubbed_env

        if (directory / ".venv" / "pyvenv.cfg").is_file():
            return directory / ".venv"
        if poetry is None:
            return None
        try:
            proc = run(
                [poetry, "env", "info", "--path", "--no-interaction"],
                env=scrubbed_env(ctx.environ),
                cwd=directory,
                check=False,
                timeout=120,
            )
        except PitstopError:
            return None
        lines = (proc.stdout or "").strip().splitlines()[-1:] if proc.returncode == 0 else []
        if not lines or not os.path.isabs(lines[0]) or not os.path.isdir(lines[0]):
            return None
        return Path(lines[0])

    def _lock_fresh(self, ctx: KindContext, directory: Path, poetry: str) -> str | None:
        """``poetry check --lock``: None when the lock matches pyproject.toml, else its words."""
        from pitstop.process import run, scrubbed_env

        try:
            proc = run(
                [poetry, "check", "--lock", "--no-interaction"],
                env=scrubbed_env(ctx.environ),
                cwd=directory,
                check=False,
                timeout=120,
            )
        except PitstopError as exc:
            return exc.message
        if proc.returncode == 0:
            return None
        lines = [line.strip() for line in (proc.stdout or "").splitlines() if line.strip()]
        return next((line for line in lines if "lock" in line.lower()), lines[-1] if lines else "failed")

    def validate(self, ctx: KindContext) -> Report:
        """poetry.lock present and fresh, env found and holding what the lock pins."""
        from pitstop import _toml

        directory = ctx.project_dir()
        shown = relative(ctx, directory)
        flag = "" if shown == "." else f" --directory {shlex.quote(shown)}"
        if not (directory / "poetry.lock").is_file():
            return error(ctx, f"no poetry.lock in {shown}", f"poetry lock{flag}", location=shown)
        try:
            lock = _toml.load(directory / "poetry.lock")
        except PitstopError as exc:
            lock = {"error": exc.message}
        if not isinstance(lock.get("metadata"), Mapping):  # poetry refuses to re-lock over it
            said = str(lock.get("error") or "it has no [metadata] table")
            said = said.removeprefix(f"{directory / 'poetry.lock'}: ")
            return error(
                ctx,
                f"poetry.lock is damaged: {said[:200]}",
                restore_fix(ctx, directory / "poetry.lock", f"poetry lock{flag}"),
                location=shown,
            )
        poetry = ctx.which("poetry")
        warnings: tuple[str, ...] = ()
        if poetry is not None:
            stale = self._lock_fresh(ctx, directory, poetry)
            if stale is not None:
                return error(
                    ctx, f"poetry.lock does not match pyproject.toml: {stale[:200]}", f"poetry lock{flag}"
                )
        env_dir = self._env(ctx, directory, poetry)
        if env_dir is None:
            if poetry is None:
                return error(
                    ctx,
                    f"poetry is not installed and {shown} has no in-project .venv",
                    "pipx install poetry",
                    location=shown,
                )
            return error(
                ctx, f"the poetry env of {shown} is not created yet", f"poetry install{flag}", location=shown
            )
        if poetry is None:
            warnings = ("poetry is not installed: poetry.lock was not checked against pyproject.toml",)
        where = relative(ctx, env_dir)
        try:
            pyproject = (
                _toml.load(directory / "pyproject.toml") if (directory / "pyproject.toml").is_file() else {}
            )
        except PitstopError as exc:
            return error(ctx, exc.message, exc.fix or "correct pyproject.toml", location=where)
        python = venv_python(env_dir)
        command = PythonCommand(
            argv=(str(python),),
            env=(("VIRTUAL_ENV", str(env_dir)),),
            bin_dir=str(python.parent),
            prefix=str(env_dir),
        )

        system_site = (read_pyvenv(env_dir, "include-system-site-packages") or "").lower() == "true"

        def check(data: dict[str, object]) -> tuple[str, str] | None:
            problem = env_problem(lock, pyproject, {**data, "system_site_packages": system_site})
            if problem is None:
                return None
            message, extra = problem
            # poetry sync also removes what the lock does not name (poetry 1.x: install --sync)
            return message, f"poetry sync{flag}" if extra else f"poetry install{flag}"

        report = describe(ctx, command, location=where, fix=f"poetry install{flag}", check=check)
        if warnings and report.status != "error":
            from dataclasses import replace

            return replace(report, status="warning", warnings=report.warnings + warnings)
        return report
