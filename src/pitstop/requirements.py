"""Requirement sources -> one normalized, sorted, de-duplicated list; and the inputs hash.

Everything here is pure (strings and mappings in, strings out); requirements files are read by
:mod:`pitstop.requirement_files`.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from pitstop.errors import ConfigError

_BARE_VERSION = re.compile(r"^\d+(\.\d+)*([abc]|rc|\.post|\.dev)?\d*$")
_PESSIMISTIC = re.compile(r"^~>\s*(\S+)$")
_GROUP_NAME = re.compile(r"[-_.]+")
# C0 controls but tab, DEL, C1 controls and the Unicode line/paragraph separators: any of them
# inside a requirement could end a line of the file an installer reads and start an option.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
#: At most this many characters of an untrusted line are quoted in an error.
MAX_QUOTED = 120


def quote(text: str, limit: int = MAX_QUOTED) -> str:
    """``repr(text)``, cut to ``limit`` characters with the length said: an error quoting a
    line of an untrusted file must not dump a 32 MiB line (or a binary file's) to the log."""
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}... ({len(text)} characters)"


def control_character(text: str) -> str | None:
    """The first control character in ``text`` (as ``\\x0a``-style text), or None."""
    match = _CONTROL.search(text)
    return None if match is None else f"\\x{ord(match.group()):02x}"


def check_text(text: str, *, where: str, fix: str) -> None:
    """Refuse ``text`` (a requirement, URL, name) holding a control character."""
    bad = control_character(text)
    if bad is not None:
        raise ConfigError(f"{where}: {quote(text)} holds a control character ({bad})", fix=fix)


def parse_requirement(text: str, *, where: str, fix: str) -> Requirement:
    """Parse one PEP 508 requirement or raise a :class:`ConfigError` that says where it was.

    A control character anywhere (even inside a URL or a marker's quoted string, which PEP 508
    grammar lets through) is refused: the text is untrusted and ends up in a file uv reads.
    So is ``${``: uv and pip expand ``${VAR}`` in the requirements files they read, which would
    send pitstop's environment (a CI job's secrets) to the URL's host and into the lock.
    """
    if not isinstance(text, str):
        raise ConfigError(f"{where}: {quote(repr(text))} is not a requirement string", fix=fix)
    check_text(text, where=where, fix=fix)
    if "${" in text:
        raise ConfigError(
            f"{where}: {quote(text)} refers to an environment variable ('${{'): uv and pip expand it "
            "from pitstop's environment, and the value would reach the URL's host, the logs and the lock",
            fix="write the value itself; an index's credentials belong in the installer's own "
            "mechanisms (netrc, keyring, a CI secret; see docs/security.md), never in a requirement",
        )
    try:
        return Requirement(text)
    except InvalidRequirement as exc:
        first = str(exc).splitlines()[0] if str(exc) else "invalid"
        raise ConfigError(f"{where}: invalid requirement {quote(text)}: {first[:200]}", fix=fix) from None


def render(requirement: Requirement) -> str:
    """The one line an installer reads for ``requirement``: packaging's rendering of the
    parsed value, checked once more so no path can put a second line into the file."""
    text = str(requirement)
    bad = control_character(text)
    if bad is not None or text.lstrip().startswith("-"):
        # parse_requirement refuses this earlier; reaching here is a pitstop bug (exit 4).
        raise RuntimeError(f"refusing to pass {text!r} to an installer")
    return text


def redact_url(url: str) -> str:
    """Drop any ``user:password@`` and any ``?query`` (``?token=...``) from ``url`` so it can
    be written to a lock or a log; a URL that changes here carries credentials, which go to
    the installer in its own environment variables (:mod:`pitstop.index_options`)."""
    try:
        parts = urlsplit(url)
    except ValueError:  # "http://user:pw@[::1/x": drop up to the last "@" (too much, never too little)
        scheme, sep, rest = url.partition("://")
        rest = rest.split("?", 1)[0]
        return scheme + sep + rest.rsplit("@", 1)[1] if sep and "@" in rest else scheme + sep + rest
    if "@" not in parts.netloc and not parts.query:
        return url
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, host, parts.path, "", parts.fragment))


def library_requirement(import_name: str, value: object, *, where: str) -> str | None:
    """Turn one ``libraries`` entry into a requirement string (None for a stdlib name).

    ``value`` is a version string (PEP 440 specifier, bare version meaning ``==``, or
    ``~> X.Y`` meaning ``~=X.Y``) or a table ``{version, package, extras}``.
    """
    fix = f'write it as {import_name} = ">=1.0" or {{ package = "name", version = ">=1.0" }}'
    if import_name in sys.stdlib_module_names:
        return None
    package = import_name
    extras: list[str] = []
    version: object = value
    if isinstance(value, Mapping):
        unknown = sorted(set(value) - {"version", "package", "extras"})
        if unknown:
            raise ConfigError(f"{where}: unknown key {unknown[0]!r}", fix=fix)
        package = value.get("package", import_name)
        version = value.get("version", "")
        raw_extras = value.get("extras", [])
        if not isinstance(package, str) or not package:
            raise ConfigError(f"{where}.package: must be a non-empty string", fix=fix)
        if not isinstance(raw_extras, list) or not all(isinstance(e, str) for e in raw_extras):
            raise ConfigError(f"{where}.extras: must be a list of strings", fix=fix)
        extras = raw_extras
    if not isinstance(version, str):
        raise ConfigError(f"{where}: version must be a string", fix=fix)
    spec = _library_specifier(version.strip(), where=where, fix=fix)
    extra_text = f"[{','.join(extras)}]" if extras else ""
    req = f"{package}{extra_text}{spec}"
    parse_requirement(req, where=where, fix=fix)
    return req


def _library_specifier(version: str, *, where: str, fix: str) -> str:
    if not version or version == "*":
        return ""
    match = _PESSIMISTIC.match(version)
    if match:
        version = f"~={match.group(1)}"
    elif _BARE_VERSION.match(version):
        version = f"=={version}"
    try:
        return str(SpecifierSet(version))
    except InvalidSpecifier:
        raise ConfigError(f"{where}: invalid version {version!r}", fix=fix) from None


def normalize_group_name(name: str) -> str:
    """PEP 735 group names compare like PEP 503 project names."""
    return _GROUP_NAME.sub("-", name).lower()


def dependency_group(groups: Mapping[str, Any], name: str, *, where: str) -> list[str]:
    """Expand PEP 735 group ``name`` (with ``include-group``) into requirement strings."""
    table = {normalize_group_name(k): v for k, v in groups.items()}
    return _expand_group(table, normalize_group_name(name), where=where, stack=())


def _expand_group(table: Mapping[str, Any], name: str, *, where: str, stack: tuple[str, ...]) -> list[str]:
    fix = "define the group under [dependency-groups] in pyproject.toml"
    if name in stack:
        chain = " -> ".join((*stack, name))
        raise ConfigError(f"{where}: dependency group cycle {chain}", fix=fix)
    if name not in table:
        raise ConfigError(f"{where}: no dependency group {name!r}", fix=fix)
    items = table[name]
    if not isinstance(items, list):
        raise ConfigError(f"{where}: [dependency-groups].{name} must be a list", fix=fix)
    out: list[str] = []
    for item in items:
        if isinstance(item, str):
            parse_requirement(item, where=f"pyproject.toml: [dependency-groups].{name}", fix=fix)
            out.append(item)
        elif isinstance(item, Mapping) and set(item) == {"include-group"}:
            include = item["include-group"]
            if not isinstance(include, str):
                raise ConfigError(f"{where}: include-group must be a string", fix=fix)
            out += _expand_group(table, normalize_group_name(include), where=where, stack=(*stack, name))
        else:
            raise ConfigError(
                f"{where}: [dependency-groups].{name} holds {item!r}",
                fix='use requirement strings or { include-group = "name" }',
            )
    return out


def project_extra(project: Mapping[str, Any], extra: str, *, where: str) -> list[str]:
    """Requirements of this project's optional-dependencies ``extra``, self-references expanded."""
    fix = "define it under [project.optional-dependencies] in pyproject.toml"
    table = project.get("optional-dependencies", {})
    if not isinstance(table, Mapping):
        raise ConfigError("pyproject.toml: [project.optional-dependencies] must be a table", fix=fix)
    extras = {canonicalize_name(k): v for k, v in table.items()}
    self_name = canonicalize_name(str(project.get("name", "")))
    out: list[str] = []
    pending = [canonicalize_name(extra)]
    done: set[str] = set()
    while pending:
        name = pending.pop()
        if name in done:
            continue
        done.add(name)
        if name not in extras:
            raise ConfigError(f"{where}: this project has no extra {name!r}", fix=fix)
        items = extras[name]
        if not isinstance(items, list):
            raise ConfigError(
                f"pyproject.toml: [project.optional-dependencies].{name} must be a list", fix=fix
            )
        for text in items:
            req = parse_requirement(
                text, where=f"pyproject.toml: [project.optional-dependencies].{name}", fix=fix
            )
            if self_name and canonicalize_name(req.name) == self_name:
                pending += [canonicalize_name(e) for e in req.extras]
            else:
                out.append(str(text))
    return out


def normalize(requirements: Iterable[str]) -> tuple[str, ...]:
    """Merge, normalize and sort requirement strings.

    Names become PEP 503 names; entries that share a name, URL and marker are merged (extras
    united, specifiers intersected); the result is sorted and free of duplicates. URLs lose any
    credentials.
    """
    merged: dict[tuple[str, str, str], tuple[set[str], SpecifierSet]] = {}
    for text in requirements:
        req = Requirement(text)
        key = (
            canonicalize_name(req.name),
            redact_url(req.url) if req.url else "",
            str(req.marker) if req.marker else "",
        )
        extras, spec = merged.get(key, (set(), SpecifierSet()))
        merged[key] = (extras | {canonicalize_name(e) for e in req.extras}, spec & req.specifier)
    out = []
    for (name, url, marker), (extras, spec) in merged.items():
        text = name + (f"[{','.join(sorted(extras))}]" if extras else "")
        text += f" @ {url}" if url else ",".join(sorted(str(s) for s in spec))
        if marker:
            text += f" ; {marker}" if url else f"; {marker}"
        out.append(text)
    return tuple(sorted(set(out)))


def inputs_hash(inputs: Mapping[str, object]) -> str:
    """``sha256:`` of the canonical JSON of ``inputs`` (callers leave credentials out)."""
    blob = json.dumps(inputs, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(blob.encode()).hexdigest()


def names(requirements: Sequence[str]) -> set[str]:
    """The PEP 503 names in normalized requirement strings."""
    return {re.split(r"[\[ ;<>=!~@]", r, maxsplit=1)[0] for r in requirements}
