"""``pitstop lock``: resolve an env's inputs with uv into a portable PEP 751 lock."""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pitstop import lockfile
from pitstop.config import EnvSpec, Project
from pitstop.errors import CommandError, InterpreterNotFound, NotReadyError, ProvisionError
from pitstop.inputs import Inputs, collect
from pitstop.output import Reporter
from pitstop.python_request import running_version
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
    """(interpreter path for uv, ``--python-version`` lower bound, lock ``requires-python``)."""
    request = inputs.request
    interpreter: str | None = None
    version: str | None = None
    if request.path:
        interp = runtimes.identify(request.path)
        interpreter, version = interp.path, interp.identity.version
    else:
        bounds = _LOWER_BOUND.findall(request.specifier)
        try:
            interp = runtimes.find(request)
            interpreter = interp.path
            version = interp.identity.version
        except InterpreterNotFound:
            if not bounds:
                raise
        if bounds:
            version = min(bounds, key=lambda v: tuple(int(p) for p in v.split(".")))
    assert version is not None
    short = ".".join(version.split(".")[:2])
    return interpreter or sys.executable, short, request.requires_python(version)


# Where each index option goes when a value carries credentials (SPEC §5: never on a command
# line). A group moves as a whole: uv ignores the variable when the option is also given.
_CREDENTIAL_VARS = {
    "uv": {
        "--index-url": ("UV_INDEX_URL", " "),
        "--extra-index-url": ("UV_EXTRA_INDEX_URL", " "),
        "--find-links": ("UV_FIND_LINKS", ","),
    },
    "pip": {
        "--index-url": ("PIP_INDEX_URL", " "),
        "--extra-index-url": ("PIP_EXTRA_INDEX_URL", " "),
        "--find-links": ("PIP_FIND_LINKS", " "),
    },
}


def _index_groups(project: Project, env: EnvSpec, extra_links: Sequence[str]) -> list[tuple[str, list[str]]]:
    settings = env.settings
    links = [str(project.root / link) if "://" not in link else link for link in settings.find_links]
    return [
        ("--index-url", [settings.index_url] if settings.index_url else []),
        ("--extra-index-url", list(settings.extra_index_urls)),
        ("--find-links", links + list(extra_links)),
    ]


def _has_credentials(values: Sequence[str]) -> bool:
    from pitstop.requirements import redact_url

    return any(redact_url(v) != v for v in values)


def index_args(project: Project, env: EnvSpec, *, extra_links: Sequence[str] = ()) -> list[str]:
    """Index options for the env, spelled the same by uv and pip (relative find-links are
    resolved against the project root). Options whose values carry credentials are left out:
    :func:`index_environ` passes them in the environment instead."""
    args: list[str] = []
    for option, values in _index_groups(project, env, extra_links):
        if not _has_credentials(values):
            args += [f"{option}={value}" for value in values]
    if env.settings.no_index:
        args.append("--no-index")
    return args


def index_environ(
    project: Project, env: EnvSpec, *, tool: str, extra_links: Sequence[str] = ()
) -> dict[str, str]:
    """The index options that carry credentials, as ``tool``'s (``uv`` or ``pip``) own
    environment variables: the installer reads them and ties the credentials to the index's
    host for its downloads; no command line (``/proc/PID/cmdline``) or file ever holds them."""
    out: dict[str, str] = {}
    for option, values in _index_groups(project, env, extra_links):
        if values and _has_credentials(values):
            name, separator = _CREDENTIAL_VARS[tool][option]
            out[name] = separator.join(values)
    return out


def uv_index_args(project: Project, env: EnvSpec) -> list[str]:
    """uv options for the env's index settings and ``allow-build``."""
    return index_args(project, env) + ([] if env.settings.allow_build else ["--no-build"])


def uv_warnings(output: str) -> list[str]:
    """uv's own ``warning:`` lines (an extra the package does not define, a yanked version, ...),
    which pitstop relays instead of hiding them with ``--quiet``."""
    out = []
    for line in output.splitlines():
        text = re.sub(r"\x1b\[[0-9;]*m", "", line).strip()
        if text.startswith("warning: ") and text[9:] not in out:
            out.append(text[9:])
    return out


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
    """Resolve ``env`` and write its lock if the result differs from what is on disk."""
    from pitstop import _toml
    from pitstop.process import run, scrubbed_env
    from pitstop.uvbin import find_uv

    if env.kind != "managed":
        raise NotReadyError(f"env {env.name!r} is {env.kind}; only managed envs have locks")
    inputs = collect(project, env)
    for warning in inputs.warnings:
        reporter.warn(warning)
    interpreter, version, requires_python = resolution_python(inputs, runtimes)
    path = project.lock_path(env)
    count = len(inputs.requirements) + (1 if inputs.install_project else 0)
    reporter.step(f"locking {env.name}: {count} requirements{reason}")
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
        argv = [
            find_uv(),
            "pip",
            "compile",
            str(req_in),
            "--format",
            "pylock.toml",
            "--universal",
            "--generate-hashes",
            "--no-header",
            "--no-config",
            "--python",
            interpreter,
            "--python-version",
            version,
            "-o",
            str(out),
            *uv_index_args(project, env),
        ]
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
    tool: dict[str, object] = {
        "schema": lockfile.SCHEMA,
        "env": env.name,
    }
    if not inputs.request.path:
        tool["python"] = inputs.python
    tool["requirements"] = list(inputs.requirements)
    if inputs.constraints:
        tool["constraints"] = list(inputs.constraints)
    if inputs.install_project:
        tool["install-project"] = True
    if inputs.lock_runtime == "exact":
        interp = runtimes.identify(interpreter)
        tool["runtime"] = interp.identity.portable()
    from pitstop._sources import files_hash, sources_hash

    names = _input_files(project, inputs)
    if names is not None:
        tool["input-files"] = names
        tool["files-hash"] = files_hash(str(project.root), names)
        # With unchanged input files, `lock --check --all` knows every env from any lock.
        tool["managed-envs"] = sorted(e.name for e in project.envs.values() if e.kind == "managed")
    tool["sources-hash"] = sources_hash(
        root=str(project.root),
        tool=project.tool,
        pyproject=project.pyproject,
        env=env.name,
        python_version_file=project.python_version_file,
    )
    tool["inputs-hash"] = inputs.hash
    text = lockfile.render(
        packages=packages,
        requires_python=requires_python,
        environments=inputs.environments,
        tool=tool,
    )
    changed = _write_if_changed(path, text)
    reporter.step(f"{'wrote' if changed else 'unchanged'} {path.name}: {len(packages)} packages")
    return LockResult(env=env.name, path=path, changed=changed, packages=len(packages))


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


def _input_files(project: Project, inputs: Inputs) -> list[str] | None:
    """Project-relative files the inputs were read from, or None when they are not enough to
    decide freshness (a python request taken from the running interpreter, odd names)."""
    import os

    if (
        inputs.python == running_version()
        and not project.python_version_file
        and not (project.pyproject.get("project") or {}).get("requires-python")
        and not any(e.settings.python for e in project.envs.values())
    ):
        return None
    paths = [project.config_file, project.root / "pyproject.toml", project.root / ".python-version"]
    paths += [Path(f) for f in inputs.files]
    names: list[str] = []
    for path in paths:
        name = os.path.relpath(path, project.root).replace(os.sep, "/")
        if name.startswith("../") or '"' in name or "\\" in name or name in names:
            if name in names:
                continue
            return None
        names.append(name)
    return names


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
