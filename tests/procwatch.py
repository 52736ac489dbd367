"""Watch processes and base interpreters from outside pitstop (Linux ``/proc``): used by
``tests/test_kill.py`` and the reliability soak."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

_PYENV_ROOT = os.environ.get("PYENV_ROOT") or (
    str(Path.home() / ".pyenv") if (Path.home() / ".pyenv").is_dir() else ""
)


def base_site_listings(pyenv_root: str = _PYENV_ROOT) -> dict[str, list[str]]:
    """The site-packages listing of every base interpreter on this machine (read only)."""
    roots = {Path(sys.base_prefix)}
    if pyenv_root:
        roots.update(p for p in (Path(pyenv_root) / "versions").glob("*") if p.is_dir())
    roots.update(p for p in Path("/usr/lib").glob("python3*"))
    listings: dict[str, list[str]] = {}
    for root in sorted(roots):
        for site in [
            *root.glob("lib/python*/site-packages"),
            *root.glob("dist-packages"),
            *root.glob("site-packages"),
        ]:
            listings[str(site)] = sorted(os.listdir(site))
    return listings


def tagged(tag: str) -> list[int]:
    """PIDs of live processes whose environment carries ``tag`` (pitstop and its children)."""
    found = []
    needle = f"PITSTOP_KILL_TAG={tag}".encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as handle:
                environ = handle.read()
            with open(f"/proc/{entry}/stat", encoding="utf-8") as handle:
                zombie = handle.read().split(") ", 1)[1][0] == "Z"
        except OSError:
            continue
        if needle in environ.split(b"\0") and not zombie:
            found.append(int(entry))
    return found


_PF_EXITING = 0x4
_SIGKILL_BIT = 1 << (signal.SIGKILL - 1)


def dying(pid: int) -> bool:
    """Exiting, a zombie, or with a SIGKILL pending (per process or per thread)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
            fields = handle.read().split(") ", 1)[1].split()
        with open(f"/proc/{pid}/status", encoding="utf-8") as handle:
            status = dict(line.split(":", 1) for line in handle if ":" in line)
    except OSError:
        return True
    pending = int(status.get("SigPnd", "0").strip(), 16) | int(status.get("ShdPnd", "0").strip(), 16)
    return fields[0] in "ZX" or bool(int(fields[6]) & _PF_EXITING) or bool(pending & _SIGKILL_BIT)


def cmdline(pid: int) -> list[str] | None:
    """The argv of ``pid`` (None once it is gone)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            raw = handle.read()
    except OSError:
        return None
    return [part.decode(errors="replace") for part in raw.split(b"\0")[:-1]]


def describe(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            cmdline = handle.read().replace(b"\0", b" ").decode(errors="replace")
        with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
            fields = handle.read().split(") ", 1)[1].split()
        return f"{pid} (ppid {fields[1]}, pgid {fields[2]}): {cmdline[:200]}"
    except OSError:
        return f"{pid} (gone)"
