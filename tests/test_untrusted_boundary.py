"""One error boundary: an unexpected exception is exit 4 ("please report"), never 1."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pitstop.errors import INTERNAL
from tests.conftest import ProjectFactory
from tests.helpers import PY

Cli = Callable[..., tuple[int, str, str]]


def _explode(args: object) -> int:
    raise ZeroDivisionError("boom")


@pytest.mark.parametrize("verbose", [(), ("-v",)])
def test_unexpected_exception_is_exit_4(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch, verbose: tuple[str, ...]
) -> None:
    import pitstop.commands.check

    root = make_project(python=PY)
    monkeypatch.setattr(pitstop.commands.check, "run", _explode)
    code, out, err = cli(*verbose, "check", cwd=root)
    assert code == INTERNAL == 4
    assert "internal error: ZeroDivisionError: boom" in err and "please report" in err
    assert ("Traceback" in err) == bool(verbose)
    assert out == ""
    assert sorted(p.name for p in root.iterdir()) == ["pyproject.toml"]


def test_recursion_error_is_exit_4_not_1(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pitstop.commands.check

    def recurse(args: object) -> int:
        return recurse(args)

    monkeypatch.setattr(pitstop.commands.check, "run", recurse)
    code, _, err = cli("check", cwd=make_project(python=PY))
    assert code == 4 and "RecursionError" in err and "Traceback" not in err


@pytest.mark.parametrize("cmd", ["", "\0x"])
def test_run_with_an_empty_command_name_is_a_usage_error(
    make_project: ProjectFactory, cli: Cli, cmd: str
) -> None:
    root = make_project(python=PY)
    code, _, err = cli("run", "--", cmd, cwd=root)
    assert code == 2, err
    assert "is not a command name" in err and "run: pitstop run --" in err
    assert sorted(p.name for p in root.iterdir()) == ["pyproject.toml"]


def test_run_of_a_non_executable_file_is_126(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project("requirements = []\n", python=PY)
    script = root / "script.sh"
    script.write_text("echo hi\n")
    code, _, err = cli("run", "--", str(script), cwd=root)
    assert code == 126, err
    assert "not executable" in err and "fix:" in err
    assert Path(script).read_text() == "echo hi\n"
