"""Locate the uv binary that ships with the ``uv`` package."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from pitstop.errors import ProvisionError

if TYPE_CHECKING:
    from pitstop.runtime import Runtimes


def find_uv() -> str:
    """Absolute path of uv: ``PITSTOP_UV`` if set, else ``uv.find_uv_bin()``."""
    explicit = os.environ.get("PITSTOP_UV")
    if explicit:
        return explicit
    if os.name == "posix" and sys.prefix != sys.base_prefix:
        # In a venv, uv.find_uv_bin() looks first in the scripts directory of the venv's
        # scheme, which is <prefix>/bin: the same answer without importing sysconfig, re and
        # fnmatch (12-50 ms, on every lock and build).
        candidate = os.path.join(sys.prefix, "bin", "uv")
        if os.path.isfile(candidate):
            return candidate
    try:
        import uv
    except ImportError:
        raise ProvisionError(
            "the uv package is not installed next to pitstop", fix="pip install uv"
        ) from None
    try:
        return str(uv.find_uv_bin())
    except FileNotFoundError:
        raise ProvisionError("uv's binary was not found", fix="pip install --force-reinstall uv") from None


def uv_version(uv: str, runtimes: Runtimes) -> str:
    """``uv --version`` (cached by the binary's stat). A uv that does not run is a clear error
    raised before anything is locked or built, not after a full build."""
    import subprocess

    from pitstop.errors import PitstopError

    fix = (
        "point PITSTOP_UV at a working uv binary, or unset it"
        if os.environ.get("PITSTOP_UV")
        else "run: pip install --force-reinstall uv  (in the environment pitstop runs from)"
    )
    try:
        out = runtimes.tool_version(uv, [uv, "--version"])
    except (PitstopError, OSError, subprocess.SubprocessError) as exc:
        reason = exc.message if isinstance(exc, PitstopError) else str(exc)
        raise ProvisionError(f"uv does not run: {reason.strip()[-500:]}", fix=fix) from None
    if not out.startswith("uv "):
        raise ProvisionError(f"{uv} --version printed {out[:100]!r}, not a uv version", fix=fix)
    return out
