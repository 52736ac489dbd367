"""Auto-detection (SPEC §6): pitstop config → uv.lock → poetry.lock → .venv/venv →
environment.yml / conda-meta → .python-version → plugin markers → system. First match wins;
the directory is searched upwards as uv searches for its project (see pitstop.discovery)."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pitstop import discovery
from pitstop.kinds import plugins


@dataclass(frozen=True, slots=True)
class Detection:
    """What was found in a directory, and why."""

    directory: Path
    kind: str
    reason: str
    options: tuple[tuple[str, str], ...] = ()
    python: str | None = None


def _conda_name(path: Path) -> str | None:
    from pitstop.reading import UnreadableFile, read_bytes

    try:  # bounded: a committed environment.yml -> /dev/zero must not exhaust memory
        text = read_bytes(path).decode("utf-8")
    except (UnreadableFile, UnicodeDecodeError):
        return None
    match = re.search(r"^name:\s*['\"]?([^'\"\s#]+)", text, re.MULTILINE)
    return match.group(1) if match else None


def detect(directory: Path, *, skip_config: bool = False, upwards: bool = True) -> Detection:
    """Detect the env kind of ``directory`` (pure file checks; nothing is run). With
    ``upwards`` the nearest parent holding config or a marker decides, as for every command."""
    d = directory.resolve()
    if upwards:
        config = None if skip_config else discovery.find_config(str(d))
        if config is not None:
            d = Path(config[0])
        else:
            marker = discovery.find_marker(str(d), plugins.declared_markers)
            if marker is not None:
                d = Path(marker[0])
    if not skip_config:
        config_file = discovery.pitstop_config(str(d))
        if config_file is not None:
            name = os.path.basename(config_file)
            found = name if name == discovery.CONFIG_FILE else "[tool.pitstop] in pyproject.toml"
            return Detection(d, "managed", f"found {found}")
    return _by_marker(d)


def _by_marker(d: Path) -> Detection:
    found = _first(d, discovery.BUILTIN_MARKERS)  # plugin markers only when no built-in one matches
    return (
        found
        or _first(d, plugins.declared_markers())
        or Detection(d, "system", "nothing project-specific found")
    )


def _first(d: Path, markers: Sequence[tuple[str, Sequence[str]]]) -> Detection | None:
    for kind, names in markers:
        for name in names:
            path = d / name.rstrip("/")
            if not (path.is_dir() if name.endswith("/") else path.is_file()):
                continue
            found = _detection(d, kind, name)
            if found is not None:
                return found
    return None


def _detection(d: Path, kind: str, marker: str) -> Detection | None:
    reason = f"found {marker}"
    if kind in ("uv", "poetry"):
        return Detection(d, kind, reason, (("project-dir", str(d)),))
    if kind == "venv":
        return Detection(d, kind, reason, (("path", str(d / marker.split("/")[0])),))
    if kind == "conda":
        if marker == "conda-meta/":
            return Detection(d, kind, reason, (("prefix", str(d)),))
        env_name = _conda_name(d / marker)
        return Detection(d, kind, f"{reason} (name: {env_name})", (("name", env_name),)) if env_name else None
    if kind == "pyenv":
        versions = discovery.read_python_version(str(d / marker))
        if not versions:
            return None
        return Detection(d, kind, f"{reason} ({', '.join(versions)})", python=versions[0])
    return Detection(d, kind, reason)
