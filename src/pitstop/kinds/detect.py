"""Auto-detection (SPEC §6): pitstop config → uv.lock → poetry.lock → .venv/venv →
environment.yml / conda-meta → .python-version → system. First match wins."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Detection:
    """What was found in a directory, and why."""

    directory: Path
    kind: str
    reason: str
    options: tuple[tuple[str, str], ...] = ()
    python: str | None = None


def _has_pitstop_config(directory: Path) -> bool:
    if (directory / "pitstop.toml").is_file():
        return True
    pyproject = directory / "pyproject.toml"
    if not pyproject.is_file():
        return False
    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return re.search(r"^\s*\[\s*tool\s*\.\s*pitstop\b", text, re.MULTILINE) is not None


def _conda_name(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    match = re.search(r"^name:\s*['\"]?([^'\"\s#]+)", text, re.MULTILINE)
    return match.group(1) if match else None


def detect(directory: Path, *, skip_config: bool = False) -> Detection:
    """Detect the env kind of ``directory`` (pure file checks; nothing is run)."""
    d = directory.resolve()
    if not skip_config and _has_pitstop_config(d):
        found = "pitstop.toml" if (d / "pitstop.toml").is_file() else "[tool.pitstop] in pyproject.toml"
        return Detection(d, "managed", f"found {found}")
    if (d / "uv.lock").is_file():
        return Detection(d, "uv", "found uv.lock", (("project-dir", str(d)),))
    if (d / "poetry.lock").is_file():
        return Detection(d, "poetry", "found poetry.lock", (("project-dir", str(d)),))
    for name in (".venv", "venv"):
        if (d / name / "pyvenv.cfg").is_file():
            return Detection(d, "venv", f"found {name}/pyvenv.cfg", (("path", str(d / name)),))
    for name in ("environment.yml", "environment.yaml"):
        if (d / name).is_file():
            env_name = _conda_name(d / name)
            if env_name:
                return Detection(d, "conda", f"found {name} (name: {env_name})", (("name", env_name),))
    if (d / "conda-meta").is_dir():
        return Detection(d, "conda", "found conda-meta/", (("prefix", str(d)),))
    version_file = d / ".python-version"
    if version_file.is_file():
        try:
            lines = version_file.read_text(encoding="utf-8").split()
        except (OSError, UnicodeDecodeError):
            lines = []
        version = next((x for x in lines if not x.startswith("#")), None)
        if version:
            return Detection(d, "pyenv", f"found .python-version ({version})", python=version)
    return Detection(d, "system", "nothing project-specific found")
