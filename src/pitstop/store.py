"""The env store directory (``location``): created with a .gitignore and CACHEDIR.TAG."""

from __future__ import annotations

from pathlib import Path

_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by pitstop.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)


def ensure_location(location: Path) -> None:
    """Create the env store with ``.gitignore`` (``*``) and ``CACHEDIR.TAG`` if missing."""
    location.mkdir(parents=True, exist_ok=True)
    ignore = location / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n", encoding="utf-8")
    tag = location / "CACHEDIR.TAG"
    if not tag.exists():
        tag.write_text(_TAG, encoding="utf-8")
