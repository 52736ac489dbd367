"""Gather one managed env's requirement sources and settings into normalized inputs."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from packaging.utils import canonicalize_name

from pitstop.config import EnvSpec, Project
from pitstop.errors import ConfigError
from pitstop.python_request import PythonRequest, parse_request, running_version
from pitstop.requirement_files import read_requirements_file
from pitstop.requirements import (
    dependency_group,
    inputs_hash,
    library_requirement,
    normalize,
    parse_requirement,
    project_extra,
    quote,
    redact_url,
)


class Inputs(NamedTuple):
    """Everything that decides an env's lock; ``hash`` is the lock's ``inputs-hash``."""

    env: str
    requirements: tuple[str, ...]
    constraints: tuple[str, ...]
    python: str
    install_project: bool
    #: The index settings (credentials redacted), as sorted pairs.
    index_settings: tuple[tuple[str, object], ...]
    environments: tuple[str, ...]
    lock_runtime: str
    warnings: tuple[str, ...]
    hash: str
    files: tuple[str, ...] = ()
    python_source: str = "python"
    interpreter_request: str = ""
    #: Where :attr:`interpreter_request` came from (``python``, ``.python-version``,
    #: ``requires-python``); empty for the fallback, the interpreter running pitstop.
    interpreter_source: str = ""

    @property
    def request(self) -> PythonRequest:
        """The request that picks the env's interpreter (SPEC §2 default order)."""
        return parse_request(self.interpreter_request or self.python)

    def unmet_by(self, runtime: Mapping[str, Any]) -> str | None:
        """Why an env with this runtime (its marker's) no longer satisfies the interpreter
        request (``.python-version`` now says 3.11 for an env built with 3.12: stale, as
        ``uv sync`` recreates the venv), or None. Never for the fallback request, the
        interpreter running pitstop (a pitstop run from another Python must not rebuild the
        env), nor for a path request."""
        request = self.request
        version = str(runtime.get("version", ""))
        if not self.interpreter_source or request.path:
            return None
        if request.matches(
            str(runtime.get("implementation", "")), version, free_threaded=bool(runtime.get("free_threading"))
        ):
            return None
        asked = f"python = {self.interpreter_request!r} ({self.interpreter_source})"
        return f"python {version} does not satisfy {asked}"

    @property
    def lock_request(self) -> PythonRequest:
        """The request the lock is resolved for (never the interpreter running pitstop)."""
        return parse_request(self.python)


def project_dependencies(meta: Mapping[str, Any]) -> list[str]:
    """``project.dependencies``, each one validated (they reach the installer too)."""
    fix = "correct [project] dependencies in pyproject.toml (PEP 508 requirement strings)"
    deps = meta.get("dependencies", [])
    if not isinstance(deps, list):
        raise ConfigError("pyproject.toml: project.dependencies must be a list of strings", fix=fix)
    for number, dep in enumerate(deps):
        parse_requirement(dep, where=f"pyproject.toml: project.dependencies[{number}]", fix=fix)
    return list(deps)


# The lock's range when nothing names one: the lowest Python pitstop itself supports, so a
# lock never depends on which interpreter happened to run `pitstop lock` (SPEC §5 Locks).
DEFAULT_LOCK_PYTHON = ">=3.10"
# Where the lock's python range came from, as said in messages.
SOURCES = {
    "python": "the python setting",
    "requires-python": "project.requires-python",
    ".python-version": ".python-version",
    "default": f"pitstop's default {DEFAULT_LOCK_PYTHON} (no python, requires-python or .python-version)",
}


def lock_python(project: Project, env: EnvSpec) -> tuple[str, str]:
    """(request the lock is resolved for, its source): the ``python`` setting, else
    ``project.requires-python``, else ``.python-version``, else :data:`DEFAULT_LOCK_PYTHON`."""
    if env.settings.python:
        return env.settings.python, "python"
    requires = (project.pyproject.get("project") or {}).get("requires-python")
    if isinstance(requires, str) and requires.strip():
        return requires, "requires-python"
    if project.python_version_file:
        return project.python_version_file, ".python-version"
    return DEFAULT_LOCK_PYTHON, "default"


def python_request(project: Project, env: EnvSpec) -> str:
    """The env's interpreter request: the setting, else .python-version, requires-python,
    else the interpreter running pitstop (SPEC §2)."""
    return python_request_source(project, env)[0]


def python_request_source(project: Project, env: EnvSpec) -> tuple[str, str]:
    """:func:`python_request` and its source (``""``: the interpreter running pitstop)."""
    if env.settings.python:
        return env.settings.python, "python"
    if project.python_version_file:
        return project.python_version_file, ".python-version"
    requires = (project.pyproject.get("project") or {}).get("requires-python")
    if isinstance(requires, str) and requires.strip():
        return requires, "requires-python"
    return running_version(), ""


def collect(project: Project, env: EnvSpec) -> Inputs:
    """Read every requirement source of ``env`` and normalize it (SPEC §2, §5 Locks)."""
    src = env.sources
    where = f"{project.config_file.name}: {env.table}"
    reqs: list[str] = list(src.requirements)
    constraints: list[str] = []
    warnings: list[str] = []
    read: list[Path] = []
    self_installs: list[tuple[str, ...]] = []  # `-e .[a,b]` lines: this project + those extras
    for name in src.requirements_files:
        file_reqs, file_cons = read_requirements_file(
            project.root / name,
            root=project.root,
            files=read,
            project=self_installs,
            named=f"{where} requirements-files {quote(name)}",
        )
        reqs += file_reqs
        constraints += file_cons
    install_project = src.install_project or bool(self_installs)
    meta = project.pyproject.get("project") or {}
    extras = list(src.extras)
    defined = meta.get("optional-dependencies")
    defined_names = {canonicalize_name(k) for k in defined} if isinstance(defined, dict) else set()
    for more in self_installs:
        for extra in more:
            if extra in extras or canonicalize_name(extra) in map(canonicalize_name, extras):
                continue
            if extra not in defined_names:  # as uv and pip do: warn, install the rest
                warnings.append(
                    f"-e .[{extra}] in a requirements file: this project defines no extra {extra!r}; "
                    "ignored (add it to [project.optional-dependencies] or drop it from the line)"
                )
                continue
            extras.append(extra)
    if src.dependency_groups:
        groups = project.pyproject.get("dependency-groups")
        if not isinstance(groups, dict):
            raise ConfigError(
                f"{where} dependency-groups: pyproject.toml has no [dependency-groups] table",
                fix="add [dependency-groups] to pyproject.toml or remove dependency-groups",
            )
        for group in src.dependency_groups:
            reqs += dependency_group(groups, group, where=f"{where} dependency-groups")
    if (extras or install_project) and not meta.get("name"):
        if self_installs and not (src.extras or src.install_project):
            raise ConfigError(
                f"{where}: '-e .' in a requirements file installs this project, but pyproject.toml "
                "has no [project] table",
                fix="add [project] with a name to pyproject.toml, or remove the '-e .' line",
            )
        raise ConfigError(
            f"{where}: extras and install-project need a [project] table in pyproject.toml",
            fix="add [project] with a name, or remove extras / install-project",
        )
    for extra in extras:
        reqs += project_extra(meta, extra, where=f"{where} extras")
    if install_project:
        reqs += project_dependencies(meta)
    for import_name, value in src.libraries:
        req = library_requirement(import_name, value, where=f"{where} libraries.{import_name}")
        if req is None:
            warnings.append(f"libraries.{import_name}: {import_name} is in the standard library; skipped")
        else:
            reqs.append(req)
    python, python_source = lock_python(project, env)
    parse_request(python, where=f"{where} python")
    interpreter, interpreter_source = python_request_source(project, env)
    if interpreter != python:
        parse_request(interpreter, where=f"{where} python")
    settings = env.settings
    index: dict[str, object] = {
        "index-url": redact_url(settings.index_url) if settings.index_url else None,
        "extra-index-urls": [redact_url(u) for u in settings.extra_index_urls],
        "find-links": [redact_url(u) for u in settings.find_links],
        "no-index": settings.no_index,
        "allow-build": settings.allow_build,
    }
    normalized = normalize(reqs)
    normalized_constraints = normalize(constraints)
    if not normalized and not install_project and meta.get("dependencies"):
        # `uv sync` would install them; an empty env would surprise a uv user (no error: a
        # project may want an env without them, e.g. one for lint tools).
        warnings.append(
            f"env {env.name!r} has no requirements; this project's [project] dependencies are "
            f"installed only with install-project = true (set it in {env.table}, or list the "
            "packages in requirements)"
        )
    hashed = {
        "requirements": list(normalized),
        "constraints": list(normalized_constraints),
        "python": python if not Path(python).is_absolute() else "path:" + python,
        "install-project": install_project,
        "index": index,
        "environments": list(settings.environments),
        "lock-runtime": settings.lock_runtime,
    }
    return Inputs(
        env=env.name,
        requirements=normalized,
        constraints=normalized_constraints,
        python=python,
        install_project=install_project,
        index_settings=tuple(sorted(index.items())),
        environments=settings.environments,
        lock_runtime=settings.lock_runtime,
        warnings=tuple(warnings),
        hash=inputs_hash(hashed),
        files=tuple(str(p) for p in read),
        python_source=python_source,
        interpreter_request=interpreter,
        interpreter_source=interpreter_source,
    )
