"""What runs inside a ``@pitstop.nox.session``: ensure the env for the session's interpreter,
then a nox session whose ``bin``, ``python``, ``virtualenv`` and ``run`` point into it."""

from __future__ import annotations

import itertools
import os
import re
import shlex
import shutil
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pitstop.errors import ConfigError

if TYPE_CHECKING:
    import nox

    from pitstop.config import EnvSpec, Project
    from pitstop.errors import PitstopError
    from pitstop.policy import Policy

#: A matrix member becomes part of a directory name (``<env>@3.12``).
_VARIANT = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+_-]{0,31}")


def registered_ready_made(name: str) -> Any:
    """The ready-made session ``name`` if this noxfile registered it (nox's registry)."""
    from nox import registry

    func = registry.get().get(name)
    return func if getattr(func, "_pitstop_ready_made", False) else None


class NoxfileError(ConfigError, SystemExit):
    """A noxfile uses ``pitstop.nox`` wrongly: the message and fix are printed and nox exits 2
    while loading the noxfile (a plain exception would be a traceback)."""

    def __init__(self, message: str, *, fix: str) -> None:
        ConfigError.__init__(self, message, fix=fix)
        self.code = self.exit_code
        sys.stderr.write(self.render() + "\n")


@dataclass(frozen=True, slots=True)
class Target:
    """The pitstop env one nox session runs in.

    ``project`` and ``spec`` are loaded when first used (messages of refused installs): a
    session answered from the fast path never reads the config."""

    session_name: str
    env_name: str
    root: Path
    variant: str | None  # the matrix interpreter (``3.12``) when it differs from the env's own
    bin_dir: Path | None
    venv: Path | None
    version: str | None  # major.minor of the env's interpreter, when known
    loaded: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def project(self) -> Project:
        """The project's config."""
        if "project" not in self.loaded:
            from pitstop.session import load_project

            self.loaded["project"] = load_project(self.root)
        project: Project = self.loaded["project"]
        return project

    @property
    def spec(self) -> EnvSpec:
        """The env's spec (with the matrix interpreter as its variant)."""
        spec = self.project.env(self.env_name)
        return replace(spec, python_variant=self.variant) if self.variant else spec

    @staticmethod
    def check_variant(value: str) -> None:
        """A nox ``python=`` entry pitstop can build an env for (a version request)."""
        from pitstop.python_request import parse_request

        if os.path.isabs(value):
            return  # an interpreter's path, as nox allows; its env store gets a hashed name
        if not _VARIANT.fullmatch(value):
            raise NoxfileError(
                f"python {value!r} in @pitstop.nox.session: use a version request or a path",
                fix='use e.g. python=["3.11", "3.12"], "pypy3.10" or an absolute path',
            )
        try:
            parse_request(value)
        except Exception as exc:  # ConfigError: say it the noxfile way
            raise NoxfileError(str(exc), fix='use e.g. python=["3.11", "3.12"]') from None

    @staticmethod
    def policy_for(project: Project | None) -> Policy | None:
        """The strict/dev policy for ``project`` (found from the working directory if None)."""
        from pitstop.errors import PitstopError
        from pitstop.policy import for_project
        from pitstop.session import load_project

        try:
            proj = project or load_project(None)
        except PitstopError:
            return None
        return for_project(proj)

    @classmethod
    def enter(cls, session: nox.Session, *, env: str, project: str | os.PathLike[str] | None) -> Target:
        """Ensure the env per policy and nox's install flags, then point ``session.env`` at it."""
        from pitstop.errors import PitstopError

        try:
            target = cls._ensure(session, env=env, project=project)
        except PitstopError as exc:
            variant = session.python if isinstance(session.python, str) else None
            session.error(render_for_nox(exc, session=session.name, variant=variant))
        if target.bin_dir is not None:
            session.env["PATH"] = str(target.bin_dir) + os.pathsep + os.environ.get("PATH", "")
        session.env.pop("PYTHONHOME", None)
        return target

    @classmethod
    def _ensure(cls, session: nox.Session, *, env: str, project: str | os.PathLike[str] | None) -> Target:
        from pitstop import fastpath

        python = session.python if isinstance(session.python, str) else None
        config_ = _runner_config(session)
        install_only = bool(getattr(config_, "install_only", False))
        no_install = bool(getattr(config_, "no_install", False))
        # A ready env whose files did not change since a session last found it ready is
        # answered by the fast path (one stat pass), as `pitstop run` and api.ensure() are.
        name = fastpath.key("nox", envs=[env], flags=[f"python={python!r}", f"install-only={install_only}"])
        root = fastpath.find_root(os.path.abspath(project) if project is not None else os.getcwd())
        hit = fastpath.replay(root, name) if root is not None and not no_install else None
        if hit is not None and root is not None:
            for key, value in hit["session_env"]:  # type: ignore[attr-defined]
                session.env[str(key)] = str(value)
            return cls(
                session.name,
                env,
                Path(root),
                python if hit.get("variant") else None,
                Path(str(hit["bin_dir"])),
                Path(str(hit["venv"])),
                str(hit["version"]) if hit.get("version") else None,
            )
        target, record = cls._ensure_full(
            session, env=env, project=project, install_only=install_only, no_install=no_install
        )
        if record is not None:
            fastpath.record(target.root, {name: record[0]}, files=record[1])
        return target

    @classmethod
    def _ensure_full(
        cls,
        session: nox.Session,
        *,
        env: str,
        project: str | os.PathLike[str] | None,
        install_only: bool,
        no_install: bool,
    ) -> tuple[Target, tuple[dict[str, object], list[str]] | None]:
        from pitstop.errors import NotReadyError
        from pitstop.inputs import collect
        from pitstop.kinds import registry
        from pitstop.output import Reporter
        from pitstop.provision import Provisioner
        from pitstop.session import load_project, runtimes_for

        proj = load_project(Path(project) if project is not None else None)
        spec = proj.env(env)
        python = session.python if isinstance(session.python, str) else None
        runtimes = runtimes_for(proj)
        if python is not None:
            if spec.kind != "managed":
                raise NotReadyError(
                    f"session {session.name} asks for python {python}, but env {env!r} is "
                    f"{spec.kind}: pitstop builds per-interpreter envs only for managed envs",
                    fix=f"drop python= from the session, or make {spec.table} a managed env",
                )
            if python != collect(proj, spec).python:
                spec = replace(spec, python_variant=python)
        prov = None
        if spec.kind == "managed" and not no_install:
            policy = cls.policy_for(proj)
            assert policy is not None
            prov = Provisioner(proj, runtimes=runtimes, reporter=Reporter(0), policy=policy)
            # --install-only is nox's "provision and stop": like setup, strict mode installs
            # exactly the committed lock; otherwise strict mode only verifies.
            ready = prov.ensure(spec, build=install_only or not policy.strict)
            version = ready.identity.version if ready.identity else None
        else:
            version = None
        command = registry.resolve(proj, spec, runtimes=runtimes)
        if command.bin_dir and not os.path.exists(command.argv[0]):
            from pitstop.errors import Fix

            raise NotReadyError(
                f"pitstop env {env!r} is not built yet"
                + (f" for python {spec.python_variant}" if spec.python_variant else ""),
                fix=Fix(("setup", "-e", env)),
            )
        for key, value in command.env:
            session.env[key] = value
        bin_dir = Path(command.bin_dir) if command.bin_dir else None
        venv = bin_dir.parent if bin_dir is not None and spec.kind == "managed" else None
        if version is None and venv is not None:
            from pitstop import state

            marker = state.read(venv)
            version = str(marker.runtime.get("version")) if marker else None
        if version:
            version = ".".join(version.split(".")[:2])
        target = cls(
            session.name, env, proj.root, spec.python_variant, bin_dir, venv, version, {"project": proj}
        )
        record = None
        if prov is not None and bin_dir is not None and venv is not None:
            status = prov.status(spec)
            if status.ready and not status.pending and status.held is None:
                answer: dict[str, object] = {
                    "session_env": [(str(k), str(v)) for k, v in command.env],
                    "bin_dir": str(bin_dir),
                    "venv": str(venv),
                    "version": version or "",
                    "variant": bool(spec.python_variant),
                }
                record = (answer, prov.fingerprint(spec))
        return target, record


def _runner_config(session: nox.Session) -> Any:
    # nox keeps --no-install (also implied by -R) and --install-only on its runner's global
    # config; a session without a venv has no public accessor for them.
    return getattr(getattr(session, "_runner", None), "global_config", None)


def render_for_nox(exc: PitstopError, *, session: str | None = None, variant: str | None = None) -> str:
    """``error: ...`` plus the fix as a nox command this noxfile has, when it has one
    (``session``: the session that failed, ``variant``: its matrix interpreter)."""
    text = f"error: {exc.message}"
    fix = _nox_command(exc, session, variant)
    if fix:
        text += f"\nrun: {fix}"
    elif exc.fix:
        text += "\n" + (exc.fix if exc.fix.startswith("run: ") else f"fix: {exc.fix}")
    return text


def _nox_command(exc: PitstopError, name: str | None, variant: str | None) -> str | None:
    fix = exc.command
    if fix is None or fix.command not in ("setup", "lock", "check"):
        return None
    rest = fix.argv[1:]
    passed = f" -- {shlex.join(rest)}" if rest else ""
    if fix.command == "setup":
        if name and (variant or not registered_ready_made("setup")):
            return f"nox --install-only -s {shlex.quote(name)}"
        return f"nox -s setup{passed}" if registered_ready_made("setup") else None
    if fix.command == "lock":
        if registered_ready_made("lock"):
            return f"nox -s lock{passed}{fix.note}"
        if name:  # dev mode re-locks when the session runs outside CI
            return f"nox -s {shlex.quote(name)}{fix.note.replace('(locally)', '(locally: it re-locks)')}"
        return f"nox -s setup{passed}{fix.note}" if registered_ready_made("setup") else None
    return f"nox -s check{passed}" if registered_ready_made("check") else None


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
        if getattr(_runner_config(self._session), "no_install", False):
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
