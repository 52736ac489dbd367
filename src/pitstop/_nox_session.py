"""What runs inside a ``@pitstop.nox.session``: a nox session whose ``bin``, ``python``,
``virtualenv`` and ``run`` point into the pitstop env (:mod:`pitstop._nox_target` made it
ready), and errors rendered with the nox command that fixes them."""

from __future__ import annotations

import itertools
import os
import re
import shlex
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pitstop._nox_target import Target, runner_config

if TYPE_CHECKING:
    import nox

    from pitstop.config import Project


def _installs(args: tuple[Any, ...]) -> bool:
    """``pip install``, ``python -m pip uninstall``, ``uv pip ...``, ``uv add``, ..."""
    words = [os.path.basename(str(a)) for a in args]
    for word, after in itertools.pairwise(words):
        if word in ("pip", "pip3") and after in ("install", "uninstall"):
            return True
        if word == "uv" and after in ("pip", "add", "remove", "sync"):
            return True
    return False


class _PitstopVirtualEnv:
    """``session.virtualenv`` of a pitstop session: nox's process env, located at the env."""

    venv_backend = "none"  # nox made no venv; pitstop did

    def __init__(self, real: Any, target: Target) -> None:
        self._real = real
        self._target = target

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    @property
    def location(self) -> str | None:
        """The env's venv directory (like nox's ``VirtualEnv.location``)."""
        return str(self._target.venv) if self._target.venv else None

    @property
    def bin_paths(self) -> list[str] | None:
        """``[<venv>/bin]``."""
        return [str(self._target.bin_dir)] if self._target.bin_dir else None

    @property
    def bin(self) -> str:
        """``<venv>/bin``."""
        paths = self.bin_paths
        if not paths:
            raise ValueError(f"pitstop env {self._target.spec.name!r} has no bin directory")
        return paths[0]


class PitstopSession:
    """The nox session, minus installs: packages belong in the env's requirements."""

    def __init__(self, session: nox.Session, target: Target) -> None:
        self._session = session
        self._target = target

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)

    @property
    def python(self) -> str | None:
        """The session's interpreter: nox's ``python=`` value, else the env's major.minor."""
        value = self._session.python
        return value if isinstance(value, str) else self._target.version

    @property
    def virtualenv(self) -> _PitstopVirtualEnv:
        """nox's process env, with ``location``/``bin``/``bin_paths`` of the pitstop env."""
        return _PitstopVirtualEnv(self._session.virtualenv, self._target)

    @property
    def bin_paths(self) -> list[str] | None:
        """``[<venv>/bin]`` of the pitstop env."""
        return self.virtualenv.bin_paths

    @property
    def bin(self) -> str:
        """``<venv>/bin`` of the pitstop env."""
        return self.virtualenv.bin

    def _resolved(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        # nox looks programs up on its own PATH; look them up on the env's PATH first.
        if args and isinstance(args[0], str) and os.sep not in args[0]:
            found = shutil.which(args[0], path=str(self._session.env.get("PATH") or ""))
            if found:
                return (found, *args[1:])
        return args

    def run(self, *args: Any, **kwargs: Any) -> Any:
        """``session.run`` with programs found in the pitstop env."""
        return self._session.run(*self._resolved(args), **kwargs)

    def run_install(self, *args: Any, **kwargs: Any) -> Any:
        """``session.run_install`` in the pitstop env; a command that changes the env's
        packages (drift from its lock) is refused, or reported when it already did."""
        if getattr(runner_config(self._session), "no_install", False):
            return None
        if _installs(args):
            self._refuse_packages(" ".join(str(a) for a in args), "session.run_install")
        before = self._installed()
        result = self._session.run_install(*self._resolved(args), **kwargs)
        after = self._installed()
        if before != after:
            # The engine sees the same fingerprint change as drift: strict mode reports the
            # env not ready, dev mode rebuilds it from its lock on the next run.
            added, removed = after[1] - before[1], before[1] - after[1]
            changes = [f"+{n}" for n in sorted(added)] + [f"-{n}" for n in sorted(removed)]
            self._session.error(
                f"session.run_install({' '.join(str(a) for a in args)}) changed the packages of "
                f"pitstop env {self._target.spec.name!r} ({' '.join(changes) or 'site-packages'}); "
                f"it no longer matches its lock and is rebuilt from it on the next run\n"
                f"run: nox -s {shlex.quote(self._session.name)}  "
                f"(after moving the packages into the requirements of {self._target.spec.table})"
            )
        return result

    run_always = run_install

    def _installed(self) -> tuple[str, frozenset[str]]:
        """The engine's fingerprint of the env's installed set, and its dist-info names."""
        from pitstop import state

        venv = self._target.venv
        if venv is None:
            return "", frozenset()
        names = frozenset(p.name for p in venv.glob("lib/python*/site-packages/*.dist-info"))
        return state.installed_set(venv), names

    def _refuse_packages(self, what: str, how: str) -> None:
        spec = self._target.spec
        name = shlex.quote(self._session.name)
        if _is_this_project(what, self._target.project):
            self._session.error(
                f"{how}({what}) is not used in pitstop sessions: to have this project installed "
                f"(editable) in env {spec.name!r}, set install-project = true in {spec.table}\n"
                f"run: nox -s {name}  (after setting it)"
            )
        packages = what if how == "session.install" else "the packages it installs"
        self._session.error(
            f"{how}({what}) is not used in pitstop sessions: add {packages} to the "
            f"requirements of {spec.table}\nrun: nox -s {name}  (after adding them; it rebuilds the env)"
        )

    def install(self, *args: Any, **kwargs: Any) -> None:
        """Refused: packages belong in the env's requirements."""
        self._refuse_packages(" ".join(str(a) for a in args) or "packages", "session.install")

    conda_install = install
    mamba_install = install
    micromamba_install = install


def _is_this_project(what: str, project: Project) -> bool:
    """``.``, ``-e .``, the project's directory or its name (with extras)."""
    from packaging.utils import canonicalize_name

    name = project.pyproject.get("project", {}).get("name") if project.pyproject else None
    for word in what.split():
        if word.startswith("-"):
            continue
        base = word.split("[", 1)[0]
        try:
            if Path(base).exists() and Path(base).resolve() == project.root.resolve():
                return True
        except OSError:
            pass
        if (
            name
            and re.fullmatch(r"[A-Za-z0-9._-]+", base)
            and canonicalize_name(base) == canonicalize_name(str(name))
        ):
            return True
    return False
