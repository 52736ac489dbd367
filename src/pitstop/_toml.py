"""Read TOML with tomllib (3.11+) or tomli, turning syntax errors into config errors."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from pitstop.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib


def loads(text: str, *, source: Path) -> dict[str, Any]:
    """Parse ``text``; a syntax error names ``source`` and the position."""
    try:
        data: dict[str, Any] = tomllib.loads(text)
        return data
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{source}: not valid TOML: {exc}", fix=f"correct the syntax of {source.name}"
        ) from None


def load(path: Path) -> dict[str, Any]:
    """Read and parse the TOML file at ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text", fix=f"save {path.name} as UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror}", fix="check the file") from None
    return loads(text, source=path)
