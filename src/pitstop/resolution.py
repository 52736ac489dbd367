"""One resolution of an env's inputs with ``uv pip compile`` into portable PEP 751 packages,
each with its ``index`` (the lock itself is written by :mod:`pitstop.locking`)."""

from __future__ import annotations

import re
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pitstop import lockfile
from pitstop.config import EnvSpec, Project
from pitstop.errors import CommandError, ConfigError, InterpreterNotFound, ProvisionError
from pitstop.index_options import index_environ, uv_index_args
from pitstop.index_origins import IndexOrigins, is_remote
from pitstop.inputs import Inputs
from pitstop.output import Reporter
from pitstop.runtime import Runtimes

if TYPE_CHECKING:
    from subprocess import Popen

_LOWER_BOUND = re.compile(r"(?:>=|==|~=)\s*(\d+\.\d+)")


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


class Resolution:
    """One ``uv pip compile`` of an env into uv's pylock, then portable packages with their
    ``index``. It is started before pitstop reads the old lock, which uv reads too (as the
    pins to keep) and which pitstop checks meanwhile (:meth:`start_without_preferences`)."""

    def __init__(
        self,
        project: Project,
        env: EnvSpec,
        inputs: Inputs,
        *,
        runtimes: Runtimes,
        path: Path,
        upgrade: bool,
        upgrade_packages: Sequence[str],
    ) -> None:
        from pitstop.uvbin import find_uv, uv_version

        self.project, self.env, self.inputs, self.path = project, env, inputs, path
        self.interpreter, version, self.requires_python = resolution_python(inputs, runtimes)
        uv_version(find_uv(), runtimes)  # a uv that does not run is not a requirements problem
        for link in env.settings.find_links:  # nor is a find-links directory that is not there
            if "://" not in link and not (project.root / link).is_dir():
                raise ConfigError(
                    f"{project.config_file.name}: find-links {link!r} is not a directory",
                    fix=f"create {link} (build the wheels it should hold), or remove it from "
                    f"find-links in {env.table}",
                )
        self._tmp = tempfile.TemporaryDirectory(prefix="pitstop-lock-")
        self.work = work = Path(self._tmp.name)
        self.out = work / "pylock.toml"
        self.preferences = path.is_file() and not upgrade  # uv keeps the pins it finds there
        self.upgrade, self.upgrade_packages = upgrade, tuple(upgrade_packages)
        self.common = [
            str(work / "requirements.in"),
            "--universal",
            "--no-header",
            "--no-config",
            "--python",
            self.interpreter,
            "--python-version",
            version,
            *uv_index_args(project, env),
        ]
        self.proc: Popen[str] | None = None

    def __enter__(self) -> Resolution:
        return self

    def __exit__(self, *exc: object) -> None:
        from pitstop.process import kill

        try:
            if self.proc is not None and self.proc.returncode is None:
                kill(self.proc)
        finally:
            self._tmp.cleanup()

    def start(self) -> Popen[str]:
        """Write uv's inputs and start it."""
        from pitstop.process import scrubbed_env, start
        from pitstop.reading import UnreadableFile, escapes, read_bytes
        from pitstop.uvbin import find_uv

        inputs, work = self.inputs, self.work
        lines = rendered(inputs.requirements)
        if inputs.install_project:
            lines.append(f"-e {_local_path(self.project.root)}")
        (work / "requirements.in").write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
        if self.preferences and escapes(self.path, self.path.parent) is not None:
            self.preferences = False  # a symlink out of the project: never read, never uv's input
        if self.preferences:
            try:  # bounded: a lock is untrusted input (it may be huge, or not a file)
                self.out.write_bytes(read_bytes(self.path))
            except UnreadableFile:
                self.preferences = False
        argv = [find_uv(), "pip", "compile", "--format", "pylock.toml", "--generate-hashes"]
        argv += ["-o", str(self.out), *self.common]
        if inputs.constraints:
            cons = work / "constraints.txt"
            cons.write_text("".join(f"{c}\n" for c in rendered(inputs.constraints)), encoding="utf-8")
            argv += ["--constraint", str(cons)]
        if self.upgrade:
            argv.append("--upgrade")
        for package in self.upgrade_packages:
            argv += ["--upgrade-package", package]
        extra = index_environ(self.project, self.env, tool="uv")
        self.proc = start(argv, env=scrubbed_env(extra=extra), cwd=self.project.root)
        return self.proc

    def start_without_preferences(self) -> None:
        """Kill the run started with the old lock as uv's pins and start it again without:
        a lock uv cannot read (a hand-broken one) is simply re-resolved."""
        from pitstop.process import kill

        if self.proc is not None:
            kill(self.proc)
        self.out.unlink(missing_ok=True)
        self.preferences = False
        self.start()

    def packages(self, reporter: Reporter) -> list[dict[str, Any]]:
        """Wait for uv: the portable packages, each with ``index`` when it came from one."""
        from pitstop import _toml
        from pitstop.process import finish

        env = self.env
        try:
            proc = finish(self.proc or self.start())
            for warning in uv_warnings(proc.stdout or ""):
                reporter.warn(f"{env.name}: {warning}")
        except CommandError as exc:
            raise ProvisionError(
                f"could not resolve env {env.name!r}:\n{_uv_message(exc.output)}",
                fix=f"fix the requirements of {env.table} in {self.project.config_file.name}, "
                "then run: pitstop lock",
            ) from None
        text = self.out.read_text(encoding="utf-8")
        constraints = rendered(self.inputs.constraints)
        with IndexOrigins(self.project, env, self.work, self.common, constraints) as index:
            index.start_early(text)  # runs while the TOML is parsed
            data = _toml.loads(text, source=self.out)
            packages = lockfile.from_uv(data, uv_dir=self.work, lock_dir=self.path.parent)
            if not any(is_remote(p) for p in packages):
                return packages
            origins = index.origins(packages)
        if not origins:
            reporter.warn(
                f"{env.name}: uv did not say which index each package came from; the lock "
                "has no `index`, so installers download its wheels again instead of using "
                "their cache"
            )
        return lockfile.with_index(packages, origins)


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


def _uv_message(output: str) -> str:
    lines = [line for line in output.strip().splitlines() if line.strip()]
    return "\n".join(f"  {line}" for line in lines[-15:])
