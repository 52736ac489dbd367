"""Which index each locked package came from (PEP 751 ``index``): ``uv pip compile --format
pylock.toml`` leaves it out, so a second uv run with ``--emit-index-annotation`` names it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pitstop.config import EnvSpec, Project
from pitstop.errors import CommandError
from pitstop.index_options import index_environ


def is_remote(package: Mapping[str, Any]) -> bool:
    """Whether a package's files come from a URL (an index or a remote find-links page)."""
    files = [*(package.get("wheels") or []), package.get("sdist") or {}]
    return any(
        isinstance(f, Mapping) and str(f.get("url", "")).startswith(("https://", "http://")) for f in files
    )


def index_origins(
    project: Project,
    env: EnvSpec,
    work: Path,
    common: Sequence[str],
    packages: Sequence[Mapping[str, Any]],
    constraints: Sequence[str],
) -> dict[str, str]:
    """name -> index URL each package was found on. ``uv pip compile --format pylock.toml``
    leaves PEP 751 ``index`` out, so ask uv again for its index annotations, with the
    pins just resolved as constraints (the same resolution, from uv's warm cache);
    ``constraints`` are the env's own, rendered."""
    from packaging.utils import canonicalize_name

    from pitstop.process import run, scrubbed_env
    from pitstop.uvbin import find_uv

    versions: dict[str, set[str]] = {}
    for package in packages:
        if package.get("version"):
            versions.setdefault(str(package["name"]), set()).add(str(package["version"]))
    pins = work / "pins.txt"
    pins.write_text(
        "".join(f"{n}=={next(iter(v))}\n" for n, v in sorted(versions.items()) if len(v) == 1)
        + "".join(f"{c}\n" for c in constraints),
        encoding="utf-8",
    )
    argv = [
        find_uv(),
        "pip",
        "compile",
        "--emit-index-annotation",
        "--no-annotate",
        "--quiet",
        "--constraint",
        str(pins),
    ]
    argv += [*common, "-o", str(work / "origins.txt")]
    remote = {canonicalize_name(str(p["name"])) for p in packages if is_remote(p)}
    for offline in (True, False) if single_index(env) else (False,):
        try:
            # The same credentials environment as the resolution itself: a private index that
            # needs them would otherwise refuse this run and the lock would silently lose `index`.
            run(
                [*argv, "--offline"] if offline else argv,
                env=scrubbed_env(extra=index_environ(project, env, tool="uv")),
                cwd=project.root,
            )
            origins = parse_index_annotations((work / "origins.txt").read_text(encoding="utf-8"))
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
