"""Real nox against a temporary project using pitstop's sessions and decorator."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ProjectFactory
from tests.helpers import PY, generation, store

NOXFILE = """\
# /// script
# dependencies = ["nox", "pitstop"]
# ///
import nox

from pitstop.nox import check, lock, session, setup

nox.options.sessions = ["tests"]


@session(env="default")
def tests(session):
    session.run("python", "-c", "import beta, sys; print('PREFIX', sys.prefix)")
    session.run("beta")


@session(env="docs", tags=["docs"])
def docs(session):
    session.run("gamma")


@session(env="default")
def installs(session):
    session.install("requests")
"""


def nox(root: Path, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nox", "--no-color", *argv],
        cwd=root,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture
def project(make_project: ProjectFactory) -> Path:
    root = make_project(
        'requirements = ["beta"]\n[tool.pitstop.envs.docs]\nrequirements = ["gamma"]\n', python=PY
    )
    (root / "noxfile.py").write_text(NOXFILE)
    return root


def test_ready_made_sessions(project: Path) -> None:
    listing = nox(project, "-l")
    assert listing.returncode == 0, listing.stderr
    for name in ("setup", "check", "lock", "tests", "docs"):
        assert f" {name} " in listing.stdout or f" {name}\n" in listing.stdout
    result = nox(project, "-s", "setup", "--", "--all")
    assert result.returncode == 0, result.stderr
    assert "locking docs" in result.stderr and "swapped default" in result.stderr
    assert (store(project, "docs") / "venv").is_dir()
    checked = nox(project, "-s", "check")
    assert checked.returncode == 0 and "✅ default" in checked.stdout + checked.stderr
    assert nox(project, "-s", "lock", "--", "--check", "--all").returncode == 0


def test_decorated_session_runs_in_the_env(project: Path) -> None:
    result = nox(project, "-s", "tests")
    assert result.returncode == 0, result.stderr
    out = result.stdout + result.stderr
    assert f"PREFIX {store(project) / 'venv'}" in out
    assert "beta 1.0" in out
    assert not (project / ".nox" / "tests").exists(), "no venv of its own"
    docs = nox(project, "-t", "docs")
    assert docs.returncode == 0 and "gamma 1.1" in docs.stdout + docs.stderr


def test_reuse_flag_keeps_the_env_as_is(project: Path) -> None:
    assert nox(project, "-s", "tests").returncode == 0
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace('requirements = ["beta"]', 'requirements = ["beta", "gamma"]')
    )
    reused = nox(project, "-R", "-s", "tests")
    assert reused.returncode == 0, reused.stderr
    assert "building" not in reused.stderr and generation(project) == 0
    no_install = nox(project, "--no-install", "-s", "tests")
    assert no_install.returncode == 0 and generation(project) == 0
    fresh = nox(project, "-s", "tests")
    assert fresh.returncode == 0 and "building default" in fresh.stderr
    assert generation(project) == 1


def test_install_only_provisions_without_running(project: Path) -> None:
    result = nox(project, "--install-only", "-s", "tests")
    assert result.returncode == 0, result.stderr
    assert (store(project) / "venv").is_dir()
    assert "PREFIX" not in result.stdout + result.stderr


def test_reuse_without_an_env_says_how_to_build_it(project: Path) -> None:
    result = nox(project, "-R", "-s", "tests")
    assert result.returncode == 1
    assert "run: nox -s setup" in result.stdout + result.stderr


def test_strict_in_ci_fails_instead_of_installing(project: Path) -> None:
    result = nox(project, "-s", "tests", CI="true")
    assert result.returncode == 1
    out = result.stdout + result.stderr
    assert "strict: CI=true" in out
    assert not (store(project) / "venv").exists()
    assert not (project / "pylock.toml").exists()


def test_session_install_is_refused(project: Path) -> None:
    result = nox(project, "-s", "installs")
    assert result.returncode == 1
    assert "add requests to the requirements of [tool.pitstop]" in result.stdout + result.stderr


def test_decorator_refuses_python(project: Path) -> None:
    import pitstop.nox

    with pytest.raises(TypeError, match="python"):
        pitstop.nox.session(env="x", python="3.12")
