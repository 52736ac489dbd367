"""``docker``: ``docker exec -i <container> <python>`` in a running container."""

from __future__ import annotations

from pitstop.errors import NotReadyError
from pitstop.kinds.base import KindContext, PythonCommand, Report, describe, error


def parse_inspect(returncode: int, output: str) -> str:
    """``docker inspect -f {{.State.Running}}`` -> "running" | "stopped" | "missing" | "daemon"."""
    text = output.strip().lower()
    if returncode == 0:
        return "running" if text.splitlines()[-1:] == ["true"] else "stopped"
    if "no such" in text:
        return "missing"
    return "daemon"


class DockerKind:
    """A container pitstop does not start or build; it only runs Python in it."""

    name = "docker"

    def _parts(self, ctx: KindContext) -> tuple[str, str]:
        container = ctx.spec.option("container")
        if not container:
            raise NotReadyError("docker env needs a container", fix='set container = "name" in the config')
        return container, ctx.spec.settings.python or "python3"

    def resolve(self, ctx: KindContext) -> PythonCommand:
        """``docker exec -i <container> <python>``."""
        container, python = self._parts(ctx)
        docker = ctx.which("docker")
        if docker is None:
            raise NotReadyError("docker is not installed", fix="install Docker, then retry")
        wrapper = (docker, "exec", "-i", container)
        return PythonCommand(argv=(*wrapper, python), wrapper=wrapper)

    def validate(self, ctx: KindContext) -> Report:
        """docker present, daemon reachable, container running, python starts."""
        from pitstop.process import run, scrubbed_env

        try:
            container, _ = self._parts(ctx)
        except NotReadyError as exc:
            return error(ctx, exc.message, exc.fix or "")
        docker = ctx.which("docker")
        if docker is None:
            return error(ctx, "docker is not installed", "install Docker, then retry")
        proc = run(
            [docker, "inspect", "-f", "{{.State.Running}}", container],
            env=scrubbed_env(ctx.environ),
            check=False,
            timeout=60,
        )
        state = parse_inspect(proc.returncode, proc.stdout or "")
        where = f"container {container}"
        if state == "stopped":
            return error(
                ctx,
                f"container {container} is not running",
                f"docker start {container}",
                location=where,
            )
        if state == "missing":
            return error(
                ctx,
                f"container {container} does not exist",
                f"docker run -d --name {container} <image>  (or docker compose up -d)",
                location=where,
            )
        if state == "daemon":
            first = (proc.stdout or "").strip().splitlines()[:1] or ["no answer"]
            return error(
                ctx,
                f"the Docker daemon is not reachable: {first[0][:160]}",
                "start the Docker daemon (e.g. systemctl start docker)",
                location=where,
            )
        return describe(ctx, self.resolve(ctx), location=where, fix=f"docker restart {container}")
