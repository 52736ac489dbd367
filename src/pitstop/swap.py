"""Journaled, atomic promotion of a complete env into ``venv``, recovery, and rollback.

``venv`` always holds a complete env: on Linux the swap is one ``renameat2(RENAME_EXCHANGE)``;
elsewhere (or on filesystems without it) a journaled rename sequence whose every step the
next command can finish. The journal is written only once the new env is complete and its
marker is on disk, so recovery always rolls *forward* from a journal and discards a
``venv.new`` that has none.

Nothing here deletes a tree while the env lock is held: what goes (the old ``venv.prev``, a
discarded ``venv.new``) is renamed to ``.trash-*`` under the lock, and :func:`sweep` deletes
it after the lock is released, so a swap costs the same at 5 and 5,000 packages.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
from pathlib import Path

from pitstop import state
from pitstop._testing import checkpoint, hooks
from pitstop.errors import NotReadyError, ProvisionError, env_flag
from pitstop.fsutil import atomic_write, fsync_dir

VENV = "venv"
NEW = "venv.new"
PREV = "venv.prev"
OLD = "venv.old"
JOURNAL = ".journal.json"
LOCKFILE = ".pitstop.lock"
HOLD = ".rolled-back"
_TRASH = ".trash-"
SCRATCH = ".tmp-"

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap two directories; False where the OS or filesystem cannot."""
    if not sys.platform.startswith("linux") or not hooks.exchange:
        return False
    import ctypes
    import errno

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):  # pragma: no cover - a libc without renameat2 (glibc < 2.28)
        return False
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(a))


def set_aside(path: Path) -> None:
    """Rename a directory to a ``.trash-*`` name in its parent (atomic, constant time).

    The caller may hold the env lock: the slow deletion is left to :func:`sweep`, which runs
    after the lock is released, so no swap ever waits for a tree of files to be deleted.
    """
    if not path.exists() and not path.is_symlink():
        return
    os.rename(path, path.parent / f"{_TRASH}{os.urandom(6).hex()}")


def trash(path: Path) -> None:
    """Remove a directory now: first renamed out of the way (atomic), then deleted."""
    if not path.exists() and not path.is_symlink():
        return
    target = path.parent / f"{_TRASH}{os.urandom(6).hex()}"
    os.rename(path, target)
    shutil.rmtree(target, ignore_errors=True)


def sweep(store: Path) -> None:
    """Delete every ``.trash-*`` entry of ``store``: what this process set aside and what a
    killed one left. Run without the env lock; two sweeps racing each other are harmless."""
    try:
        entries = [e for e in os.scandir(store) if e.name.startswith(_TRASH)]
    except OSError:
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


def _write_journal(store: Path, data: dict[str, object]) -> None:
    atomic_write(store / JOURNAL, json.dumps(data, sort_keys=True) + "\n")


def _read_journal(store: Path) -> dict[str, object] | None:
    try:
        data = json.loads((store / JOURNAL).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {"op": "corrupt"}
    return data if isinstance(data, dict) else {"op": "corrupt"}


def _clear_journal(store: Path) -> None:
    (store / JOURNAL).unlink(missing_ok=True)
    fsync_dir(store)


def _promote(store: Path, source_name: str, generation: int, *, keep_previous: bool) -> None:
    venv, source, prev, old = store / VENV, store / source_name, store / PREV, store / OLD
    if state.generation(venv) != generation:
        if state.generation(source) != generation:
            raise ProvisionError(
                f"cannot finish the swap in {store}: generation {generation} is not in {source.name}",
                fix=f"run: pitstop clean{env_flag(store.name)} && pitstop setup{env_flag(store.name)}",
            )
        if not venv.exists():
            os.rename(source, venv)
        elif exchange(source, venv):
            checkpoint("after-exchange")
        else:
            os.rename(venv, old)
            checkpoint("after-move-old")
            os.rename(source, venv)
        fsync_dir(store)
    checkpoint("after-promote")
    for leftover in (source, old):
        if leftover == prev or not leftover.exists():
            continue
        if keep_previous and state.generation(leftover) >= 0:
            set_aside(prev)
            os.rename(leftover, prev)
        else:
            set_aside(leftover)
    if not keep_previous:
        set_aside(prev)
    fsync_dir(store)


def commit(store: Path, *, generation: int, keep_previous: bool) -> None:
    """Swap the complete ``venv.new`` (holding ``generation``) into ``venv``.

    A first build (no ``venv``, ``venv.prev`` or ``venv.old``) is one rename, made durable:
    killed before it, ``venv.new`` has no journal and is discarded; after it, ``venv`` is
    complete. There is nothing to roll forward, so no journal is written (four fsyncs fewer).
    """
    venv = store / VENV
    if not any(os.path.lexists(p) for p in (venv, store / PREV, store / OLD)):
        if state.generation(store / NEW) != generation:  # as _promote: only a complete env
            raise ProvisionError(
                f"cannot finish the swap in {store}: generation {generation} is not in {NEW}",
                fix=f"run: pitstop clean{env_flag(store.name)} && pitstop setup{env_flag(store.name)}",
            )
        checkpoint("first-before-rename")
        os.rename(store / NEW, venv)
        checkpoint("first-after-rename")
        fsync_dir(store)
        return
    _write_journal(
        store,
        {"op": "commit", "generation": generation, "keep_previous": keep_previous},
    )
    checkpoint("after-journal")
    _promote(store, NEW, generation, keep_previous=keep_previous)
    checkpoint("before-clear-journal")
    _clear_journal(store)


def rollback(store: Path) -> tuple[int, int]:
    """Exchange ``venv.prev`` and ``venv``; returns (from generation, to generation)."""
    current = state.generation(store / VENV)
    target = state.generation(store / PREV)
    if target < 0:
        raise NotReadyError(
            f"env {store.name!r} has no previous env to roll back to",
            fix=f"run: pitstop setup{env_flag(store.name)}",
        )
    _write_journal(store, {"op": "rollback", "generation": target, "from": current, "keep_previous": True})
    checkpoint("rollback-after-journal")
    # The hold is written before the exchange (it only applies once ``venv`` holds ``target``),
    # so no kill can leave a finished rollback without its hold.
    atomic_write(store / HOLD, f"{target}\n")
    _promote(store, PREV, target, keep_previous=True)
    checkpoint("rollback-after-promote")
    _clear_journal(store)
    return current, target


def interrupted(store: Path) -> dict[str, object] | None:
    """The journal of an interrupted swap or rollback, if any (read-only)."""
    return _read_journal(store)


def held(store: Path) -> int | None:
    """The generation a rollback holds ``venv`` at (dev mode will not rebuild over it)."""
    try:
        return int((store / HOLD).read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None


def release(store: Path) -> None:
    """Forget a rollback hold (an explicit ``setup`` rebuilds from the lock)."""
    (store / HOLD).unlink(missing_ok=True)


def pending(store: Path) -> str | None:
    """What an interrupted operation left behind, if anything (read-only)."""
    if (store / JOURNAL).exists():
        return "an interrupted swap (finished by the next setup)"
    if (store / NEW).exists():
        return "an interrupted build in venv.new (discarded by the next setup)"
    return None


def recover(store: Path) -> str | None:
    """Repair what a killed pitstop left (caller holds the env lock); says what it did."""
    done: str | None = None
    journal = _read_journal(store)
    if journal is not None:
        gen = journal.get("generation")
        keep = bool(journal.get("keep_previous", True))
        source = NEW if journal.get("op") == "commit" else PREV
        if isinstance(gen, int) and journal.get("op") in ("commit", "rollback"):
            try:
                if journal["op"] == "rollback":
                    atomic_write(store / HOLD, f"{gen}\n")  # a finished rollback holds
                _promote(store, source, gen, keep_previous=keep)
                done = f"finished an interrupted {journal['op']} (generation {gen})"
            except ProvisionError:
                done = "dropped an unusable swap journal"
        else:
            done = "dropped a corrupt swap journal"
        _clear_journal(store)
    venv, new, old = store / VENV, store / NEW, store / OLD
    if new.exists():
        set_aside(new)
        done = done or "discarded an interrupted build (venv.new)"
    if old.exists():
        if not venv.exists() and state.generation(old) >= 0:
            os.rename(old, venv)
        else:
            set_aside(old)
    # Scratch directories and temporary files of a killed pitstop (the lock is ours: any
    # scratch directory left is orphaned). ``.trash-*`` is deleted by the caller's sweep().
    from pitstop.fsutil import sweep_tmp

    for entry in store.glob(f"{SCRATCH}*"):
        set_aside(entry)
    sweep_tmp(store)
    sweep_tmp(store.parent / ".cache")
    return done
