"""Why an env is not ready, as ``check`` says it (exit 1, read-only) and as dev-mode ``setup``
repairs it: a marker from an older pitstop, an interpreter that is gone or no longer runs, a
lock whose requires-python excludes the interpreter, strict ``run`` on a missing env."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ProjectFactory, pyenv_python
from tests.helpers import PY, generation, installed_version, last_line, store
from tests.test_lockverify import forge

Cli = Callable[..., tuple[int, str, str]]


def check_says(cli: Cli, root: Path, reason: str) -> None:
    code, out, err = cli("check", cwd=root)
    assert code == 1, out + err
    assert reason in out
    assert "fix: " in out or "run: " in out


def test_a_marker_without_the_installed_set_is_rebuilt(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("setup", cwd=root)[0] == 0
    marker = store(root) / "venv" / ".pitstop-state.json"
    data = json.loads(marker.read_text())
    data["installed"] = ""
    marker.write_text(json.dumps(data))
    gen = generation(root)
    check_says(cli, root, "env built by an older pitstop (no record of its installed set)")
    code, _, err = cli("setup", cwd=root)
    assert code == 0, err
    assert generation(root) > gen and installed_version(root, "beta") == "1.0"


@pytest.fixture
def built_with_alias(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, Path]:
    """A ready env whose interpreter is a symlink the user later removes or replaces."""
    root = make_project('requirements = ["beta"]\n', python=PY)
    link = root.parent / "alias" / "python3"
    link.parent.mkdir()
    link.symlink_to(pyenv_python(PY))
    monkeypatch.setenv("PITSTOP_PYTHON", str(link))
    code, _, err = cli("setup", cwd=root)
    assert code == 0, err
    monkeypatch.delenv("PITSTOP_PYTHON")
    return root, link


def test_an_interpreter_that_is_gone(built_with_alias: tuple[Path, Path], cli: Cli) -> None:
    root, link = built_with_alias
    link.unlink()  # the venv's bin/python links to it: the env is damaged
    check_says(cli, root, "env damaged: its python is missing")
    code, _, err = cli("setup", cwd=root)
    assert code == 0, err
    assert installed_version(root, "beta") == "1.0"
    assert str(link) not in (store(root) / "venv" / "pyvenv.cfg").read_text()


def test_an_interpreter_that_no_longer_runs(built_with_alias: tuple[Path, Path], cli: Cli) -> None:
    root, link = built_with_alias
    link.unlink()
    link.write_text("#!/bin/sh\necho broken\nexit 1\n", encoding="utf-8")
    link.chmod(0o755)
    check_says(cli, root, f"python {link} no longer runs")


def test_lock_requires_python_that_excludes_the_interpreter(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("lock", cwd=root)[0] == 0
    forge(
        root / "pylock.toml",
        lambda body: body.replace('requires-python = "', 'requires-python = ">=3.99,', 1),
    )
    code, _, err = cli("setup", cwd=root)
    assert code == 1, err
    assert "does not satisfy the lock's requires-python >=3.99" in err
    assert err.rstrip().splitlines()[-1].startswith("run: pitstop lock")
    assert not (store(root) / "venv").exists() and not (store(root) / "venv.new").exists()


def test_strict_run_on_a_missing_env_names_setup(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("lock", cwd=root)[0] == 0
    monkeypatch.setenv("CI", "true")
    code, _, err = cli("run", "--", "python", "-c", "import beta", cwd=root)
    assert code == 1
    assert "env 'default' is not ready: env missing (strict: CI=true)" in err
    assert err.rstrip().splitlines()[-1] == "run: pitstop setup"
    assert not (store(root) / "venv").exists()


@pytest.mark.parametrize(("program", "status"), [("true", 0), ("false", 1)])
def test_pitstop_python_that_is_not_a_python(
    make_project: ProjectFactory,
    cli: Cli,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    program: str,
    status: int,
) -> None:
    """A binary named like an interpreter that does not answer the probe (a copy of
    /bin/true or /bin/false): exit 1 naming it, nothing built."""
    import shutil

    found = shutil.which(program)
    if found is None:
        pytest.skip(f"no {program} here")
    fake = tmp_path / "bin" / "python3"
    fake.parent.mkdir()
    shutil.copy(found, fake)
    monkeypatch.setenv("PITSTOP_PYTHON", str(fake))
    root = make_project('requirements = ["beta"]\n', python=PY)
    code, _, err = cli("setup", cwd=root)
    assert code == 1, err
    assert f"{fake} does not run as a Python interpreter (exit {status})" in err
    assert err.rstrip().splitlines()[-1].endswith("point python / PITSTOP_PYTHON at a working interpreter")
    assert not (store(root) / "venv").exists()


@pytest.mark.parametrize(
    "cache",
    ["{ torn", '{"schema": 1, "interpreters": {}}', '{"schema": 2, "interpreters": {"%s": {"stats": 5}}}'],
)
def test_a_damaged_interpreter_cache_is_rebuilt(make_project: ProjectFactory, cli: Cli, cache: str) -> None:
    """The identity cache is an optimisation: damaged or from an older pitstop, it is ignored
    and written afresh; the env stays ready."""
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("setup", cwd=root)[0] == 0
    cache_file = root / ".pitstop" / ".cache" / "interpreters.json"
    assert cache_file.is_file()
    python = pyenv_python(PY)
    cache_file.write_text(cache.replace("%s", python), encoding="utf-8")
    code, out, err = cli("check", cwd=root)
    assert code == 0, out + err
    code, _, err = cli("setup", cwd=root)
    assert code == 0, err
    assert json.loads(cache_file.read_text(encoding="utf-8"))["schema"] == 2


def test_a_marker_from_a_newer_pitstop_is_not_trusted(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("setup", cwd=root)[0] == 0
    marker = store(root) / "venv" / ".pitstop-state.json"
    data = json.loads(marker.read_text())
    data["schema"] = 999
    marker.write_text(json.dumps(data))
    check_says(cli, root, "env damaged: no state marker")
    code, _, err = cli("setup", cwd=root)
    assert code == 0, err
    assert json.loads(marker.read_text())["schema"] != 999


def test_a_changed_python_version_file_makes_the_env_stale(make_project: ProjectFactory, cli: Cli) -> None:
    """``.python-version`` is the interpreter request (SPEC §2): an env built with 3.13 is not
    ready once it says 3.12, though 3.13 still satisfies the lock's requires-python; dev mode
    rebuilds with 3.12, as ``uv sync`` recreates the venv."""
    other = "3.12" if PY != "3.12" else "3.11"
    pyenv_python(other)  # skips where it is not installed
    root = make_project('requirements = ["beta"]\n', project='requires-python = ">=3.10"\n')
    (root / ".python-version").write_text(f"{PY}\n")
    assert cli("setup", cwd=root)[0] == 0
    (root / ".python-version").write_text(f"{other}\n")
    code, out, err = cli("check", "--strict", cwd=root)
    assert code == 1, out + err
    assert f"does not satisfy python = '{other}' (.python-version)" in out + err
    code, _, err = cli("setup", cwd=root)
    assert code == 0, err
    assert f"does not satisfy python = '{other}'" in err
    assert (
        cli(
            "run",
            "--",
            "python",
            "-c",
            f"import sys; assert '%d.%d' % sys.version_info[:2] == {other!r}",
            cwd=root,
        )[0]
        == 0
    )
    assert cli("check", cwd=root)[0] == 0


def test_check_python_and_run_agree_when_no_interpreter_fits(make_project: ProjectFactory, cli: Cli) -> None:
    """SPEC §6: the same verdict and fix from check, python and run. A missing env whose
    interpreter cannot be found is not fixed by `pitstop setup`; every form names the
    interpreter and the command that installs it, and check still writes nothing."""
    root = make_project('requirements = ["beta"]\n')
    (root / ".python-version").write_text("3.10.99\n")
    code, out, _ = cli("check", cwd=root)
    assert code == 1 and "no interpreter satisfies python = '3.10.99'" in out
    assert "fix: uv python install 3.10.99" in out and "pitstop setup" not in out
    assert not (root / ".pitstop").exists()
    for argv in (("python",), ("run", "--", "python", "-c", "pass")):
        code, _, err = cli(*argv, cwd=root)
        assert code == 1 and "no interpreter satisfies python = '3.10.99'" in err, err
        assert last_line(err).startswith("fix: uv python install 3.10.99")
