"""``managed``: the envs pitstop builds; through the same protocol as adopted kinds."""

from __future__ import annotations

from pitstop.errors import env_flag
from pitstop.kinds.base import KindContext, PythonCommand, Report, Status, relative

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pitstop.inputs import Inputs


class ManagedKind:
    """Resolves to ``<location>/<env>/venv/bin/python``; validation is the engine's status."""

    name = "managed"

    def resolve(self, ctx: KindContext) -> PythonCommand:
        """The env's interpreter (callers ensure the env first, per policy)."""
        venv = ctx.project.store(ctx.spec) / "venv"
        bindir = venv / "bin"
        return PythonCommand(
            argv=(str(bindir / "python"),), env=(("VIRTUAL_ENV", str(venv)),), bin_dir=str(bindir)
        )

    def validate(self, ctx: KindContext) -> Report:
        """Lock fresh, env built from it, same runtime; never writes."""
        from pitstop.output import QUIET
        from pitstop.policy import Policy
        from pitstop.provision import Provisioner
        from pitstop.python_request import parse_request, refuse_non_interpreter

        if ctx.spec.settings.python:  # exit 2 for check too (SPEC §3)
            refuse_non_interpreter(parse_request(ctx.spec.settings.python))
        prov = Provisioner(ctx.project, runtimes=ctx.runtimes, reporter=QUIET, policy=Policy(True, "check"))
        ready = prov.status(ctx.spec)
        location = relative(ctx, ready.venv)
        flag = env_flag(ctx.spec.name)
        runtime = ready.state.runtime if ready.state else {}
        warnings: tuple[str, ...] = (f"pending: {ready.pending}",) if ready.pending else ()
        if ready.held is not None and not ready.ready and not _strict(ctx):
            warnings += (
                f"rolled back to generation {ready.held} ({ready.reason}); "
                f"run: pitstop setup{flag} to rebuild it from the lock",
            )
            status_ok = True
        else:
            status_ok = ready.ready
        state = ready.state
        message, fix = ready.reason, f"pitstop setup{flag}"
        if not ready.lock.fresh:
            fix += f"  (dev re-locks; in CI run pitstop lock{flag} locally and commit it)"
        if not status_ok:
            # `pitstop setup` cannot build without an interpreter for the env: the verdict and
            # fix `python` and `run` give (SPEC §6), not a fix that fails
            from pitstop.errors import InterpreterNotFound

            try:
                prov.interpreter(ctx.spec, ready_inputs(ctx))
            except InterpreterNotFound as exc:
                message, fix = exc.message, (exc.fix or "").removeprefix("run: ")
        status: Status = ("warning" if warnings else "ok") if status_ok else "error"
        return Report(
            env=ctx.spec.name,
            kind="managed",
            status=status,
            message="" if status_ok else message,
            fix=None if status_ok else fix,
            command=self.resolve(ctx) if status_ok else None,
            implementation=_str(runtime.get("implementation")),
            version=_str(runtime.get("version")),
            free_threading=bool(runtime.get("free_threading")) if state else None,
            executable=_str(runtime.get("executable")),
            packages=state.packages if state else None,
            location=location,
            warnings=warnings,
            extra=(("lock", ready.lock.state), ("generation", state.generation if state else None)),
        )


def ready_inputs(ctx: KindContext) -> Inputs:
    """The env's normalized inputs (what :meth:`Provisioner.status` read)."""
    from pitstop.inputs import collect

    return collect(ctx.project, ctx.spec)


def _strict(ctx: KindContext) -> bool:
    """Strict mode (CI, PITSTOP_STRICT, auto-install = "never"): a rolled-back env that
    differs from the lock is not ready there; dev mode holds it with a warning."""
    from pitstop.errors import ConfigError
    from pitstop.policy import for_project

    if ctx.strict is not None:  # the command decided (check --strict / --no-strict)
        return ctx.strict
    try:
        policy = for_project(ctx.project)
    except ConfigError:
        return True
    return policy.strict


def _str(value: object) -> str | None:
    return str(value) if value is not None else None
