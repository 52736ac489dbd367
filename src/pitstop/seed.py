"""A rebuild's head start (issue #14): while uv resolves an env whose requirements changed,
``venv.new`` is filled from the lock the current env was built from, so the build that follows
the re-lock only syncs the difference into it.

Nothing of the staged build is given up. The seed is installed only into ``venv.new``, under
the env lock, from a lock whose entries pass the same source rules as any lock (checked
against today's config); the build then syncs the new, verified lock into it exactly (uv
removes what the new lock does not hold, and is told to install again every package whose
locked files differ at the same version, which it would otherwise keep), and the result is
verified as a fresh build's is before the swap. A seed that fails is set aside and the build
starts from an empty venv, as it would have without one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pitstop import state, swap
from pitstop.config import EnvSpec, Project
from pitstop.errors import NotReadyError, ProvisionError
from pitstop.identity import Interpreter
from pitstop.inputs import Inputs
from pitstop.installers.base import Pending
from pitstop.installers.uv import UvInstaller
from pitstop.output import Reporter


class Seed:
    """``venv.new`` being filled from the previous lock (:func:`start`); a build takes it with
    :meth:`ready` and :meth:`finish`, and whoever holds the env lock ends it with :meth:`discard`."""

    def __init__(self, new: Path, installer: UvInstaller) -> None:
        self.new = new
        self.installer = installer
        self._sync: Pending | None = None
        self._artifacts: dict[str, str] = {}

    def started(self, sync: Pending, artifacts: dict[str, str]) -> None:
        """The sync of the previous lock (whose :func:`~pitstop.installers.uv.artifacts` are
        ``artifacts``) is running."""
        self._sync, self._artifacts = sync, artifacts

    def ready(self, reporter: Reporter) -> bool:
        """Wait for the seed's sync: True when ``venv.new`` holds the previous lock, else it
        is set aside (the build starts from an empty venv) and False."""
        sync, self._sync = self._sync, None
        if sync is None:
            swap.set_aside(self.new)
            return False
        try:
            sync.wait()
        except ProvisionError as exc:
            reporter.detail(f"the previous lock did not install into venv.new, building from scratch: {exc}")
            swap.set_aside(self.new)
            return False
        return True

    def finish(self, plan: dict[str, Any]) -> None:
        """Sync ``plan`` (the installer's plan of the new, verified lock) into the seeded
        ``venv.new``: uv installs what is missing or at another version and removes what
        the lock does not hold; :meth:`reinstall` names the rest it must not keep."""
        self.installer.install(self.new, plan, reinstall=self.reinstall(plan))

    def reinstall(self, plan: dict[str, Any]) -> list[str]:
        """The packages both locks hold whose entries (versions, markers, file hashes) differ."""
        wanted: dict[str, str] = plan["artifacts"]
        return sorted(name for name, text in wanted.items() if self._artifacts.get(name, text) != text)

    def discard(self) -> None:
        """End a sync still running and set ``venv.new`` aside (nothing to do once a build
        has swapped it in or set it aside itself). Only under the env lock."""
        sync, self._sync = self._sync, None
        if sync is not None:
            sync.kill()
        swap.set_aside(self.new)


def start(
    project: Project,
    env: EnvSpec,
    inputs: Inputs,
    interp: Interpreter,
    *,
    reporter: Reporter,
    seeds: list[Seed],
) -> None:
    """Start filling ``venv.new`` from the lock the current env was built from (called under
    the env lock, while uv resolves the new one) and add the :class:`Seed` to ``seeds``
    before anything is created, so that the caller's :meth:`Seed.discard` ends whatever was
    started. Nothing is started without such a lock: no current env, a lock whose bytes are
    not the ones the env was built from, another installer, or entries today's config does
    not trust. The seed never builds and never downloads (``--offline --no-build``): what
    uv has not cached, the build installs as it would have without a seed."""
    from pitstop import lockfile
    from pitstop.reading import UnreadableFile, read_bytes

    store = project.store(env)
    current = state.read(store / swap.VENV)
    path = project.lock_path(env)
    if current is None or current.installer != "uv" or env.settings.installer != "uv":
        return
    try:
        raw = read_bytes(path)
    except UnreadableFile:
        return
    status = lockfile.status_of(path, raw, inputs.hash)
    if status.state == "modified" or status.content_hash != current.lock_hash:
        return  # not the bytes this machine verified and built the current env from
    installer = UvInstaller(project, env, reporter)
    seed = Seed(store / swap.NEW, installer)
    seeds.append(seed)
    swap.set_aside(seed.new)
    creating: Pending | None = installer.start_create(seed.new, interp, reuse=True)
    try:
        plan = _plan(project, env, inputs, interp, installer, path, raw)
        if plan is None or creating is None:
            return
        pending, creating = creating, None
        pending.wait()
        seed.started(installer.start_sync(seed.new, plan), plan["artifacts"])
    except ProvisionError as exc:
        reporter.detail(f"not seeding venv.new from the previous lock: {exc}")
        return
    finally:
        if creating is not None:
            creating.kill()
    reporter.detail(f"filling venv.new from the previous {path.name} while uv resolves")


def _plan(
    project: Project,
    env: EnvSpec,
    inputs: Inputs,
    interp: Interpreter,
    installer: UvInstaller,
    path: Path,
    raw: bytes,
) -> dict[str, Any] | None:
    """The installer's plan of the previous lock, its entries checked against today's trust
    (not that they satisfy today's requirements: the new lock must), or None."""
    from pitstop import lockfile, lockverify

    try:
        lock = lockfile.parse(path, raw.decode("utf-8"))
        expected = lockverify.select(lock, interp)
        lockverify.before_install(project, env, inputs, lock, None, dict(interp.markers))
    except (NotReadyError, UnicodeDecodeError):
        return None
    return installer.prepare(lock, expected)
