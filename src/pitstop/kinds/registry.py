"""Built-in kinds in a plain dict; third-party kinds from the ``pitstop.kinds`` entry points."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from importlib import import_module
from typing import cast

from pitstop.config import EnvSpec, Project, Settings
from pitstop.errors import ConfigError, PitstopError
from pitstop.kinds.base import Kind, KindContext, PythonCommand, Report
from pitstop.runtime import Runtimes

# Imported lazily: a command touches only the kinds it uses.
BUILTIN = {
    "managed": "pitstop.kinds.managed:ManagedKind",
    "system": "pitstop.kinds.system:SystemKind",
    "venv": "pitstop.kinds.venv:VenvKind",
    "uv": "pitstop.kinds.uv:UvKind",
    "poetry": "pitstop.kinds.poetry:PoetryKind",
    "pyenv": "pitstop.kinds.pyenv:PyenvKind",
    "conda": "pitstop.kinds.conda:CondaKind",
    "docker": "pitstop.kinds.docker:DockerKind",
}


def third_party_names() -> set[str]:
    """Names registered under the ``pitstop.kinds`` entry-point group."""
    from importlib.metadata import entry_points

    return {ep.name for ep in entry_points(group="pitstop.kinds")}


def get(name: str) -> Kind:
    """The kind called ``name`` (built-in first, then entry points)."""
    if name in BUILTIN:
        module, _, attr = BUILTIN[name].partition(":")
        return cast(Kind, getattr(import_module(module), attr)())
    from importlib.metadata import entry_points

    for ep in entry_points(group="pitstop.kinds"):
        if ep.name == name:
            loaded = ep.load()
            return cast(Kind, loaded() if isinstance(loaded, type) else loaded)
    raise ConfigError(f"unknown kind {name!r}", fix=f"use one of: {', '.join(BUILTIN)}, auto")


def effective(project: Project, spec: EnvSpec) -> EnvSpec:
    """``auto`` replaced by what detection finds (in ``project-dir``, default the root)."""
    if spec.kind != "auto":
        return spec
    from pitstop.kinds.detect import detect

    directory = (project.root / (spec.option("project-dir") or ".")).resolve()
    found = detect(directory, skip_config=directory == project.root)
    if found.kind == "managed":
        raise ConfigError(
            f"{directory} is a pitstop project; declare its envs there",
            fix=f"use --project {directory}",
        )
    settings = spec.settings if not found.python else replace(spec.settings, python=found.python)
    return replace(spec, kind=found.kind, options=found.options or spec.options, settings=settings)


def context(
    project: Project, spec: EnvSpec, runtimes: Runtimes, environ: Mapping[str, str] | None = None
) -> KindContext:
    """A KindContext for ``spec`` (``auto`` already resolved)."""
    return KindContext(
        project, effective(project, spec), runtimes, os.environ if environ is None else environ
    )


def resolve(project: Project, spec: EnvSpec, *, runtimes: Runtimes) -> PythonCommand:
    """The PythonCommand of ``spec`` (no ensure: callers do that for managed envs)."""
    ctx = context(project, spec, runtimes)
    return get(ctx.spec.kind).resolve(ctx)


def validate(project: Project, spec: EnvSpec, *, runtimes: Runtimes) -> Report:
    """Validate ``spec``; a kind that raises is turned into an error Report."""
    try:
        ctx = context(project, spec, runtimes)
        return get(ctx.spec.kind).validate(ctx)
    except PitstopError as exc:
        return Report(spec.name, spec.kind, "error", exc.message, exc.fix)


def auto_project(directory: str | os.PathLike[str]) -> Project:
    """A project with no pitstop config: one ``auto`` env at ``directory``."""
    from pathlib import Path

    from pitstop import config

    root = Path(directory).resolve()
    env = EnvSpec(
        name=config.DEFAULT_ENV,
        kind="auto",
        settings=Settings(),
        sources=config.Sources(),
        table="(auto-detected)",
    )
    return Project(
        root=root,
        config_file=root / "(none)",
        envs={config.DEFAULT_ENV: env},
        python_version_file=config.python_version_file(root),
        python_override=config.python_override(os.environ),
    )
