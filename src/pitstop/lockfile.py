"""PEP 751 lock files: deterministic rendering, offline freshness, and reading.

Freshness (:func:`status`) is decided from the file's text alone — a content hash over the
body and the recorded inputs hash — so the pre-commit hook never parses TOML or runs uv.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pitstop.errors import NotReadyError

SCHEMA = 1
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_TOP_ORDER = ("lock-version", "environments", "requires-python", "created-by")
_PACKAGE_ORDER = (
    "name",
    "version",
    "marker",
    "requires-python",
    "dependencies",
    "index",
    "vcs",
    "directory",
    "archive",
    "sdist",
    "wheels",
    "attestation-identities",
)
_FILE_ORDER = ("name", "url", "path", "size", "hashes")


LockState = Literal["fresh", "missing", "modified", "stale"]


@dataclass(frozen=True, slots=True)
class LockStatus:
    """Freshness of one lock file."""

    path: Path
    state: LockState
    detail: str = ""
    content_hash: str = ""

    @property
    def fresh(self) -> bool:
        """True when the lock can be used as is."""
        return self.state == "fresh"

    def describe(self) -> str:
        """One line for humans."""
        texts = {
            "fresh": "lock fresh",
            "missing": f"{self.path.name} is missing",
            "modified": f"{self.path.name} was edited by hand (its content-hash does not match)",
            "stale": f"{self.path.name} is stale: the requirements or settings changed",
        }
        return texts[self.state] + (f" ({self.detail})" if self.detail else "")


def content_hash(body: str) -> str:
    """``sha256:`` of a lock's text without its ``content-hash`` line."""
    import hashlib

    return "sha256:" + hashlib.sha256(body.encode("utf-8")).hexdigest()


def split_content_hash(text: str) -> tuple[str, str | None]:
    """(body without the ``content-hash`` line, the recorded hash or None)."""
    marker = '\ncontent-hash = "'
    at = text.rfind(marker)
    if at < 0:
        return text, None
    end = text.find("\n", at + 1)
    line = text[at + 1 : end if end >= 0 else len(text)]
    value = line[len('content-hash = "') : -1] if line.endswith('"') else ""
    if not value.startswith("sha256:") or len(value) != 71:
        return text, None
    return text[: at + 1] + (text[end + 1 :] if end >= 0 else ""), value


def recorded(body: str, key: str) -> str | None:
    """The value of a top-level ``key = "..."`` line of ``[tool.pitstop]`` in a lock body."""
    marker = f'\n{key} = "'
    at = body.rfind(marker)
    if at < 0:
        return None
    start = at + len(marker)
    end = body.find('"', start)
    return body[start:end] if end > start else None


def status(path: Path, inputs_hash: str) -> LockStatus:
    """Decide freshness offline from the file's text (SPEC §5 Locks: Fresh)."""
    from pitstop.reading import UnreadableFile, escapes, read_bytes

    target = escapes(path, path.parent)
    if target is not None:
        return LockStatus(path, "modified", f"a symlink outside the project, to {target}")
    try:
        raw = read_bytes(path)  # bounded: in CI the lock may be a symlink to /dev/zero
    except UnreadableFile as exc:
        return LockStatus(path, "missing") if exc.missing else LockStatus(path, "modified", exc.reason)
    return status_of(path, raw, inputs_hash)


def status_of(path: Path, raw: bytes, inputs_hash: str) -> LockStatus:
    """:func:`status` of the lock bytes ``raw`` read from ``path``."""
    try:
        # A CRLF checkout (git autocrlf) of an LF lock is the same lock.
        text = raw.decode("utf-8").replace("\r\n", "\n")
    except UnicodeDecodeError:
        return LockStatus(path, "modified", "not UTF-8")
    body, recorded_hash = split_content_hash(text)
    if recorded_hash is None:
        return LockStatus(path, "modified", "no pitstop content-hash")
    if content_hash(body) != recorded_hash:
        return LockStatus(path, "modified")
    if recorded(body, "inputs-hash") != inputs_hash:
        return LockStatus(path, "stale", content_hash=recorded_hash)
    return LockStatus(path, "fresh", content_hash=recorded_hash)


# -- rendering --------------------------------------------------------------------------
def _string(value: str) -> str:
    if value.isascii() and value.isprintable() and '"' not in value and "\\" not in value:
        return f'"{value}"'  # what json.dumps writes for it (nothing to escape), ~5x faster
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _string(key)


def _value(value: object) -> str:
    # The common concrete types first (a lock is mostly str, dict and list): the abstract
    # Mapping / Sequence checks below cost more per value.
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, dict):
        items = ", ".join(f"{_key(k)} = {_value(v)}" for k, v in _ordered(value, _FILE_ORDER))
        return "{ " + items + " }" if items else "{}"
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Mapping):  # other mappings and sequences are written as the above
        return _value(dict(value))
    if isinstance(value, Sequence):
        return _value(list(value))
    raise TypeError(f"cannot write {type(value).__name__} to a lock")


def _ordered(table: Mapping[str, Any], order: Sequence[str]) -> list[tuple[str, Any]]:
    first = [(k, table[k]) for k in order if k in table]
    rest = sorted((k, v) for k, v in table.items() if k not in order)
    return first + rest


def _array(key: str, items: Sequence[object]) -> str:
    if not items:
        return f"{_key(key)} = []\n"
    lines = "".join(f"    {_value(item)},\n" for item in items)
    return f"{_key(key)} = [\n{lines}]\n"


def render(
    *,
    packages: Sequence[Mapping[str, Any]],
    requires_python: str,
    environments: Sequence[str],
    tool: Mapping[str, Any],
) -> str:
    """The lock's full text: deterministic, LF endings, content-hash as its last line."""
    return render_with_data(
        packages=packages, requires_python=requires_python, environments=environments, tool=tool
    )[0]


def render_with_data(
    *,
    packages: Sequence[Mapping[str, Any]],
    requires_python: str,
    environments: Sequence[str],
    tool: Mapping[str, Any],
) -> tuple[str, dict[str, Any]]:
    """:func:`render`'s text, and the data that parsing that text gives (for :func:`remember`)."""
    head: dict[str, Any] = {"lock-version": "1.0"}
    if environments:
        head["environments"] = list(environments)
    if requires_python:
        head["requires-python"] = requires_python
    head["created-by"] = "pitstop"
    out = [f"{_key(k)} = {_value(v)}\n" for k, v in _ordered(head, _TOP_ORDER)]
    if not packages:
        out.append("packages = []\n")  # PEP 751 requires the key even when nothing is locked
    ordered = sorted(packages, key=lambda p: (p["name"], str(p.get("version", "")), str(p.get("marker", ""))))
    for package in ordered:
        out.append("\n[[packages]]\n")
        for key, value in _ordered(package, _PACKAGE_ORDER):
            if isinstance(value, list) and value and isinstance(value[0], Mapping):
                out.append(_array(key, value))
            else:
                out.append(f"{_key(key)} = {_value(value)}\n")
    out.append("\n[tool.pitstop]\n")
    for key, value in tool.items():
        if isinstance(value, list) and len(value) > 1:
            out.append(_array(key, value))
        else:
            out.append(f"{_key(key)} = {_value(value)}\n")
    body = "".join(out)
    digest = content_hash(body)
    data = {
        **head,
        "packages": [dict(p) for p in ordered],
        "tool": {"pitstop": {**tool, "content-hash": digest}},
    }
    return body + f'content-hash = "{digest}"\n', data


# -- converting uv's output -------------------------------------------------------------
def from_uv(data: Mapping[str, Any], *, uv_dir: Path, lock_dir: Path) -> list[dict[str, Any]]:
    """Make uv's pylock packages portable: local files become paths relative to the lock,
    URLs lose credentials, and upload times (timestamps) are dropped."""
    from pitstop.requirements import redact_url

    def fix_file(entry: Mapping[str, Any]) -> dict[str, Any]:
        entry = {k: v for k, v in entry.items() if k != "upload-time"}
        url = entry.get("url")
        if isinstance(url, str) and url.startswith("file://"):
            from urllib.parse import unquote, urlsplit

            local = Path(unquote(urlsplit(url).path))
            del entry["url"]
            entry.setdefault("name", local.name)
            entry["path"] = _relative(local, lock_dir)
        elif isinstance(url, str):
            entry["url"] = redact_url(url)
        elif isinstance(entry.get("path"), str):
            entry["path"] = _relative(uv_dir / entry["path"], lock_dir)
        return entry

    packages = []
    for package in data.get("packages", []):
        pkg = dict(package)
        if isinstance(pkg.get("index"), str):
            pkg["index"] = redact_url(pkg["index"])
        for key in ("sdist", "archive"):
            if isinstance(pkg.get(key), Mapping):
                pkg[key] = fix_file(pkg[key])
        if isinstance(pkg.get("wheels"), list):
            pkg["wheels"] = [fix_file(w) for w in pkg["wheels"]]
        if isinstance(pkg.get("directory"), Mapping):
            directory = dict(pkg["directory"])
            directory["path"] = _relative(uv_dir / directory["path"], lock_dir)
            pkg["directory"] = directory
        if isinstance(pkg.get("vcs"), Mapping) and isinstance(pkg["vcs"].get("url"), str):
            pkg["vcs"] = {**pkg["vcs"], "url": redact_url(pkg["vcs"]["url"])}
        packages.append(pkg)
    return packages


def with_index(packages: Sequence[Mapping[str, Any]], origins: Mapping[str, str]) -> list[dict[str, Any]]:
    """Packages with PEP 751 ``index`` (credentials stripped) for those whose files were
    downloaded from an index: installers then treat them as index packages and use their
    caches, instead of re-fetching each file as a bare URL."""
    from packaging.utils import canonicalize_name

    from pitstop.requirements import redact_url

    out = []
    for package in packages:
        pkg = dict(package)
        origin = origins.get(canonicalize_name(str(pkg.get("name", ""))))
        files = [*(pkg.get("wheels") or []), pkg.get("sdist") or {}]
        remote = any(isinstance(f, Mapping) and "://" in str(f.get("url", "")) for f in files)
        if origin and remote and "index" not in pkg:
            pkg["index"] = redact_url(origin)
        out.append(pkg)
    return out


def _relative(path: Path, base: Path) -> str:
    import os

    rel = os.path.relpath(os.path.normpath(path.resolve()), base.resolve())
    return posixpath.join(*rel.split(os.sep)) if rel != "." else "."


# -- reading ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class LockFile:
    """A parsed lock."""

    path: Path
    data: Mapping[str, Any]

    @property
    def packages(self) -> list[Mapping[str, Any]]:
        """The ``[[packages]]`` tables."""
        return list(self.data.get("packages", []))

    @property
    def tool(self) -> Mapping[str, Any]:
        """The ``[tool.pitstop]`` table."""
        return (self.data.get("tool") or {}).get("pitstop") or {}

    @property
    def requirements(self) -> list[str]:
        """The normalized requirements recorded when the lock was made."""
        return [str(r) for r in self.tool.get("requirements", [])]


def read(path: Path) -> LockFile:
    """Parse and validate a lock (PEP 751 via ``packaging.pylock``)."""
    fix = "run: pitstop lock"
    from pitstop.reading import UnreadableFile, escapes, read_text

    target = escapes(path, path.parent)
    if target is not None:  # in CI a committed symlink to a secret
        raise NotReadyError(f"{path.name} is a symlink outside the project, to {target}", fix=fix)
    try:
        text = read_text(path)
    except UnreadableFile as exc:
        if exc.missing:
            raise NotReadyError(f"{path.name} is missing", fix=fix) from None
        raise NotReadyError(f"{path.name} cannot be read: {exc.reason}", fix=fix) from None
    return parse(path, text)


#: The last texts parsed and validated by :func:`parse` and their data (read-only). One
#: ``setup`` that re-locks reads the same lock up to four times (old pins, usable, reason,
#: the build's snapshot); the file is read each time, the same text parsed once.
_PARSED: dict[str, Mapping[str, Any]] = {}


def _validate(data: Mapping[str, Any]) -> None:
    """Raise ``PylockValidationError`` or ``PylockUnsupportedVersionError`` unless ``data`` is
    a valid PEP 751 lock."""
    from packaging.pylock import Pylock

    Pylock.from_dict(data)


def _remember_parsed(text: str, data: Mapping[str, Any]) -> None:
    if len(_PARSED) >= 4:
        _PARSED.clear()
    _PARSED[text] = data


def remember(text: str, data: Mapping[str, Any]) -> None:
    """Record ``data`` as the parse of ``text``, a lock just rendered by
    :func:`render_with_data` (validated here as :func:`parse` would): the build that follows
    a re-lock reads that text back and does not parse it again. Data that is not a valid
    lock is not recorded (reading the text then reports it)."""
    from packaging.pylock import PylockUnsupportedVersionError, PylockValidationError

    try:
        _validate(data)
    except (PylockValidationError, PylockUnsupportedVersionError):
        return
    _remember_parsed(text, data)


def parse(path: Path, text: str) -> LockFile:
    """Parse and validate the lock text ``text`` read from ``path``."""
    from pitstop import _toml

    fix = "run: pitstop lock"
    text = text.replace("\r\n", "\n")
    data = _PARSED.get(text)
    if data is not None:
        return LockFile(path=path, data=data)
    try:
        data = _toml.loads(text, source=path)
    except Exception as exc:
        raise NotReadyError(f"{path.name} is not valid TOML", fix=fix) from exc
    from packaging.pylock import PylockUnsupportedVersionError, PylockValidationError

    try:
        _validate(data)
    except (PylockValidationError, PylockUnsupportedVersionError) as exc:
        raise NotReadyError(f"{path.name} is not a valid PEP 751 lock: {exc}", fix=fix) from None
    _remember_parsed(text, data)
    return LockFile(path=path, data=data)
