"""``pitstop lock``: resolve an env's inputs with uv into a portable PEP 751 lock."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pitstop import lockfile
from pitstop.config import EnvSpec, Project
from pitstop.errors import NotReadyError, env_flag
from pitstop.inputs import Inputs, collect
from pitstop.output import Reporter, count
from pitstop.resolution import Resolution, resolution_python
from pitstop.runtime import Runtimes


@dataclass(frozen=True, slots=True)
class LockResult:
    """What ``lock`` did for one env."""

    env: str
    path: Path
    changed: bool
    packages: int


def lock_env(
    project: Project,
    env: EnvSpec,
    *,
    runtimes: Runtimes,
    reporter: Reporter,
    upgrade: bool = False,
    upgrade_packages: Sequence[str] = (),
    reason: str = "",
    build_next: bool = False,
    while_resolving: Callable[[], object] | None = None,
) -> LockResult:
    """Resolve ``env`` and write its lock if the result differs from what is on disk.

    A fresh lock is left alone without running uv (unless upgrading), like ``uv lock``.
    ``build_next``: a build reads the lock right after (``setup``), so the data of the text
    written is kept parsed and validated for it (:func:`pitstop.lockfile.remember`).
    ``while_resolving`` is called once uv has started resolving (``setup`` seeds venv.new
    meanwhile: :mod:`pitstop.seed`); not when nothing is resolved."""
    if env.kind != "managed":
        raise NotReadyError(f"env {env.name!r} is {env.kind}; only managed envs have locks")
    inputs = collect(project, env)
    for warning in inputs.warnings:
        reporter.warn(warning)
    path = project.lock_path(env)
    old: dict[str, set[str]] = {}
    current: lockfile.LockStatus | None = None
    if upgrade_packages:
        old = _pins(path)
        _check_upgrade_names(upgrade_packages, inputs, old, env=env, lock_name=path.name)
    elif not upgrade:
        current = lockfile.status(path, inputs.hash)
        if current.fresh and not _runtime_differs(path, inputs, runtimes):
            reporter.step(f"{path.name}: fresh, nothing to resolve")
            return LockResult(env=env.name, path=path, changed=False, packages=_count(path))
    with Resolution(
        project, env, inputs, runtimes=runtimes, path=path, upgrade=upgrade, upgrade_packages=upgrade_packages
    ) as resolution:
        resolution.start()
        if while_resolving is not None:
            while_resolving()
        # While uv resolves, pitstop reads the old lock (parsing it, and importing the PEP 751
        # validator, is most of pitstop's own work in a re-lock): its pins, why the lock is
        # re-made, and whether uv could read it.
        if not upgrade_packages:
            old = _pins(path)
        if current is not None and not reason:
            why = relock_reason(current, inputs) if not current.fresh else "the runtime changed"
            reason = f" ({why})"
        if resolution.preferences and not _usable(path):
            resolution.start_without_preferences()
        wanted = len(inputs.requirements) + (1 if inputs.install_project else 0)
        reporter.step(f"locking {env.name}: {count(wanted, 'requirement')}{reason}")
        packages = resolution.packages(reporter)
    requires_python, interpreter = resolution.requires_python, resolution.interpreter
    tool: dict[str, object] = {}
    if not inputs.lock_request.path:
        tool["python"] = inputs.python
    tool["requirements"] = list(inputs.requirements)
    if inputs.constraints:
        tool["constraints"] = list(inputs.constraints)
    if inputs.install_project:
        tool["install-project"] = True
    if inputs.lock_runtime == "exact":
        tool["runtime"] = runtimes.identify(interpreter).identity.portable()
    tool["inputs-hash"] = inputs.hash
    text, data = lockfile.render_with_data(
        packages=packages,
        requires_python=requires_python,
        environments=inputs.environments,
        tool=tool,
    )
    changed = _write_if_changed(path, text)
    if build_next:
        lockfile.remember(text, data)  # the build does not parse this text again
    reporter.step(f"{'wrote' if changed else 'unchanged'} {path.name}: {count(len(packages), 'package')}")
    for line in moved_pins(old, _pins_of(packages)) if old else ():
        reporter.step(f"  {line}")
    return LockResult(env=env.name, path=path, changed=changed, packages=len(packages))


def _pins(path: Path) -> dict[str, set[str]]:
    """name -> versions pinned in the lock at ``path`` (empty when missing or unreadable)."""
    try:
        return _pins_of(lockfile.read(path).packages)
    except NotReadyError:
        return {}


def _pins_of(packages: Sequence[Mapping[str, Any]]) -> dict[str, set[str]]:
    pins: dict[str, set[str]] = {}
    for package in packages:
        pins.setdefault(str(package.get("name")), set()).add(str(package.get("version", "(source tree)")))
    return pins


def moved_pins(old: Mapping[str, set[str]], new: Mapping[str, set[str]]) -> list[str]:
    """Human lines for what changed between two locks: ``name 1.0 → 1.1``, ``+name 2.0``."""
    lines = []
    for name in sorted(set(old) | set(new)):
        before, after = sorted(old.get(name, ())), sorted(new.get(name, ()))
        if before == after:
            continue
        if not before:
            lines.append(f"+{name} {', '.join(after)}")
        elif not after:
            lines.append(f"-{name} {', '.join(before)}")
        else:
            lines.append(f"{name} {', '.join(before)} → {', '.join(after)}")
    return lines


def _check_upgrade_names(
    names: Sequence[str], inputs: Inputs, old: Mapping[str, set[str]], *, env: EnvSpec, lock_name: str
) -> None:
    from packaging.utils import InvalidName, canonicalize_name

    from pitstop.errors import UsageError
    from pitstop.requirements import names as requirement_names

    known = {canonicalize_name(n) for n in old} | requirement_names(inputs.requirements)
    for raw in names:
        try:
            valid = canonicalize_name(raw, validate=True) in known
        except InvalidName:
            valid = False
        if not valid:
            flag = env_flag(env.name)
            raise UsageError(
                f"--upgrade {raw!r}: no such package in {lock_name} or the requirements of {env.table}",
                fix=f"run: pitstop lock{flag} --upgrade  (every package), or name one of: "
                + ", ".join(sorted(known)[:12]),
            )


def _runtime_differs(path: Path, inputs: Inputs, runtimes: Runtimes) -> bool:
    """With ``lock-runtime = "exact"``: the recorded runtime is not this machine's."""
    if inputs.lock_runtime != "exact":
        return False
    try:
        recorded = lockfile.read(path).tool.get("runtime")
        interpreter, _, _ = resolution_python(inputs, runtimes)
        return bool(recorded != runtimes.identify(interpreter).identity.portable())
    except (NotReadyError, OSError):
        return True


def _count(path: Path) -> int:
    try:
        return path.read_text(encoding="utf-8").count("\n[[packages]]\n")
    except (OSError, UnicodeDecodeError):
        return 0


def relock_reason(lock: lockfile.LockStatus, inputs: Inputs) -> str:
    """Why ``lock`` must be re-made, for messages: requirements +added/-removed, or the
    python range with where it came from (a changed runtime is named as the reason)."""
    if lock.state == "missing":
        return "no lock yet"
    if lock.state == "modified":
        return f"{lock.path.name} was edited by hand"
    try:
        old = lockfile.read(lock.path)
    except NotReadyError:
        return "the lock is unreadable"
    before, after = set(old.requirements), set(inputs.requirements)
    changes = [f"+{r}" for r in sorted(after - before)] + [f"-{r}" for r in sorted(before - after)]
    old_python = old.tool.get("python")
    if old_python and old_python != inputs.python:
        from pitstop.inputs import SOURCES

        changes.append(f"python {old_python} → {inputs.python} (from {SOURCES[inputs.python_source]})")
    return (
        "requirements " + " ".join(changes)
        if changes and changes[0][0] in "+-"
        else (", ".join(changes) if changes else "settings changed")
    )


def _usable(path: Path) -> bool:
    """A lock uv can take its pins from (a hand-broken one is simply re-resolved)."""
    try:
        lockfile.read(path)
    except NotReadyError:
        return False
    return True


def _write_if_changed(path: Path, text: str) -> bool:
    from pitstop.fsutil import atomic_write
    from pitstop.reading import read_bytes

    try:
        if read_bytes(path) == text.encode("utf-8"):  # bytes: a CRLF copy is rewritten as LF
            return False
    except OSError:
        pass
    atomic_write(path, text)
    return True
