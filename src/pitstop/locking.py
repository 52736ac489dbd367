"""``pitstop lock``: resolve an env's inputs with uv into a portable PEP 751 lock."""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pitstop import lockfile
from pitstop.config import EnvSpec, Project
from pitstop.errors import CommandError, InterpreterNotFound, NotReadyError, ProvisionError, env_flag
from pitstop.index_options import index_environ, uv_index_args
from pitstop.index_origins import index_origins, is_remote
from pitstop.inputs import Inputs, collect
from pitstop.output import Reporter, count
from pitstop.runtime import Runtimes

_LOWER_BOUND = re.compile(r"(?:>=|==|~=)\s*(\d+\.\d+)")


@dataclass(frozen=True, slots=True)
class LockResult:
    """What ``lock`` did for one env."""

    env: str
    path: Path
    changed: bool
    packages: int


def resolution_python(inputs: Inputs, runtimes: Runtimes) -> tuple[str, str, str]:
    """(interpreter path for uv, ``--python-version`` lower bound, lock ``requires-python``).

    The range comes from the lock's request alone (:func:`pitstop.inputs.lock_python`); the
    interpreter handed to uv only runs builds, so the lock does not depend on it."""
    request = inputs.lock_request
    interpreter: str | None = None
    version: str | None = None
    if request.path:
        interp = runtimes.find(request)
        interpreter, version = interp.path, interp.identity.version
    else:
        bounds = _LOWER_BOUND.findall(request.specifier)
        try:
            interp = runtimes.find(inputs.request)
            interpreter = interp.path
            version = interp.identity.version
        except InterpreterNotFound:
            if not bounds:
                raise
        if bounds:
            version = min(bounds, key=lambda v: tuple(int(p) for p in v.split(".")))
    if version is None:  # pragma: no cover - find() raised above
        raise InterpreterNotFound(f"no interpreter for python = {inputs.python!r}")
    short = ".".join(version.split(".")[:2])
    return interpreter or sys.executable, short, request.requires_python(version)


def uv_warnings(output: str) -> list[str]:
    """uv's own ``warning:`` lines (an extra the package does not define, a yanked version, ...),
    which pitstop relays instead of hiding them with ``--quiet``."""
    out = []
    for line in output.splitlines():
        text = re.sub(r"\x1b\[[0-9;]*m", "", line).strip()
        if text.startswith("warning: ") and text[9:] not in out:
            out.append(text[9:])
    # pitstop writes uv's requirements file in a temporary directory: an env with no
    # requirements is reported by pitstop itself, never as uv's remark about that file's path.
    return [w for w in out if not w.endswith("does not contain any dependencies")]


def lock_env(
    project: Project,
    env: EnvSpec,
    *,
    runtimes: Runtimes,
    reporter: Reporter,
    upgrade: bool = False,
    upgrade_packages: Sequence[str] = (),
    reason: str = "",
) -> LockResult:
    """Resolve ``env`` and write its lock if the result differs from what is on disk.

    A fresh lock is left alone without running uv (unless upgrading), like ``uv lock``."""
    if env.kind != "managed":
        raise NotReadyError(f"env {env.name!r} is {env.kind}; only managed envs have locks")
    inputs = collect(project, env)
    for warning in inputs.warnings:
        reporter.warn(warning)
    path = project.lock_path(env)
    old = _pins(path)
    if upgrade_packages:
        _check_upgrade_names(upgrade_packages, inputs, old, env=env, lock_name=path.name)
    elif not upgrade:
        current = lockfile.status(path, inputs.hash)
        if current.fresh and not _runtime_differs(path, inputs, runtimes):
            reporter.step(f"{path.name}: fresh, nothing to resolve")
            return LockResult(env=env.name, path=path, changed=False, packages=_count(path))
        if not reason:
            why = relock_reason(current, inputs) if not current.fresh else "the runtime changed"
            reason = f" ({why})"
    packages, requires_python, interpreter = _resolve(
        project,
        env,
        inputs,
        runtimes=runtimes,
        reporter=reporter,
        path=path,
        upgrade=upgrade,
        upgrade_packages=upgrade_packages,
        reason=reason,
    )
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
    text = lockfile.render(
        packages=packages,
        requires_python=requires_python,
        environments=inputs.environments,
        tool=tool,
    )
    changed = _write_if_changed(path, text)
    reporter.step(f"{'wrote' if changed else 'unchanged'} {path.name}: {count(len(packages), 'package')}")
    for line in moved_pins(old, _pins_of(packages)) if old else ():
        reporter.step(f"  {line}")
    return LockResult(env=env.name, path=path, changed=changed, packages=len(packages))


def _resolve(
    project: Project,
    env: EnvSpec,
    inputs: Inputs,
    *,
    runtimes: Runtimes,
    reporter: Reporter,
    path: Path,
    upgrade: bool,
    upgrade_packages: Sequence[str],
    reason: str,
) -> tuple[list[dict[str, Any]], str, str]:
    """Run uv: (portable packages with ``index``, requires-python, interpreter used)."""
    from pitstop import _toml
    from pitstop.process import run, scrubbed_env
    from pitstop.uvbin import find_uv, uv_version

    interpreter, version, requires_python = resolution_python(inputs, runtimes)
    uv_version(find_uv(), runtimes)  # a uv that does not run is not a requirements problem
    wanted = len(inputs.requirements) + (1 if inputs.install_project else 0)
    reporter.step(f"locking {env.name}: {count(wanted, 'requirement')}{reason}")
    with tempfile.TemporaryDirectory(prefix="pitstop-lock-") as tmp:
        work = Path(tmp)
        req_in = work / "requirements.in"
        lines = rendered(inputs.requirements)
        if inputs.install_project:
            lines.append(f"-e {_local_path(project.root)}")
        req_in.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
        out = work / "pylock.toml"
        if path.is_file() and not upgrade and _usable(path):
            shutil.copyfile(path, out)  # uv keeps the pins it finds there (stable re-locks)
        common = [
            str(req_in),
            "--universal",
            "--no-header",
            "--no-config",
            "--python",
            interpreter,
            "--python-version",
            version,
            *uv_index_args(project, env),
        ]
        argv = [find_uv(), "pip", "compile", "--format", "pylock.toml", "--generate-hashes", "-o", str(out)]
        argv += common
        if inputs.constraints:
            cons = work / "constraints.txt"
            cons.write_text("".join(f"{c}\n" for c in rendered(inputs.constraints)), encoding="utf-8")
            argv += ["--constraint", str(cons)]
        if upgrade:
            argv.append("--upgrade")
        for package in upgrade_packages:
            argv += ["--upgrade-package", package]
        try:
            proc = run(argv, env=scrubbed_env(extra=index_environ(project, env, tool="uv")), cwd=project.root)
            for warning in uv_warnings(proc.stdout or ""):
                reporter.warn(f"{env.name}: {warning}")
        except CommandError as exc:
            raise ProvisionError(
                f"could not resolve env {env.name!r}:\n{_uv_message(exc.output)}",
                fix=f"fix the requirements of {env.table} in {project.config_file.name}, "
                "then run: pitstop lock",
            ) from None
        data = _toml.loads(out.read_text(encoding="utf-8"), source=out)
        packages = lockfile.from_uv(data, uv_dir=work, lock_dir=path.parent)
        if any(is_remote(p) for p in packages):
            constraints = rendered(inputs.constraints)
            origins = index_origins(project, env, work, common, packages, constraints)
            if not origins:
                reporter.warn(
                    f"{env.name}: uv did not say which index each package came from; the lock "
                    "has no `index`, so installers download its wheels again instead of using "
                    "their cache"
                )
            packages = lockfile.with_index(packages, origins)
    return packages, requires_python, interpreter


def rendered(requirements: Sequence[str]) -> list[str]:
    """The lines uv reads: each requirement parsed and rendered by ``packaging`` (the sources
    were validated already; this is the only text that reaches the installer)."""
    from packaging.requirements import Requirement

    from pitstop.requirements import render

    return [render(Requirement(text)) for text in requirements]


def _local_path(path: Path) -> str:
    from pitstop.errors import ConfigError
    from pitstop.requirements import control_character

    text = str(path)
    if control_character(text) is not None or text.startswith("-"):
        raise ConfigError(
            f"the project path {text!r} holds a control character",
            fix="move the project to a directory whose name has no control characters",
        )
    return text


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


def _uv_message(output: str) -> str:
    lines = [line for line in output.strip().splitlines() if line.strip()]
    return "\n".join(f"  {line}" for line in lines[-15:])
