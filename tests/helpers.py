"""Small helpers shared by the engine tests."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

PY = f"{sys.version_info[0]}.{sys.version_info[1]}"

#: ``@pytest.mark.parametrize("installer", INSTALLERS)`` for a test both installers pass. The pip
#: installer seeds pip into every venv it builds (``python -m venv`` runs ensurepip: seconds of
#: CPU each), so the pip side is in the slow run, which CI runs; the pip tests of test_provision
#: (the swap, the editable install-project build) stay in the default run.
INSTALLERS = ("uv", pytest.param("pip", marks=pytest.mark.slow))


def store(root: Path, env: str = "default") -> Path:
    """The env store of ``env`` in a project using the default location."""
    return root / ".pitstop" / env


def generation(root: Path, name: str = "venv", env: str = "default") -> int:
    """Generation recorded in an env dir's marker (-1 when absent)."""
    try:
        data = json.loads((store(root, env) / name / ".pitstop-state.json").read_text())
    except (OSError, ValueError):
        return -1
    return int(data["generation"])


def env_python(root: Path, code: str, env: str = "default") -> str:
    """Run ``code`` with the env's interpreter and return stdout.

    ``-B``: no ``.pyc`` is written, so a later call sees a source file rewritten within the
    same second at the same size (a ``.pyc`` is checked against the source's mtime in whole
    seconds and its size, and would be taken as current).
    """
    python = store(root, env) / "venv" / "bin" / "python"
    return subprocess.run(
        [str(python), "-B", "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()


def installed_version(root: Path, package: str, env: str = "default") -> str:
    """``package.__version__`` inside the env."""
    return env_python(root, f"import {package}; print({package}.__version__)", env)


def pitstop_argv(*argv: str, hooks: Sequence[str] = ()) -> list[str]:
    """``python -m pitstop ARGV``; with test ``hooks`` (``("--crash-at", "after-install")``,
    ``--pause-at``, ``--no-exchange``, ``--no-flock``) the same command started through the test
    seams' launcher, ``python -m pitstop._testing`` (see src/pitstop/_testing)."""
    if not hooks:
        return [sys.executable, "-m", "pitstop", *argv]
    return [sys.executable, "-m", "pitstop._testing", *hooks, "--", *argv]


def pitstop_process(
    root: Path, *argv: str, hooks: Sequence[str] = (), **env: str
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m pitstop`` as a real process in ``root`` (test hooks, extra environment
    variables)."""
    import os

    return subprocess.run(
        pitstop_argv(*argv, hooks=hooks),
        cwd=root,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def sigterm_at(root: Path, checkpoint: str, ready: Path) -> tuple[int, str]:
    """``pitstop setup`` paused at the test seam ``checkpoint``, sent SIGTERM once ``ready``
    exists (and the pause has begun): its exit code and stderr."""
    import signal
    import time

    proc = subprocess.Popen(
        pitstop_argv("setup", hooks=("--pause-at", checkpoint)),
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not ready.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    return proc.returncode, err


def stray(root: Path, env: str = "default") -> list[str]:
    """Leftovers of an interrupted operation (must be empty after recovery)."""
    names = {"venv.new", "venv.old", ".journal.json"}
    return sorted(
        p.name for p in store(root, env).iterdir() if p.name in names or p.name.startswith(".trash-")
    )


def last_line(err: str) -> str:
    """The last line pitstop printed: where its fix goes."""
    return err.rstrip().splitlines()[-1]


def run_prefix(directory: Path, *env: str) -> str:
    """``sys.prefix`` of the Python ``pitstop run [*env]`` starts from ``directory`` (a real
    process: the project is found from its working directory, the child writes to its stdout)."""
    proc = subprocess.run(
        [sys.executable, "-m", "pitstop", "run", *env, "--", "python", "-c", "import sys; print(sys.prefix)"],
        cwd=directory,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


# A tiny in-tree PEP 517/660 backend so the editable build needs no index.
IN_TREE_BACKEND = """
import base64, hashlib, os, zipfile

def _meta(name="proj", version="0.1"):
    return f"Metadata-Version: 2.1\\nName: {name}\\nVersion: {version}\\nRequires-Dist: alpha<2\\n"

def get_requires_for_build_editable(config_settings=None):
    return []

def get_requires_for_build_wheel(config_settings=None):
    return []

def prepare_metadata_for_build_editable(directory, config_settings=None):
    d = os.path.join(directory, "proj-0.1.dist-info")
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, "METADATA"), "w").write(_meta())
    return "proj-0.1.dist-info"

prepare_metadata_for_build_wheel = prepare_metadata_for_build_editable

def _wheel(directory):
    name = "proj-0.1-py3-none-any.whl"
    files = {"proj.pth": os.path.dirname(os.path.abspath(__file__)) + "\\n",
             "proj-0.1.dist-info/METADATA": _meta(),
             "proj-0.1.dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: t\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"}
    rec = []
    with zipfile.ZipFile(os.path.join(directory, name), "w") as z:
        for k, v in files.items():
            z.writestr(k, v)
            h = base64.urlsafe_b64encode(hashlib.sha256(v.encode()).digest()).rstrip(b"=").decode()
            rec.append(f"{k},sha256={h},{len(v)}")
        rec.append("proj-0.1.dist-info/RECORD,,")
        z.writestr("proj-0.1.dist-info/RECORD", "\\n".join(rec) + "\\n")
    return name

def build_editable(directory, config_settings=None, metadata_directory=None):
    return _wheel(directory)

def build_wheel(directory, config_settings=None, metadata_directory=None):
    return _wheel(directory)
"""
#: The ``[build-system]`` table that names it (``backend.py`` in the project root).
BUILD_SYSTEM = '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n'


def with_backend(root: Path) -> Path:
    """Put the in-tree backend into the project at ``root`` (its pyproject has BUILD_SYSTEM)."""
    (root / "backend.py").write_text(IN_TREE_BACKEND)
    return root


class MissWatcher:
    """Checks from a thread, until the ``with`` block ends, that ``path`` always exists;
    ``misses`` are the moments it did not (an env's ``bin/python`` must never be missing for a
    concurrent reader while builds are swapped in or killed)."""

    def __init__(self, path: Path) -> None:
        import threading

        self.path = path
        self.misses: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        import os
        import time

        while not self._stop.is_set():
            if not os.path.exists(self.path):
                self.misses.append(time.monotonic())

    def __enter__(self) -> MissWatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


# Prints the modules pitstop imported (not those a tool started with the interpreter, such as
# coverage's subprocess measurement in .ci/run, had already imported).
_IMPORTS = r"""
import sys
before = set(sys.modules)
sys.argv = ["pitstop", *sys.argv[1:]]
from pitstop.main import console
try:
    console()
except SystemExit as exc:
    code = exc.code
new = sorted(set(sys.modules) - before)
records = sorted(
    f"{name}.{value.__qualname__}"
    for name in new
    if name.startswith("pitstop")
    for value in vars(sys.modules[name]).values()
    if isinstance(value, type) and value.__module__ == name and "__dataclass_fields__" in vars(value)
)
sys.stderr.write("\ndataclasses: %s\nimported: %s\n" % (" ".join(records), " ".join(new)))
raise SystemExit(code)
"""


def imported(root: Path, *argv: str, **env: str) -> set[str]:
    """The modules a ``pitstop`` process imports for ``argv`` in ``root`` (and
    ``dataclass:NAME`` for each of pitstop's own dataclasses those define)."""
    import os

    proc = subprocess.run(
        [sys.executable, "-I", "-c", _IMPORTS, *argv],
        cwd=root,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    records, _, modules = proc.stderr.rpartition("\ndataclasses: ")[2].partition("\nimported: ")
    return set(modules.split()) | {f"dataclass:{name}" for name in records.split()}
