"""``pitstop lock`` beyond the common path: a Python range no interpreter here satisfies (the
lock does not need one), one that names an implementation not installed, --upgrade of a name
that is not a package, a project path uv could mistake, and a standard-library "library"."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.conftest import ProjectFactory
from tests.helpers import last_line

Cli = Callable[..., tuple[int, str, str]]


def test_a_range_above_every_interpreter_here_still_locks(make_project: ProjectFactory, cli: Cli) -> None:
    """The lock is for the requested range: CI may run a Python this machine lacks."""
    root = make_project('requirements = ["beta"]\n', python=">=3.99")
    code, _, err = cli("lock", cwd=root)
    assert code == 0, err
    text = (root / "pylock.toml").read_text(encoding="utf-8")
    assert 'requires-python = ">=3.99"' in text and 'name = "beta"' in text
    code, _, err = cli("setup", cwd=root)  # but nothing here can build it
    assert code == 1
    assert not (root / ".pitstop" / "default" / "venv").exists()


def test_an_implementation_that_is_not_installed(make_project: ProjectFactory, cli: Cli) -> None:
    """No version bound to lock for and no such interpreter: exit 1 listing what was found."""
    root = make_project('requirements = ["beta"]\n', python="graalpy")
    code, _, err = cli("lock", cwd=root)
    assert code == 1
    assert "no interpreter satisfies python = 'graalpy'; found: " in err
    assert last_line(err).startswith("fix: uv python install graalpy")
    assert not (root / "pylock.toml").exists()


def test_upgrade_of_something_that_is_not_a_package_name(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements = ["beta"]\n')
    assert cli("lock", cwd=root)[0] == 0
    before = (root / "pylock.toml").read_bytes()
    code, _, err = cli("lock", "--upgrade", "not a name!", cwd=root)
    assert code == 2
    assert "--upgrade 'not a name!': no such package in pylock.toml" in err
    assert last_line(err) == "run: pitstop lock --upgrade  (every package), or name one of: alpha, beta"
    assert (root / "pylock.toml").read_bytes() == before


def test_a_project_path_with_a_control_character(tmp_path: Path, wheels: Path, cli: Cli) -> None:
    """install-project hands the project's path to uv: a path with a control character is
    refused before uv sees it."""
    root = tmp_path / "bad\x07dir"
    root.mkdir()
    (root / "pyproject.toml").write_text(
        '[project]\nname = "bad"\nversion = "0"\n'
        f'[tool.pitstop]\nfind-links = ["{wheels}"]\nno-index = true\ninstall-project = true\n',
        encoding="utf-8",
    )
    code, _, err = cli("lock", cwd=root)
    assert code == 2
    assert "holds a control character" in err
    assert last_line(err) == "fix: move the project to a directory whose name has no control characters"
    assert not (root / "pylock.toml").exists()


def test_a_standard_library_name_in_libraries_is_skipped_with_a_warning(
    make_project: ProjectFactory, cli: Cli
) -> None:
    root = make_project('libraries = { json = "2", beta = "1.0" }\n')
    code, _, err = cli("setup", cwd=root)
    assert code == 0, err
    assert "warning: " in err and "json" in err
    text = (root / "pylock.toml").read_text(encoding="utf-8")
    assert 'requirements = ["beta==1.0"]' in text and "json" not in text


def test_environments_restrict_the_lock_and_are_recorded(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project(
        'requirements = ["beta"]\nenvironments = ["sys_platform == \'linux\'"]\n', python="3.12"
    )
    code, _, err = cli("lock", cwd=root)
    assert code == 0, err
    text = (root / "pylock.toml").read_text(encoding="utf-8")
    header = text.split("[[packages]]")[0]
    assert "environments = [" in header and "sys_platform == 'linux'" in header
    code, _, err = cli("lock", "--check", cwd=root)
    assert code == 0, err


def test_a_malformed_content_hash_is_a_hand_edit(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements = ["beta"]\n')
    assert cli("lock", cwd=root)[0] == 0
    lock = root / "pylock.toml"
    text = lock.read_text(encoding="utf-8")
    head, _, _ = text.rpartition('content-hash = "')
    lock.write_text(head + 'content-hash = "sha256:0"\n', encoding="utf-8")
    code, _, err = cli("lock", "--check", cwd=root)
    assert code == 1
    assert "edited by hand" in err or "modified" in err
    assert last_line(err) == "run: pitstop lock"
    code, _, err = cli("lock", cwd=root)
    assert code == 0, err
    assert cli("lock", "--check", cwd=root)[0] == 0
