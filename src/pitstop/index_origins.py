"""Which index each locked package came from (PEP 751 ``index``): ``uv pip compile --format
pylock.toml`` leaves it out, so a second uv run with ``--emit-index-annotation`` names it."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pitstop.config import EnvSpec, Project
from pitstop.errors import CommandError
from pitstop.index_options import index_environ

if TYPE_CHECKING:
    from subprocess import Popen


def is_remote(package: Mapping[str, Any]) -> bool:
    """Whether a package's files come from a URL (an index or a remote find-links page)."""
    files = [*(package.get("wheels") or []), package.get("sdist") or {}]
    return any(
        isinstance(f, Mapping) and str(f.get("url", "")).startswith(("https://", "http://")) for f in files
    )


_PACKAGE_HEAD = re.compile(r'^\[\[packages\]\]\nname = "([^"\\\n]*)"\nversion = "([^"\\\n]*)"$', re.M)


def pins_text(packages: Sequence[Mapping[str, Any]], constraints: Sequence[str]) -> str:
    """The annotation run's constraints: ``name==version`` of each package locked at one
    version, then the env's own (rendered) constraints."""
    versions: dict[str, set[str]] = {}
    for package in packages:
        if package.get("version"):
            versions.setdefault(str(package["name"]), set()).add(str(package["version"]))
    return "".join(f"{n}=={next(iter(v))}\n" for n, v in sorted(versions.items()) if len(v) == 1) + "".join(
        f"{c}\n" for c in constraints
    )


def heads(uv_lock: str) -> list[dict[str, str]]:
    """``name`` and ``version`` of each package of uv's pylock text, read off the two lines
    uv writes first in every ``[[packages]]`` table (no TOML parse: see :class:`IndexOrigins`)."""
    return [{"name": name, "version": version} for name, version in _PACKAGE_HEAD.findall(uv_lock)]


class IndexOrigins:
    """Which index each locked package came from: ``uv pip compile --format pylock.toml``
    leaves PEP 751 ``index`` out, so uv is asked again for its index annotations, with the
    pins just resolved as constraints (the same resolution, from uv's warm cache).

    :meth:`start_early` starts that run from uv's lock *text* (its packages' first lines),
    so it runs while pitstop parses the TOML; :meth:`origins` uses it only if the pins of the
    parsed packages are exactly the ones it was started with, else it is killed and run
    again: the result never depends on the shortcut."""

    def __init__(
        self, project: Project, env: EnvSpec, work: Path, common: Sequence[str], constraints: Sequence[str]
    ) -> None:
        self.project = project
        self.env = env
        self.work = work
        self.common = list(common)
        self.constraints = list(constraints)  # the env's own, rendered
        self._early: tuple[str, bool, Popen[str]] | None = None

    def __enter__(self) -> IndexOrigins:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Kill a run started early and not used."""
        from pitstop.process import kill

        if self._early is not None:
            kill(self._early[2])
            self._early = None

    def start_early(self, uv_lock: str) -> None:
        """Start the first annotation run from uv's pylock text, if a file of it has a URL."""
        if 'url = "http' in uv_lock:
            pins = pins_text(heads(uv_lock), self.constraints)
            offline = single_index(self.env)
            self._early = (pins, offline, self._start(pins, offline=offline))

    def _take_early(self, pins: str, *, offline: bool) -> Popen[str] | None:
        """The run started early, if it was started with ``pins`` and ``offline`` (else it
        is killed)."""
        early, self._early = self._early, None
        if early is None or early[:2] == (pins, offline):
            return early[2] if early else None
        self._early = early
        self.close()
        return None

    def _start(self, pins: str, *, offline: bool) -> Popen[str]:
        from pitstop.process import scrubbed_env, start
        from pitstop.uvbin import find_uv

        (self.work / "origins.txt").unlink(missing_ok=True)  # uv would take pins from it
        (self.work / "pins.txt").write_text(pins, encoding="utf-8")
        argv = [
            find_uv(),
            "pip",
            "compile",
            "--emit-index-annotation",
            "--no-annotate",
            "--quiet",
            "--constraint",
            str(self.work / "pins.txt"),
            *self.common,
            "-o",
            str(self.work / "origins.txt"),
        ]
        # The same credentials environment as the resolution itself: a private index that
        # needs them would otherwise refuse this run and the lock would silently lose `index`.
        return start(
            [*argv, "--offline"] if offline else argv,
            env=scrubbed_env(extra=index_environ(self.project, self.env, tool="uv")),
            cwd=self.project.root,
        )

    def origins(self, packages: Sequence[Mapping[str, Any]]) -> dict[str, str]:
        """name -> index URL each of ``packages`` (uv's, parsed) was found on."""
        from packaging.utils import canonicalize_name

        from pitstop.process import finish

        pins = pins_text(packages, self.constraints)
        remote = {canonicalize_name(str(p["name"])) for p in packages if is_remote(p)}
        for offline in (True, False) if single_index(self.env) else (False,):
            proc = self._take_early(pins, offline=offline) or self._start(pins, offline=offline)
            try:
                finish(proc)
                origins = parse_index_annotations((self.work / "origins.txt").read_text(encoding="utf-8"))
            except (CommandError, OSError):
                continue  # offline: something was not cached; online: give up below
            if not offline or remote <= set(origins):
                return origins
        return {}  # `index` is a SHOULD in PEP 751: a lock without it still installs


def single_index(env: EnvSpec) -> bool:
    """Whether every remote package of ``env`` can only come from one index: no extra index
    and no remote find-links page (local find-links directories need no network).

    Then the annotation run of :func:`index_origins` is run ``--offline`` first: the
    resolution just fetched (or revalidated) every index page it needs into uv's cache, and
    with the pins as constraints the same pages give the same answer without a second round
    of network revalidation. With several sources uv could, offline, skip one whose page is
    not cached and name the next one instead, so they always run online. An offline run
    that fails or leaves a remote package without its index is simply re-run online."""
    settings = env.settings
    if settings.no_index or settings.extra_index_urls:
        return False
    return not any("://" in link and not link.startswith("file:") for link in settings.find_links)


def parse_index_annotations(text: str) -> dict[str, str]:
    """``name==version`` lines followed by ``# from URL`` (uv's ``--emit-index-annotation``)."""
    from packaging.utils import canonicalize_name

    origins: dict[str, str] = {}
    name = ""
    for line in text.splitlines():
        stripped = line.strip()
        if line and not line[0].isspace() and not line.startswith("#") and "==" in line:
            name = canonicalize_name(line.split("==", 1)[0].split("[", 1)[0].strip())
        elif stripped.startswith("# from ") and name:
            url = stripped[len("# from ") :].strip()
            if url.startswith(("https://", "http://")):
                origins[name] = url
    return origins
