"""Bad config and requirement sources: exit 2, a message naming the file and key, the fix, and
nothing written. Driven through ``pitstop lock --check`` (the pre-commit hook's command) and
``pitstop setup``, as a user meets them."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ProjectFactory, pyenv_python
from tests.helpers import PY, store

Cli = Callable[..., tuple[int, str, str]]

PROJECT = '[project]\nname = "proj"\nversion = "0.1"\n'


def listing(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.mark.parametrize(
    ("text", "needle", "fix"),
    [
        # envs
        (
            "[tool.pitstop]\nenvs = { docs = 1 }\n",
            "tool.pitstop.envs.docs must be a table",
            "make it a table",
        ),
        ('[tool.pitstop]\nlocation = "."\n', "must not be the project root", 'use ".pitstop"'),
        # libraries
        (
            '[tool.pitstop]\nlibraries = { yaml = { package = "PyYAML", extras = "x" } }\n',
            "libraries.yaml.extras: must be a list of strings",
            "",
        ),
        # dependency groups (PEP 735)
        (
            '[dependency-groups]\ntest = "pytest"\n[tool.pitstop]\ndependency-groups = ["test"]\n',
            "[dependency-groups].test must be a list",
            "define the group under [dependency-groups]",
        ),
        (
            '[dependency-groups]\ntest = [{ include-group = 1 }]\n[tool.pitstop]\ndependency-groups = ["test"]\n',
            "include-group must be a string",
            "define the group under [dependency-groups]",
        ),
        (
            '[dependency-groups]\ntest = [1]\n[tool.pitstop]\ndependency-groups = ["test"]\n',
            "[dependency-groups].test holds 1",
            'use requirement strings or { include-group = "name" }',
        ),
        (
            '[dependency-groups]\ntest = [2.5]\n[tool.pitstop]\ndependency-groups = ["test"]\n',
            "holds 2.5",
            "include-group",
        ),
        # extras (optional-dependencies)
        (
            'optional-dependencies = 1\n[tool.pitstop]\nextras = ["docs"]\n',
            "[project.optional-dependencies] must be a table",
            "define it under [project.optional-dependencies]",
        ),
        (
            'optional-dependencies = { docs = "sphinx" }\n[tool.pitstop]\nextras = ["docs"]\n',
            "[project.optional-dependencies].docs must be a list",
            "define it under [project.optional-dependencies]",
        ),
        (
            'optional-dependencies = { docs = [1] }\n[tool.pitstop]\nextras = ["docs"]\n',
            "is not a requirement string",
            "define it under [project.optional-dependencies]",
        ),
    ],
)
def test_bad_config_is_exit_2_with_the_fix(
    tmp_path: Path, cli: Cli, text: str, needle: str, fix: str
) -> None:
    # [project] keys come first: a text starting with a key continues the [project] table
    body = PROJECT + text if not text.startswith("[") else PROJECT + "\n" + text
    (tmp_path / "pyproject.toml").write_text(body, encoding="utf-8")
    before = listing(tmp_path)
    code, out, err = cli("lock", "--check", cwd=tmp_path)
    assert code == 2, err
    assert out == ""
    assert needle in err
    assert err.rstrip().splitlines()[-1].startswith("fix: ")
    assert fix in err.rstrip().splitlines()[-1]
    assert listing(tmp_path) == before


def test_an_extra_that_includes_itself_twice_is_expanded_once(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "pyproject.toml").write_text(
        PROJECT + 'optional-dependencies = { a = ["proj[b]", "proj[b]"], b = ["beta"] }\n'
        '[tool.pitstop]\nextras = ["a"]\nno-index = true\n',
        encoding="utf-8",
    )
    code, _, err = cli("lock", "--check", cwd=tmp_path)
    assert code == 1  # valid config, no lock yet
    assert err.rstrip().splitlines()[-1] == "run: pitstop lock"


def test_a_requirements_file_with_a_bare_include_option(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements-files = ["reqs.txt"]\n')
    (root / "reqs.txt").write_text("beta\n-r\n", encoding="utf-8")
    code, _, err = cli("lock", "--check", cwd=root)
    assert code == 2
    assert "reqs.txt:2: -r needs a file name" in err
    assert not (root / "pylock.toml").exists()


def test_python_version_file_that_is_a_directory(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project()
    (root / ".python-version").mkdir()
    code, _, err = cli("lock", "--check", cwd=root)
    assert code == 2
    assert ".python-version: cannot be read" in err
    assert err.rstrip().splitlines()[-1] == "fix: make .python-version a regular UTF-8 text file"


def test_project_option_naming_a_missing_directory(tmp_path: Path, cli: Cli) -> None:
    code, _, err = cli("--project", str(tmp_path / "nope"), "lock", "--check", cwd=tmp_path)
    assert code == 2
    assert "no such directory" in err and err.rstrip().splitlines()[-1] == "fix: pass a directory"


# -- PITSTOP_PYTHON ----------------------------------------------------------------------------
def test_pitstop_python_by_name_is_looked_up_on_path(
    make_project: ProjectFactory, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bare name is found on PATH (a real interpreter, never a shim) and used for the env."""
    python = pyenv_python(PY)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / f"python{PY}").symlink_to(python)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("PITSTOP_PYTHON", f"python{PY}")
    root = make_project(python=PY)
    code, _, err = cli("setup", cwd=root)
    assert code == 0, err
    cfg = (store(root) / "venv" / "pyvenv.cfg").read_text()
    assert f"home = {bindir}\n" in cfg  # the interpreter found on PATH, as named there


def test_pitstop_python_relative_path_is_refused(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PITSTOP_PYTHON", "bin/python3")
    root = make_project(python=PY)
    code, _, err = cli("setup", cwd=root)
    assert code == 2
    assert "PITSTOP_PYTHON='bin/python3' is not an absolute path" in err
    assert (
        err.rstrip().splitlines()[-1]
        == "fix: set PITSTOP_PYTHON to an interpreter's absolute path, or unset it"
    )
    assert not (root / "pylock.toml").exists()


def test_pitstop_python_that_does_not_match_the_request(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = pyenv_python("3.11" if PY != "3.11" else "3.12")
    root = make_project(python=PY)
    code, _, err = cli("lock", cwd=root)
    assert code == 0, err
    monkeypatch.setenv("PITSTOP_PYTHON", other)
    code, _, err = cli("setup", cwd=root)
    assert code == 1
    assert f"but env 'default' asks for python = '{PY}'" in err
    assert err.rstrip().splitlines()[-1] == "fix: point PITSTOP_PYTHON at a matching interpreter, or unset it"
    assert not (store(root) / "venv").exists() and not (store(root) / "venv.new").exists()


def test_pitstop_python_change_rebuilds_the_env(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An env built with one PITSTOP_PYTHON is stale when it points elsewhere (dev: rebuilt)."""
    python = pyenv_python(PY)
    root = make_project(python=PY)
    code, _, err = cli("setup", cwd=root)
    assert code == 0, err
    link = root.parent / "alias" / "python3"
    link.parent.mkdir()
    link.symlink_to(python)
    monkeypatch.setenv("PITSTOP_PYTHON", str(link))
    code, _, err = cli("setup", cwd=root)
    assert code == 0, err
    assert f"PITSTOP_PYTHON changed to {link}" in err
    assert "swapped default" in err


# -- location = "user" -----------------------------------------------------------------------------
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="platformdirs follows XDG on Linux")
def test_user_location_defaults_to_the_platform_data_dir(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PITSTOP_HOME")
    data = Path(os.environ["XDG_DATA_HOME"])
    root = make_project('requirements = ["beta"]\nlocation = "user"\n', python=PY)
    code, out, err = cli("python", cwd=root)
    assert code == 0, err
    assert Path(out.strip()).is_relative_to(data / "pitstop" / "envs")
    assert not (root / ".pitstop").exists()


@pytest.mark.parametrize(
    ("name", "make", "reason"),
    [
        ("reqs", "dir", "not a regular file"),
        ("r" * 300 + ".txt", "", "the name is too long"),
    ],
)
def test_a_requirements_file_that_cannot_be_read(
    make_project: ProjectFactory, cli: Cli, name: str, make: str, reason: str
) -> None:
    root = make_project(f'requirements-files = ["{name}"]\n')
    if make == "dir":
        (root / name).mkdir()
    code, _, err = cli("lock", "--check", cwd=root)
    assert code == 2
    assert f"requirements file {name} cannot be read: " in err and f": {reason}" in err
    assert (
        err.rstrip().splitlines()[-1]
        == f"fix: create {name} as a regular text file, or remove it from requirements-files"
    )
    assert not (root / "pylock.toml").exists()


def test_a_tool_pitstop_header_in_pitstop_toml_says_where_it_belongs(tmp_path: Path, cli: Cli) -> None:
    """A pyproject habit carried into pitstop.toml: the error names the header, not 'tool'."""
    root = tmp_path / "app"
    root.mkdir()
    (root / "pitstop.toml").write_text('[tool.pitstop]\nrequirements = ["beta"]\n', encoding="utf-8")
    code, out, err = cli("check", cwd=root)
    assert code == 2 and out == ""
    assert "pitstop.toml: [tool.pitstop] belongs in pyproject.toml" in err
    assert (
        err.rstrip().splitlines()[-1] == "fix: delete the [tool.pitstop] header line (keep the keys under it)"
    )
    assert sorted(p.name for p in root.iterdir()) == ["pitstop.toml"]


@pytest.mark.parametrize(
    ("key", "value", "needle"),
    [
        ("index-url", '"http://user:s3cretTOKEN@[::1/simple"', "is not a valid URL"),
        ("index-url", '"not a url"', "is not an http, https or file URL"),
        ("index-url", '"ftp://user:s3cretTOKEN@example.invalid/simple"', "is not an http, https or file URL"),
        ("index-url", '"https://user:s3cretTOKEN@example.invalid:44x/simple"', "is not a valid URL"),
        ("index-url", '"https:///simple"', "names no host"),
        (
            "extra-index-urls",
            '["https://example.invalid/simple", "http://u:s3cretTOKEN@[::1/x"]',
            "valid URL",
        ),
        ("extra-index-urls", '["https://example.invalid/a b"]', "holds whitespace"),
        ("find-links", '["https://user:s3cretTOKEN@[::1/links"]', "is not a valid URL"),
        ("find-links", '["gopher://example.invalid/links"]', "is not an http, https or file URL"),
    ],
)
@pytest.mark.parametrize("command", [("lock", "--check"), ("setup",), ("check",)])
def test_an_invalid_index_url_is_a_config_error_that_never_shows_its_password(
    make_project: ProjectFactory,
    cli: Cli,
    monkeypatch: pytest.MonkeyPatch,
    key: str,
    value: str,
    needle: str,
    command: tuple[str, ...],
) -> None:
    root = make_project(f'requirements = ["beta"]\n[tool.pitstop.envs.x]\n{key} = {value}\n', python=PY)
    monkeypatch.setenv("CI", "true")
    before = listing(root)
    code, out, err = cli(*command, "-e", "x", cwd=root) if command != ("check",) else cli(*command, cwd=root)
    assert code == 2, out + err
    assert f"envs.x.{key}" in err and needle in err, err
    assert f"fix: set tool.pitstop.envs.x.{key} to an http(s) or file URL" in err
    assert "s3cretTOKEN" not in out + err
    assert listing(root) == before


def test_a_missing_find_links_directory_is_a_config_error(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('[tool.pitstop.envs.x]\nrequirements = ["beta"]\nfind-links = ["dist"]\n', python=PY)
    code, _, err = cli("lock", "-e", "x", cwd=root)
    assert code == 2, err  # was exit 3, "fix the requirements"
    assert "find-links 'dist' is not a directory" in err and "fix: create dist" in err
    assert not (root / "pylock.x.toml").exists()
