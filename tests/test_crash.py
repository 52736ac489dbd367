"""Crash consistency and concurrency with real `pitstop setup` processes.

Named crash points (SIGKILL at each step, for the renameat2 exchange and the journaled
rename fallback), random-delay SIGKILLs while a concurrent reader watches ``venv``, and 8
simultaneous setups on one env.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ProjectFactory
from tests.helpers import PY, MissWatcher, generation, installed_version, pitstop_process, store, stray

Cli = Callable[..., tuple[int, str, str]]
BEFORE_COMMIT = ["after-venv", "after-install", "after-verify", "after-marker"]
AFTER_COMMIT = ["after-journal", "after-exchange", "after-promote", "before-clear-journal"]
FALLBACK_ONLY = ["after-move-old"]


_pitstop = pitstop_process


def _upgrade_project(make_project: ProjectFactory, cli: Cli) -> Path:
    """A project with generation 0 built (alpha 2.0) and its config changed to alpha<2."""
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("setup", cwd=root)[0] == 0
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('["beta"]', '["beta", "alpha<2"]'))
    assert cli("lock", cwd=root)[0] == 0
    return root


def _whole(root: Path) -> None:
    venv = store(root) / "venv"
    out = subprocess.run([str(venv / "bin" / "beta")], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "beta 1.0"


CASES = [(p, True) for p in BEFORE_COMMIT + AFTER_COMMIT] + [
    (p, False) for p in BEFORE_COMMIT + AFTER_COMMIT + FALLBACK_ONLY if p != "after-exchange"
]


@pytest.mark.parametrize(
    ("point", "exchange"), CASES, ids=[f"{p}-{'exchange' if e else 'rename'}" for p, e in CASES]
)
def test_sigkill_at_named_points(make_project: ProjectFactory, cli: Cli, point: str, exchange: bool) -> None:
    if exchange and not sys.platform.startswith("linux"):
        pytest.skip("renameat2 is Linux-only")
    root = _upgrade_project(make_project, cli)
    extra = () if exchange else ("--no-exchange",)
    killed = _pitstop(root, "setup", hooks=("--crash-at", point, *extra))
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    # A read-only check after the kill: venv is whole, and check changes nothing.
    if point != "after-move-old":  # the fallback's one window where venv is briefly absent
        _whole(root)
        assert generation(root) in (0, 1)
    after_check = _pitstop(root, "check", hooks=extra)
    assert "Traceback" not in after_check.stderr
    # The next real command repairs: roll forward from a journal, or discard venv.new.
    repaired = _pitstop(root, "setup", hooks=extra)
    assert repaired.returncode == 0, repaired.stderr
    _whole(root)
    assert installed_version(root, "alpha") == "1.0"
    assert generation(root) == 1
    assert generation(root, "venv.prev") == 0
    assert stray(root) == []
    if point in AFTER_COMMIT + FALLBACK_ONLY:
        assert "building" not in repaired.stderr, "a committed swap is finished, not rebuilt"
    else:
        assert "building" in repaired.stderr


def test_sigkill_during_rollback(make_project: ProjectFactory, cli: Cli) -> None:
    root = _upgrade_project(make_project, cli)
    assert cli("setup", cwd=root)[0] == 0
    killed = _pitstop(root, "rollback", hooks=("--crash-at", "rollback-after-journal"))
    assert killed.returncode == -signal.SIGKILL
    _whole(root)
    assert _pitstop(root, "check").returncode in (0, 1)
    fixed = _pitstop(root, "rollback")
    assert fixed.returncode == 0, fixed.stderr
    assert "finished an interrupted rollback" in fixed.stderr
    assert stray(root) == []


def test_random_sigkills_with_a_concurrent_reader(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("setup", cwd=root)[0] == 0
    python = store(root) / "venv" / "bin" / "python"
    rng = random.Random(1234)  # noqa: S311 - reproducible timing, not cryptography
    pyproject = root / "pyproject.toml"
    variants = ['["beta"]', '["beta", "alpha<2"]', '["beta", "gamma"]']
    kills = 0
    with MissWatcher(python) as watcher:
        for i in range(8):
            text = pyproject.read_text()
            current = next(v for v in variants if f"requirements = {v}" in text)
            pyproject.write_text(text.replace(current, variants[(i + 1) % len(variants)]))
            proc = subprocess.Popen(
                [sys.executable, "-m", "pitstop", "-q", "setup"],
                cwd=root,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(rng.uniform(0.05, 0.9))
            if proc.poll() is None:
                proc.kill()
            # Counted from the exit status: a setup that finished just before kill() is no kill.
            if proc.wait() == -signal.SIGKILL:
                kills += 1
            _whole(root)
    assert kills > 0, "no setup was killed: the test proved nothing"
    assert watcher.misses == [], "venv was missing for a concurrent reader"
    assert _pitstop(root, "setup").returncode == 0
    _whole(root)
    assert stray(root) == []


def test_eight_concurrent_setups_build_once(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements = ["beta", "gamma"]\n', python=PY)
    assert cli("lock", cwd=root)[0] == 0
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "pitstop", "setup"],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(8)
    ]
    results = [(p.wait(timeout=300), p.stderr.read() if p.stderr else "") for p in procs]
    assert all(code == 0 for code, _ in results), results
    builds = sum(err.count("building default") for _, err in results)
    assert builds == 1
    assert generation(root) == 0
    _whole(root)


@pytest.mark.parametrize("point", ["first-before-rename", "first-after-rename"])
def test_sigkill_around_a_first_builds_one_rename(make_project: ProjectFactory, point: str) -> None:
    """A first build swaps with one rename and no journal: killed before it, venv.new is
    discarded and rebuilt; killed after it, venv is complete and the next setup is a no-op."""
    root = make_project('requirements = ["beta"]\n', python=PY)
    killed = _pitstop(root, "setup", hooks=("--crash-at", point))
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert not (store(root) / ".journal.json").exists()
    assert (store(root) / "venv").is_dir() == (point == "first-after-rename")
    repaired = _pitstop(root, "setup")
    assert repaired.returncode == 0, repaired.stderr
    _whole(root)
    assert generation(root) == 0
    assert stray(root) == []
    assert ("building" in repaired.stderr) == (point == "first-before-rename")


def test_a_first_build_is_only_renamed_in_when_it_holds_its_generation(tmp_path: Path) -> None:
    """As the journaled swap: a venv.new without the generation's marker never becomes venv."""
    from pitstop import swap
    from pitstop.errors import ProvisionError

    store_dir = tmp_path / "default"
    (store_dir / "venv.new").mkdir(parents=True)
    with pytest.raises(ProvisionError, match=r"generation 0 is not in venv\.new"):
        swap.commit(store_dir, generation=0, keep_previous=True)
    assert not (store_dir / "venv").exists() and (store_dir / "venv.new").is_dir()
