"""What a build learnt from one exact lock text, kept for the next build (dev mode only).

Parsing and validating a lock (tomllib + ``packaging.pylock``), selecting its packages for the
target interpreter, checking it against the untrusted-lock rules (:mod:`pitstop.lockverify`)
and making the installer's plan (uv: the copy it syncs) are pure functions of the lock's bytes and the env's
verification context. They cost ~40 ms for a 20-package env and ~150 ms for numpy, pandas,
scipy and matplotlib (a 350 KB lock that lists every platform's wheels): more than raw uv
takes to install the small env from its cache. A rebuild of the same lock on this machine
(a deleted env, ``setup`` after ``clean``, a nox session's env rebuilt) reuses that work.

Trust. An entry is used only when all of these hold, else the full path runs:

- the SHA-256 of the lock bytes just read equals the entry's, and so does the hash of the
  verification context (pitstop's version and the files of its verifying code, packaging's
  version, the target markers, the env's requirements and every setting the lock rules read,
  the installer);
- the lock file's size, mtime and ctime (in ns), inode and device equal what the entry
  recorded when the text was verified: an entry committed to a repository or copied from
  another machine names an inode and a ctime it cannot predict, so it is never used;
- the policy is not strict: in CI the lock comes from a pull request, and every strict build
  verifies the text it installs (:func:`lookup` is not called there).

The plan holds the paths resolved when the lock was verified: re-pointing a symlinked
find-links or vendored directory between two builds of the same lock bytes is not noticed
(every file is hash-pinned either way; ``touch pylock.toml`` makes the next build verify
the lock again). ``pitstop clean`` keeps the entry: a ``clean`` + ``setup`` of the same lock is
what it speeds up.

The entry is marshal data (loading runs no code) in the env store's ``.cache`` directory,
written atomically; anything unreadable, of the wrong shape or type is ignored.
"""

from __future__ import annotations

import hashlib
import marshal
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

SCHEMA = 3
#: pitstop's modules whose code decides what a verified lock is and how it is installed: an
#: edit to any of them (a git or editable install keeps ``__version__``) is a new context.
_CODE = ("build", "lockcache", "lockfile", "lockverify", "lock_sources", "installers.uv", "installers.pip")


class Verified(NamedTuple):
    """A lock text verified: what it selects for the target and the installer's plan."""

    selected: dict[str, str | None]
    plan: dict[str, Any]


def context(*parts: object) -> str:
    """The hash of everything (besides the lock text) the cached results depend on: ``parts``
    (the caller's settings), pitstop's version and the files of its verifying code, and the
    version of ``packaging`` (its markers and specifiers decide the selection)."""
    import sys

    from packaging import __version__ as packaging_version

    from pitstop import __version__

    code = [_file_key(sys.modules.get(f"pitstop.{name}")) for name in _CODE]
    key = repr((SCHEMA, __version__, packaging_version, code, *parts))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _file_key(module: object) -> list[int] | None:
    path = getattr(module, "__file__", None)
    return _binding(path) if isinstance(path, str) else None


def _binding(path: str) -> list[int] | None:
    """What ties an entry to one file on this machine: size, mtime and ctime in ns, inode and
    device. No tool sets a ctime, and a checkout or copy gets a new inode."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


def _entry(cache: Path, env: str) -> Path:
    return cache / f"lock-{env}.bin"


def lookup(
    cache: Path, env: str, *, lock: Path, raw: bytes, ctx: str, accepts: Callable[[dict[str, Any]], bool]
) -> Verified | None:
    """The entry for exactly these lock bytes, this lock file and ``ctx`` whose plan
    ``accepts`` (the installer's shape check), or None. Anything unreadable (a FIFO, a huge or
    damaged file) is a miss, never an error."""
    from pitstop.reading import read_bytes

    if cache.is_symlink():  # a cache outside the project is never read (SPEC §5 confinement)
        return None
    try:
        entry = marshal.loads(read_bytes(_entry(cache, env), limit=64 * 1024 * 1024))  # noqa: S302 - our own cache, file-bound; nothing in it runs
    except Exception:  # UnreadableFile, and whatever damaged bytes make marshal raise
        return None
    if not isinstance(entry, dict) or entry.get("schema") != SCHEMA:
        return None
    if entry.get("sha256") != hashlib.sha256(raw).hexdigest() or entry.get("context") != ctx:
        return None
    recorded = _binding(os.fspath(lock))
    if recorded is None or entry.get("stat") != recorded:
        return None
    selected, plan = entry.get("selected"), entry.get("plan")
    if not isinstance(selected, dict) or not isinstance(plan, dict):
        return None
    if not all(isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in selected.items()):
        return None
    return Verified(selected=selected, plan=plan) if accepts(plan) else None


def store(cache: Path, env: str, *, lock: Path, raw: bytes, ctx: str, verified: Verified) -> None:
    """Record ``verified`` for these lock bytes; a plan marshal cannot hold or a cache that
    cannot be written is simply not recorded."""
    recorded = _binding(os.fspath(lock))
    if recorded is None or cache.is_symlink():  # never written through a link out
        return
    entry = {
        "schema": SCHEMA,
        "sha256": hashlib.sha256(raw).hexdigest(),
        "stat": recorded,
        "context": ctx,
        "selected": verified.selected,
        "plan": verified.plan,
    }
    try:
        payload = marshal.dumps(entry)
    except ValueError:
        return
    from pitstop.fsutil import atomic_write_bytes

    try:
        cache.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(_entry(cache, env), payload, durable=False)
    except OSError:
        return
