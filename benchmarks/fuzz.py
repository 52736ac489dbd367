"""Coverage-guided fuzzing of pitstop's parsers with atheris, for long runs.

    pip install atheris
    python benchmarks/fuzz.py config -max_total_time=3600
    python benchmarks/fuzz.py requirements -runs=1000000

Targets: ``config`` (pitstop.toml text through config_load.load and input collection),
``requirements`` (a requirements file), ``lock`` (lock text through status and read),
``request`` (python requests), ``markers`` (the ``environments`` key). Any exception that is
not pitstop's own error family is a crash, and atheris saves the input that caused it.
The hypothesis tests (tests/test_fuzz.py, PITSTOP_FUZZ_EXAMPLES=N for more examples) cover
the same parsers in every test run.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pitstop import config_load, lockfile
from pitstop.errors import PitstopError
from pitstop.inputs import collect
from pitstop.python_request import parse_request
from pitstop.requirement_files import read_requirements_file

WORK = Path(tempfile.mkdtemp(prefix="pitstop-fuzz-"))


def _config(text: str) -> None:
    (WORK / "pitstop.toml").write_text(text, encoding="utf-8")
    project = config_load.load(WORK)
    for env in project.envs.values():
        if env.kind == "managed":
            collect(project, env)


def _requirements(text: str) -> None:
    (WORK / "r.txt").write_text(text, encoding="utf-8")
    read_requirements_file(WORK / "r.txt", root=WORK)


def _lock(text: str) -> None:
    path = WORK / "pylock.toml"
    path.write_text(text, encoding="utf-8")
    lockfile.status(path, "sha256:" + "0" * 64)
    lockfile.read(path)


def _markers(text: str) -> None:
    import json

    _config(f"environments = [{json.dumps(text)}]\n")


def _request(text: str) -> None:
    parse_request(text)


TARGETS: dict[str, Callable[[str], None]] = {
    "config": _config,
    "requirements": _requirements,
    "lock": _lock,
    "request": _request,
    "markers": _markers,
}


def one_input(target: Callable[[str], None], data: bytes) -> None:
    """Feed ``data`` to ``target``; only pitstop's own errors are allowed."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    with contextlib.suppress(PitstopError):
        target(text)


def main() -> None:
    """Run atheris on the target named first on the command line."""
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        raise SystemExit(f"usage: fuzz.py {{{'|'.join(TARGETS)}}} [atheris options]")
    target = TARGETS[sys.argv.pop(1)]
    try:
        import atheris
    except ImportError:
        raise SystemExit("atheris is not installed: pip install atheris") from None
    atheris.Setup(sys.argv, lambda data: one_input(target, data))
    atheris.Fuzz()


if __name__ == "__main__":
    main()
