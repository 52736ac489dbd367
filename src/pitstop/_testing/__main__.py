"""The ``pitstop`` command with test hooks set (the crash tests and the soak start it so)::

python -m pitstop._testing [--crash-at POINT] [--pause-at POINT] [--no-exchange] [--no-flock]
    -- PITSTOP-ARGS...
"""

from __future__ import annotations

import sys

from pitstop._testing import hooks
from pitstop.main import console


def _install(options: list[str]) -> None:
    it = iter(options)
    for option in it:
        if option == "--crash-at":
            hooks.crash_at = next(it, None)
        elif option == "--pause-at":
            hooks.pause_at = next(it, None)
        elif option == "--no-exchange":
            hooks.exchange = False
        elif option == "--no-flock":
            hooks.flock = False
        else:
            raise SystemExit(f"unknown option {option!r}\n{__doc__}")


if __name__ == "__main__":  # pragma: no branch - this module only ever runs as a script
    args = sys.argv[1:]
    split = args.index("--") if "--" in args else len(args)
    _install(args[:split])
    sys.argv = ["pitstop", *args[split + 1 :]]
    console()
