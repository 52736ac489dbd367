"""ensure(): is the env ready, and per policy re-lock and build it (the build steps themselves
are :mod:`pitstop.build`)."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from pitstop import lockfile, state, swap
from pitstop.config import EnvSpec, Project
from pitstop.environment import Environment
from pitstop.errors import Fix, NotReadyError, ProvisionError, env_flag
from pitstop.identity import Interpreter, RuntimeIdentity
from pitstop.inputs import Inputs, collect
from pitstop.output import Reporter
from pitstop.policy import Policy
from pitstop.runtime import Runtimes

TYPE_CHECKING = False
if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from pitstop.seed import Seed


class Readiness(NamedTuple):
    """Read-only status of one managed env."""

    env: str
    lock: lockfile.LockStatus
    state: state.EnvState | None
    ready: bool
    reason: str
    pending: str | None
    venv: Path
    held: int | None = None


class Provisioner:
    """Provisions the managed envs of one project under one policy."""

    def __init__(self, project: Project, *, runtimes: Runtimes, reporter: Reporter, policy: Policy) -> None:
        self.project = project
        self.runtimes = runtimes
        self.reporter = reporter
        self.policy = policy

    # -- read-only ------------------------------------------------------------------------
    def status(self, env: EnvSpec, inputs: Inputs | None = None) -> Readiness:
        """Is ``env`` ready? Reads files only (and the interpreter cache)."""
        inputs = inputs or collect(self.project, env)
        store = self.project.store(env)
        venv = store / swap.VENV
        lock = lockfile.status(self.project.lock_path(env), inputs.hash)
        current = state.read(venv)
        pending = swap.pending(store)
        reason = ""
        if current is None:
            reason = "env damaged: no state marker" if venv.exists() else "env missing"
        elif not lock.fresh:
            reason = lock.describe()
        elif current.lock_hash != lock.content_hash:
            reason = "lock changed"
        elif current.installer != env.settings.installer:
            reason = f"installer {current.installer} → {env.settings.installer}"
        elif not (venv / "bin" / "python").exists():
            reason = "env damaged: its python is missing"
        elif not current.installed:
            reason = "env built by an older pitstop (no record of its installed set)"
        elif current.installed != state.installed_set(venv):
            reason = "packages were added or removed by hand (drift)"
        else:
            reason = (
                self._runtime_change(current, None if env.python_variant else self.project.python_override)
                # a nox variant and PITSTOP_PYTHON pick their interpreter themselves
                or (
                    None
                    if env.python_variant or self.project.python_override
                    else inputs.unmet_by(current.runtime)
                )
                or ""
            )
        hold = swap.held(store)
        if hold is not None and (current is None or current.generation != hold):
            hold = None
        return Readiness(env.name, lock, current, not reason, reason, pending, venv, hold)

    def _runtime_change(self, current: state.EnvState, override: str | None) -> str | None:
        path = override or current.interpreter
        try:
            interp = self.runtimes.identify(path)
        except NotReadyError:
            return f"python {current.interpreter} no longer runs"
        except OSError:
            return f"python {current.interpreter} is gone"
        if override and path != current.interpreter:
            return f"PITSTOP_PYTHON changed to {path}"
        if state.runtime_dict(interp.identity) != current.runtime:
            old = current.runtime.get("version", "?")
            new = interp.identity.version
            what = f"python {old} → {new}" if old != new else "the python runtime changed"
            return what
        return None

    def fingerprint(self, env: EnvSpec, inputs: Inputs | None = None) -> list[str]:
        """Every file whose change could change ``env``'s readiness (for the fast path)."""
        inputs = inputs or collect(self.project, env)
        root = self.project.root
        store = self.project.store(env)
        venv = store / swap.VENV
        files = [
            str(self.project.config_file),
            str(root / "pyproject.toml"),
            str(root / ".python-version"),
            str(self.project.lock_path(env)),
            str(state.marker_path(venv)),
            str(venv),
            str(venv / "bin" / "python"),
            str(store),
            str(store / swap.NEW),
            str(store / swap.JOURNAL),
            str(store / swap.HOLD),
            *state.site_dirs(venv),
            *inputs.files,
        ]
        current = state.read(venv)
        if current is not None:
            files += [current.interpreter, str(current.runtime.get("executable", ""))]
            cached = self.runtimes.cached(current.interpreter)
            if cached is not None and cached.libpython:
                files.append(cached.libpython)
        return files

    # -- ensure ---------------------------------------------------------------------------
    def ensure(self, env: EnvSpec, *, build: bool = True, relock: bool = True) -> Environment:
        """Make ``env`` ready per policy and return it.

        Dev: re-lock a missing or stale lock and rebuild a missing or stale env. Strict:
        the lock must be fresh; with ``build`` (``setup``) the env is installed exactly from
        it, without ``build`` (``run``, ``ensure()``) it must already be ready. Without
        ``relock`` (the post-checkout hook) a lock that is not fresh is never rewritten.
        """
        if env.kind != "managed":
            raise NotReadyError(f"env {env.name!r} is {env.kind}; pitstop does not build it")
        from pitstop.store import confined, require_directories

        require_directories(confined(self.project, env), env)
        inputs = collect(self.project, env)
        from pitstop.python_request import refuse_non_interpreter

        refuse_non_interpreter(inputs.request)  # a config error comes before "lock missing"
        for warning in inputs.warnings:
            self.reporter.detail(f"warning: {warning}")
        ready = self.status(env, inputs)
        if ready.held is not None and not ready.ready and not build and not self.policy.strict:
            if ready.pending:  # a hold never leaves an interrupted operation unrepaired
                ready = self._repair(env, inputs)
            if ready.held is not None and not ready.ready:
                return self._held(env, ready)
        if ready.held is not None and build:
            swap.release(self.project.store(env))
        seeding = False
        if not ready.lock.fresh or self._exact_runtime_mismatch(env, inputs, ready):
            if not relock:
                from pitstop.locking import relock_reason

                why = relock_reason(ready.lock, inputs) if not ready.lock.fresh else "the runtime changed"
                raise NotReadyError(
                    f"{ready.lock.path.name} is not fresh ({why}); env {env.name!r} left as it is",
                    fix=Fix(("lock", *env_flag(env.name).split())),
                )
            if not self.policy.strict and _seedable(env, ready):
                self.interpreter(env, inputs)  # none for the env: fail before writing anything
                seeding = True  # re-locked under the env lock, venv.new seeded meanwhile (below)
            else:
                ready = self._relock(env, inputs, ready)
        if ready.ready and not ready.pending and not seeding:
            if build:  # `setup` on a ready env: delete what a command killed mid-sweep left
                swap.sweep(self.project.store(env))
            return self._environment(env, ready)
        if ready.ready or seeding:
            pass  # usable, but an interrupted operation left files: repair them below
        elif self.policy.strict and not build:
            raise NotReadyError(
                f"env {env.name!r} is not ready: {ready.reason} ({self.policy.describe()})",
                fix=Fix(("setup", *env_flag(env.name).split())),
            )
        store = self.project.store(env)
        from pitstop.flock import EnvLock
        from pitstop.store import ensure_location

        ensure_location(store.parent)
        seeds: list[Seed] = []
        try:
            with EnvLock(store / swap.LOCKFILE, self.reporter), _interrupting(seeding):
                try:
                    repaired = swap.recover(store)
                    if repaired:
                        self.reporter.step(f"{env.name}: {repaired}")
                    from pitstop.fsutil import sweep_tmp

                    sweep_tmp(self.project.root)  # e.g. a killed `pitstop lock`'s .pylock.toml.*.tmp
                    if seeding:
                        self._relock_seeding(env, inputs, seeds)
                    ready = self.status(env, inputs)
                    if ready.held is not None and not ready.ready and not build and not self.policy.strict:
                        return self._held(env, ready)  # recovery finished a rollback: keep it
                    if not ready.ready and self.policy.strict and not build:
                        raise NotReadyError(
                            f"env {env.name!r} is not ready: {ready.reason} ({self.policy.describe()})",
                            fix=f"run: pitstop setup{env_flag(env.name)}",
                        )
                    if not ready.ready:
                        from pitstop.build import build_env

                        build_env(
                            self.project,
                            env,
                            inputs,
                            self.interpreter(env, inputs),
                            runtimes=self.runtimes,
                            reporter=self.reporter,
                            reason=ready.reason,
                            reuse=not self.policy.strict,  # strict verifies the text it installs
                            seed=seeds[0] if seeds else None,
                        )
                        swap.release(store)  # setup rebuilt from the lock: no rollback holds
                        ready = self.status(env, inputs)
                finally:
                    for seed in seeds:  # a seed no build took over is set aside, under the lock
                        seed.discard()
        finally:
            swap.sweep(store)  # delete the old venv.prev / a failed venv.new, lock released
        if not ready.ready:
            raise ProvisionError(f"env {env.name!r} is still not ready: {ready.reason}")
        return self._environment(env, ready)

    def _held(self, env: EnvSpec, ready: Readiness) -> Environment:
        self.reporter.warn(
            f"env {env.name!r} is rolled back to generation {ready.held} ({ready.reason}); "
            f"run: pitstop setup{env_flag(env.name)} to rebuild it from the lock"
        )
        return self._environment(env, ready)

    def _repair(self, env: EnvSpec, inputs: Inputs) -> Readiness:
        """Finish or discard an interrupted operation under the env lock (nothing else)."""
        from pitstop.flock import EnvLock

        store = self.project.store(env)
        try:
            with EnvLock(store / swap.LOCKFILE, self.reporter):
                repaired = swap.recover(store)
                if repaired:
                    self.reporter.step(f"{env.name}: {repaired}")
        finally:
            swap.sweep(store)
        return self.status(env, inputs)

    def _exact_runtime_mismatch(self, env: EnvSpec, inputs: Inputs, ready: Readiness) -> bool:
        if inputs.lock_runtime != "exact" or not ready.lock.fresh:
            return False
        recorded = lockfile.read(ready.lock.path).tool.get("runtime")
        current = self.interpreter(env, inputs).identity.portable()
        return recorded != current

    def _relock(self, env: EnvSpec, inputs: Inputs, ready: Readiness) -> Readiness:
        if self.policy.strict:
            from pitstop.locking import relock_reason

            why = relock_reason(ready.lock, inputs) if not ready.lock.fresh else "the runtime changed"
            raise NotReadyError(
                f"{ready.lock.describe() if not ready.lock.fresh else why} ({self.policy.describe()})",
                fix=Fix(
                    ("lock", *env_flag(env.name).split()), f"  (locally), then commit {ready.lock.path.name}"
                ),
                file=_shown(ready.lock.path),
            )
        from pitstop.locking import lock_env

        self.interpreter(env, inputs)  # no interpreter for the env: fail before writing its lock
        # lock_env says why it re-locks (reading the old lock while uv resolves).
        lock_env(self.project, env, runtimes=self.runtimes, reporter=self.reporter, build_next=True)
        return self.status(env, inputs)

    def _relock_seeding(self, env: EnvSpec, inputs: Inputs, seeds: list[Seed]) -> None:
        """Re-lock ``env`` (dev, under its env lock, before ``setup`` or ``run`` builds it) and meanwhile
        start filling venv.new from the previous lock (:mod:`pitstop.seed`) into ``seeds``."""
        from pitstop import _testing, seed
        from pitstop.locking import lock_env

        interp = self.interpreter(env, inputs)

        def head_start() -> None:
            try:
                seed.start(self.project, env, inputs, interp, reporter=self.reporter, seeds=seeds)
            except Exception as exc:  # a head start only saves time: never why a setup fails
                self.reporter.warn(f"{env.name}: no head start for the build (please report): {exc!r}")
                for started in seeds:
                    started.discard()
                seeds.clear()
                return
            _testing.checkpoint("after-seed")

        lock_env(
            self.project,
            env,
            runtimes=self.runtimes,
            reporter=self.reporter,
            build_next=True,
            while_resolving=head_start,
        )

    def interpreter(self, env: EnvSpec, inputs: Inputs) -> Interpreter:
        """The variant's interpreter, else PITSTOP_PYTHON, else the env's python request's."""
        if env.python_variant:
            from pitstop.python_request import parse_request

            interp = self.runtimes.find(parse_request(env.python_variant))
            ident = interp.identity
            if not inputs.request.matches(
                ident.implementation, ident.version, free_threaded=ident.free_threading
            ):
                raise NotReadyError(
                    f"{ident.label} (python {env.python_variant!r}) is outside env {env.name!r}'s "
                    f"python = {inputs.python!r}, so its lock does not cover it",
                    fix=f"set python to a range covering every version you run in {env.table}, "
                    f'e.g. python = ">={ident.version.rsplit(".", 1)[0]}"',
                )
            return interp
        if self.project.python_override:
            interp = self.runtimes.identify(self.project.python_override)
            request = inputs.request
            ident = interp.identity
            if not request.path and not request.matches(
                ident.implementation, ident.version, free_threaded=ident.free_threading
            ):
                asked = repr(inputs.interpreter_request or inputs.python)
                if inputs.interpreter_source:
                    asked += f" ({inputs.interpreter_source})"
                raise NotReadyError(
                    f"PITSTOP_PYTHON is {ident.label}, but env {env.name!r} asks for python = {asked}",
                    fix="point PITSTOP_PYTHON at a matching interpreter, or unset it",
                )
            return interp
        return self.runtimes.find(inputs.request)

    def _environment(self, env: EnvSpec, ready: Readiness) -> Environment:
        current = ready.state
        ident = None
        if current is not None:
            try:
                ident = RuntimeIdentity(**current.runtime)
            except TypeError:
                ident = None
        venv = ready.venv
        return Environment(
            name=env.name,
            path=venv,
            python=venv / "bin" / "python",
            bin_dir=venv / "bin",
            identity=ident,
            generation=current.generation if current else -1,
        )

    # -- build ----------------------------------------------------------------------------


def _seedable(env: EnvSpec, ready: Readiness) -> bool:
    """A uv env built from the bytes of the lock on disk: a re-lock can seed venv.new from
    it (:mod:`pitstop.seed` checks again under the env lock). Otherwise the re-lock takes no
    env lock, as ``pitstop lock`` does, and a failed one leaves no trace in the store."""
    current = ready.state
    return (
        env.settings.installer == "uv"
        and current is not None
        and current.installer == "uv"
        and ready.lock.state != "modified"
        and current.lock_hash == ready.lock.content_hash
    )


def _interrupting(on: bool) -> AbstractContextManager[None]:
    """SIGTERM as Ctrl-C while ``on`` (a seeded re-lock: its children are ended and venv.new
    set aside either way, as during a build)."""
    if not on:
        from contextlib import nullcontext

        return nullcontext()
    from pitstop.build import terminate_as_interrupt

    return terminate_as_interrupt()


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
