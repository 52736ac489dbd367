"""The build steps of a managed env (SPEC §4): venv.new created, the verified lock installed,
the result verified, the state marker written, the swap committed. :mod:`pitstop.provision`
decides when to build; this module only builds."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from pitstop import _testing, lockcache, lockfile, state, swap
from pitstop.config import EnvSpec, Project
from pitstop.errors import NotReadyError
from pitstop.identity import Interpreter
from pitstop.inputs import Inputs
from pitstop.installers.base import Installer
from pitstop.output import Reporter, count
from pitstop.runtime import Runtimes

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pitstop.seed import Seed


def build_env(
    project: Project,
    env: EnvSpec,
    inputs: Inputs,
    interp: Interpreter,
    *,
    runtimes: Runtimes,
    reporter: Reporter,
    reason: str,
    reuse: bool = False,
    seed: Seed | None = None,
) -> None:
    """Build ``env`` for ``interp`` in ``venv.new`` and swap it in: the empty venv is created
    while the lock is read and verified, then the lock is installed, the result verified, the
    state marker written and the swap committed. Any failure (or SIGTERM) sets venv.new aside.

    ``reuse`` (dev mode only): take the parsed, selected and verified lock from
    :mod:`pitstop.lockcache` when this machine already verified these exact lock bytes in the
    same context, and record it there otherwise.

    ``seed``: venv.new is being filled from the previous lock (:mod:`pitstop.seed`); once
    that is done the build syncs the verified lock into it instead of an empty venv."""
    from packaging.utils import canonicalize_name

    from pitstop import __version__, installers, lockverify
    from pitstop.requirements import names
    from pitstop.verify import verify

    store = project.store(env)
    venv, new = store / swap.VENV, store / swap.NEW
    installer = installers.get(env.settings.installer, project, env, reporter)
    # uv's version does not depend on the env: a uv that does not run fails here, before
    # anything is built (pip's is read from the env it built, at the end)
    uv_version = installer.version(runtimes) if installer.name == "uv" else ""
    if seed is None:
        swap.set_aside(new)
    with terminate_as_interrupt():
        try:
            # The empty venv.new is created (it depends on the interpreter only) while the
            # lock is read and verified; nothing is installed into it before both are done,
            # and a lock that fails verification ends the creation and discards venv.new.
            # A seed (filled from the previous lock) finishes meanwhile instead.
            creating = None if seed is not None else installer.start_create(new, interp, reuse=reuse)
            markers = dict(interp.markers)
            try:
                lock_path = project.lock_path(env)
                verified, lock_hash = _verified(
                    project, env, inputs, interp, installer, lock_path, reuse=reuse
                )
                expected = verified.selected
            except BaseException:
                if creating is not None:
                    creating.kill()
                raise
            seeded = seed is not None and seed.ready(reporter)
            if seed is not None and not seeded:
                creating = installer.start_create(new, interp, reuse=reuse)
            how = "; venv.new seeded from the previous lock" if seeded else ""
            reporter.step(f"building {env.name} in venv.new with {interp.identity.label} ({reason}{how})")
            if creating is not None:
                creating.wait()
            _testing.checkpoint("after-venv")
            if seed is not None and seeded:
                seed.finish(verified.plan)
            else:
                installer.install(new, verified.plan)
            _testing.checkpoint("after-install")
            smoke = set(names(inputs.requirements))
            if inputs.install_project:
                smoke.add(canonicalize_name(str(project.pyproject["project"]["name"])))
            verify(new, expected, smoke=smoke & set(expected), ignore=installer.own_packages)
            lockverify.after_install(new, project, inputs, lock_path, markers, installer.own_packages)
            _testing.checkpoint("after-verify")
            installer.finalize(new, venv)
            generation = max(state.generation(venv), state.generation(store / swap.PREV)) + 1
            state.write(
                new,
                state.EnvState(
                    schema=state.SCHEMA,
                    generation=generation,
                    env=env.name,
                    lock_hash=lock_hash,
                    inputs_hash=inputs.hash,
                    runtime=state.runtime_dict(interp.identity),
                    interpreter=interp.path,
                    installer=installer.name,
                    installer_version=uv_version or installer.version(runtimes),
                    pitstop_version=__version__,
                    packages=len(expected),
                    installed=state.installed_set(new),
                ),
            )
            _testing.checkpoint("after-marker")
        except BaseException:
            if seed is not None:
                seed.discard()  # a sync still filling venv.new ends first
            swap.set_aside(new)  # deleted by ensure()'s sweep once the lock is free
            raise
        swap.commit(store, generation=generation, keep_previous=env.settings.keep_previous)
    kept = "previous kept as venv.prev" if (store / swap.PREV).exists() else "no previous env"
    reporter.step(f"swapped {env.name}: {count(len(expected), 'package')}, {kept}")


def _verified(
    project: Project,
    env: EnvSpec,
    inputs: Inputs,
    interp: Interpreter,
    installer: Installer,
    path: Path,
    *,
    reuse: bool,
) -> tuple[lockcache.Verified, str]:
    """The lock at ``path`` read once, parsed, selected for ``interp`` and verified against
    the untrusted-lock rules, with the installer's plan and the lock's content hash: from
    :mod:`pitstop.lockcache` when ``reuse`` allows and it holds these bytes, else done now."""
    from pitstop import lockverify

    raw, lock_hash = _snapshot(path, inputs.hash)
    settings = env.settings
    ctx = lockcache.context(
        installer.name,
        str(path),
        str(project.root),
        sorted(interp.markers),
        interp.identity.version,
        inputs.hash,
        list(inputs.requirements),
        inputs.install_project,
        settings.index_url,
        settings.extra_index_urls,
        settings.find_links,
        settings.no_index,
        settings.allow_build,
        (project.pyproject.get("project") or {}).get("name"),
    )
    store = project.store(env)  # its name, not the env's: a nox matrix's variants differ
    cache = store.parent / ".cache"
    hit = (
        lockcache.lookup(cache, store.name, lock=path, raw=raw, ctx=ctx, accepts=installer.accepts)
        if reuse
        else None
    )
    if hit is not None:
        return hit, lock_hash
    # _snapshot() checked the same bytes are UTF-8. Relative file paths in a lock are
    # relative to where the lock lives (``path``).
    lock = lockfile.parse(path, raw.decode("utf-8"))
    expected = lockverify.select(lock, interp)
    lockverify.before_install(project, env, inputs, lock, expected, dict(interp.markers))
    verified = lockcache.Verified(selected=expected, plan=installer.prepare(lock, expected))
    if reuse:
        lockcache.store(cache, store.name, lock=path, raw=raw, ctx=ctx, verified=verified)
    return verified, lock_hash


def _snapshot(path: Path, inputs_hash: str) -> tuple[bytes, str]:
    """Read the lock's bytes once: the parsed lock installed and the content hash the marker
    records both come from those same bytes (in memory, never read again), so a lock
    rewritten meanwhile (``lock --upgrade`` during ``setup``) can never be described by a
    marker it was not built from."""
    from pitstop.reading import UnreadableFile, read_bytes

    try:
        raw = read_bytes(path)  # bounded, like every other read of the lock
    except UnreadableFile as exc:
        if exc.missing:
            raise NotReadyError(f"{path.name} is missing", fix="run: pitstop lock") from None
        raise NotReadyError(f"{path.name} cannot be read: {exc.reason}", fix="run: pitstop lock") from None
    status = lockfile.status_of(path, raw, inputs_hash)
    if not status.fresh:
        raise NotReadyError(
            f"{path.name} changed while pitstop was reading it ({status.describe()})",
            fix=f"run: pitstop setup  (again, once {path.name} is settled)",
        )
    return raw, status.content_hash


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C while building so venv.new is cleaned up either way."""
    if os.name != "posix":  # pragma: no cover - Windows, which pitstop does not run on yet
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
