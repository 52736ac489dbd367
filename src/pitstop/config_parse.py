"""Check a ``[tool.pitstop]`` table against the key tables of :mod:`pitstop.config` and turn it
into :class:`~pitstop.config.EnvSpec` records.

Every problem is a :class:`ConfigError` (exit 2) naming the file, the key and the fix.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from pitstop.config import (
    ADOPTED_KEYS,
    CHOICES,
    DEFAULT_ENV,
    ENV_NAME,
    KINDS,
    PYTHON_REQUEST_KINDS,
    SETTING_KEYS,
    SOURCE_KEYS,
    EnvSpec,
    Settings,
    Sources,
    ThirdPartyValue,
    suggest_env_name,
)
from pitstop.errors import ConfigError

_TYPE_NAMES = {
    str: "a string",
    list: "a list of strings",
    bool: "true or false",
    dict: "a table",
    int: "an integer",
}


class Where(NamedTuple):
    file: Path
    prefix: str

    def key(self, key: str, env: str | None = None) -> str:
        scope = f"{self.prefix}envs.{env}." if env else self.prefix
        return f"{self.file.name}: {scope}{key}"


def parse_envs(table: Mapping[str, Any], *, root: Path, where: Where) -> dict[str, EnvSpec]:
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
            raise ConfigError(f"{where.key('envs.' + name)} must be a table", fix="make it a table")
        env_settings = _settings(body, settings, root=root, where=where, env=name, kind=body.get("kind"))
        envs[name] = _env(name, body, env_settings, root=root, where=where, named=True)
    return envs


#: Every key pitstop itself knows in an env table.
KNOWN_KEYS = frozenset({*SETTING_KEYS, *SOURCE_KEYS, *ADOPTED_KEYS, "kind"})


def check_type(value: object, expected: type, *, key: str) -> None:
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
    where: Where,
    env: str | None,
    kind: object = None,
) -> Settings:
    values: dict[str, Any] = {}
    for key, expected in SETTING_KEYS.items():
        if key not in body:
            continue
        value = body[key]
        name = where.key(key, env)
        check_type(value, expected, key=name)
        if key in CHOICES and value not in CHOICES[key]:
            choices = " | ".join(f'"{c}"' for c in CHOICES[key])
            raise ConfigError(f"{name}: {value!r} is not one of {choices}", fix=f"set {key} to {choices}")
        _check_strings(value, key=name)
        if expected is list:
            value = tuple(value)
        values[key.replace("-", "_")] = value
    if "python" in values and kind == "pyenv":
        from pitstop.discovery import PYENV_NAME_FIX, is_pyenv_name

        if not is_pyenv_name(values["python"]):
            raise ConfigError(
                f"{where.key('python', env)}: {values['python']!r} is not a pyenv version name",
                fix=PYENV_NAME_FIX,
            )
    elif "python" in values and (kind or "managed") in PYTHON_REQUEST_KINDS:
        from pitstop.python_request import parse_request

        parse_request(values["python"], where=where.key("python", env))
    if "location" in values:
        _check_location(values["location"], root=root, key=where.key("location", env))
    for key in ("index_url",):
        if key in values and not values[key]:
            raise ConfigError(f"{where.key('index-url', env)} is empty", fix="remove it or set a URL")
    for key in ("index_url", "extra_index_urls", "find_links"):
        for url in values.get(key) or () if key != "index_url" else [values.get(key) or ""]:
            if url and (key != "find_links" or "://" in url):
                check_index_url(url, key=where.key(key.replace("_", "-"), env))
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
    return inherited._replace(**values)


def masked(url: str) -> str:
    """``url`` with everything between ``://`` and its last ``@`` hidden: safe to show even
    when ``url`` does not parse (``redact_url`` cannot take a credential out of that)."""
    scheme, sep, rest = url.partition("://")
    if sep and "@" in rest:
        rest = "***@" + rest.rsplit("@", 1)[1]
    return scheme + sep + rest


def check_index_url(url: str, *, key: str) -> None:
    """Refuse an index or find-links URL that is not a well-formed http(s) or file URL.

    uv and pip get it as an option or an environment variable; one that does not parse could
    not be stripped of its credentials (it would reach uv's command line and its errors)."""
    from urllib.parse import urlsplit

    fix = (
        f"set {key.split(': ', 1)[-1]} to an http(s) or file URL such as "
        '"https://example.invalid/simple" (a password belongs in ~/.netrc or a CI secret)'
    )
    shown = masked(url)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        why = f" ({exc})" if shown == url else ""  # the reason may quote a part of the netloc
        raise ConfigError(f"{key}: {shown!r} is not a valid URL{why}", fix=fix) from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https", "file") or "://" not in url:
        raise ConfigError(f"{key}: {shown!r} is not an http, https or file URL", fix=fix)
    if any(c.isspace() for c in url):
        raise ConfigError(f"{key}: {shown!r} holds whitespace, which no URL does", fix=fix)
    if scheme != "file" and not parts.hostname:
        raise ConfigError(f"{key}: {shown!r} names no host", fix=fix)
    if scheme == "file" and not parts.path:
        raise ConfigError(f"{key}: {shown!r} names no path", fix=fix)


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
    where: Where,
    named: bool,
) -> EnvSpec:
    known = set(KNOWN_KEYS) if named else {*KNOWN_KEYS, "envs"}
    scope = name if named else None
    kind = body.get("kind", "managed")
    check_type(kind, str, key=where.key("kind", scope))
    _check_strings(kind, key=where.key("kind", scope))
    third_party: list[tuple[str, ThirdPartyValue]] = []
    for key in body:
        if key in known:
            continue
        if kind in KINDS:
            if key == "tool" and not named and where.file.name == "pitstop.toml" and not where.prefix:
                raise ConfigError(
                    "pitstop.toml: [tool.pitstop] belongs in pyproject.toml; pitstop.toml holds the "
                    "same keys at its top level",
                    fix="delete the [tool.pitstop] header line (keep the keys under it)",
                )
            raise unknown_key(where.key(key, scope), key, known)
        # A third-party kind's own key: kinds.plugins.check asks the kind once loading is done.
        third_party.append((key, _third_party_value(body[key], key=where.key(key, scope))))
    values: dict[str, Any] = {}
    for key, expected in SOURCE_KEYS.items():
        if key in body:
            check_type(body[key], expected, key=where.key(key, scope))
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
            check_type(body[key], expected, key=where.key(key, scope))
            if kind == "managed":
                raise ConfigError(
                    f"{where.key(key, scope)}: only adopted kinds take {key}",
                    fix=f"remove {key}, or set kind (venv, uv, poetry, conda, docker, ...)",
                )
            _check_strings(body[key], key=where.key(key, scope))
            options.append((key, body[key]))
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
        third_party=tuple(third_party),
    )
    if kind == "managed":
        _validate_sources(spec, where=where, scope=scope)
    return spec


def _validate_sources(spec: EnvSpec, *, where: Where, scope: str | None) -> None:
    from pitstop.requirements import library_requirement, parse_requirement

    for text in spec.sources.requirements:
        parse_requirement(text, where=where.key("requirements", scope), fix="use PEP 508 requirement strings")
    for import_name, value in spec.sources.libraries:
        library_requirement(import_name, value, where=where.key(f"libraries.{import_name}", scope))


def unknown_key(where: str, key: str, known: set[str]) -> ConfigError:
    """The error for ``key`` (at ``where``: ``pyproject.toml: tool.pitstop.x``), which is none
    of ``known``, suggesting the closest known one."""
    import difflib

    match = difflib.get_close_matches(key, sorted(known), n=1)
    close = match[0] if match else None
    return ConfigError(
        f"{where}: unknown key" + (f" (did you mean {close!r}?)" if close else ""),
        fix=f"rename it to {close}" if close else f"remove it; known keys: {', '.join(sorted(known))}",
    )


def _third_party_value(value: object, *, key: str) -> ThirdPartyValue:
    """A third-party kind's key holds what a kind may declare: a string, a boolean, an
    integer or a list of strings (its declared type is checked after loading)."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        _check_strings(value, key=key)
        return tuple(value)
    if isinstance(value, str | bool | int):
        _check_strings(value, key=key)
        return value
    raise ConfigError(
        f"{key} must be a string, true or false, an integer or a list of strings, not {type(value).__name__}",
        fix=f"write {key.split(': ', 1)[-1]} as the kind's documentation says",
    )
