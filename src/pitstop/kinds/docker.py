"""``docker``: Python in a running container (``docker exec -i <container> <python>``) or
in a fresh container of an image (``docker run --rm -i <image> <python>``).

``python`` is the command inside the container (``python3`` by default, or an absolute
path); it is taken only from the env's own table, never inherited.
"""

from __future__ import annotations

from pitstop.errors import PitstopError
from pitstop.kinds.base import KindContext, PythonCommand, Report, ValidatedKind, describe, error

# Where to look when the configured python does not start (no shell needed in the image).
_CANDIDATES = ("python3", "python", "/usr/local/bin/python3", "/usr/bin/python3", "/opt/python/bin/python3")
_LIST_SCRIPT = "ls -d /usr/local/bin/python3* /usr/bin/python3* /opt/*/bin/python3* 2>/dev/null"


def parse_inspect(returncode: int, output: str) -> str:
    """``docker inspect -f {{.State.Running}}`` -> "running" | "stopped" | "missing" | "daemon"."""
    text = output.strip().lower()
    if returncode == 0:
        return "running" if text.splitlines()[-1:] == ["true"] else "stopped"
    if "no such" in text:
        return "missing"
    return "daemon"


class DockerKind(ValidatedKind):
    """A container or image pitstop does not build; it only runs Python in it."""

    name = "docker"

    def _target(self, ctx: KindContext) -> tuple[str, str]:
        """("container" | "image", its name)."""
        container, image = ctx.spec.option("container"), ctx.spec.option("image")
        if container and image:
            raise _config(ctx, "set either container or image, not both", "remove one of them")
        if not container and not image:
            raise _config(
                ctx,
                "a docker env needs container (a running container) or image (a fresh one per run)",
                'set container = "NAME" or image = "IMAGE"',
            )
        return ("container", container) if container else ("image", image or "")

    def python(self, ctx: KindContext) -> str:
        """The command inside the container (default ``python3``)."""
        return ctx.spec.settings.python or "python3"

    def wrapper(self, docker: str, what: str, name: str) -> tuple[str, ...]:
        """The argv prefix that runs a command in the container."""
        if what == "container":
            return (docker, "exec", "-i", name)
        return (docker, "run", "--rm", "-i", name)

    def validate(self, ctx: KindContext) -> Report:
        """docker present, daemon reachable, container running (image present), python starts."""
        from pitstop.process import run, scrubbed_env

        what, name = self._target(ctx)
        where = f"{what} {name}"
        docker = ctx.which("docker")
        if docker is None:
            return error(ctx, "docker is not installed", "install Docker, then retry", location=where)
        env = scrubbed_env(ctx.environ)
        if what == "container":
            argv = [docker, "inspect", "-f", "{{.State.Running}}", name]
        else:
            argv = [docker, "image", "inspect", "-f", "{{.Id}}", name]
        try:
            proc = run(argv, env=env, check=False, timeout=60)
        except PitstopError as exc:
            return error(ctx, f"docker did not answer: {exc.message}", "docker info", location=where)
        state = parse_inspect(proc.returncode, proc.stdout or "")
        if what == "image" and proc.returncode == 0:
            state = "running"  # the image is there: each run starts a fresh container
        if state == "stopped":
            return error(ctx, f"container {name} is not running", f"docker start {name}", location=where)
        if state == "missing":
            fix = (
                f"docker run -d --name {name} <image>  (or docker compose up -d)"
                if what == "container"
                else f"docker pull {name}  (or docker build -t {name} .)"
            )
            return error(ctx, f"{what} {name} does not exist", fix, location=where)
        if state == "daemon":
            first = (proc.stdout or "").strip().splitlines()[:1] or ["no answer"]
            return error(
                ctx,
                f"the Docker daemon is not reachable: {first[0][:160]}",
                "start the Docker daemon (e.g. systemctl start docker)",
                location=where,
            )
        wrapper = self.wrapper(docker, what, name)
        python = self.python(ctx)
        command = PythonCommand(argv=(*wrapper, python), wrapper=wrapper, unset=())
        report = describe(ctx, command, location=where, fix="")
        if report.status == "error" and report.message.startswith("python does not start"):
            return self._no_python(ctx, report, wrapper, python, where)
        return report

    def _no_python(
        self, ctx: KindContext, report: Report, wrapper: tuple[str, ...], python: str, where: str
    ) -> Report:
        """The configured python does not start: name one that does, or say there is none."""
        from pitstop.process import run, scrubbed_env

        env = scrubbed_env(ctx.environ)
        found: str | None = None
        for cand in _CANDIDATES:
            if cand == python:
                continue
            try:
                proc = run([*wrapper, cand, "-c", "import sys; print(sys.executable)"], env=env, check=False)
            except PitstopError:
                break
            lines = (proc.stdout or "").strip().splitlines()
            if proc.returncode == 0 and lines and lines[-1].startswith("/"):
                found = cand
                break
        if found is None:
            try:
                proc = run([*wrapper, "sh", "-c", _LIST_SCRIPT], env=env, check=False)
                listed = [line.strip() for line in (proc.stdout or "").splitlines() if line.startswith("/")]
                found = next((p for p in listed if p.rsplit("/", 1)[-1].replace(".", "").isalnum()), None)
            except PitstopError:
                found = None
        message = f"python = {python!r} does not start in the {where}: {report.message}"
        if found is not None:
            return error(ctx, message, f'set python = "{found}" in {ctx.spec.table}', location=where)
        return error(
            ctx,
            f"no Python found in the {where} ({python} does not start)",
            "use an image with Python (e.g. FROM python:3.12-slim), recreate the container, then retry",
            location=where,
        )


def _config(ctx: KindContext, message: str, fix: str) -> PitstopError:
    from pitstop.errors import ConfigError

    return ConfigError(f"{ctx.spec.table}: {message}", fix=fix)
