"""The command line's less travelled paths: detect's text form, env selection mistakes, the
policy's environment variables, GitHub annotations, and adopted envs that fail in setup.

Each test runs pitstop as a user would (in-process ``main()``) and checks the exit code, the
message and its fix, and what is on disk afterwards.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ProjectFactory
from tests.helpers import PY, last_line, store

Cli = Callable[..., tuple[int, str, str]]


# -- detect: the text form -------------------------------------------------------------------
def test_detect_text_names_the_kind_and_the_command(tmp_path: Path, cli: Cli) -> None:
    venv = tmp_path / "app" / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text(f"home = {Path(sys.executable).parent}\n", encoding="utf-8")
    (venv / "bin" / "python").symlink_to(sys.executable)
    code, out, err = cli("detect", str(tmp_path / "app"))
    assert code == 0, err
    first, second = out.splitlines()[:2]
    assert first.startswith(f"{tmp_path / 'app'}: venv (")
    assert second == f"python: {venv / 'bin' / 'python'}"


def test_detect_text_says_why_python_is_unavailable_and_the_fix(tmp_path: Path, cli: Cli) -> None:
    app = tmp_path / "app"
    (app / ".venv").mkdir(parents=True)
    (app / ".venv" / "pyvenv.cfg").write_text("home = /nonexistent-base/bin\n", encoding="utf-8")
    code, out, _ = cli("detect", str(app))
    assert code == 0  # detect describes; it does not judge
    lines = out.splitlines()
    assert lines[0].startswith(f"{app}: venv")
    assert lines[1].startswith("python: unavailable: ")
    assert lines[2].startswith("    fix: ")


def test_detect_on_a_pitstop_project_reads_its_config(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements = ["beta"]\n', python=PY)
    code, out, err = cli("detect", str(root), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["kind"] == "managed"
    # the managed env is not built by detect: its command is the env's python, whose venv is absent
    assert not (store(root) / "venv").exists()


def test_detect_a_missing_directory_is_a_usage_error(tmp_path: Path, cli: Cli) -> None:
    code, out, err = cli("detect", str(tmp_path / "nope"))
    assert code == 2 and out == ""
    assert "no such directory" in err and last_line(err) == "fix: pass an existing directory"


def test_detect_honours_project_as_check_does(tmp_path: Path, cli: Cli) -> None:
    """--project names the root itself: a venv/ in a parent of the working directory is not
    what detect reports when check --project reports the project's own (system) env."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "venv")], check=True)
    work = tmp_path / "w"
    (work / "proj").mkdir(parents=True)
    code, out, err = cli("--project", "proj", "detect", "--json", cwd=work)
    assert code == 0, err
    data = json.loads(out)
    assert data["kind"] == "system" and data["directory"] == str(work / "proj")
    code, out, _ = cli("--project", "proj", "check", "--json", cwd=work)
    assert json.loads(out)["envs"][0]["kind"] == data["kind"]
    code, out, _ = cli("detect", cwd=work)  # without --project: searched upwards, as documented
    assert out.startswith(f"{tmp_path}: venv")
    code, out, err = cli("--project", "proj", "detect", "proj", cwd=work)
    assert code == 2 and out == "" and "either --project or DIR" in err


def test_detect_json_fix_is_the_command_as_check_and_python_give_it(tmp_path: Path, cli: Cli) -> None:
    """detect --json's fix is the bare command (no "run: "), as in check --json and python
    --json; it has no undocumented python field."""
    app = tmp_path / "app"
    app.mkdir()
    (app / "pyproject.toml").write_text('[project]\nname = "app"\nversion = "0"\n', encoding="utf-8")
    (app / "uv.lock").write_text("version = 1\n", encoding="utf-8")
    code, out, err = cli("detect", "--json", cwd=app)
    assert code == 0, err
    data = json.loads(out)
    assert data["kind"] == "uv" and data["command"] is None and "python" not in data
    assert set(data) == {"schema", "directory", "kind", "reason", "options", "command", "error", "fix"}
    launcher = json.loads(cli("python", "--json", cwd=app)[1])
    checked = json.loads(cli("check", "--json", cwd=app)[1])["envs"][0]
    assert data["fix"] == launcher["error"]["fix"] == checked["fix"] == "uv sync --locked"


# -- choosing envs -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("argv", "needle", "fix"),
    [
        (("run", "--all", "--", "python", "-c", "pass"), "takes one env, not --all", "fix: pass -e NAME"),
        (
            ("run", "-e", "default", "-e", "docs", "--", "python", "-c", "pass"),
            "takes one env",
            "fix: pass a single -e NAME",
        ),
        (("check", "-e", "docs", "--all"), "either -e/--env or --all", "fix: drop one of them"),
    ],
)
def test_env_selection_mistakes_are_usage_errors(
    make_project: ProjectFactory, cli: Cli, argv: tuple[str, ...], needle: str, fix: str
) -> None:
    root = make_project('requirements = ["beta"]\n[tool.pitstop.envs.docs]\nrequirements = ["alpha"]\n')
    code, _, err = cli(*argv, cwd=root)
    assert code == 2, err
    assert needle in err and last_line(err) == fix
    assert not (root / "pylock.toml").exists() and not (root / ".pitstop").exists()


def test_a_command_without_auto_detection_needs_a_config(tmp_path: Path, cli: Cli) -> None:
    code, _, err = cli("lock", cwd=tmp_path)
    assert code == 2
    assert "pitstop.toml" in err or "[tool.pitstop]" in err
    assert list(tmp_path.iterdir()) == []


# -- the policy from the environment -------------------------------------------------------------
def test_pitstop_strict_yes_refuses_to_lock(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(python=PY)
    monkeypatch.setenv("PITSTOP_STRICT", "Yes")
    code, _, err = cli("setup", cwd=root)
    assert code == 1, err
    assert "PITSTOP_STRICT=Yes" in err and last_line(err).startswith("run: pitstop lock")
    assert not (root / "pylock.toml").exists() and not (store(root) / "venv").exists()


def test_pitstop_strict_junk_is_a_config_error(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(python=PY)
    monkeypatch.setenv("PITSTOP_STRICT", "maybe")
    code, _, err = cli("setup", cwd=root)
    assert code == 2
    assert "PITSTOP_STRICT='maybe' is not a yes/no value" in err
    assert last_line(err) == "fix: set PITSTOP_STRICT to 1/true/yes or 0/false/no, or unset it"
    assert not (root / "pylock.toml").exists()


def test_auto_install_always_installs_even_in_ci(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project('requirements = ["beta"]\nauto-install = "always"\n', python=PY)
    monkeypatch.setenv("CI", "true")
    code, _, err = cli("-v", "setup", cwd=root)
    assert code == 0, err
    assert 'auto-install = "always"' in err
    assert (root / "pylock.toml").is_file() and (store(root) / "venv" / "bin" / "python").exists()


# -- GitHub annotations ------------------------------------------------------------------------------
def test_lock_check_annotates_the_stale_lock_on_github(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(python=PY)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, out, err = cli("lock", "--check", cwd=root)
    assert code == 1
    assert last_line(err) == "run: pitstop lock"
    assert out.startswith("::error file=pylock.toml")
    assert "run: pitstop lock" in out
    assert not (root / "pylock.toml").exists()


def test_a_config_error_is_annotated_on_github(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.pitstop]\nrequirement = ['x']\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, out, err = cli("check", cwd=tmp_path)
    assert code == 2
    assert out.startswith("::error")
    assert "requirement" in out and "requirement" in err


# -- adopted envs in setup ------------------------------------------------------------------------------
def test_setup_reports_a_broken_adopted_env_with_its_fix(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project(
        'requirements = ["beta"]\n[tool.pitstop.envs.legacy]\nkind = "venv"\npath = "old-env"\n',
        python=PY,
    )
    code, _, err = cli("setup", "--all", cwd=root)
    assert code == 1
    assert "error: legacy (venv): " in err and "old-env" in err
    assert last_line(err) == "fix: python3 -m venv old-env"  # an error, as check shows it; not a warning
    # the managed env was still built: one broken adopted env does not stop the others
    assert (store(root) / "venv" / "bin" / "python").exists()


# -- ci templates: what --install refuses ---------------------------------------------------------
@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        ("pitstop @ https://user:secret@example.invalid/pitstop.whl", "the URL holds credentials"),
        ("pitstop >>> 1", "is not a requirement"),
    ],
)
def test_ci_install_refuses_credentials_and_junk(tmp_path: Path, cli: Cli, spec: str, needle: str) -> None:
    code, out, err = cli("ci", "github", "--install", spec, cwd=tmp_path)
    assert code == 2 and out == ""
    assert needle in err
    assert "secret" not in err  # a credential is never echoed
    assert last_line(err).startswith('fix: use e.g. --install "pitstop==')


# -- detection corner cases --------------------------------------------------------------------
def test_a_pyproject_that_mentions_pitstop_but_does_not_parse(tmp_path: Path, cli: Cli) -> None:
    """Not silently auto-detected as something else: the config loader names the file."""
    (tmp_path / "pyproject.toml").write_text("[tool.pitstop\nrequirements = [\n", encoding="utf-8")
    code, out, err = cli("check", cwd=tmp_path)
    assert code == 2 and out == ""
    assert "pyproject.toml" in err
    assert last_line(err).startswith("fix: ")


def test_an_empty_python_version_file_is_not_pyenv(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / ".python-version").write_text("# nothing here\n", encoding="utf-8")
    code, out, err = cli("detect", str(tmp_path), "--json")
    assert code == 0, err
    assert json.loads(out)["kind"] == "system"


def test_auto_env_pointing_at_a_pitstop_project(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.pitstop.envs.sub]\nkind = "auto"\nproject-dir = "sub"\n', encoding="utf-8"
    )
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "pitstop.toml").write_text('requirements = ["beta"]\n', encoding="utf-8")
    code, _, err = cli("python", "-e", "sub", cwd=tmp_path)
    assert code == 2
    assert "is a pitstop project; declare its envs there" in err
    assert last_line(err) == f"fix: use --project {tmp_path / 'sub'}"


# -- run: the command itself ---------------------------------------------------------------------
def test_run_of_a_file_that_is_not_executable(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements = ["beta"]\n', python=PY)
    (root / "tool.sh").write_text("echo hi\n", encoding="utf-8")
    code, _, err = cli("run", "--", "./tool.sh", cwd=root)
    assert code == 126
    assert "./tool.sh: not executable in env 'default'" in err
    assert (
        last_line(err)
        == "fix: chmod +x ./tool.sh, or run it through its interpreter (pitstop run -- python ./tool.sh)"
    )


@pytest.mark.parametrize(
    "argv",
    [
        ("check",),
        ("check", "--json"),
        ("python",),
        ("python", "--json"),
        ("run", "--", "python", "-c", "pass"),
        ("setup",),
        ("lock", "--check"),
        ("lock",),
        ("detect",),
        ("clean",),
    ],
)
def test_a_deleted_working_directory_is_a_config_error(
    make_project: ProjectFactory, tmp_path: Path, argv: tuple[str, ...]
) -> None:
    """A launcher left in a directory a deploy removed: exit 2 with the fix, from every
    command and in the launcher's --json form, never exit 3 ("build failed") or 4."""
    import os
    import subprocess

    root = make_project('requirements = ["beta"]\n', python=PY)
    gone = root / "release"
    gone.mkdir()
    code = f"import os, runpy, sys\nos.chdir({str(gone)!r})\nos.rmdir({str(gone)!r})\n"
    code += f"sys.argv = ['pitstop', *{list(argv)!r}]\nrunpy.run_module('pitstop', run_name='__main__')\n"
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "CI": ""},
    )
    assert proc.returncode == 2, proc.stderr
    assert "the working directory no longer exists" in proc.stderr
    assert last_line(proc.stderr) == "fix: cd into an existing directory, then run the command again"
    if argv == ("python", "--json"):  # the launcher contract answers in its own form
        assert json.loads(proc.stdout)["error"]["exit"] == 2
    assert not store(root).exists()
