"""Where a lock's files may come from (the source rules of lock verification).

Every file is hash-pinned (sha256, sha384 or sha512), every source is a configured index or
find-links location (a URL under it: same scheme, host and port, path below at a ``/``) or a
path inside the project or a local find-links directory, a direct-URL requirement allows
exactly the file it names, and a ``directory`` entry is only the project itself with
``install-project``. The trusted places come from the config (:class:`Trusted`), never from
the lock itself.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from pitstop.errors import NotReadyError

_HASH_NAME = re.compile(r"[a-z0-9_-]{1,32}")
_HASH_VALUE = re.compile(r"[0-9a-fA-F]{32,256}")
_FILE_KEYS = ("archive", "sdist", "wheels")
#: The hashes that pin a file (hex digits each): md5 or sha1 alone can be forged.
_STRONG = {"sha256": 64, "sha384": 96, "sha512": 128}


class Trusted(NamedTuple):
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
    #: ``allow-build``: false refuses a package the lock offers only as an sdist.
    allow_build: bool = True
    #: ``index-url`` is set (and index use is on): its files must be on its own host.
    pinned_index: bool = False


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
    allow_build: bool = True,
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
            # a find-links page (`.../links.html`) names files beside it
            page = clean.lower().endswith((".html", ".htm"))
            prefixes.append(clean.rsplit("/", 1)[0] + "/" if page else clean.rstrip("/") + "/")
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
        allow_build=allow_build,
        pinned_index=not no_index and bool(index_url),
    )


def _origin(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return f"{parts.scheme}://{parts.netloc}/" if parts.scheme and parts.netloc else ""


def fail(lock: Path, what: str) -> NotReadyError:
    """The error for a lock that failed verification (exit 1, fix: re-lock)."""
    return NotReadyError(
        f"{lock.name} failed verification: {what}",
        fix="run: pitstop lock  (locally, then review and commit the lock)",
        file=lock.name,
    )


def direct_urls(requirements: Sequence[str]) -> dict[str, str]:
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


def check_sources(
    package: Mapping[str, Any],
    *,
    label: str,
    name: str,
    lock: Path,
    trust: Trusted,
    direct: str | None = None,
) -> None:
    if "vcs" in package:
        raise fail(lock, f"{label}: a vcs entry cannot be hash-pinned")
    directory = package.get("directory")
    if directory is not None:
        path = directory.get("path") if isinstance(directory, Mapping) else None
        if not isinstance(path, str):
            raise fail(lock, f"{label}: directory entry without a path")
        target = _local(path, lock=lock, label=label)
        own = trust.project_name is not None and name == trust.project_name
        if not (trust.install_project and own and target == trust.project):
            raise fail(
                lock,
                f"{label}: directory {path!r} is not allowed (only this project itself, "
                "with install-project = true)",
            )
        return
    index = package.get("index")
    if index is not None and (not isinstance(index, str) or not _url_allowed(index, trust)):
        raise fail(lock, f"{label}: index {index!r} is not a configured index")
    entries: list[object] = []
    for key in _FILE_KEYS:
        value = package.get(key)
        entries += value if isinstance(value, list) else [value] if value is not None else []
    if not entries:
        raise fail(lock, f"{label}: no file to install (no wheels, sdist or archive)")
    if not trust.allow_build and package.get("sdist") is not None and not package.get("wheels"):
        raise fail(lock, f"{label}: only an sdist, which would be built, and allow-build = false")
    for entry in entries:
        _check_file(entry, label=label, lock=lock, trust=trust, direct=direct)


def _check_file(entry: object, *, label: str, lock: Path, trust: Trusted, direct: str | None) -> None:
    if not isinstance(entry, Mapping):
        raise fail(lock, f"{label}: a file entry is not a table")
    shown = entry.get("name") or entry.get("url") or entry.get("path")
    hashes = entry.get("hashes")
    if not isinstance(hashes, Mapping) or not hashes:
        raise fail(lock, f"{label}: file {shown!r} is not hash-pinned")
    for algo, digest in hashes.items():
        if (
            not _HASH_NAME.fullmatch(str(algo))
            or not isinstance(digest, str)
            or not _HASH_VALUE.fullmatch(digest)
        ):
            raise fail(lock, f"{label}: file {shown!r} has a malformed hash")
    if not any(len(str(hashes.get(algo, ""))) == size for algo, size in _STRONG.items()):
        raise fail(lock, f"{label}: file {shown!r} has no sha256, sha384 or sha512 hash")
    url, path = entry.get("url"), entry.get("path")
    if (url is None) != (path is None) and _is_direct(entry, direct, lock=lock):
        return
    if url is not None and path is None:
        if not isinstance(url, str) or not _url_allowed(url, trust):
            what = f"{label}: file URL {url!r} is not under a configured index or find-links"
            if isinstance(url, str) and url.startswith("https://") and trust.pinned_index:
                # `pitstop lock` writes such URLs again when the index itself serves them
                what += (
                    "; if pitstop lock wrote it, the index serves its files from another host (as"
                    " uv's default index does), and pitstop pins files only to an index's own host:"
                    " leave index-url unset for such an index"
                )
            raise fail(lock, what)
    elif path is not None and url is None:
        if not isinstance(path, str):
            raise fail(lock, f"{label}: file path is not a string")
        target = _local(path, lock=lock, label=label)
        if not any(target == d or d in target.parents for d in trust.directories):
            raise fail(
                lock,
                f"{label}: file {path!r} is outside the project and every find-links directory",
            )
    else:
        raise fail(lock, f"{label}: file {shown!r} needs exactly one of url or path")


def _local(path: str, *, lock: Path, label: str) -> Path:
    if "://" in path or os.path.isabs(path) or path.startswith("~"):
        raise fail(lock, f"{label}: path {path!r} is not relative to the lock")
    try:
        return (lock.parent / path).resolve()
    except (OSError, RuntimeError, ValueError):
        raise fail(lock, f"{label}: path {path!r} cannot be resolved") from None


_DOT_SEGMENTS = frozenset({".", "..", "%2e", "%2e%2e", ".%2e", "%2e."})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _under(url: str, prefix: str) -> bool:
    """``url`` is ``prefix`` or below it, compared as URLs, not as strings: the same scheme,
    host and port, and a path that continues the prefix's path at a ``/`` with no dot
    segment (which a client would resolve upwards). ``https://links.invalid`` is not a
    prefix of ``https://links.invalid.evil/a.whl``, nor ``:800`` of ``:8001``."""
    try:
        got, want = urlsplit(url), urlsplit(prefix)
        scheme = got.scheme.lower()
        port, wanted_port = got.port or _DEFAULT_PORTS.get(scheme), want.port or _DEFAULT_PORTS.get(scheme)
    except ValueError:  # a malformed port or host
        return False
    if not got.hostname or scheme != want.scheme.lower() or got.hostname != want.hostname:
        return False
    if port != wanted_port or any(s.lower() in _DOT_SEGMENTS for s in got.path.split("/")):
        return False
    base = want.path.rstrip("/")
    return got.path.rstrip("/") == base or got.path.startswith(base + "/")


def _url_allowed(url: str, trust: Trusted) -> bool:
    from pitstop.requirements import redact_url

    clean = redact_url(url)
    if clean != url:  # a lock never carries credentials (pitstop strips them)
        return False
    if any(_under(clean, prefix) for prefix in trust.url_prefixes):
        return True
    # uv's default index: its file host is not knowable here; require TLS at least.
    return trust.default_index and clean.startswith("https://") and bool(_origin(clean))
