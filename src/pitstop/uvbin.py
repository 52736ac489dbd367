"""Locate the uv binary that ships with the ``uv`` package."""

from __future__ import annotations

import os

from pitstop.errors import ProvisionError


def find_uv() -> str:
    """Absolute path of uv: ``PITSTOP_UV`` if set, else ``uv.find_uv_bin()``."""
    explicit = os.environ.get("PITSTOP_UV")
    if explicit:
        return explicit
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
