"""Third-party kinds from the ``pitstop.kinds`` entry-point group.

A plugin kind is a class (or an instance) with ``name``, ``resolve(ctx)`` and
``validate(ctx)``; it may also declare

- ``config_keys``: ``{"key": str | bool | list}`` accepted in its env table (its values
  reach the kind through ``ctx.spec.option(key)``; lists and booleans as their JSON text);
- ``markers``: file names that make ``auto`` detection pick it, checked after the built-in
  kinds' markers (``"name/"`` is a directory, ``"dir/file"`` a file inside one).

A plugin that fails to import is an error naming it and its package, never a traceback.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from pitstop.errors import ConfigError

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

    from pitstop.config import Project

GROUP = "pitstop.kinds"


class PluginError(ConfigError):
    """A third-party kind could not be loaded (exit 2: nothing was changed)."""


def entry_points() -> list[EntryPoint]:
    """The registered entry points, in name order."""
    from importlib.metadata import entry_points as eps

    return sorted(eps(group=GROUP), key=lambda ep: ep.name)


def names() -> set[str]:
    """Names registered under the entry-point group (nothing is imported)."""
    return {ep.name for ep in entry_points()}


@cache
def load(name: str) -> Any:
    """The kind object of plugin ``name`` (PluginError when it does not load)."""
    for ep in entry_points():
        if ep.name != name:
            continue
        dist = getattr(getattr(ep, "dist", None), "name", None) or ep.value.split(":")[0]
        try:
            loaded = ep.load()
            kind = loaded() if isinstance(loaded, type) else loaded
        except Exception as exc:
            raise PluginError(
                f"the kind plugin {name!r} ({ep.value}, from {dist}) failed to load: "
                f"{type(exc).__name__}: {exc}",
                fix=f"run: pip install --force-reinstall {dist}  (or uninstall it)",
            ) from None
        for attr in ("resolve", "validate"):
            if not callable(getattr(kind, attr, None)):
                raise PluginError(
                    f"the kind plugin {name!r} ({ep.value}, from {dist}) has no {attr}() method",
                    fix=f"run: pip install --upgrade {dist}  (or uninstall it)",
                )
        return kind
    raise ConfigError(f"unknown kind {name!r}", fix="install the plugin that provides it")


def config_keys(name: str) -> dict[str, type]:
    """The env-table keys plugin ``name`` declares (``config_keys``)."""
    declared = getattr(load(name), "config_keys", None) or {}
    out: dict[str, type] = {}
    for key, expected in dict(declared).items():
        if isinstance(key, str) and expected in (str, bool, list, int):
            out[key] = expected
    return out


def declared_markers() -> list[tuple[str, tuple[str, ...]]]:
    """(kind, markers) of every plugin declaring ``markers``; plugins that fail to load are
    left out here (detection never fails because of them; using the kind reports it)."""
    out: list[tuple[str, tuple[str, ...]]] = []
    for name in sorted(names()):
        try:
            kind = load(name)
        except ConfigError:
            continue
        markers = getattr(kind, "markers", None) or ()
        clean = tuple(m for m in markers if isinstance(m, str) and m and ".." not in m.split("/"))
        if clean:
            out.append((name, clean))
    return out


def check(project: Project) -> None:
    """Check the envs of third-party kinds once ``project`` is loaded (config parsing never
    reads entry points): each kind is installed and loads, and every key of its table that
    pitstop does not know is one the kind declares, of the declared type."""
    import os

    from pitstop.config import DEFAULT_ENV, KINDS
    from pitstop.config_parse import KNOWN_KEYS, Where, check_type, unknown_key

    where = Where(project.config_file, project.table_prefix)
    for spec in project.envs.values():
        if spec.kind in KINDS:
            continue
        scope = None if spec.name == DEFAULT_ENV else spec.name
        try:
            if spec.kind not in names():
                raise ConfigError(
                    f"{where.key('kind', scope)}: unknown kind {spec.kind!r}",
                    fix=f"use one of: {', '.join(KINDS)} (or install the plugin that provides it)",
                )
            declared = config_keys(spec.kind)
            for key, value in spec.third_party:
                if key not in declared:
                    raise unknown_key(where.key(key, scope), key, {*KNOWN_KEYS, *declared})
                check_type(
                    list(value) if isinstance(value, tuple) else value,
                    declared[key],
                    key=where.key(key, scope),
                )
        except ConfigError as exc:
            exc.file = exc.file or os.path.relpath(project.config_file)
            raise
