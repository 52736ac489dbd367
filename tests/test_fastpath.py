"""The stat-only fast path replays a no-op answer, and never one that has become wrong."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ProjectFactory
from tests.helpers import PY, imported, pitstop_process, store

PY_EXE = sys.executable

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


FORMS = [
    ("check",),
    ("check", "--json"),
    ("check", "--all"),
    ("check", "-e", "default"),
    ("check", "--json", "-e", "default"),
    ("lock", "--check"),
    ("lock", "--check", "--all"),
    ("lock", "--check", "-e", "default"),
    ("lock",),
    ("lock", "--all"),
    ("python",),
    ("python", "--json"),
    ("python", "-e", "default"),
]


@pytest.mark.parametrize("argv", FORMS)
def test_fast_answers_equal_the_full_answers(ready: Path, argv: tuple[str, ...]) -> None:
    # `python` records its answer the first time it runs the full path.
    assert pitstop(ready, *argv).returncode == 0
    fast, full = traced(ready, *argv), slow(ready, *argv)
    assert (fast.returncode, fast.stdout, fast.stderr) == (full.returncode, full.stdout, full.stderr)
    assert fast.returncode == 0
    assert fast.imported == set(), "answered from the fast path, without packaging or argparse"


class Traced:
    """A pitstop process's result plus which heavy modules it imported."""

    def __init__(self, result: subprocess.CompletedProcess[str]) -> None:
        self.returncode = result.returncode
        self.stdout = result.stdout
        lines = result.stderr.splitlines(keepends=True)
        self.stderr = "".join(line for line in lines if not line.startswith("import time:"))
        imported = {line.split("|")[-1].strip() for line in lines if line.startswith("import time:")}
        self.imported = imported & {"packaging", "argparse", "pitstop.config", "tomllib", "tomli"}


def traced(root: Path, *argv: str) -> Traced:
    # Without coverage's subprocess measurement (.ci/run turns it on): coverage reads its
    # config from pyproject.toml at start-up, and its imports are not pitstop's.
    return Traced(
        pitstop(
            root, *argv, PYTHONPROFILEIMPORTTIME="1", COVERAGE_PROCESS_START="", COVERAGE_PROCESS_CONFIG=""
        )
    )


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


def test_lock_answers_survive_unrelated_edits(ready: Path) -> None:
    pyproject = ready / "pyproject.toml"
    original = pyproject.read_text()
    # An unrelated table: bytes and mtime differ, the lock's raw inputs do not.
    pyproject.write_text(original + "\n[tool.ruff]\nline-length = 100\n")
    fast = traced(ready, "lock", "--check")
    assert fast.returncode == 0 and fast.stderr == "pylock.toml: fresh\n"
    assert "packaging" not in fast.imported
    assert traced(ready, "lock").stderr == "pylock.toml: fresh, nothing to resolve\n"
    # Re-spelled requirement: raw values differ, normalized inputs do not -> the full path says fresh.
    pyproject.write_text(original.replace('["beta"]', '["Beta"]'))
    assert pitstop(ready, "lock", "--check", "--all").returncode == 0
    # A real change -> stale, with the fix, fast or not.
    pyproject.write_text(original.replace('["beta"]', '["beta", "gamma"]'))
    for result in (pitstop(ready, "lock", "--check", "--all"), slow(ready, "lock", "--check", "--all")):
        assert result.returncode == 1 and "stale" in result.stderr and "run: pitstop lock" in result.stderr


def test_a_new_env_is_not_answered_from_an_old_all(ready: Path) -> None:
    assert pitstop(ready, "lock", "--check", "--all").returncode == 0
    pyproject = ready / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[tool.pitstop.envs.docs]\nrequirements = ["gamma"]\n')
    result = pitstop(ready, "lock", "--check", "--all")
    assert result.returncode == 1 and "pylock.docs.toml is missing" in result.stderr
    # ... while the default env's own answer is still the fast one (raw inputs unchanged).
    fast = traced(ready, "lock", "--check")
    assert fast.returncode == 0 and "packaging" not in fast.imported


ENSURE = (
    "import sys, pitstop\n"
    "env = pitstop.ensure()\n"
    "print(env.python)\n"
    "print(env.identity.version if env.identity else None)\n"
    "print(sorted(m for m in ('packaging', 'pitstop.config', 'pitstop.provision') if m in sys.modules))\n"
)


def test_ensure_takes_the_fast_path(ready: Path) -> None:
    first = subprocess.run([PY_EXE, "-c", ENSURE], cwd=ready, capture_output=True, text=True, check=True)
    again = subprocess.run([PY_EXE, "-c", ENSURE], cwd=ready, capture_output=True, text=True, check=True)
    python, version, modules = again.stdout.splitlines()
    assert python == str(store(ready) / "venv" / "bin" / "python") == first.stdout.splitlines()[0]
    assert version == first.stdout.splitlines()[1] != "None"
    assert modules == "[]", "a ready env is answered without config, packaging or the provisioner"
    (store(ready) / "venv" / "bin" / "python").unlink()  # damage: the full path rebuilds it
    rebuilt = subprocess.run([PY_EXE, "-c", ENSURE], cwd=ready, capture_output=True, text=True, check=True)
    assert "packaging" in rebuilt.stdout and (store(ready) / "venv" / "bin" / "python").exists()


def test_the_cache_lives_only_in_the_env_store(ready: Path) -> None:
    assert pitstop(ready, "lock").returncode == 0
    text = (ready / "pylock.toml").read_text()
    tool = text[text.index("[tool.pitstop]") :]
    keys = sorted(line.split(" = ")[0] for line in tool.splitlines()[1:] if " = " in line)
    assert keys == ["content-hash", "inputs-hash", "python", "requirements"]
    assert [p.name for p in (ready / ".pitstop" / ".cache").glob("fastpath-*.bin")]


def test_setup_writes_the_fast_path_cache_once(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """check, check --json and lock --check are recorded with one stat pass and one write."""
    from pitstop import fsutil

    writes: list[str] = []
    real = fsutil.atomic_write_bytes

    def counting(path: Path, data: bytes, *, durable: bool = True) -> None:
        writes.append(Path(path).name)
        if Path(path).name.startswith("fastpath-"):
            assert not durable, "a cache is written without fsync"
        real(path, data, durable=durable)

    monkeypatch.setattr(fsutil, "atomic_write_bytes", counting)
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("setup", cwd=root)[0] == 0
    assert len([w for w in writes if w.startswith("fastpath-")]) == 1
    for argv in (("check",), ("check", "--json"), ("lock", "--check")):
        fast = pitstop(root, *argv)
        assert fast.returncode == 0 and fast.stdout + fast.stderr == (
            slow(root, *argv).stdout + slow(root, *argv).stderr
        )


@pytest.mark.parametrize("argv", [("check",), ("check", "--json"), ("lock", "--check")])
def test_the_fast_path_imports_nothing_heavy(ready: Path, argv: tuple[str, ...]) -> None:
    """A no-op pays only for Python's start: no re, dataclasses, typing, json, TOML, packaging,
    argparse or pathlib (each costs milliseconds on every call)."""
    heavy = {
        "re",
        "dataclasses",
        "shlex",
        "typing",
        "json",
        "argparse",
        "tomllib",
        "tomli",
        "packaging",
        "pathlib",
    }
    modules = imported(ready, *argv)
    assert "pitstop.fastpath" in modules, "took the fast path"
    assert heavy & modules == set()


def test_a_torn_cache_is_ignored(ready: Path) -> None:
    """The cache is written without fsync: what a crash can leave of it (nothing, a part,
    zeroed blocks) is rejected and the full path answers."""
    cache = next((ready / ".pitstop" / ".cache").glob("fastpath-*.bin"))
    data = cache.read_bytes()
    for torn in (b"", data[: len(data) // 2], b"\0" * len(data)):
        cache.write_bytes(torn)
        fast, full = traced(ready, "check"), slow(ready, "check")
        assert (fast.returncode, fast.stdout) == (full.returncode, full.stdout) == (0, full.stdout)
        assert "argparse" in fast.imported, "answered by the full path"
