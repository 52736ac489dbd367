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
  verification context (pitstop's version, the target markers, the env's requirements and
  every setting the lock rules read, the installer);
- the lock file's ``[size, mtime_ns, inode]`` equals what the entry recorded when the text
  was verified: an entry committed to a repository or copied from another machine names an
  inode and a nanosecond mtime it cannot predict, so it is never used;
- the policy is not strict: in CI the lock comes from a pull request, and every strict build
  verifies the text it installs (:func:`lookup` is not called there).

The entry is marshal data (loading runs no code) in the env store's ``.cache`` directory,
written atomically; anything unreadable, of the wrong shape or type is ignored.
"""

from __future__ import annotations

import hashlib
import marshal
import os
from pathlib import Path
from typing import Any, NamedTuple

from pitstop.reading import stat_key

SCHEMA = 2


class Verified(NamedTuple):
    """A lock text verified: what it selects for the target and the installer's plan."""

    selected: dict[str, str | None]
    plan: dict[str, Any]


def context(*parts: object) -> str:
    """The hash of everything (besides the lock text) the cached results depend on."""
    from pitstop import __version__

    return hashlib.sha256(repr((SCHEMA, __version__, *parts)).encode("utf-8")).hexdigest()


def _entry(cache: Path, env: str) -> Path:
    return cache / f"lock-{env}.bin"


def lookup(cache: Path, env: str, *, lock: Path, raw: bytes, ctx: str) -> Verified | None:
    """The entry for exactly these lock bytes, this lock file and ``ctx``, or None."""
    try:
        with open(_entry(cache, env), "rb") as handle:
            entry = marshal.load(handle)  # noqa: S302 - our own cache, stat-bound; nothing in it runs
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not isinstance(entry, dict) or entry.get("schema") != SCHEMA:
        return None
    if entry.get("sha256") != hashlib.sha256(raw).hexdigest() or entry.get("context") != ctx:
        return None
    recorded = stat_key(os.fspath(lock))
    if recorded is None or entry.get("stat") != recorded:
        return None
    selected, plan = entry.get("selected"), entry.get("plan")
    if not isinstance(selected, dict) or not isinstance(plan, dict):
        return None
    if not all(isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in selected.items()):
        return None
    return Verified(selected=selected, plan=plan)


def store(cache: Path, env: str, *, lock: Path, raw: bytes, ctx: str, verified: Verified) -> None:
    """Record ``verified`` for these lock bytes; a plan marshal cannot hold or a cache that
    cannot be written is simply not recorded."""
    recorded = stat_key(os.fspath(lock))
    if recorded is None:
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
