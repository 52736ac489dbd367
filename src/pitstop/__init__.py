"""pitstop: provision project Python environments and run the project's Python.

The public API is re-exported here lazily so that ``import pitstop`` stays cheap.
"""

from __future__ import annotations

# Not `from typing import TYPE_CHECKING`: importing typing costs milliseconds on every
# start-up, and mypy treats any constant named TYPE_CHECKING as true.
TYPE_CHECKING = False

__version__ = "0.1.0"
__all__ = [
    "Environment",
    "PitstopError",
    "PythonCommand",
    "check",
    "detect",
    "ensure",
    "lock",
    "resolve",
]

if TYPE_CHECKING:
    from pitstop.api import Environment, check, detect, ensure, lock, resolve
    from pitstop.errors import PitstopError
    from pitstop.kinds.base import PythonCommand


def __getattr__(name: str) -> object:
    if name == "PitstopError":
        from pitstop.errors import PitstopError

        return PitstopError
    if name == "PythonCommand":
        from pitstop.kinds.base import PythonCommand

        return PythonCommand
    if name in __all__:
        from pitstop import api

        return getattr(api, name)
    raise AttributeError(f"module 'pitstop' has no attribute {name!r}")
