"""Find the project and read ``[tool.pitstop]`` / ``pitstop.toml`` into frozen records.

Every problem is a :class:`ConfigError` (exit 2) naming the file, the key and the fix.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pitstop import _toml
from pitstop.errors import ConfigError, NoConfigError

# Used with fullmatch: "$" would also match before a trailing newline ("x\n").
ENV_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
DEFAULT_ENV = "default"
KINDS = ("managed", "system", "venv", "uv", "poetry", "pyenv", "conda", "docker", "auto")

# Settings are inherited by named envs; requirement sources are not (SPEC §2).
SETTING_KEYS = {
    "python": str,
    "auto-install": str,
    "installer": str,
    "location": str,
    "index-url": str,
    "extra-index-urls": list,
    "find-links": list,
    "no-index": bool,
    "allow-build": bool,
    "keep-previous": bool,
    "lock-runtime": str,
    "environments": list,
}
SOURCE_KEYS = {
    "requirements": list,
    "requirements-files": list,
    "dependency-groups": list,
    "extras": list,
    "install-project": bool,
    "libraries": dict,
}
# Keys of adopted kinds (SPEC §6); third-party kinds may use any of these.
ADOPTED_KEYS = {
    "path": str,
    "project-dir": str,
    "name": str,
    "prefix": str,
    "container": str,
    "image": str,
}
# Kinds whose ``python`` is an interpreter request; docker's is a command inside the
# container, and uv, venv, poetry and conda envs take their interpreter from their own tool.
PYTHON_REQUEST_KINDS = ("managed", "system", "pyenv", "auto")
CHOICES = {
    "auto-install": ("dev", "always", "never"),
    "installer": ("uv", "pip"),
    "lock-runtime": ("any", "exact"),
}
_TYPE_NAMES = {
    str: "a string",
    list: "a list of strings",
    bool: "true or false",
    dict: "a table",
    int: "an integer",
}


Installer = Literal["uv", "pip"]


@dataclass(frozen=True, slots=True)
class Settings:
    """Inherited settings of one env."""

    python: str | None = None
    auto_install: str = "dev"
    installer: Installer = "uv"
    location: str = ".pitstop"
    index_url: str | None = None
    extra_index_urls: tuple[str, ...] = ()
    find_links: tuple[str, ...] = ()
    no_index: bool = False
    allow_build: bool = True
    keep_previous: bool = True
    lock_runtime: str = "any"
    environments: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Sources:
    """Requirement sources of one managed env (never inherited)."""

    requirements: tuple[str, ...] = ()
    requirements_files: tuple[str, ...] = ()
    dependency_groups: tuple[str, ...] = ()
    extras: tuple[str, ...] = ()
    install_project: bool = False
    libraries: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class EnvSpec:
    """One configured environment."""

    name: str
    kind: str
    settings: Settings
    sources: Sources
    options: tuple[tuple[str, str], ...] = ()
    table: str = "[tool.pitstop]"
    #: A python request overriding the env's own (a nox matrix member): the env is built from
    #: the same lock for that interpreter, in its own store ``<location>/<name>@<variant>``.
    python_variant: str | None = None

    def option(self, key: str, default: str | None = None) -> str | None:
        """The adopted-kind option ``key`` (``path``, ``container``, ...)."""
        return dict(self.options).get(key, default)

    @property
    def lock_name(self) -> str:
        """File name of this env's lock (SPEC §5)."""
        return "pylock.toml" if self.name == DEFAULT_ENV else f"pylock.{self.name}.toml"


@dataclass(frozen=True, slots=True)
class Project:
    """A project root and its configured envs."""

    root: Path
    config_file: Path
    envs: Mapping[str, EnvSpec]
    pyproject: Mapping[str, Any] = field(default_factory=dict)
    python_version_file: str | None = None
    python_override: str | None = None
    auto_install_override: str | None = None
    tool: Mapping[str, Any] = field(default_factory=dict)

    def env(self, name: str) -> EnvSpec:
        """The env called ``name``, or a config error listing the known ones."""
        try:
            return self.envs[name]
        except KeyError:
            known = ", ".join(sorted(self.envs))
            if not ENV_NAME.fullmatch(name):
                raise ConfigError(
                    f"{name!r} is not a valid env name (known: {known})",
                    fix=f"use one of: {known}; a new env needs a table such as "
                    f"[{self.table_prefix}envs.{suggest_env_name(name)}]",
                ) from None
            raise ConfigError(
                f"no env named {name!r} in {self.config_file.name} (known: {known})",
                fix=f"add [{self.table_prefix}envs.{name}] or use one of: {known}",
            ) from None

    @property
    def table_prefix(self) -> str:
        """``tool.pitstop.`` in pyproject.toml, nothing in pitstop.toml."""
        return "" if self.config_file.name == "pitstop.toml" else "tool.pitstop."

    def lock_path(self, env: EnvSpec) -> Path:
        """Where ``env``'s lock lives."""
        return self.root / env.lock_name

    def store(self, env: EnvSpec) -> Path:
        """The directory holding ``env``'s venv, venv.new, venv.prev and its flock."""
        name = env.name
        if env.python_variant:
            variant = env.python_variant
            if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.+_-]{0,31}", variant):  # a path, say
                variant = "python-" + hashlib.sha256(variant.encode()).hexdigest()[:12]
            name = f"{env.name}@{variant}"
        return self.location(env.settings) / name

    def location(self, settings: Settings) -> Path:
        """The env store for ``settings`` (validated to stay inside the project)."""
        if settings.location == "user":
            return user_store(self.root)
        return (self.root / settings.location).resolve()


def suggest_env_name(name: str) -> str:
    """A valid env name close to ``name``: ``Bad Name`` → ``bad-name``."""
    slug = re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-_")[:64].rstrip("-_")
    return slug or "env"


def user_store(root: Path) -> Path:
    """Env store under ``PITSTOP_HOME`` (default: platformdirs) for ``location = "user"``."""
    home = os.environ.get("PITSTOP_HOME")
    if home:
        base = Path(home)
    else:
        import platformdirs

        base = Path(platformdirs.user_data_dir("pitstop", appauthor=False))
    digest = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:12]
    return base / "envs" / f"{root.name}-{digest}"


def find_root(start: Path) -> tuple[Path, Path]:
    """The nearest directory from ``start`` up that holds pitstop config, and that file."""
    from pitstop.discovery import find_config

    found = find_config(str(start.resolve()))
    if found is not None:
        return Path(found[0]), Path(found[1])
    raise NoConfigError(
        f"no pitstop configuration in {start.resolve()} or any parent directory",
        fix="add a [tool.pitstop] table to pyproject.toml (or create pitstop.toml), or pass --project DIR",
    )


def load(project: Path | None = None, *, environ: Mapping[str, str] | None = None) -> Project:
    """Find and read the project configuration.

    ``project`` is ``--project DIR`` (that directory must itself hold the config); without it
    the search starts at the working directory.
    """
    env_vars = os.environ if environ is None else environ
    if project is not None:
        root = Path(project).resolve()
        if not root.is_dir():
            raise ConfigError(f"--project {project}: no such directory", fix="pass a directory")
        from pitstop.discovery import pitstop_config

        found = pitstop_config(str(root))
        if found is None:
            raise NoConfigError(
                f"{root} has no pitstop.toml and no [tool.pitstop] in pyproject.toml",
                fix="add a [tool.pitstop] table to pyproject.toml or create pitstop.toml",
            )
        config_file = Path(found)
    else:
        root, config_file = find_root(Path.cwd())
    pyproject_path = root / "pyproject.toml"
    pyproject = _toml.load(pyproject_path) if pyproject_path.is_file() else {}
    for key in ("project", "tool", "dependency-groups"):
        if key in pyproject and not isinstance(pyproject[key], Mapping):
            raise ConfigError(
                f"{pyproject_path.name}: {key} must be a table, not {type(pyproject[key]).__name__}",
                fix=f"write it as a [{key}] table in pyproject.toml",
                file=os.path.relpath(pyproject_path),
            )
    if config_file.name == "pitstop.toml":
        table: Any = _toml.load(config_file)
        if "pitstop" in (pyproject.get("tool") or {}):
            raise ConfigError(
                f"{root} has both pitstop.toml and [tool.pitstop] in pyproject.toml",
                fix="keep one of them",
            )
        prefix = ""
    else:
        table = (pyproject.get("tool") or {}).get("pitstop")
        if table is None:
            raise ConfigError(f"{config_file} has no [tool.pitstop] table", fix="add a [tool.pitstop] table")
        prefix = "tool.pitstop."
    where = _Where(config_file, prefix)
    try:
        if not isinstance(table, Mapping):
            raise ConfigError(f"{config_file}: [{prefix[:-1]}] must be a table", fix="make it a table")
        envs = _parse_envs(table, root=root, where=where)
    except ConfigError as exc:
        exc.file = exc.file or os.path.relpath(config_file)
        raise
    version_file = python_version_file(root)
    return Project(
        root=root,
        config_file=config_file,
        envs=envs,
        pyproject=pyproject,
        python_version_file=version_file,
        python_override=python_override(env_vars),
        auto_install_override=_auto_install_override(env_vars),
        tool=table,
    )


@dataclass(frozen=True, slots=True)
class _Where:
    file: Path
    prefix: str

    def key(self, key: str, env: str | None = None) -> str:
        scope = f"{self.prefix}envs.{env}." if env else self.prefix
        return f"{self.file.name}: {scope}{key}"


def _parse_envs(table: Mapping[str, Any], *, root: Path, where: _Where) -> dict[str, EnvSpec]:
    top = {k: v for k, v in table.items() if k != "envs"}
    settings = _settings(top, Settings(), root=root, where=where, env=None, kind=top.get("kind"))
    envs = {DEFAULT_ENV: _env(DEFAULT_ENV, top, settings, root=root, where=where, named=False)}
    named = table.get("envs", {})
    if not isinstance(named, Mapping):
        raise ConfigError(f"{where.key('envs')} must be a table", fix="use [tool.pitstop.envs.NAME]")
    for name, body in named.items():
        if not ENV_NAME.fullmatch(name):
            raise ConfigError(
                f"{where.key('envs')}: bad env name {name!r} (env names use lower-case letters, "
                "digits, - and _, start with a letter or digit, and have at most 64 characters)",
                fix=f"rename the table to [{where.prefix}envs.{suggest_env_name(name)}]",
            )
        if name == DEFAULT_ENV:
            raise ConfigError(
                f"{where.key('envs.default')}: the default env is the top-level table",
                fix="move these keys to the top level",
            )
        if not isinstance(body, Mapping):
            raise ConfigError(f"{where.key(name, None)} must be a table", fix="make it a table")
        env_settings = _settings(body, settings, root=root, where=where, env=name, kind=body.get("kind"))
        envs[name] = _env(name, body, env_settings, root=root, where=where, named=True)
    return envs


def _check_type(value: object, expected: type, *, key: str) -> None:
    ok = isinstance(value, expected) and not (expected is not bool and isinstance(value, bool))
    if ok and expected is list:
        ok = all(isinstance(v, str) for v in value)  # type: ignore[attr-defined]
    if not ok:
        raise ConfigError(
            f"{key} must be {_TYPE_NAMES[expected]}, not {type(value).__name__}",
            fix=f"write {key.split(': ', 1)[-1]} as {_TYPE_NAMES[expected]}",
        )


def _check_strings(value: object, *, key: str) -> None:
    """No control character in a setting: its text reaches a command line or a path."""
    from pitstop.requirements import check_text

    for text in value if isinstance(value, list) else [value]:
        if isinstance(text, str):
            check_text(text, where=key, fix=f"remove the control character from {key.split(': ', 1)[-1]}")


def _settings(
    body: Mapping[str, Any],
    inherited: Settings,
    *,
    root: Path,
    where: _Where,
    env: str | None,
    kind: object = None,
) -> Settings:
    values: dict[str, Any] = {}
    for key, expected in SETTING_KEYS.items():
        if key not in body:
            continue
        value = body[key]
        name = where.key(key, env)
        _check_type(value, expected, key=name)
        if key in CHOICES and value not in CHOICES[key]:
            choices = " | ".join(f'"{c}"' for c in CHOICES[key])
            raise ConfigError(f"{name}: {value!r} is not one of {choices}", fix=f"set {key} to {choices}")
        _check_strings(value, key=name)
        if expected is list:
            value = tuple(value)
        values[key.replace("-", "_")] = value
    if "python" in values and (kind or "managed") in PYTHON_REQUEST_KINDS:
        from pitstop.python_request import parse_request

        parse_request(values["python"], where=where.key("python", env))
    if "location" in values:
        _check_location(values["location"], root=root, key=where.key("location", env))
    for key in ("index_url",):
        if key in values and not values[key]:
            raise ConfigError(f"{where.key('index-url', env)} is empty", fix="remove it or set a URL")
    if "environments" in values:
        from packaging.markers import InvalidMarker, Marker

        for marker in values["environments"]:
            try:
                # "===" parses, but uv refuses it in a marker: refuse it here, where it is named.
                if "===" in str(Marker(marker)):
                    raise InvalidMarker(marker)
            except InvalidMarker:
                raise ConfigError(
                    f"{where.key('environments', env)}: invalid marker {marker!r}",
                    fix="use PEP 508 markers such as \"sys_platform == 'linux'\"",
                ) from None
    fields = {f: getattr(inherited, f) for f in Settings.__dataclass_fields__}
    fields.update(values)
    return Settings(**fields)


def _check_location(location: str, *, root: Path, key: str) -> None:
    if location == "user":
        return
    if not location:
        raise ConfigError(f"{key} is empty", fix='use a directory inside the project or "user"')
    fix = 'use a directory inside the project (default ".pitstop"), or location = "user"'
    real_root = root.resolve()
    try:
        target = (root / location).resolve()
        os.stat(target)  # Python 3.13's resolve() no longer raises on a symlink loop
    except FileNotFoundError:
        pass  # created on first use
    except (OSError, RuntimeError, ValueError) as exc:
        import errno

        loop = isinstance(exc, RuntimeError) or getattr(exc, "errno", 0) == errno.ELOOP
        why = "is a symlink loop" if loop else f"cannot be used: {getattr(exc, 'strerror', None) or exc}"
        raise ConfigError(f"{key} = {location!r} {why}", fix=fix) from None
    if target.exists() and not target.is_dir():
        raise ConfigError(f"{key} = {location!r} is a file, not a directory", fix=fix)
    if target != real_root and real_root not in target.parents:
        raise ConfigError(
            f"{key} = {location!r} resolves outside the project ({target})",
            fix='use a directory inside the project, or location = "user"',
        )
    if target == real_root:
        raise ConfigError(f"{key} must not be the project root", fix='use ".pitstop"')


def _env(
    name: str,
    body: Mapping[str, Any],
    settings: Settings,
    *,
    root: Path,
    where: _Where,
    named: bool,
) -> EnvSpec:
    known = set(SETTING_KEYS) | set(SOURCE_KEYS) | set(ADOPTED_KEYS) | {"kind"}
    plugin_keys = _plugin_keys(body.get("kind"))
    known |= set(plugin_keys)
    if not named:
        known.add("envs")
    scope = name if named else None
    for key in body:
        if key not in known:
            close = _closest(key, known)
            raise ConfigError(
                f"{where.key(key, scope)}: unknown key" + (f" (did you mean {close!r}?)" if close else ""),
                fix=f"rename it to {close}"
                if close
                else f"remove it; known keys: {', '.join(sorted(known))}",
            )
    kind = body.get("kind", "managed")
    _check_type(kind, str, key=where.key("kind", scope))
    _check_strings(kind, key=where.key("kind", scope))
    if kind not in KINDS and not _third_party_kind(kind):
        raise ConfigError(
            f"{where.key('kind', scope)}: unknown kind {kind!r}",
            fix=f"use one of: {', '.join(KINDS)} (or install the plugin that provides it)",
        )
    values: dict[str, Any] = {}
    for key, expected in SOURCE_KEYS.items():
        if key in body:
            _check_type(body[key], expected, key=where.key(key, scope))
            if kind != "managed":
                raise ConfigError(
                    f"{where.key(key, scope)}: {kind} envs are not built by pitstop",
                    fix=f'remove {key}, or use kind = "managed"',
                )
            _check_strings(body[key], key=where.key(key, scope))
            values[key.replace("-", "_")] = tuple(body[key]) if expected is list else body[key]
    if "libraries" in values:
        values["libraries"] = tuple(sorted(values["libraries"].items()))
    options: list[tuple[str, str]] = []
    for key, expected in ADOPTED_KEYS.items():
        if key in body:
            _check_type(body[key], expected, key=where.key(key, scope))
            if kind == "managed":
                raise ConfigError(
                    f"{where.key(key, scope)}: only adopted kinds take {key}",
                    fix=f"remove {key}, or set kind (venv, uv, poetry, conda, docker, ...)",
                )
            _check_strings(body[key], key=where.key(key, scope))
            options.append((key, body[key]))
    for key, expected in plugin_keys.items():
        if key in body and key not in ADOPTED_KEYS:
            _check_type(body[key], expected, key=where.key(key, scope))
            value = body[key]
            options.append((key, value if isinstance(value, str) else json.dumps(value)))
    if named:
        table = f"[{where.prefix}envs.{name}]"
    else:  # pitstop.toml has no [tool.pitstop] header: its keys are at the top level
        table = f"[{where.prefix[:-1]}]" if where.prefix else "the top-level table"
    spec = EnvSpec(
        name=name,
        kind=kind,
        settings=settings,
        sources=Sources(**values),
        options=tuple(options),
        table=table or "[pitstop.toml]",
    )
    if kind == "managed":
        _validate_sources(spec, where=where, scope=scope)
    return spec


def _validate_sources(spec: EnvSpec, *, where: _Where, scope: str | None) -> None:
    from pitstop.requirements import library_requirement, parse_requirement

    for text in spec.sources.requirements:
        parse_requirement(text, where=where.key("requirements", scope), fix="use PEP 508 requirement strings")
    for import_name, value in spec.sources.libraries:
        library_requirement(import_name, value, where=where.key(f"libraries.{import_name}", scope))


def _closest(key: str, known: set[str]) -> str | None:
    import difflib

    match = difflib.get_close_matches(key, sorted(known), n=1)
    return match[0] if match else None


def _plugin_keys(kind: object) -> dict[str, type]:
    """Config keys a third-party kind declares (none for built-in kinds)."""
    if not isinstance(kind, str) or kind in KINDS or not _third_party_kind(kind):
        return {}
    from pitstop.kinds import plugins

    return plugins.config_keys(kind)


def _third_party_kind(kind: str) -> bool:
    from pitstop.kinds import registry

    return kind in registry.third_party_names()


def python_version_file(root: Path) -> str | None:
    """The interpreter request of ``root/.python-version``, read as pyenv does (see
    :mod:`pitstop.discovery`)."""
    from pitstop.discovery import python_version_request
    from pitstop.reading import UnreadableFile

    try:
        return python_version_request(str(root))
    except UnreadableFile as exc:
        raise ConfigError(
            f"{exc.path}: cannot be read: {exc.reason}", fix="make .python-version a regular UTF-8 text file"
        ) from None


def python_override(environ: Mapping[str, str]) -> str | None:
    value = environ.get("PITSTOP_PYTHON")
    if value is None or value == "":
        return None
    path = Path(value)
    if not path.is_absolute():
        found = _which_interpreter(value, environ.get("PATH", ""))
        if found is None:
            raise ConfigError(
                f"PITSTOP_PYTHON={value!r} is not an absolute path and not a real interpreter on PATH"
                " (pitstop never runs pyenv shims or wrapper scripts)",
                fix="set PITSTOP_PYTHON to an interpreter's absolute path, or unset it",
            )
        path = Path(found)
    if not path.is_file() or not os.access(path, os.X_OK):
        raise ConfigError(
            f"PITSTOP_PYTHON={value!r} is not an executable file",
            fix="set PITSTOP_PYTHON to an interpreter's absolute path, or unset it",
        )
    return str(path)


def _which_interpreter(name: str, path: str) -> str | None:
    """``name`` on ``path`` skipping shim directories and scripts (a shim is not a Python)."""
    from pitstop.runtime import is_script

    if os.sep in name:
        return None
    for directory in path.split(os.pathsep):
        if not directory or "shims" in Path(directory).parts:
            continue
        candidate = os.path.join(directory, name)
        usable = os.path.isfile(candidate) and os.access(candidate, os.X_OK)
        if usable and not is_script(os.path.realpath(candidate)):
            return candidate
    return None


def _auto_install_override(environ: Mapping[str, str]) -> str | None:
    value = environ.get("PITSTOP_AUTO_INSTALL")
    if not value:
        return None
    if value not in CHOICES["auto-install"]:
        raise ConfigError(
            f"PITSTOP_AUTO_INSTALL={value!r} is not one of dev, always, never",
            fix="set PITSTOP_AUTO_INSTALL to dev, always or never, or unset it",
        )
    return value
