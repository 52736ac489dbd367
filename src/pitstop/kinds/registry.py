"""Built-in kinds in a plain dict; third-party kinds from the ``pitstop.kinds`` entry points."""

from __future__ import annotations

import os
from collections.abc import Mapping
from importlib import import_module
from typing import cast

from pitstop.config import DEFAULT_ENV, EnvSpec, Project, Settings
from pitstop.errors import ConfigError, PitstopError
from pitstop.kinds.base import Kind, KindContext, PythonCommand, Report, command_of
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
    from pitstop.kinds import plugins

    return plugins.names()


def get(name: str) -> Kind:
    """The kind called ``name`` (built-in first, then entry points)."""
    if name in BUILTIN:
        module, _, attr = BUILTIN[name].partition(":")
        return cast(Kind, getattr(import_module(module), attr)())
    from pitstop.kinds import plugins

    if name in plugins.names():
        return cast(Kind, plugins.load(name))
    raise ConfigError(f"unknown kind {name!r}", fix=f"use one of: {', '.join(BUILTIN)}, auto")


# Kinds that take their interpreter from their own tool: a ``python`` setting means nothing
# to them (set in their own table it is a config error; inherited it is dropped).
_OWN_INTERPRETER = {
    "uv": "uv picks it (.python-version, requires-python)",
    "poetry": "poetry picks it (poetry env use)",
    "venv": "it is the venv's own interpreter",
    "conda": "it is the conda env's own interpreter",
}


def own_table(project: Project, spec: EnvSpec) -> Mapping[str, object]:
    """The keys written in ``spec``'s own config table (nothing inherited)."""
    tool = project.tool or {}
    if spec.name == DEFAULT_ENV:
        return {k: v for k, v in tool.items() if k != "envs"}
    envs = tool.get("envs")
    table = envs.get(spec.name) if isinstance(envs, Mapping) else None
    return table if isinstance(table, Mapping) else {}


def uninherited(project: Project, spec: EnvSpec) -> EnvSpec:
    """``spec`` without the settings its kind does not use (SPEC §6): docker's ``python`` is a
    command inside the container, taken only from its own table; uv, poetry, venv and conda
    envs take no ``python`` at all; a pyenv env ignores an inherited one that is not a pyenv
    version name; third-party kinds only their own table's."""
    if spec.kind == "pyenv" and spec.settings.python and own_table(project, spec).get("python") is None:
        from pitstop.discovery import is_pyenv_name

        if not is_pyenv_name(spec.settings.python):  # a managed env's range: not a pyenv name
            return spec._replace(settings=spec.settings._replace(python=None))
    if spec.kind in ("managed", "system", "pyenv", "auto"):
        return spec
    own = own_table(project, spec).get("python")
    if spec.kind in _OWN_INTERPRETER and own is not None:
        raise ConfigError(
            f"{spec.table}: python: a {spec.kind} env does not take python ({_OWN_INTERPRETER[spec.kind]})",
            fix=f"remove python from {spec.table}",
        )
    python = own if isinstance(own, str) and spec.kind not in _OWN_INTERPRETER else None
    if python == spec.settings.python:
        return spec
    return spec._replace(settings=spec.settings._replace(python=python))


def effective(project: Project, spec: EnvSpec) -> EnvSpec:
    """``auto`` replaced by what detection finds (in ``project-dir``, default the root);
    settings the kind does not use dropped."""
    if spec.kind != "auto":
        return uninherited(project, spec)
    from pitstop.kinds.detect import detect

    directory = (project.root / (spec.option("project-dir") or ".")).resolve()
    found = detect(directory, skip_config=directory == project.root, upwards=False)
    if found.kind == "managed":
        raise ConfigError(
            f"{directory} is a pitstop project; declare its envs there",
            fix=f"use --project {directory}",
        )
    return uninherited(project, spec._replace(kind=found.kind, options=found.options or spec.options))


def context(
    project: Project,
    spec: EnvSpec,
    runtimes: Runtimes,
    environ: Mapping[str, str] | None = None,
    *,
    strict: bool | None = None,
) -> KindContext:
    """A KindContext for ``spec`` (``auto`` already resolved); ``strict``: the command's
    policy (``--strict``), None for the project's."""
    return KindContext(
        project, effective(project, spec), runtimes, os.environ if environ is None else environ, strict
    )


def resolve(project: Project, spec: EnvSpec, *, runtimes: Runtimes) -> PythonCommand:
    """The PythonCommand of ``spec`` (no ensure: callers do that for managed envs).

    Adopted kinds are resolved through their validation, so that ``python``, ``run`` and
    ``check`` give the same verdict: an env ``check`` marks ❌ is a NotReadyError (exit 1)
    with the same message and fix.
    """
    if spec.kind == "managed":
        ctx = context(project, spec, runtimes)
        return get("managed").resolve(ctx)
    report = validate(project, spec, runtimes=runtimes, raise_config=True)
    return command_of(report)


def validate(
    project: Project,
    spec: EnvSpec,
    *,
    runtimes: Runtimes,
    raise_config: bool = False,
    remember: bool = False,
    strict: bool | None = None,
) -> Report:
    """Validate ``spec``; a kind that raises is turned into an error Report (a config or
    plugin error is raised instead with ``raise_config``, for its exit code 2). A ready
    local env's verdict is reused while nothing that decided it changed (kinds/cache.py);
    ``remember`` stores a new one (python and run do; check never writes). ``strict``:
    the command's policy (``check --strict``), None for the project's."""
    from pitstop.kinds import cache

    kind = spec.kind
    try:
        ctx = context(project, spec, runtimes, strict=strict)
        kind = ctx.spec.kind
        if spec.kind != "managed":
            cached = cache.lookup(ctx)
            if cached is not None:
                return cached
        report = get(kind).validate(ctx)
        if remember and spec.kind != "managed":
            cache.remember(ctx, report)
        return report
    except PitstopError as exc:
        if raise_config and isinstance(exc, ConfigError):
            raise
        return Report(spec.name, kind, "error", exc.message, (exc.fix or "").removeprefix("run: ") or None)


def auto_project(directory: str | os.PathLike[str]) -> Project:
    """A project with no pitstop config: one ``auto`` env at ``directory``."""
    from pathlib import Path

    from pitstop import config, config_load

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
        python_version_file=config_load.python_version_file(root),
        python_override=config_load.python_override(os.environ),
    )
