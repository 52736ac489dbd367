"""The uv installer: ``uv venv --relocatable`` + ``uv pip sync`` of the lock."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pitstop.config import EnvSpec, Project
from pitstop.errors import CommandError, ProvisionError
from pitstop.lockfile import LockFile
from pitstop.output import Reporter
from pitstop.process import run, scrubbed_env
from pitstop.runtime import Interpreter, Runtimes
from pitstop.uvbin import find_uv


def prompt(project: Project, env: EnvSpec) -> str:
    """The shell prompt of an activated env: the project's name, plus the env's if named."""
    return project.root.name if env.name == "default" else f"{project.root.name}-{env.name}"


def without_directories(lock: LockFile, directory: Path) -> Path:
    """A copy of ``lock`` in ``directory`` without local-project entries, its relative file
    paths made absolute (they were relative to the original lock)."""
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
    text = lockfile.render(
        packages=packages,
        requires_python=str(lock.data.get("requires-python", "")),
        environments=list(lock.data.get("environments", [])),
        tool={k: v for k, v in lock.tool.items() if k != "content-hash"},
    )
    path = directory / "pylock.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _absolute(entry: Mapping[str, Any], base: Path) -> dict[str, Any]:
    out = dict(entry)
    if isinstance(out.get("path"), str):
        out["path"] = str((base / out["path"]).resolve())
    return out


class UvInstaller:
    """uv creates a relocatable venv, so the rename into ``venv`` needs no fix-up."""

    name = "uv"
    own_packages: frozenset[str] = frozenset()

    def __init__(self, project: Project, env: EnvSpec, reporter: Reporter) -> None:
        self.project = project
        self.env = env
        self.reporter = reporter
        self.uv = find_uv()

    def create(self, venv: Path, interpreter: Interpreter) -> None:
        """``uv venv --relocatable --python <absolute interpreter>``."""
        self._run(
            [
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
                str(venv),
            ],
            what="create the venv",
        )

    def install(self, venv: Path, lock: LockFile, expected: dict[str, str | None]) -> None:
        """``uv pip sync`` of the lock with hashes required.

        uv cannot hash a local project (``install-project``), and refuses ``--require-hashes``
        for a lock that holds one; so the rest of the lock is synced hash-checked from a copy
        without it, then the project is installed editable on its own (``--no-deps``: its
        dependencies are in the lock).
        """
        import tempfile

        python = str(venv / "bin" / "python")
        quiet = [] if self.reporter.interactive else ["--quiet"]
        directories = [p for p in lock.packages if isinstance(p.get("directory"), dict)]
        with tempfile.TemporaryDirectory(prefix="pitstop-sync-") as tmp:
            source = lock.path if not directories else without_directories(lock, Path(tmp))
            self._run(
                [
                    self.uv,
                    "pip",
                    "sync",
                    *quiet,
                    "--no-config",
                    "--preview-features",
                    "pylock",
                    "--require-hashes",
                    "--python",
                    python,
                    str(source),
                ],
                what="install the lock",
                cwd=lock.path.parent,
                capture=not self.reporter.interactive,
            )
        for package in directories:
            directory = package["directory"]
            target = str((lock.path.parent / directory["path"]).resolve())
            editable = ["-e", target] if directory.get("editable") else [target]
            self._run(
                [
                    self.uv,
                    "pip",
                    "install",
                    *quiet,
                    "--no-config",
                    "--no-deps",
                    "--python",
                    python,
                    *editable,
                ],
                what=f"install {package['name']}",
                cwd=lock.path.parent,
            )

    def finalize(self, venv: Path, final: Path) -> None:
        """Nothing to do: the venv is relocatable."""

    def version(self, runtimes: Runtimes) -> str:
        """``uv --version`` (cached by the binary's stat)."""
        return runtimes.tool_version(self.uv, [self.uv, "--version"])

    def _run(self, argv: list[str], *, what: str, cwd: Path | None = None, capture: bool = True) -> None:
        try:
            run(argv, env=scrubbed_env(), cwd=cwd, capture=capture)
        except CommandError as exc:
            raise ProvisionError(
                f"uv could not {what} for env {self.env.name!r}:\n{exc.output.strip()[-2000:]}",
                fix=f"fix the cause above, then run: pitstop setup -e {self.env.name}",
            ) from None
