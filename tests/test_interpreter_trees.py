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


def test_a_free_threaded_request_is_not_met_by_a_gil_build(make_project: ProjectFactory, cli: Cli) -> None:
    """python = "3.13t" wants the free-threaded build; the GIL build of 3.13 does not do."""
    pyenv_python("3.13")  # a GIL 3.13 is here, so this is not just "no 3.13 at all"
    root = make_project('requirements = ["beta"]\n', python="3.13t")
    code, _, err = cli("setup", cwd=root)
    assert code == 1
    assert "no interpreter satisfies python = '3.13t'; found: 3.13." in err
    assert err.rstrip().splitlines()[-1].startswith("fix: uv python install 3.13t")
    assert not (store(root) / "venv").exists()


@pytest.mark.parametrize(
    ("request_", "needle"), [(" ", "empty python request"), ("==", "cannot understand python = '=='")]
)
def test_python_requests_that_say_nothing(
    make_project: ProjectFactory, cli: Cli, request_: str, needle: str
) -> None:
    root = make_project('requirements = ["beta"]\n', python=request_)
    code, _, err = cli("lock", "--check", cwd=root)
    assert code == 2
    assert f"tool.pitstop.python: {needle}" in err
    assert err.rstrip().splitlines()[-1].startswith('fix: use a version ("3.12")')
