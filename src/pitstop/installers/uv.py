"""The uv installer: ``uv venv --relocatable`` + ``uv pip sync`` of the lock."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from pitstop.config import EnvSpec, Project
from pitstop.errors import CommandError, ProvisionError
from pitstop.identity import Interpreter
from pitstop.index_options import index_environ
from pitstop.installers.base import Pending, failed
from pitstop.lockfile import LockFile
from pitstop.output import Reporter
from pitstop.process import run, scrubbed_env
from pitstop.runtime import Runtimes
from pitstop.uvbin import find_uv


def prompt(project: Project, env: EnvSpec) -> str:
    """The shell prompt of an activated env: the project's name, plus the env's if named."""
    return project.root.name if env.name == "default" else f"{project.root.name}-{env.name}"


def without_directories(lock: LockFile, directory: Path) -> Path:
    """A copy of ``lock`` in ``directory`` without local-project entries, its relative file
    paths made absolute (they were relative to the original lock)."""
    path = directory / "pylock.toml"
    path.write_text(source_text(lock), encoding="utf-8")
    return path


def source_text(lock: LockFile) -> str:
    """The text of :func:`without_directories`' copy of ``lock`` (a pure function of the
    lock's data and where it lives, so a build may reuse it: :mod:`pitstop.lockcache`)."""
    from pitstop import lockfile

    base = lock.path.parent
    packages = []
    for package in lock.packages:
        if isinstance(package.get("directory"), dict):
            continue
        copy = dict(package)
        for key in ("wheels", "sdist", "archive"):
            entries = copy.get(key)
            if isinstance(entries, list):
                copy[key] = [_absolute(e, base) for e in entries]
            elif isinstance(entries, dict):
                copy[key] = _absolute(entries, base)
        packages.append(copy)
    return lockfile.render(
        packages=packages,
        requires_python=str(lock.data.get("requires-python", "")),
        environments=list(lock.data.get("environments", [])),
        tool={k: v for k, v in lock.tool.items() if k != "content-hash"},
    )


def _absolute(entry: Mapping[str, Any], base: Path) -> dict[str, Any]:
    # upload-time is a TOML datetime the lock renderer does not write; uv does not need it.
    out = {k: v for k, v in entry.items() if k != "upload-time"}
    if isinstance(out.get("path"), str):
        out["path"] = str((base / out["path"]).resolve())
    return out


def artifacts(lock: LockFile) -> dict[str, str]:
    """name -> the marker, version and file hashes of each of its entries in ``lock`` (local
    projects left out): a package whose text differs between two locks may install another
    file here."""
    from packaging.utils import canonicalize_name

    out: dict[str, list[str]] = {}
    for package in lock.packages:
        if isinstance(package.get("directory"), dict):
            continue
        files = [*(package.get("wheels") or []), package.get("sdist") or {}, package.get("archive") or {}]
        hashes = sorted(
            f"{algorithm}:{value}"
            for entry in files
            if isinstance(entry, Mapping)
            for algorithm, value in (entry.get("hashes") or {}).items()
        )
        out.setdefault(canonicalize_name(str(package["name"])), []).append(
            " ".join([str(package.get("marker", "")), str(package.get("version", "")), *hashes])
        )
    return {name: "\n".join(sorted(texts)) for name, texts in out.items()}


def venv_only(venv: Path) -> dict[str, str]:
    """Environment overrides under which ``uv pip`` can find no interpreter but ``venv``'s.

    uv looks at ``VIRTUAL_ENV``, then (having rejected it) at the first virtual environment
    interpreter on ``PATH``: so ``PATH`` starts with ``venv/bin`` and drops the ``bin``
    directories of other virtual environments (base interpreters found there are rejected
    by uv, which never installs into one without ``--system``).
    """
    keep = [str(venv / "bin")]
    for entry in os.environ.get("PATH", "").split(os.pathsep):
        if entry and not (Path(entry).parent / "pyvenv.cfg").exists() and entry not in keep:
            keep.append(entry)
    return {"VIRTUAL_ENV": str(venv), "PATH": os.pathsep.join(keep)}


class UvInstaller:
    """uv creates a relocatable venv, so the rename into ``venv`` needs no fix-up."""

    name = "uv"
    own_packages: frozenset[str] = frozenset()

    def __init__(self, project: Project, env: EnvSpec, reporter: Reporter) -> None:
        self.project = project
        self.env = env
        self.reporter = reporter
        self.uv = find_uv()

    def start_create(self, venv: Path, interpreter: Interpreter, *, reuse: bool = False) -> Pending:
        """Start ``uv venv --relocatable --python <absolute interpreter>``. ``reuse`` (dev):
        copy the template uv made with the same arguments, binary and interpreter instead
        (:mod:`pitstop.installers.template`), or keep uv's venv as that template."""
        from pitstop.installers import template
        from pitstop.process import start

        argv = [
            self.uv,
            "venv",
            "--relocatable",
            "--no-config",
            "--no-python-downloads",
            "--quiet",
            "--prompt",
            prompt(self.project, self.env),
            "--python",
            interpreter.path,
        ]
        name = template.key(argv, self.uv, interpreter.path) if reuse else None
        cache = venv.parent.parent / ".cache"
        # a .cache symlinked out of the project is neither read nor written (SPEC §5 confinement)
        kept = cache / name if name and not cache.is_symlink() else None
        if kept is not None and template.take(kept, venv, interpreter.path):
            return Pending(None, partial(self._failed, "create the venv"))
        extra = index_environ(self.project, self.env, tool="uv")
        proc = start([*argv, str(venv)], env=scrubbed_env(extra=extra))
        after = partial(template.keep, venv, kept, interpreter.path) if kept is not None else None
        return Pending(proc, partial(self._failed, "create the venv"), after=after)

    def prepare(self, lock: LockFile, expected: dict[str, str | None]) -> dict[str, Any]:
        """The plan :meth:`install` carries out: the copy of ``lock`` uv syncs
        (:func:`source_text`), the local projects installed after it, absolute, and each
        package's :func:`artifacts`."""
        directories = []
        for package in lock.packages:
            directory = package.get("directory")
            if isinstance(directory, dict):
                target = str((lock.path.parent / directory["path"]).resolve())
                directories.append([str(package["name"]), target, bool(directory.get("editable"))])
        return {"source": source_text(lock), "directories": directories, "artifacts": artifacts(lock)}

    def accepts(self, plan: dict[str, Any]) -> bool:
        """:meth:`prepare`'s shape: the copy's text, [name, absolute path, editable]s and
        name -> artifacts text."""
        directories, kept = plan.get("directories"), plan.get("artifacts")
        return (
            set(plan) == {"source", "directories", "artifacts"}
            and isinstance(plan["source"], str)
            and isinstance(directories, list)
            and all(
                isinstance(d, list)
                and len(d) == 3
                and isinstance(d[0], str)
                and isinstance(d[1], str)
                and os.path.isabs(d[1])
                and isinstance(d[2], bool)
                for d in directories
            )
            and isinstance(kept, dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in kept.items())
        )

    def install(self, venv: Path, plan: dict[str, Any], *, reinstall: Sequence[str] = ()) -> None:
        """``uv pip sync`` of the lock with hashes required, into ``venv`` as a venv.

        uv is pointed at ``venv`` only through ``VIRTUAL_ENV`` (never ``--python``: a path
        whose ``pyvenv.cfg`` is gone resolves to the base interpreter, and uv installs
        there), from a working directory holding an empty ``.venv`` decoy, so that if
        ``VIRTUAL_ENV`` is unusable uv's own discovery fails instead of falling through to a
        ``.venv`` further up. ``venv`` is checked to be a venv immediately before each call.

        uv syncs a copy of the lock (the content pitstop read once, paths made absolute)
        without local-project entries: uv cannot hash a local project, so the project
        (``install-project``) is installed editable on its own afterwards (``--no-deps``).
        ``plan`` is what :meth:`prepare` made of the verified lock. ``reinstall``: packages
        uv must install again even when the version it finds installed is the one locked (a
        venv.new seeded from another lock, :mod:`pitstop.seed`: uv keeps an installed
        package of the locked version whatever file it came from).
        """
        from pitstop.installers.base import scratch

        quiet = [] if self.reporter.interactive else ["--quiet"]
        with scratch(venv.parent) as work:
            source = work / "pylock.toml"
            source.write_text(plan["source"], encoding="utf-8")
            self._run_in(
                venv,
                [
                    self.uv,
                    "pip",
                    "sync",
                    *quiet,
                    "--no-config",
                    "--preview-features",
                    "pylock",
                    "--require-hashes",
                    # allow-build = false holds at install too: an sdist in the lock is refused,
                    # never built (the project itself, below, is still built: it is the project)
                    *([] if self.env.settings.allow_build else ["--no-build"]),
                    *[arg for name in reinstall for arg in ("--reinstall-package", name)],
                    str(source),
                ],
                what="install the lock",
                cwd=work,
                capture=not self.reporter.interactive,
            )
            for name, target, is_editable in plan["directories"]:
                editable = ["-e", target] if is_editable else [target]
                self._run_in(
                    venv,
                    [self.uv, "pip", "install", *quiet, "--no-config", "--no-deps", *editable],
                    what=f"install {name}",
                    cwd=work,
                )

    def start_sync(self, venv: Path, plan: dict[str, Any]) -> Pending:
        """Start ``uv pip sync`` of ``plan``'s lock copy into the venv ``venv`` in the
        background (no local projects: :mod:`pitstop.seed` fills a venv.new that
        :meth:`install` finishes). The same guards as :meth:`install`; from uv's cache only,
        building nothing (``--offline --no-build``): a head start must never wait on the
        network or run a build backend of a package the new lock may not even hold."""
        from contextlib import ExitStack

        from pitstop.installers.base import require_venv, scratch
        from pitstop.process import start

        with ExitStack() as stack:
            work = stack.enter_context(scratch(venv.parent))
            source = work / "pylock.toml"
            source.write_text(plan["source"], encoding="utf-8")
            argv = [self.uv, "pip", "sync", "--quiet", "--no-config", "--preview-features", "pylock"]
            argv += ["--require-hashes", "--offline", "--no-build"]
            require_venv(venv, self.env)
            extra = {**index_environ(self.project, self.env, tool="uv"), **venv_only(venv)}
            proc = start([*argv, str(source)], env=scrubbed_env(extra=extra), cwd=work)
            # the scratch directory lives until the sync is over (waited for or killed)
            fail = partial(self._failed, "install the previous lock")
            return Pending(proc, fail, done=stack.pop_all().close)
        raise AssertionError("unreachable")  # pragma: no cover - ExitStack does not swallow

    def finalize(self, venv: Path, final: Path) -> None:
        """Nothing to do: the venv is relocatable."""

    def version(self, runtimes: Runtimes) -> str:
        """``uv --version`` (cached by the binary's stat)."""
        from pitstop.uvbin import uv_version

        return uv_version(self.uv, runtimes)

    def _run_in(self, venv: Path, argv: list[str], *, what: str, cwd: Path, capture: bool = True) -> None:
        from pitstop.installers.base import require_venv

        require_venv(venv, self.env)
        self._run(argv, what=what, cwd=cwd, capture=capture, extra=venv_only(venv))

    def _run(
        self,
        argv: list[str],
        *,
        what: str,
        cwd: Path | None = None,
        capture: bool = True,
        extra: dict[str, str] | None = None,
    ) -> None:
        try:
            # Credentials for a private index: in uv's own variables, never on the command line.
            extra = {**index_environ(self.project, self.env, tool="uv"), **(extra or {})}
            run(argv, env=scrubbed_env(extra=extra), cwd=cwd, capture=capture)
        except CommandError as exc:
            raise self._failed(what, exc) from None

    def _failed(self, what: str, exc: CommandError) -> ProvisionError:
        return failed("uv", what, self.env, exc)
