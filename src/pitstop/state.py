"""The state marker each complete env holds, written last and atomically."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, NamedTuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pitstop.identity import RuntimeIdentity

MARKER = ".pitstop-state.json"
SCHEMA = 1


def runtime_dict(identity: RuntimeIdentity) -> dict[str, object]:
    """The identity as the state marker records it."""
    from dataclasses import asdict

    return asdict(identity)


class EnvState(NamedTuple):
    """What a complete env was built from (SPEC §5 Files)."""

    schema: int
    generation: int
    env: str
    lock_hash: str
    inputs_hash: str
    runtime: dict[str, Any]
    interpreter: str
    installer: str
    installer_version: str
    pitstop_version: str
    packages: int
    #: :func:`installed_set` of the env when it was built ("" from an older pitstop).
    installed: str = ""

    def to_json(self) -> str:
        """Stable JSON text."""
        return json.dumps(self._asdict(), indent=1, sort_keys=True) + "\n"


def marker_path(venv: Path) -> Path:
    """Where the marker of the env at ``venv`` lives."""
    return venv / MARKER


def read(venv: Path) -> EnvState | None:
    """The marker of the env at ``venv``; None when absent or unreadable (an incomplete env)."""
    try:
        data = json.loads(marker_path(venv).read_text(encoding="utf-8"))
        if data.get("schema") != SCHEMA:
            return None
        return EnvState(**data)
    except (OSError, ValueError, TypeError):
        return None


def write(venv: Path, state: EnvState) -> None:
    """Write the marker atomically (the last step of a build)."""
    from pitstop.fsutil import atomic_write

    atomic_write(marker_path(venv), state.to_json())


def site_dirs(venv: Path) -> list[str]:
    """The env's site-packages directories (their stat is part of the fast-path fingerprint:
    installing or removing a distribution adds or removes entries there)."""
    return sorted(str(p) for p in venv.glob("lib/python*/site-packages"))


def installed_set(venv: Path) -> str:
    """A cheap fingerprint of what is installed: ``sha256:`` of the sorted site-packages
    listing (top-level modules, packages, ``.pth`` files and ``*.dist-info`` names, which carry
    the versions). ``__pycache__`` is left out: importing a module may create it."""
    import hashlib

    names: list[str] = []
    for site in site_dirs(venv):
        try:
            names += [f"{Path(site).parent.name}/{e}" for e in os.listdir(site) if e != "__pycache__"]
        except OSError:
            names.append(f"{site}: unreadable")
    return "sha256:" + hashlib.sha256("\n".join(sorted(names)).encode()).hexdigest()


def generation(venv: Path) -> int:
    """The marker's generation, or -1 for a missing or incomplete env."""
    found = read(venv)
    return found.generation if found else -1
