"""Verify a lock before anything is installed from it, and the result after.

In CI the lock comes from a pull request: its ``content-hash`` is only a checksum anyone can
recompute, so it proves nothing. Before installing, :func:`verify_lock` checks that every
file is hash-pinned, every source is a configured index or find-links location (by URL
prefix) or a path inside the project or a local find-links directory, a ``directory`` entry
is only the project itself with ``install-project``, and the packages selected for the
target interpreter satisfy every requirement. After installing, :func:`verify_installed`
checks that every installed distribution is reachable from the requirements through the
installed metadata. Any failure is exit 1 naming the entry, fix ``run: pitstop lock``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pitstop.errors import NotReadyError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pitstop.config import EnvSpec
    from pitstop.config import Project as ProjectConfig
    from pitstop.inputs import Inputs
    from pitstop.lockfile import LockFile

_HASH_NAME = re.compile(r"[a-z0-9_-]{1,32}")
_HASH_VALUE = re.compile(r"[0-9a-fA-F]{32,256}")
_FILE_KEYS = ("archive", "sdist", "wheels")


@dataclass(frozen=True, slots=True)
class Trusted:
    """Where an env's lock may point: from the config, never from the lock itself."""

    project: Path
    lock_dir: Path
    #: URL prefixes: configured index URLs, their origins, and find-links URLs.
    url_prefixes: tuple[str, ...]
    #: Resolved local directories: the project and each local find-links directory.
    directories: tuple[Path, ...]
    #: No index is configured and index use is on: uv's default index, whose file host
    #: pitstop cannot know; file URLs must then be https (see docs/security.md).
    default_index: bool
    install_project: bool
    project_name: str | None


def trusted(
    *,
    project: Path,
    lock_dir: Path,
    index_url: str | None,
    extra_index_urls: Sequence[str],
    find_links: Sequence[str],
    no_index: bool,
    install_project: bool,
    project_name: str | None,
) -> Trusted:
    """The trusted sources of one env, from its settings (credentials are ignored)."""
    from pitstop.requirements import redact_url

    prefixes: list[str] = []
    directories = [project.resolve()]
    indexes = [] if no_index else [u for u in (index_url, *extra_index_urls) if u]
    for url in indexes:
        clean = redact_url(url)
        prefixes += [clean.rstrip("/") + "/", _origin(clean)]
    for link in find_links:
        if "://" in link and not link.startswith("file:"):
            clean = redact_url(link)
            prefixes += [clean.rstrip("/") + "/", clean]
        else:
            local = link[len("file://") :] if link.startswith("file://") else link
            directories.append((project / local).resolve())
    return Trusted(
        project=project.resolve(),
        lock_dir=lock_dir.resolve(),
        url_prefixes=tuple(p for p in prefixes if p),
        directories=tuple(directories),
        default_index=not no_index and not index_url,
        install_project=install_project,
        project_name=project_name,
    )


def _origin(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return f"{parts.scheme}://{parts.netloc}/" if parts.scheme and parts.netloc else ""


def _fail(lock: Path, what: str) -> NotReadyError:
    return NotReadyError(
        f"{lock.name} failed verification: {what}",
        fix="run: pitstop lock  (locally, then review and commit the lock)",
        file=lock.name,
    )


def verify_lock(
    packages: Sequence[Mapping[str, Any]],
    *,
    lock: Path,
    trust: Trusted,
    requirements: Sequence[str],
    markers: Mapping[str, str],
    selected: Mapping[str, str | None],
) -> None:
    """Check the lock's entries and that ``selected`` (what the lock installs for the target
    interpreter) satisfies every requirement. Raises :class:`NotReadyError` (exit 1)."""
    from packaging.utils import InvalidName, canonicalize_name
    from packaging.version import InvalidVersion, Version

    from pitstop.requirements import control_character

    direct = _direct_urls(requirements)
    for package in packages:
        raw_name = package.get("name")
        label = f"package {raw_name!r}"
        bad = _control_anywhere(package, control_character)
        if bad:
            raise _fail(lock, f"{label} holds a control character in {bad}")
        try:
            name = canonicalize_name(str(raw_name), validate=True)
        except InvalidName:
            raise _fail(lock, f"{label}: not a valid project name") from None
        version = package.get("version")
        if version is not None:
            try:
                Version(str(version))
            except InvalidVersion:
                raise _fail(lock, f"{label}: invalid version {version!r}") from None
        label = f"package {name} {version or ''}".rstrip()
        _check_sources(package, label=label, name=name, lock=lock, trust=trust, direct=direct.get(name))
    _check_requirements(requirements, lock=lock, markers=markers, selected=selected)


def _control_anywhere(value: object, find: Any, where: str = "") -> str | None:
    if isinstance(value, str):
        return where or "a value" if find(value) else None
    if isinstance(value, Mapping):
        for key, item in value.items():
            found = _control_anywhere(str(key), find, where) or _control_anywhere(
                item, find, f"{where}.{key}" if where else str(key)
            )
            if found:
                return found
    elif isinstance(value, list):
        for item in value:
            found = _control_anywhere(item, find, where)
            if found:
                return found
    return None


def _direct_urls(requirements: Sequence[str]) -> dict[str, str]:
    """name -> URL of each direct-URL requirement (``name @ URL``): the config names that
    source itself, so the lock may point at exactly it."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    out: dict[str, str] = {}
    for text in requirements:
        req = Requirement(text)
        if req.url:
            out[canonicalize_name(req.name)] = req.url
    return out


def _is_direct(entry: Mapping[str, Any], direct: str | None, *, lock: Path) -> bool:
    """True when ``entry`` is exactly the file a direct-URL requirement names."""
    if direct is None:
        return False
    from urllib.parse import unquote

    url, path = entry.get("url"), entry.get("path")
    bare = direct.split("#", 1)[0]
    if isinstance(url, str):
        return url.split("#", 1)[0] == bare
    if isinstance(path, str) and bare.startswith("file://") and not os.path.isabs(path):
        try:
            local = Path(unquote(urlsplit(bare).path)).resolve()
            return (lock.parent / path).resolve() == local
        except (OSError, RuntimeError, ValueError):
            return False
    return False


def _check_sources(
    package: Mapping[str, Any],
    *,
    label: str,
    name: str,
    lock: Path,
    trust: Trusted,
    direct: str | None = None,
) -> None:
    if "vcs" in package:
        raise _fail(lock, f"{label}: a vcs entry cannot be hash-pinned")
    directory = package.get("directory")
    if directory is not None:
        path = directory.get("path") if isinstance(directory, Mapping) else None
        if not isinstance(path, str):
            raise _fail(lock, f"{label}: directory entry without a path")
        target = _local(path, lock=lock, label=label)
        own = trust.project_name is not None and name == trust.project_name
        if not (trust.install_project and own and target == trust.project):
            raise _fail(
                lock,
                f"{label}: directory {path!r} is not allowed (only this project itself, "
                "with install-project = true)",
            )
        return
    index = package.get("index")
    if index is not None and (not isinstance(index, str) or not _url_allowed(index, trust)):
        raise _fail(lock, f"{label}: index {index!r} is not a configured index")
    entries: list[object] = []
    for key in _FILE_KEYS:
        value = package.get(key)
        entries += value if isinstance(value, list) else [value] if value is not None else []
    if not entries:
        raise _fail(lock, f"{label}: no file to install (no wheels, sdist or archive)")
    for entry in entries:
        _check_file(entry, label=label, lock=lock, trust=trust, direct=direct)


def _check_file(entry: object, *, label: str, lock: Path, trust: Trusted, direct: str | None) -> None:
    if not isinstance(entry, Mapping):
        raise _fail(lock, f"{label}: a file entry is not a table")
    shown = entry.get("name") or entry.get("url") or entry.get("path")
    hashes = entry.get("hashes")
    if not isinstance(hashes, Mapping) or not hashes:
        raise _fail(lock, f"{label}: file {shown!r} is not hash-pinned")
    for algo, digest in hashes.items():
        if (
            not _HASH_NAME.fullmatch(str(algo))
            or not isinstance(digest, str)
            or not _HASH_VALUE.fullmatch(digest)
        ):
            raise _fail(lock, f"{label}: file {shown!r} has a malformed hash")
    url, path = entry.get("url"), entry.get("path")
    if (url is None) != (path is None) and _is_direct(entry, direct, lock=lock):
        return
    if url is not None and path is None:
        if not isinstance(url, str) or not _url_allowed(url, trust):
            raise _fail(lock, f"{label}: file URL {url!r} is not under a configured index or find-links")
    elif path is not None and url is None:
        if not isinstance(path, str):
            raise _fail(lock, f"{label}: file path is not a string")
        target = _local(path, lock=lock, label=label)
        if not any(target == d or d in target.parents for d in trust.directories):
            raise _fail(
                lock,
                f"{label}: file {path!r} is outside the project and every find-links directory",
            )
    else:
        raise _fail(lock, f"{label}: file {shown!r} needs exactly one of url or path")


def _local(path: str, *, lock: Path, label: str) -> Path:
    if "://" in path or os.path.isabs(path) or path.startswith("~"):
        raise _fail(lock, f"{label}: path {path!r} is not relative to the lock")
    try:
        return (lock.parent / path).resolve()
    except (OSError, RuntimeError, ValueError):
        raise _fail(lock, f"{label}: path {path!r} cannot be resolved") from None


def _url_allowed(url: str, trust: Trusted) -> bool:
    from pitstop.requirements import redact_url

    clean = redact_url(url)
    if clean != url:  # a lock never carries credentials (pitstop strips them)
        return False
    if any(clean == p.rstrip("/") or clean.startswith(p) for p in trust.url_prefixes):
        return True
    # uv's default index: its file host is not knowable here; require TLS at least.
    return trust.default_index and clean.startswith("https://") and bool(_origin(clean))


def _check_requirements(
    requirements: Sequence[str],
    *,
    lock: Path,
    markers: Mapping[str, str],
    selected: Mapping[str, str | None],
) -> None:
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    environment = {**markers, "extra": ""}
    for text in requirements:
        req = Requirement(text)
        if req.marker is not None and markers and not req.marker.evaluate(environment):
            continue
        name = canonicalize_name(req.name)
        if name not in selected:
            raise _fail(lock, f"it installs nothing for the requirement {text!r}")
        version = selected[name]
        if version is not None and req.specifier and not req.specifier.contains(version, prereleases=True):
            raise _fail(lock, f"it pins {name} {version}, which does not satisfy {text!r}")


# -- after the install ------------------------------------------------------------------
def verify_installed(
    venv: Path,
    *,
    lock: Path,
    requirements: Sequence[str],
    markers: Mapping[str, str],
    roots: Iterable[str] = (),
    ignore: Iterable[str] = (),
) -> None:
    """Every installed distribution must be reachable from ``requirements`` (plus ``roots``,
    e.g. the project itself) through the installed ``Requires-Dist`` metadata."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    requires = _installed_requires(venv)
    pending: list[tuple[str, frozenset[str]]] = [(canonicalize_name(r), frozenset()) for r in roots]
    environment = {**markers, "extra": ""}
    for text in requirements:
        req = Requirement(text)
        if req.marker is None or not markers or req.marker.evaluate(environment):
            pending.append((canonicalize_name(req.name), frozenset(canonicalize_name(e) for e in req.extras)))
    seen: dict[str, set[str]] = {}
    while pending:
        name, extras = pending.pop()
        done = seen.get(name)
        if done is not None and extras <= done:
            continue
        seen.setdefault(name, set()).update(extras)
        for line in requires.get(name, ()):
            try:
                dep = Requirement(line)
            except InvalidRequirement:
                continue
            if dep.marker is not None and markers:
                active = any(dep.marker.evaluate({**markers, "extra": e}) for e in ("", *sorted(extras)))
                if not active:
                    continue
            pending.append((canonicalize_name(dep.name), frozenset(canonicalize_name(e) for e in dep.extras)))
    extra = sorted(set(requires) - set(seen) - set(ignore))
    if extra:
        raise _fail(
            lock, f"it installs {', '.join(extra)}, which no requirement needs (nothing depends on it)"
        )


def _installed_requires(venv: Path) -> dict[str, list[str]]:
    """name -> Requires-Dist lines of every distribution installed in ``venv``."""
    from packaging.utils import canonicalize_name

    from pitstop.reading import UnreadableFile, read_text
    from pitstop.verify import site_packages

    out: dict[str, list[str]] = {}
    for site in site_packages(venv):
        for info in sorted(site.glob("*.dist-info")):
            try:
                text = read_text(info / "METADATA", limit=16 * 1024 * 1024)
            except UnreadableFile:
                continue  # verify() reports a dist-info without METADATA
            name, requires = _metadata_fields(text)
            if name:
                out.setdefault(canonicalize_name(name), []).extend(requires)
    return out


def _metadata_fields(text: str) -> tuple[str | None, list[str]]:
    """``Name`` (the first) and every ``Requires-Dist`` of a METADATA text.

    Core metadata is RFC 822 headers up to the first empty line, then the description: only
    that header block is read (a long README is never parsed), field names are matched
    case-insensitively, folded lines are unfolded, and a line that is not a header ends the
    block — what ``email.parser.HeaderParser`` does, without importing the email package."""
    name: str | None = None
    requires: list[str] = []
    fields: list[list[str]] = []
    for line in text.split("\n"):
        line = line.rstrip("\r")
        if not line:
            break
        if line[0] in " \t":
            if fields:
                fields[-1][1] = f"{fields[-1][1]} {line.strip()}".strip()
            continue
        key, colon, value = line.partition(":")
        if not colon or not key or key != key.strip():
            break
        fields.append([key.lower(), value.strip()])
    for key, value in fields:
        if key == "name" and name is None and value:
            name = value
        elif key == "requires-dist":
            requires.append(value)
    return name, requires


# -- the two calls the build makes --------------------------------------------------------
def before_install(
    project: ProjectConfig,
    env: EnvSpec,
    inputs: Inputs,
    lock: LockFile,
    selected: Mapping[str, str | None],
    markers: Mapping[str, str],
) -> None:
    """:func:`verify_lock` for ``env`` with the trust its config grants."""
    settings = env.settings
    verify_lock(
        lock.packages,
        lock=lock.path,
        trust=trusted(
            project=project.root,
            lock_dir=lock.path.parent,
            index_url=settings.index_url,
            extra_index_urls=settings.extra_index_urls,
            find_links=settings.find_links,
            no_index=settings.no_index,
            install_project=inputs.install_project,
            project_name=_project_name(project),
        ),
        requirements=inputs.requirements,
        markers=markers,
        selected=selected,
    )


def after_install(
    venv: Path,
    project: ProjectConfig,
    inputs: Inputs,
    lock: LockFile,
    markers: Mapping[str, str],
    ignore: Iterable[str],
) -> None:
    """:func:`verify_installed` for the env just built in ``venv``."""
    name = _project_name(project)
    verify_installed(
        venv,
        lock=lock.path,
        requirements=inputs.requirements,
        markers=markers,
        roots=[name] if inputs.install_project and name else [],
        ignore=ignore,
    )


def _project_name(project: ProjectConfig) -> str | None:
    from packaging.utils import canonicalize_name

    name = (project.pyproject.get("project") or {}).get("name")
    return canonicalize_name(name) if isinstance(name, str) and name else None
