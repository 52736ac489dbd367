"""Real nox sessions on pitstop envs, the less common uses: an adopted env as a session's env
(and the matrix refused for it), ``uv pip`` in the install phase refused like ``pip install``, ``run_install``
skipped under ``--no-install``, nox's own virtualenv attributes still readable."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import ProjectFactory, pyenv_python
from tests.helpers import PY
from tests.test_nox import nox

NOXFILE = """\
import nox

from pitstop.nox import session


@session(env="default")
def phases(session):
    session.run_install("python", "-c", "print('INSTALL-PHASE')")
    session.run("python", "-c", "print('RUN-PHASE')")
    print("GLOBALS", session.virtualenv.allowed_globals, "LOCATION", session.virtualenv.location)


@session(env="default")
def uvpip(session):
    session.run_install("uv", "pip", "install", "gamma")


@session(env="legacy")
def legacy(session):
    session.run("python", "-c", "import sys; print('LEGACY', sys.prefix)")


@session(env="legacy", python="3.12")
def legacy_matrix(session):
    pass
"""


@pytest.fixture
def project(make_project: ProjectFactory) -> Path:
    root = make_project(
        'requirements = ["beta"]\n[tool.pitstop.envs.legacy]\nkind = "venv"\npath = "old-env"\n', python=PY
    )
    subprocess.run([pyenv_python("3.12"), "-m", "venv", "--without-pip", str(root / "old-env")], check=True)
    (root / "noxfile.py").write_text(NOXFILE)
    return root


def test_run_install_runs_in_the_install_phase_only(project: Path) -> None:
    result = nox(project, "-s", "phases")
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert "INSTALL-PHASE" in out and "RUN-PHASE" in out
    assert f"LOCATION {project / '.pitstop' / 'default' / 'venv'}" in out
    assert "GLOBALS (" in out  # nox's own attributes of the process env still answer
    result = nox(project, "-s", "phases", "--no-install")
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert "INSTALL-PHASE" not in out and "RUN-PHASE" in out


def test_uv_pip_in_a_session_is_refused(project: Path) -> None:
    result = nox(project, "-s", "uvpip")
    out = result.stdout + result.stderr
    assert result.returncode == 1
    assert "session.run_install(uv pip install gamma)" in out and "requirements" in out
    assert "Traceback" not in out


def test_an_adopted_env_runs_a_session_but_not_a_matrix(project: Path) -> None:
    result = nox(project, "-s", "legacy")
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert f"LEGACY {project / 'old-env'}" in out
    result = nox(project, "-s", "legacy_matrix")
    out = result.stdout + result.stderr
    assert result.returncode == 1
    assert "pitstop builds per-interpreter envs only for managed envs" in out
    assert "drop python= from the session, or make [tool.pitstop.envs.legacy] a managed env" in out
