"""The pip installer: ``python -m venv`` + ``pip install --require-hashes``.

pip writes absolute shebangs and activation scripts, so after installing into ``venv.new``
the prefix is rewritten to the final ``venv`` path before the swap.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pitstop.config import EnvSpec, Project
from pitstop.errors import CommandError, ProvisionError
from pitstop.identity import Interpreter
from pitstop.installers.base import Pending, failed
from pitstop.lockfile import LockFile
from pitstop.output import Reporter
from pitstop.process import run, scrubbed_env
from pitstop.runtime import Runtimes


def _archive_line(name: str, archive: dict[str, Any], base: Path) -> str:
    """The requirement line of a verified ``archive`` entry (a direct-URL requirement's
    file): ``name @ URL`` with its hashes; the URL percent-encoded, so no space in the lock's
    text can start an option."""
    from urllib.parse import quote

    url = archive.get("url")
    target = (
        quote(url, safe=":/?#[]@!$&'()*+,;=%~")
        if isinstance(url, str)
        else (base / archive["path"]).resolve().as_uri()
    )
    hashes = sorted(f"--hash={algo}:{digest}" for algo, digest in (archive.get("hashes") or {}).items())
    return f"{name} @ {target} " + " ".join(hashes)


class PipInstaller:
    """pip in a stdlib venv; the env keeps the pip (and setuptools) that venv seeds."""

    name = "pip"
    own_packages = frozenset({"pip", "setuptools", "wheel", "distribute"})

    def __init__(self, project: Project, env: EnvSpec, reporter: Reporter) -> None:
        self.project = project
        self.env = env
        self.reporter = reporter
        self._venv: Path | None = None
        #: Index options that carry credentials, passed as pip's own variables (never argv).
        self._environ: dict[str, str] = {}

    def start_create(self, venv: Path, interpreter: Interpreter, *, reuse: bool = False) -> Pending:
        """Start ``<interpreter> -m venv <venv>`` (``reuse`` is not used: the pip venv's
        scripts name its own path, which the build rewrites)."""
        from functools import partial

        from pitstop.installers.uv import prompt
        from pitstop.process import start

        self._venv = venv
        argv = [interpreter.path, "-m", "venv", "--prompt", prompt(self.project, self.env), str(venv)]
        proc = start(argv, env=scrubbed_env(extra=self._environ))
        return Pending(proc, partial(self._failed, "create the venv"))

    def prepare(self, lock: LockFile, expected: dict[str, str | None]) -> dict[str, Any]:
        """The plan :meth:`install` carries out: each selected package pinned with all its
        hashes (pip picks the file), the directories of local files, the local projects.

        ``expected`` is the lock's selection for the target interpreter (markers and
        ``requires-python`` evaluated, as uv does): a package locked at two versions under
        different markers contributes only the entry selected here.
        """
        from packaging.utils import canonicalize_name

        lines: list[str] = []
        links: set[str] = set()
        editables: list[str] = []
        base = lock.path.parent
        taken: set[str] = set()
        for package in lock.packages:
            name = str(package["name"])
            key = canonicalize_name(name)
            if key not in expected or key in taken:
                continue
            want = expected[key]
            if want is not None and package.get("version") is not None and str(package["version"]) != want:
                continue
            taken.add(key)
            directory = package.get("directory")
            if isinstance(directory, dict):
                editables += [
                    "-e" if directory.get("editable") else "",
                    str((base / directory["path"]).resolve()),
                ]
                continue
            archive = package.get("archive")
            if isinstance(archive, dict):
                lines.append(_archive_line(key, archive, base))
                continue
            hashes: list[str] = []
            for entry in [*package.get("wheels", []), package.get("sdist") or {}]:
                for algo, digest in (entry.get("hashes") or {}).items():
                    hashes.append(f"--hash={algo}:{digest}")
                if entry.get("path"):
                    links.add(str((base / entry["path"]).resolve().parent))
            lines.append(f"{name}=={package['version']} " + " ".join(sorted(set(hashes))))
        return {"lines": lines, "links": sorted(links), "editables": editables}

    def accepts(self, plan: dict[str, Any]) -> bool:
        """:meth:`prepare`'s shape: three lists of strings."""
        return set(plan) == {"lines", "links", "editables"} and all(
            isinstance(plan[key], list) and all(isinstance(item, str) for item in plan[key]) for key in plan
        )

    def install(self, venv: Path, plan: dict[str, Any]) -> None:
        """``pip install --no-deps --require-hashes`` of the plan :meth:`prepare` made, then
        the local projects."""
        from pitstop.index_options import index_args, index_environ
        from pitstop.installers.base import require_venv, scratch

        lines: list[str] = plan["lines"]
        links: list[str] = plan["links"]
        editables: list[str] = plan["editables"]

        args = index_args(self.project, self.env, extra_links=links)
        self._environ = index_environ(self.project, self.env, tool="pip", extra_links=links)
        if not self.env.settings.allow_build:
            args += ["--only-binary", ":all:"]
        python = str(venv / "bin" / "python")
        with scratch(venv.parent) as tmp:
            req = tmp / "requirements.txt"
            req.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
            if lines:
                # PIP_REQUIRE_VIRTUALENV (always set) makes pip itself refuse a non-venv too.
                require_venv(venv, self.env)
                self._run(
                    [
                        python,
                        "-m",
                        "pip",
                        "install",
                        "--no-deps",
                        "--require-hashes",
                        "--quiet",
                        *args,
                        "-r",
                        str(req),
                    ],
                    what="install the lock",
                )
            if editables:
                flat = [e for e in editables if e]
                require_venv(venv, self.env)
                self._run(
                    [python, "-m", "pip", "install", "--no-deps", "--quiet", *args, *flat],
                    what="install the project",
                )

    def finalize(self, venv: Path, final: Path) -> None:
        """Rewrite the ``venv.new`` prefix in scripts and activation files to ``final``."""
        old = os.fsencode(str(venv))
        new = os.fsencode(str(final))
        bindir = venv / "bin"
        for entry in bindir.iterdir():
            if entry.is_symlink() or not entry.is_file():
                continue
            data = entry.read_bytes()
            if old in data and b"\0" not in data[:1024]:
                mode = entry.stat().st_mode
                entry.write_bytes(data.replace(old, new))
                os.chmod(entry, mode)

    def version(self, runtimes: Runtimes) -> str:
        """``pip X.Y`` of the env being built."""
        if self._venv is None:
            return "pip"
        out = run(
            [str(self._venv / "bin" / "python"), "-m", "pip", "--version"],
            env=scrubbed_env(),
            check=False,
        ).stdout
        return " ".join(out.split()[:2]) or "pip"

    def _run(self, argv: list[str], *, what: str) -> None:
        try:
            run(argv, env=scrubbed_env(extra=self._environ))
        except CommandError as exc:
            raise self._failed(what, exc) from None

    def _failed(self, what: str, exc: CommandError) -> ProvisionError:
        return failed("pip", what, self.env, exc)
