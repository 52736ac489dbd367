"""Project discovery (SPEC §1): upwards, pitstop config first, then adopted kinds' markers;
``.python-version`` read as pyenv reads it."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from pitstop import config_load, discovery, fastpath
from tests.conftest import pyenv_python
from tests.helpers import run_prefix

Cli = Callable[..., tuple[int, str, str]]


def test_config_is_found_upwards_before_any_nearer_marker(tmp_path: Path) -> None:
    (tmp_path / "pitstop.toml").write_text("")
    inner = tmp_path / "sub" / "deeper"
    inner.mkdir(parents=True)
    (tmp_path / "sub" / "uv.lock").write_text("")
    assert discovery.find_project(str(inner)) == (str(tmp_path), str(tmp_path / "pitstop.toml"))
    # config.py and the fast path agree on the root.
    assert config_load.find_root(inner)[0] == tmp_path
    assert fastpath.find_root(str(inner)) == str(tmp_path)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("[tool.pitstop]\n", True),
        ("[tool.pitstop.envs.docs]\nrequirements = []\n", True),
        ('[tool]\npitstop = { python = "3.12" }\n', True),
        ("[tool.pitstopper]\n", False),
        ('[project]\nname = "x"\ndependencies = ["pitstop"]\n', False),
        ("[tool.pitstop\n", True),  # broken TOML: the loader reports where
    ],
)
def test_pyproject_with_a_pitstop_table(tmp_path: Path, text: str, found: bool) -> None:
    (tmp_path / "pyproject.toml").write_text(text)
    assert (discovery.pitstop_config(str(tmp_path)) is not None) is found


@pytest.mark.parametrize(
    ("marker", "kind"),
    [
        ("uv.lock", "uv"),
        ("poetry.lock", "poetry"),
        (".venv/pyvenv.cfg", "venv"),
        ("venv/pyvenv.cfg", "venv"),
        ("environment.yml", "conda"),
        ("conda-meta/", "conda"),
        (".python-version", "pyenv"),
    ],
)
def test_markers_are_found_upwards(tmp_path: Path, marker: str, kind: str) -> None:
    target = tmp_path / marker.rstrip("/")
    if marker.endswith("/"):
        target.mkdir()
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("3.12\n" if marker == ".python-version" else "")
    inner = tmp_path / "src" / "pkg"
    inner.mkdir(parents=True)
    assert discovery.find_marker(str(inner)) == (str(tmp_path), kind, marker)
    assert discovery.find_project(str(inner)) == (str(tmp_path), None)


def test_nothing_found_is_the_start_directory(tmp_path: Path) -> None:
    assert discovery.find_project(str(tmp_path)) == (str(tmp_path), None)


@pytest.mark.parametrize(
    ("text", "versions", "request_"),
    [
        ("3.12\n", ("3.12",), "3.12"),
        ("# pinned for the workers\n3.11.9\n", ("3.11.9",), "3.11.9"),
        ("  3.12  # trailing words are ignored\n", ("3.12",), "3.12"),
        ("system\n", ("system",), None),
        ("3.13\n3.12\nsystem\n", ("3.13", "3.12", "system"), "3.13"),
        ("\r\n3.12\r\n", ("3.12",), "3.12"),
        ("python-3.12\n", ("python-3.12",), "3.12"),
        ("../../etc\n3.10\n", ("3.10",), "3.10"),
        ("..\n3.10\n", ("3.10",), "3.10"),
        ("# only a comment\n", (), None),
        ("\x00\x7f junk\n3.11\n", ("3.11",), "3.11"),
        ("3.12\x1b[31m\n", (), None),
        ("", (), None),
    ],
)
def test_python_version_file_is_read_as_pyenv_reads_it(
    tmp_path: Path, text: str, versions: tuple[str, ...], request_: str | None
) -> None:
    (tmp_path / ".python-version").write_text(text)
    assert discovery.read_python_version(str(tmp_path / ".python-version")) == versions
    assert discovery.python_version_request(str(tmp_path)) == request_
    (tmp_path / "pitstop.toml").write_text("")
    assert config_load.load(tmp_path).python_version_file == request_


def test_run_from_a_subdirectory_finds_the_venv_project(tmp_path: Path) -> None:
    """Item 2: `pitstop run` in app/src/pkg/ runs app/.venv's python, not pitstop's own."""
    root = tmp_path / "app"
    subprocess.run([pyenv_python("3.12"), "-m", "venv", "--without-pip", str(root / ".venv")], check=True)
    inner = root / "src" / "pkg"
    inner.mkdir(parents=True)
    assert run_prefix(inner) == str(root / ".venv")


def test_project_option_accepts_a_directory_without_pitstop_config(tmp_path: Path, cli: Cli) -> None:
    root = tmp_path / "app"
    subprocess.run([pyenv_python("3.12"), "-m", "venv", "--without-pip", str(root / ".venv")], check=True)
    code, out, err = cli("--project", str(root), "python", cwd=tmp_path)
    assert code == 0, err
    assert out.strip() == str(root / ".venv" / "bin" / "python")
