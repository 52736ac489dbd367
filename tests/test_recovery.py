"""What a killed pitstop can leave in an env store, repaired by the next command: a torn or
unusable swap journal, a ``venv.old`` from the middle of a rename sequence. The env in use is
never lost and the next ``setup`` says what it repaired."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ProjectFactory
from tests.helpers import PY, generation, installed_version, store, stray

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def ready(make_project: ProjectFactory, cli: Cli) -> Path:
    root = make_project('requirements = ["beta"]\n', python=PY)
    code, _, err = cli("setup", cwd=root)
    assert code == 0, err
    assert generation(root) >= 0
    return root


@pytest.mark.parametrize(
    ("journal", "said"),
    [
        ("{ torn", "dropped a corrupt swap journal"),
        ("[1, 2]\n", "dropped a corrupt swap journal"),
        ('{"op": "commit", "generation": 99, "keep_previous": true}\n', "dropped an unusable swap journal"),
    ],
)
def test_a_bad_journal_is_dropped_and_the_env_kept(ready: Path, cli: Cli, journal: str, said: str) -> None:
    gen = generation(ready)
    (store(ready) / ".journal.json").write_text(journal, encoding="utf-8")
    code, out, _ = cli("check", cwd=ready)
    assert code == 0 and "warning: pending: an interrupted swap" in out  # check reads, repairs nothing
    assert (store(ready) / ".journal.json").exists()
    code, _, err = cli("setup", cwd=ready)
    assert code == 0, err
    assert f"default: {said}" in err
    assert stray(ready) == []
    assert generation(ready) == gen  # the env in use was kept, not rebuilt
    assert installed_version(ready, "beta") == "1.0"


def test_venv_old_beside_a_venv_is_set_aside(ready: Path, cli: Cli) -> None:
    """Killed after the new env was renamed in, before the old one was moved on: the journal
    is still there, and the old env left as venv.old is removed with it."""
    gen = generation(ready)
    (store(ready) / ".journal.json").write_text("{ torn", encoding="utf-8")
    old = store(ready) / "venv.old"
    old.mkdir()
    (old / "leftover").write_text("x", encoding="utf-8")
    code, _, err = cli("setup", cwd=ready)
    assert code == 0, err
    assert not old.exists() and stray(ready) == []
    assert generation(ready) == gen


def test_venv_old_without_a_venv_is_put_back(ready: Path, cli: Cli) -> None:
    """Killed between the two renames of the rename sequence: ``venv`` is missing and the
    complete old env is ``venv.old``; it becomes ``venv`` again (no rebuild)."""
    gen = generation(ready)
    os.rename(store(ready) / "venv", store(ready) / "venv.old")
    code, _, err = cli("setup", cwd=ready)
    assert code == 0, err
    assert "building" not in err
    assert generation(ready) == gen and stray(ready) == []
    assert installed_version(ready, "beta") == "1.0"


def test_temporary_files_of_killed_writers_are_swept(ready: Path, cli: Cli) -> None:
    """A writer killed mid-write leaves ``.<name>.<pid>.tmp``; the next repair removes those
    whose process is gone and keeps those of live processes (their writer is still busy)."""
    import subprocess
    import sys

    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead = int(gone.stdout)
    here = store(ready)
    names = {
        "dead": f".pitstop-state.json.{dead}.tmp",
        "self": f".pitstop-state.json.{os.getpid()}.tmp",
        "parent": f".pitstop-state.json.{os.getppid()}.tmp",
        "odd": ".pitstop-state.json.notapid.tmp",
    }
    for name in names.values():
        (here / name).write_text("partial", encoding="utf-8")
    (here / ".journal.json").write_text("{ torn", encoding="utf-8")  # makes the next setup repair
    code, _, err = cli("setup", cwd=ready)
    assert code == 0, err
    left = {p.name for p in here.iterdir()}
    assert names["dead"] not in left
    assert {names["self"], names["parent"], names["odd"]} <= left
