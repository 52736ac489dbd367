"""The protocol every kind implements, and the records it returns."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, NamedTuple, Protocol

from pitstop.config import EnvSpec, Project
from pitstop.errors import NotReadyError
from pitstop.identity import MARKERS_CODE
from pitstop.output import count
from pitstop.runtime import Runtimes


@dataclass(frozen=True, slots=True)
class PythonCommand:
    """How to start an env's Python: ``argv`` (+ ``env`` vars, ``cwd``).

    ``bin_dir`` is prepended to PATH for other commands of a local env; ``wrapper`` runs an
    arbitrary command inside an env that is not local (``docker exec -i NAME``).
    """

    argv: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()
    cwd: str | None = None
    bin_dir: str | None = None
    wrapper: tuple[str, ...] | None = None
    unset: tuple[str, ...] = ("PYTHONHOME",)
    prefix: str | None = None

    def to_dict(self) -> dict[str, object]:
        """The stable JSON shape of ``pitstop python --json`` (see python-command.schema.json)."""
        return {
            "argv": list(self.argv),
            "env": dict(self.env),
            "unset": list(self.unset),
            "cwd": self.cwd,
            "path_prepend": [self.bin_dir] if self.bin_dir else [],
            "prefix": self.prefix,
        }

    def command_for(self, cmd: list[str]) -> list[str]:
        """argv that runs ``cmd`` in the env (``python`` means the env's interpreter)."""
        if cmd and cmd[0] in ("python", "python3"):
            return [*self.argv, *cmd[1:]]
        if self.wrapper is not None:
            return [*self.wrapper, *cmd]
        return list(cmd)

    def environ(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """The process environment to run in the env."""
        env = dict(os.environ if base is None else base)
        for name in self.unset:
            env.pop(name, None)
        if self.bin_dir:
            env["PATH"] = self.bin_dir + os.pathsep + env.get("PATH", "")
        env.update(dict(self.env))
        return env


Status = Literal["ok", "warning", "error"]


@dataclass(frozen=True, slots=True)
class Report:
    """Validation of one env: ok / warning / error, with the fix and metadata."""

    env: str
    kind: str
    status: Status
    message: str = ""
    fix: str | None = None
    command: PythonCommand | None = None
    implementation: str | None = None
    version: str | None = None
    free_threading: bool | None = None
    executable: str | None = None
    packages: int | None = None
    location: str | None = None
    warnings: tuple[str, ...] = ()
    extra: tuple[tuple[str, object], ...] = field(default=())

    @property
    def summary(self) -> str:
        """e.g. ``CPython 3.12.1  47 packages``."""
        names = {"cpython": "CPython", "pypy": "PyPy", "graalpy": "GraalPy"}
        parts = []
        if self.version:
            impl = names.get(self.implementation or "", self.implementation or "Python")
            parts.append(f"{impl} {self.version}")
        if self.packages is not None:
            parts.append(count(self.packages, "package"))
        return "  ".join(parts)

    def to_dict(self) -> dict[str, object]:
        """JSON shape used by ``check --json``."""
        return {
            "name": self.env,
            "kind": self.kind,
            "status": self.status,
            "message": self.message,
            "fix": self.fix,
            "python": {
                "implementation": self.implementation,
                "version": self.version,
                "free_threading": self.free_threading,
                "executable": self.executable,
            },
            "packages": self.packages,
            "location": self.location,
            "warnings": list(self.warnings),
            "command": self.command.to_dict() if self.command else None,
            **dict(self.extra),
        }


class KindContext(NamedTuple):
    """What a kind may use: the project, the env's config, interpreter discovery, PATH."""

    project: Project
    spec: EnvSpec
    runtimes: Runtimes
    environ: Mapping[str, str]
    #: The command's policy when it decided one (``check --strict``); None: the project's.
    strict: bool | None = None

    def which(self, name: str) -> str | None:
        """``name`` on this context's PATH."""
        return shutil.which(name, path=self.environ.get("PATH", ""))

    def path(self, value: str) -> Path:
        """A config path, relative to the project root."""
        return (self.project.root / value).resolve() if not os.path.isabs(value) else Path(value)

    def project_dir(self) -> Path:
        """The directory of a tool-owned project (uv, poetry): ``project-dir``, default the root."""
        return self.path(self.spec.option("project-dir") or ".")


class Kind(Protocol):
    """An environment kind: resolve to a PythonCommand; validate with a fix."""

    name: str

    def resolve(self, ctx: KindContext) -> PythonCommand:
        """The command that starts the env's Python (NotReadyError with a fix if none)."""

    def validate(self, ctx: KindContext) -> Report:
        """Check the env and describe it (never writes)."""


# Runs inside an adopted env's Python (any version from 2.7 on) to describe it.
PROBE = (
    r"""
import json, os, platform, sys, sysconfig
dists = {}
try:
    import importlib.metadata as md
    for d in md.distributions():
        name = d.metadata["Name"]
        if name:
            dists.setdefault(name.lower().replace("_", "-").replace(".", "-"), d.version)
    count = len(dists)
except Exception:
    dists = None
    try:
        import pkg_resources
        count = len(list(pkg_resources.working_set))
    except Exception:
        count = None
managed = os.path.join(sysconfig.get_paths()["stdlib"], "EXTERNALLY-MANAGED")
"""
    + MARKERS_CODE
    + r"""
sys.stdout.write(json.dumps({
    "implementation": platform.python_implementation().lower(),
    "version": platform.python_version(),
    "free_threading": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
    "executable": os.path.realpath(sys.executable),
    "packages": count,
    "prefix": sys.prefix,
    "base_prefix": getattr(sys, "base_prefix", sys.prefix),
    "externally_managed": os.path.isfile(managed),
    "dists": dists,
    "markers": markers,
}))
"""
)


def command_of(report: Report) -> PythonCommand:
    """The command of a valid report; NotReadyError with the report's fix otherwise."""
    if report.status == "error" or report.command is None:
        fix = report.fix or "run: pitstop check"
        raise NotReadyError(
            f"env {report.env!r} ({report.kind}): {report.message or 'not ready'}",
            fix=fix if fix.startswith("run: ") else f"run: {fix}",
        )
    return report.command


class ValidatedKind:
    """Base of the adopted kinds whose command is what their validation found: ``resolve``
    is derived from ``validate``, so ``python``, ``run`` and ``check`` give one verdict and
    one fix for an env."""

    def validate(self, ctx: KindContext) -> Report:
        """Check the env and describe it (never writes)."""
        raise NotImplementedError

    def resolve(self, ctx: KindContext) -> PythonCommand:
        """The command :meth:`validate` found (NotReadyError with its fix otherwise)."""
        return command_of(self.validate(ctx))


def parse_describe(text: str) -> dict[str, object]:
    """Parse PROBE's output (the last line); ValueError when it is not that."""
    lines = text.strip().splitlines()
    if not lines:
        raise ValueError("no output")
    data = json.loads(lines[-1])
    if not isinstance(data, dict) or "version" not in data or "implementation" not in data:
        raise ValueError("not a probe result")
    return data


def wants_free_threading(ctx: KindContext) -> bool:
    """The env asks for a free-threaded build: ``python = "3.13t"`` (or the version file's
    request), or ``PYTHON_GIL=0`` in the environment."""
    from pitstop.errors import PitstopError
    from pitstop.python_request import parse_request

    request = ctx.spec.settings.python or ctx.project.python_version_file
    if ctx.environ.get("PYTHON_GIL") == "0":
        return True
    if not request or ctx.spec.kind == "docker":
        return False
    try:
        return parse_request(request).free_threaded
    except PitstopError:
        return False


def free_threading_warning(version: str, implementation: str, free_threading: bool) -> str | None:
    """SPEC §6's ⚠️ for an env that asks for free-threading and cannot give it."""
    if free_threading:
        return None
    parts = version.split(".")
    try:
        major, minor = int(parts[0]), int(parts[1])
    except (ValueError, IndexError):
        return None
    if implementation != "cpython" or (major, minor) < (3, 13):
        return f"Python {major}.{minor} has no free-threaded build"
    return f"this is the GIL build of Python {major}.{minor}; the free-threaded one is python{major}.{minor}t"


Check = Callable[[dict[str, object]], "tuple[str, str] | None"]


def describe(
    ctx: KindContext,
    command: PythonCommand,
    *,
    location: str | None,
    fix: str,
    check: Check | None = None,
    probe_argv: tuple[str, ...] | None = None,
) -> Report:
    """Run PROBE through ``command`` (or ``probe_argv``) and turn the result into a Report;
    ``check`` may turn a started interpreter into an error ``(message, fix)``."""
    from pitstop.process import run, scrubbed_env
    from pitstop.python_request import interpreter_problem

    base = probe_argv or command.argv
    # An env's own python (a committed .venv/bin/python, a poetry or pyenv env's) is run only
    # if it is an interpreter: a symlink to /bin/sh would otherwise run the probe as a script.
    refused = interpreter_problem(base[0]) if len(base) == 1 and os.path.isabs(base[0]) else None
    if refused is not None and refused != "it does not exist":
        return Report(
            ctx.spec.name,
            ctx.spec.kind,
            "error",
            f"{base[0]} is not a Python interpreter: {refused}",
            fix,
            command,
            location=location,
        )
    env = command.environ(scrubbed_env(ctx.environ))
    argv = [*base, "-c", PROBE]
    try:
        proc = run(argv, env=env, cwd=command.cwd, check=False, timeout=120)
    except Exception as exc:  # a missing executable or a hang: report, never raise
        message = getattr(exc, "message", str(exc))
        return Report(
            ctx.spec.name,
            ctx.spec.kind,
            "error",
            f"python does not start: {message}",
            fix,
            command,
            location=location,
        )
    try:
        data = parse_describe(proc.stdout) if proc.returncode == 0 else None
    except ValueError:
        data = None
    if data is None:
        tail = (proc.stdout or "").strip().splitlines()[-1:] or ["it printed nothing"]
        said = f"exit {proc.returncode}" if proc.returncode else "it is not a Python interpreter"
        return Report(
            ctx.spec.name,
            ctx.spec.kind,
            "error",
            f"python does not start ({said}): {tail[0][:200]}",
            fix,
            command,
            location=location,
        )
    warnings = []
    version = str(data["version"])
    if _eol(version):
        warnings.append(f"Python {'.'.join(version.split('.')[:2])} is end-of-life")
    if data.get("externally_managed") and data.get("prefix") == data.get("base_prefix"):
        warnings.append("externally managed (PEP 668): read-only, pitstop never installs into it")
    if wants_free_threading(ctx):
        ft = free_threading_warning(version, str(data["implementation"]), bool(data.get("free_threading")))
        if ft:
            warnings.append(ft)
    packages = data.get("packages")
    problem = check(data) if check is not None else None
    if command.prefix is None and isinstance(data.get("prefix"), str):
        command = replace(command, prefix=str(data["prefix"]))
    return Report(
        env=ctx.spec.name,
        kind=ctx.spec.kind,
        status="error" if problem else "warning" if warnings else "ok",
        message=problem[0] if problem else "",
        fix=problem[1] if problem else None,
        command=command,
        implementation=str(data["implementation"]),
        version=version,
        free_threading=bool(data.get("free_threading")),
        executable=str(data.get("executable")),
        packages=packages if isinstance(packages, int) else None,
        location=location,
        warnings=tuple(warnings),
    )


def _eol(version: str) -> bool:
    parts = version.split(".")
    try:
        major, minor = int(parts[0]), int(parts[1])
    except (ValueError, IndexError):
        return False
    return (major, minor) < (3, 10)


def error(ctx: KindContext, message: str, fix: str, *, location: str | None = None) -> Report:
    """A failed validation."""
    return Report(ctx.spec.name, ctx.spec.kind, "error", message, fix, location=location)


def relative(ctx: KindContext, path: Path) -> str:
    """``path`` relative to the project root when inside it (for display)."""
    try:
        return str(path.relative_to(ctx.project.root))
    except ValueError:
        return str(path)
