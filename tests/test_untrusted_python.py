"""Issue #11 item 6: ``python`` / ``PITSTOP_PYTHON`` naming something that is not a Python
interpreter is a config error (exit 2, a fix, nothing changed) for every command, and pitstop
never executes it; a config error is exit 2 for ``check`` too; ``python = "3.99"`` fails
before any lock is written."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ProjectFactory, pyenv_python
from tests.test_untrusted_files import assert_clean_failure, snapshot

Cli = Callable[..., tuple[int, str, str]]
COMMANDS = [("setup",), ("check",), ("check", "--json"), ("lock",), ("run", "--", "true"), ("python",)]


@pytest.fixture
def spawned(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every program pitstop starts in-process (``argv[0]`` of each Popen), resolved."""
    started: list[str] = []
    real: Any = subprocess.Popen.__init__

    def record(self: Any, args: Any, *a: Any, **kw: Any) -> None:
        argv = [args] if isinstance(args, (str, os.PathLike)) else list(args)
        started.append(os.path.realpath(str(argv[0])))
        real(self, args, *a, **kw)

    monkeypatch.setattr(subprocess.Popen, "__init__", record)
    return started


def _not_pythons(tmp: Path) -> dict[str, str]:
    """Paths that must never be executed as an interpreter, by name."""
    bad = tmp / "bad"
    bad.mkdir()
    (bad / "python3").symlink_to("/bin/sh")  # the name is right, the program is not
    (bad / "python3.12").mkdir()  # a directory
    script = bad / "python"
    script.write_text(f"#!/bin/sh\ntouch {tmp / 'EXECUTED'}\nexit 0\n")  # a wrapper/shim
    script.chmod(0o755)
    plain = bad / "python3.11"
    plain.write_text("print(1)\n")  # not executable
    return {
        "etc-passwd": "/etc/passwd",
        "dev-null": os.devnull,
        "directory": str(tmp),
        "bin-sh": "/bin/sh",
        "symlink-to-sh": str(bad / "python3"),
        "directory-named-python": str(bad / "python3.12"),
        "script": str(script),
        "not-executable": str(plain),
    }


CASES = [
    "etc-passwd",
    "dev-null",
    "directory",
    "bin-sh",
    "symlink-to-sh",
    "directory-named-python",
    "script",
    "not-executable",
]


def _refused_unrun(cli: Cli, root: Path, command: tuple[str, ...], target: str, spawned: list[str]) -> str:
    """Run ``command``: exit 2 with a fix, nothing on stdout, nothing changed, and the
    would-be interpreter never started (its sentinel absent, not among spawned programs)."""
    before = snapshot(root)
    code, out, err = cli(*command, cwd=root)
    assert_clean_failure(code, err)
    assert snapshot(root) == before and out == ""
    assert not (root.parent / "EXECUTED").exists()
    assert os.path.realpath(target) not in spawned and "/usr/bin/dash" not in spawned
    return err


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("ci", [False, True], ids=["dev", "CI"])
def test_python_that_is_not_an_interpreter_is_exit_2_and_never_run(
    make_project: ProjectFactory,
    cli: Cli,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    spawned: list[str],
    case: str,
    command: tuple[str, ...],
    ci: bool,
) -> None:
    target = _not_pythons(tmp_path)[case]
    if ci:
        monkeypatch.setenv("CI", "true")
    root = make_project("requirements = []\n", python=target)
    err = _refused_unrun(cli, root, command, target, spawned)
    assert "not" in err and "Python interpreter" in err


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
@pytest.mark.parametrize("case", CASES)
def test_pitstop_python_that_is_not_an_interpreter_is_exit_2_and_never_run(
    make_project: ProjectFactory,
    cli: Cli,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    spawned: list[str],
    case: str,
    command: tuple[str, ...],
) -> None:
    target = _not_pythons(tmp_path)[case]
    monkeypatch.setenv("PITSTOP_PYTHON", target)
    root = make_project("requirements = []\n")
    err = _refused_unrun(cli, root, command, target, spawned)
    assert f"PITSTOP_PYTHON={target!r} is not a Python interpreter" in err
    assert "fix: set PITSTOP_PYTHON to an interpreter's absolute path, or unset it" in err


def test_the_system_kind_refuses_a_non_interpreter_with_exit_2(
    tmp_path: Path, cli: Cli, spawned: list[str]
) -> None:
    bad = _not_pythons(tmp_path)["symlink-to-sh"]
    root = tmp_path / "proj"
    root.mkdir()
    (root / "pyproject.toml").write_text(f'[tool.pitstop]\nkind = "system"\npython = "{bad}"\n')
    for command in (("check",), ("setup",), ("python",), ("run", "--", "true")):
        code, _, err = cli(*command, cwd=root)
        assert_clean_failure(code, err)
        assert "resolves to" in err and "not a Python interpreter" in err
    assert "/usr/bin/dash" not in spawned
    assert sorted(p.name for p in root.iterdir()) == ["pyproject.toml"]


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("python", True),
        ("python3", True),
        ("python3.12", True),
        ("python3.13t", True),
        ("python3.6m", True),
        ("pypy3", True),
        ("pypy3.10-c", True),
        ("graalpy", True),
        ("python.exe", True),
        ("sh", False),
        ("passwd", False),
        ("python-config", False),
        ("python3.12-config", False),
        ("pythonista", False),
        ("null", False),
        ("graalpy-config", False),
    ],
)
def test_interpreter_names(name: str, ok: bool) -> None:
    from pitstop.python_request import looks_like_python

    assert looks_like_python(f"/some/dir/{name}") is ok


def test_a_real_interpreter_passes_the_rule() -> None:
    from pitstop.python_request import interpreter_problem

    exe = pyenv_python("3.12")
    assert interpreter_problem(exe) is None
    assert interpreter_problem(os.path.realpath(exe)) is None


def test_a_missing_python_path_is_not_ready_exit_1(
    make_project: ProjectFactory, cli: Cli, tmp_path: Path
) -> None:
    root = make_project("requirements = []\n", python=str(tmp_path / "nowhere" / "python3.12"))
    before = snapshot(root)
    code, _, err = cli("setup", cwd=root)
    assert_clean_failure(code, err, codes=(1,))
    assert "does not exist" in err and snapshot(root) == before


# -- item 6b: `check` exits 2 on a config error, as `setup` does -------------------------------
@pytest.mark.parametrize(
    "body",
    [
        'requirements-files = ["missing.txt"]\n',
        'requirements-files = ["r.txt"]\n',  # r.txt holds a smuggled option
        'requirements-files = ["/dev/zero"]\n',
    ],
)
@pytest.mark.parametrize("json_flag", [(), ("--json",)], ids=["text", "json"])
def test_check_exits_2_on_a_config_error_like_setup(
    make_project: ProjectFactory, cli: Cli, body: str, json_flag: tuple[str, ...]
) -> None:
    root = make_project(body)
    (root / "r.txt").write_text("beta\n--find-links=/tmp\n")
    before = snapshot(root)
    setup_code, _, setup_err = cli("setup", cwd=root)
    code, out, err = cli("check", *json_flag, cwd=root)
    assert setup_code == code == 2, (setup_err, err)
    assert_clean_failure(code, err)
    assert out == "" and snapshot(root) == before


# -- item 6c: no interpreter for `python` fails before the lock is written ---------------------
@pytest.mark.parametrize("command", [("setup",), ("run", "--", "true")], ids=" ".join)
def test_python_399_fails_before_writing_the_lock(
    make_project: ProjectFactory, cli: Cli, command: tuple[str, ...]
) -> None:
    root = make_project(python="3.99")
    before = snapshot(root)
    code, _, err = cli(*command, cwd=root)
    assert_clean_failure(code, err, codes=(1,))
    assert "no interpreter satisfies python = '3.99'" in err and "fix: uv python install 3.99" in err
    assert not (root / "pylock.toml").exists() and not (root / ".pitstop" / "default").exists()
    # only the interpreter discovery cache may appear (a cache, not project state)
    assert {k: v for k, v in snapshot(root).items() if not k.startswith(".pitstop")} == before
