"""The command line: exit codes, messages with fixes, no tracebacks for user mistakes."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from pitstop.commands import Options
from pitstop.main import _parser

Cli = Callable[..., tuple[int, str, str]]


def test_help_and_version(cli: Cli, tmp_path: Path) -> None:
    code, out, _ = cli("--version", cwd=tmp_path)
    assert code == 0 and out.startswith("pitstop ")


def test_usage_errors_exit_2(cli: Cli, tmp_path: Path) -> None:
    assert cli("frobnicate", cwd=tmp_path)[0] == 2
    assert cli("lock", "--bogus", cwd=tmp_path)[0] == 2


def test_missing_config_is_exit_2_without_traceback(cli: Cli, tmp_path: Path) -> None:
    code, _, err = cli("lock", "--check", cwd=tmp_path)
    assert code == 2
    assert "Traceback" not in err
    assert "no pitstop configuration" in err
    assert "fix:" in err


def test_config_error_names_file_key_and_fix(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.pitstop]\ninstaller = 'conda'\n")
    code, _, err = cli("lock", cwd=tmp_path)
    assert code == 2
    assert "pyproject.toml: tool.pitstop.installer" in err
    assert err.strip().splitlines()[-1].startswith("fix:")


def test_unknown_env_is_exit_2(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.pitstop]\n")
    code, _, err = cli("lock", "-e", "nope", cwd=tmp_path)
    assert code == 2 and "no env named 'nope'" in err


def test_project_flag(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "pitstop.toml").write_text("")
    code, _, err = cli("--project", str(tmp_path / "p"), "lock", "--check", cwd=tmp_path)
    assert code == 1 and "pylock.toml is missing" in err


def test_quiet_hides_steps_but_not_errors(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "pitstop.toml").write_text("")
    code, _, err = cli("lock", "--check", "-q", cwd=tmp_path)
    assert code == 1 and "missing" in err
    (tmp_path / "pylock.toml").write_text("junk")
    code, _, err = cli("lock", "--check", cwd=tmp_path)
    assert code == 1 and "edited by hand" in err


def test_python_dash_m() -> None:
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-m", "pitstop", "--version"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0 and "pitstop" in proc.stdout


def test_an_unusable_store_is_an_error_not_a_traceback(cli: Cli, tmp_path: Path) -> None:
    # A file where the env's directory should be: mkdir fails with an OSError (even for root).
    # (A file as the location itself is a config error, caught when the config is read.)
    (tmp_path / "pitstop.toml").write_text('location = "store"\nrequirements = []\nno-index = true\n')
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "default").write_text("not a directory")
    code, _, err = cli("setup", cwd=tmp_path)
    assert code == 3
    assert "Traceback" not in err and "error: " in err and "fix: check the permissions" in err
    assert (tmp_path / "store" / "default").read_text() == "not a directory"


def test_a_file_as_location_is_a_config_error(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "pitstop.toml").write_text('location = "pitstop.toml"\nrequirements = []\n')
    code, _, err = cli("setup", cwd=tmp_path)
    assert code == 2, err
    assert "is a file, not a directory" in err and "fix: " in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pitstop.toml"]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["setup"], Options()),
        (["-v", "check", "-e", "a", "-e", "b", "--strict"], Options(verbose=1, strict=True, envs=("a", "b"))),
        (["run", "--all", "--no-strict", "-q", "--", "x"], Options(quiet=1, strict=False, all=True)),
        (["lock", "--project", "p", "-e", "docs"], Options(project=Path("p"), envs=("docs",))),
        (["rollback", "-vv"], Options(verbose=2)),
        (["clean"], Options()),
        (["python", "--nul"], Options()),
        (["detect"], Options()),
        (["ci", "github"], Options()),
    ],
)
def test_every_subcommand_has_the_shared_options_typed(argv: list[str], expected: Options) -> None:
    """The command helpers take ``Options``, not the argparse namespace: every subcommand's
    namespace holds the shared options (defaults where a subcommand lacks them)."""
    import argparse

    parser = _parser()
    assert isinstance(parser, argparse.ArgumentParser)
    assert Options.of(parser.parse_args(argv)) == expected
