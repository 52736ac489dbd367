"""The stat-only fast path replays a no-op answer, and never one that has become wrong."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from pitstop import _sources
from tests.conftest import ProjectFactory
from tests.helpers import PY, pitstop_process, store

Cli = Callable[..., tuple[int, str, str]]


pitstop = pitstop_process


def slow(root: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return pitstop(root, *argv, PITSTOP_NO_FASTPATH="1")


@pytest.fixture
def ready(make_project: ProjectFactory) -> Path:
    root = make_project('requirements = ["beta"]\n', python=PY)
    result = pitstop(root, "setup")
    assert result.returncode == 0, result.stderr
    assert list((root / ".pitstop" / ".cache").glob("fastpath-*.bin"))
    return root


@pytest.mark.parametrize("argv", [("check",), ("check", "--json"), ("lock", "--check")])
def test_fast_answers_equal_the_full_answers(ready: Path, argv: tuple[str, ...]) -> None:
    fast, full = pitstop(ready, *argv), slow(ready, *argv)
    assert (fast.returncode, fast.stdout, fast.stderr) == (full.returncode, full.stdout, full.stderr)
    assert fast.returncode == 0


def test_check_never_writes_the_cache(ready: Path) -> None:
    cache = next((ready / ".pitstop" / ".cache").glob("fastpath-*.bin"))
    cache.unlink()
    assert slow(ready, "check").returncode == 0
    assert not cache.exists()


@pytest.mark.parametrize(
    "damage",
    ["delete-python", "edit-config", "edit-lock", "interrupted-build", "env-var"],
)
def test_any_change_falls_back_to_the_full_answer(ready: Path, damage: str) -> None:
    venv = store(ready) / "venv"
    extra: dict[str, str] = {}
    if damage == "delete-python":
        (venv / "bin" / "python").unlink()
    elif damage == "edit-config":
        pyproject = ready / "pyproject.toml"
        pyproject.write_text(pyproject.read_text().replace('["beta"]', '["beta", "gamma"]'))
    elif damage == "edit-lock":
        lock = ready / "pylock.toml"
        lock.write_text(lock.read_text().replace('version = "2.0"', 'version = "1.0"'))
    elif damage == "interrupted-build":
        shutil.copytree(venv, store(ready) / "venv.new", symlinks=True)
    elif damage == "env-var":
        extra = {"PITSTOP_AUTO_INSTALL": "never"}
    fast = pitstop(ready, "check", **extra)
    full = pitstop(ready, "check", PITSTOP_NO_FASTPATH="1", **extra)
    assert (fast.returncode, fast.stdout) == (full.returncode, full.stdout)
    if damage in ("delete-python", "edit-config", "edit-lock"):
        assert fast.returncode == 1


def test_fast_run_execs_in_the_env(ready: Path) -> None:
    first = pitstop(ready, "run", "--", "python", "-c", "import sys; print(sys.prefix)")
    assert first.returncode == 0 and first.stdout.strip() == str(store(ready) / "venv")
    again = pitstop(
        ready, "run", "--", "python", "-c", "import sys, os; print(sys.prefix, os.environ['VIRTUAL_ENV'])"
    )
    assert again.stdout.split() == [str(store(ready) / "venv")] * 2
    code = pitstop(ready, "run", "--", "python", "-c", "raise SystemExit(9)")
    assert code.returncode == 9
    assert pitstop(ready, "run", "--", "beta").stdout.strip() == "beta 1.0"
    missing = pitstop(ready, "run", "--", "no-such-tool")
    assert missing.returncode == 127 and "command not found" in missing.stderr


def test_lock_check_tiers(ready: Path) -> None:
    pyproject = ready / "pyproject.toml"
    original = pyproject.read_text()
    # Cosmetic edit: bytes differ, raw values do not -> fresh without packaging.
    pyproject.write_text(original.replace('version = "0.1"', 'version = "0.2"'))
    assert pitstop(ready, "lock", "--check").returncode == 0
    # Re-spelled requirement: raw values differ, normalized inputs do not -> fresh.
    pyproject.write_text(original.replace('["beta"]', '["Beta"]'))
    assert pitstop(ready, "lock", "--check", "--all").returncode == 0
    # A real change -> stale, with the fix.
    pyproject.write_text(original.replace('["beta"]', '["beta", "gamma"]'))
    stale = pitstop(ready, "lock", "--check", "--all")
    assert stale.returncode == 1 and "stale" in stale.stderr and "run: pitstop lock" in stale.stderr


@pytest.mark.parametrize(
    "text",
    [
        "",
        'content-hash = "x"',
        '\ncontent-hash = "sha256:' + "0" * 64 + '"\n',
        'a\n[tool]\ninput-files = ["a", "b"]\n',
    ],
)
def test_source_helpers_on_odd_text(text: str) -> None:
    body, recorded = _sources.split_content_hash(text)
    assert recorded is None or recorded.startswith("sha256:")
    assert isinstance(body, str)
    files = _sources.recorded_list(text, "input-files")
    assert files is None or all(isinstance(f, str) for f in files)


def test_setup_writes_the_fast_path_cache_once(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """check, check --json and lock --check are recorded with one stat pass and one write."""
    from pitstop import fsutil

    writes: list[str] = []
    real = fsutil.atomic_write_bytes

    def counting(path: Path, data: bytes) -> None:
        writes.append(Path(path).name)
        real(path, data)

    monkeypatch.setattr(fsutil, "atomic_write_bytes", counting)
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("setup", cwd=root)[0] == 0
    assert len([w for w in writes if w.startswith("fastpath-")]) == 1
    for argv in (("check",), ("check", "--json"), ("lock", "--check")):
        fast = pitstop(root, *argv)
        assert fast.returncode == 0 and fast.stdout + fast.stderr == (
            slow(root, *argv).stdout + slow(root, *argv).stderr
        )


# Only what pitstop imports counts: a tool started with the interpreter (coverage's subprocess
# measurement in .ci/run) may already have imported some of these before pitstop runs.
_IMPORTS = r"""
import sys
before = set(sys.modules)
sys.argv = ["pitstop", *sys.argv[1:]]
from pitstop.main import console
try:
    console()
except SystemExit as exc:
    code = exc.code
heavy = {"re", "dataclasses", "shlex", "typing", "json", "argparse", "tomllib", "tomli", "packaging", "pathlib"}
sys.stderr.write("imported: %s\n" % sorted(heavy & (set(sys.modules) - before)))
raise SystemExit(code)
"""


@pytest.mark.parametrize("argv", [("check",), ("check", "--json"), ("lock", "--check")])
def test_the_fast_path_imports_nothing_heavy(ready: Path, argv: tuple[str, ...]) -> None:
    """A no-op pays only for Python's start: no re, dataclasses, typing, json, TOML, packaging,
    argparse or pathlib (each costs milliseconds on every call)."""
    import os
    import sys

    proc = subprocess.run(
        [sys.executable, "-I", "-c", _IMPORTS, *argv],
        cwd=ready,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "imported: []" in proc.stderr, proc.stderr
