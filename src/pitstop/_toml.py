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
    """Parse ``text``; a syntax error names ``source`` and the position.

    Arrays or inline tables nested thousands deep make tomllib recurse until Python's limit:
    that is bad input too, not a crash.
    """
    try:
        data: dict[str, Any] = tomllib.loads(text)
        return data
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{source}: not valid TOML: {exc}", fix=f"correct the syntax of {source.name}"
        ) from None
    except RecursionError:
        raise ConfigError(
            f"{source}: arrays or tables are nested too deeply",
            fix=f"flatten the nesting in {source.name}",
        ) from None


def load(path: Path) -> dict[str, Any]:
    """Read (bounded: a regular file, size-capped) and parse the TOML file at ``path``."""
    from pitstop.reading import UnreadableFile, read_text

    try:
        text = read_text(path)
    except UnreadableFile as exc:
        raise ConfigError(
            f"{path}: cannot be read: {exc.reason}", fix=f"make {path.name} a regular UTF-8 text file"
        ) from None
    return loads(text, source=path)
