"""The uv installer: ``uv venv --relocatable`` + ``uv pip sync`` of the lock."""

from __future__ import annotations

from pathlib import Path

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
        """``uv pip sync`` of the lock with hashes required."""
        argv = [
            self.uv,
            "pip",
            "sync",
            "--no-config",
            "--preview-features",
            "pylock",
            "--python",
            str(venv / "bin" / "python"),
            str(lock.path),
        ]
        if not any(p.get("directory") for p in lock.packages):
            argv.insert(4, "--require-hashes")  # uv cannot hash a local editable project
        if not self.reporter.interactive:
            argv.insert(3, "--quiet")
        self._run(
            argv,
            what="install the lock",
            cwd=lock.path.parent,
            capture=not self.reporter.interactive,
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
