"""The pitstop env a ``@pitstop.nox.session`` runs in (:class:`Target`): made ready for the
session's interpreter (from the fast path, or ensured per policy) before the session starts;
its errors read as the nox command that fixes them (:func:`render_for_nox`). The session
wrapper itself is :mod:`pitstop._nox_session`."""

from __future__ import annotations

import os
import re
import shlex
import sys
from dataclasses import dataclass, field
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
        return spec._replace(python_variant=self.variant) if self.variant else spec

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
        config_ = runner_config(session)
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
                spec = spec._replace(python_variant=python)
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


def runner_config(session: nox.Session) -> Any:
    """nox's global config of the runner (``--no-install``, ``--install-only``), or None."""
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
