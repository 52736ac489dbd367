"""The project's configuration as frozen records: :class:`Project`, :class:`EnvSpec`,
:class:`Settings`, :class:`Sources`, and the key tables of ``[tool.pitstop]`` they are read from.

Reading a file into these records is :mod:`pitstop.config_load`; checking a table against the key
tables is :mod:`pitstop.config_parse`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from types import UnionType
from typing import Any, Literal, NamedTuple, Union, cast, get_args, get_origin, get_type_hints

from pitstop.errors import ConfigError

# Used with fullmatch: "$" would also match before a trailing newline ("x\n").
ENV_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
DEFAULT_ENV = "default"
KINDS = ("managed", "system", "venv", "uv", "poetry", "pyenv", "conda", "docker", "auto")

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

Installer = Literal["uv", "pip"]
AutoInstall = Literal["dev", "always", "never"]
LockRuntime = Literal["any", "exact"]
#: What a third-party kind's own key may hold (a TOML list of strings is kept as a tuple).
ThirdPartyValue = str | bool | int | tuple[str, ...]


# The records are NamedTuples, not dataclasses: a frozen dataclass compiles its methods at
# every start (~0.5 ms a class), a cost every command pays (tests/test_startup.py).


class Settings(NamedTuple):
    """Inherited settings of one env."""

    python: str | None = None
    auto_install: AutoInstall = "dev"
    installer: Installer = "uv"
    location: str = ".pitstop"
    index_url: str | None = None
    extra_index_urls: tuple[str, ...] = ()
    find_links: tuple[str, ...] = ()
    no_index: bool = False
    allow_build: bool = True
    keep_previous: bool = True
    lock_runtime: LockRuntime = "any"
    environments: tuple[str, ...] = ()


class Sources(NamedTuple):
    """Requirement sources of one managed env (never inherited)."""

    requirements: tuple[str, ...] = ()
    requirements_files: tuple[str, ...] = ()
    dependency_groups: tuple[str, ...] = ()
    extras: tuple[str, ...] = ()
    install_project: bool = False
    #: A table in TOML (import name -> requirement), kept as sorted pairs.
    libraries: tuple[tuple[str, Any], ...] = ()


def _toml_type(hint: Any) -> type:
    """The TOML type a record field is written as: a Literal or ``str | None`` is a string, a
    ``tuple[str, ...]`` a list of strings."""
    origin = get_origin(hint)
    if origin is Literal:
        return str
    if origin in (Union, UnionType):
        return _toml_type(next(a for a in get_args(hint) if a is not type(None)))
    if origin is tuple:
        return list
    return cast(type, hint)


def _schema(
    record: type, toml: Mapping[str, type] | None = None
) -> tuple[dict[str, type], dict[str, tuple[str, ...]]]:
    """(key -> TOML type, key -> allowed values) of a record's fields, keys spelled as in
    TOML (``auto-install`` for ``auto_install``): the key tables are derived from the records.
    ``toml`` names a field's TOML type where its Python type does not say it."""
    hints = get_type_hints(record)
    keys: dict[str, type] = {}
    choices: dict[str, tuple[str, ...]] = {}
    for name, hint in hints.items():
        key = name.replace("_", "-")
        keys[key] = (toml or {}).get(name) or _toml_type(hint)
        if get_origin(hint) is Literal:
            choices[key] = get_args(hint)
    return keys, choices


# Settings are inherited by named envs; requirement sources are not (SPEC §2).
SETTING_KEYS, CHOICES = _schema(Settings)
# ``libraries`` is a TOML table (import name -> requirement), kept as sorted pairs.
SOURCE_KEYS, _ = _schema(Sources, {"libraries": dict})


class EnvSpec(NamedTuple):
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
    #: Keys of a third-party kind's table that pitstop does not know, as written: checked
    #: against the keys the kind declares once the config is loaded (``kinds.plugins.check``).
    third_party: tuple[tuple[str, ThirdPartyValue], ...] = ()

    def option(self, key: str, default: str | None = None) -> str | None:
        """The adopted-kind option ``key`` (``path``, ``container``, ...); a third-party kind's
        key as text (lists, booleans and integers as their JSON text)."""
        options = dict(self.options)
        if key in options:
            return options[key]
        for name, value in self.third_party:
            if name == key:
                return (
                    value
                    if isinstance(value, str)
                    else json.dumps(list(value) if isinstance(value, tuple) else value)
                )
        return default

    @property
    def lock_name(self) -> str:
        """File name of this env's lock (SPEC §5)."""
        return "pylock.toml" if self.name == DEFAULT_ENV else f"pylock.{self.name}.toml"


class Project(NamedTuple):
    """A project root and its configured envs."""

    root: Path
    config_file: Path
    envs: Mapping[str, EnvSpec]
    pyproject: Mapping[str, Any] = {}  # read-only (a Mapping): one shared empty default is safe
    python_version_file: str | None = None
    python_override: str | None = None
    auto_install_override: str | None = None
    tool: Mapping[str, Any] = {}  # read-only (a Mapping): one shared empty default is safe

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
