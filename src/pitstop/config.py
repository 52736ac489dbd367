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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pitstop.errors import ConfigError

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

Installer = Literal["uv", "pip"]
#: What a third-party kind's own key may hold (a TOML list of strings is kept as a tuple).
ThirdPartyValue = str | bool | int | tuple[str, ...]


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
