"""Interpreter discovery reads uv's and pyenv's install trees directly (SPEC §5 Runtime): a
uv-managed CPython is found and used; ``~/.pyenv`` is read when PYENV_ROOT is unset; a
version directory with an odd name or no interpreter in it is skipped."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ProjectFactory, pyenv_python
from tests.helpers import store

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def trees(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """uv's install dir holding CPython 3.12 and ``~/.pyenv`` holding 3.11 plus two
    directories that are not interpreters; nothing on PATH."""
    py312 = Path(pyenv_python("3.12")).resolve().parent.parent
    py311 = Path(pyenv_python("3.11")).resolve().parent.parent
    uv_dir = tmp_path / "uv-python"
    uv_dir.mkdir()
    (uv_dir / f"cpython-{py312.name}-linux-x86_64-gnu").symlink_to(py312)
    (uv_dir / ".lock").write_text("")
    versions = Path(os.environ["HOME"]) / ".pyenv" / "versions"
    versions.mkdir(parents=True)
    (versions / py311.name).symlink_to(py311)
    (versions / "miniforge3-latest" / "bin").mkdir(parents=True)
    (versions / "3.10.99" / "bin").mkdir(parents=True)  # a half-removed version: no python
    monkeypatch.setenv("UV_PYTHON_INSTALL_DIR", str(uv_dir))
    monkeypatch.delenv("PYENV_ROOT", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    return uv_dir


def test_a_uv_managed_interpreter_is_found_and_used(
    trees: Path, make_project: ProjectFactory, cli: Cli
) -> None:
    root = make_project('requirements = ["beta"]\n', python="3.12")
    code, _, err = cli("setup", cwd=root)
    assert code == 0, err
    assert f"home = {trees}" in (store(root) / "venv" / "pyvenv.cfg").read_text()


def test_the_listing_shows_what_each_tree_holds(trees: Path, make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements = ["beta"]\n', python="3.99")
    code, _, err = cli("setup", cwd=root)
    assert code == 1
    found = err.split("found: ", 1)[1].splitlines()[0]
    assert found.startswith("3.12.") and "(uv)" in found and "(pyenv)" in found
    assert "miniforge" not in found and "3.10.99" not in found
    assert not (store(root) / "venv").exists()


def test_a_python_path_that_does_not_exist(make_project: ProjectFactory, cli: Cli, tmp_path: Path) -> None:
    missing = tmp_path / "gone" / "bin" / "python3"
    root = make_project('requirements = ["beta"]\n', python=str(missing))
    code, _, err = cli("setup", cwd=root)
    assert code == 1
    assert f"python = '{missing}' does not exist" in err
    assert err.rstrip().splitlines()[-1] == "fix: install it or fix the path"
    assert not (root / "pylock.toml").exists() and not (store(root) / "venv").exists()
