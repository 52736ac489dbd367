"""Real nox against a temporary project using pitstop's sessions and decorator."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ProjectFactory
from tests.helpers import PY, generation, pitstop_process, store

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


def test_decorator_refuses_nox_venv_keywords_without_a_traceback(project: Path) -> None:
    import pitstop.nox
    from pitstop.errors import ConfigError

    with pytest.raises(ConfigError, match="venv_backend"):
        pitstop.nox.session(env="x", venv_backend="uv")
    with pytest.raises(ConfigError, match="unknown keyword"):
        pitstop.nox.session(env="x", colour="red")
    (project / "noxfile.py").write_text(
        "from pitstop.nox import session\n\n"
        '@session(env="default", venv_backend="uv")\ndef tests(session):\n    pass\n'
    )
    result = nox(project, "-l")
    assert result.returncode == 2
    assert "does not take venv_backend=" in result.stderr and "fix: remove venv_backend=" in result.stderr
    assert "Traceback" not in result.stderr


MATRIX = """\
import nox
from pitstop.nox import session


@session(env="default", python=["3.11", "3.12"])
def tests(session):
    session.run("python", "-c", "import sys, beta; print('RAN', sys.version_info[:2], sys.prefix)")
    print("BIN", session.bin, session.bin_paths == [session.bin])
    print("PYTHON", session.python, "LOCATION", session.virtualenv.location)


@session
def bare(session):
    print("BARE", session.python, session.bin)


@session(env="default")
@nox.session(tags=["inner"])
def stacked(session):
    print("STACKED", session.bin)
"""


@pytest.fixture
def matrix(make_project: ProjectFactory) -> Path:
    from tests.conftest import pyenv_python

    pyenv_python("3.11")
    pyenv_python("3.12")
    root = make_project('requirements = ["beta"]\n', python=">=3.11")
    (root / "noxfile.py").write_text(MATRIX)
    return root


def test_matrix_session_runs_on_each_interpreter_from_one_lock(matrix: Path) -> None:
    listing = nox(matrix, "-l")
    assert listing.returncode == 0, listing.stderr
    assert "tests-3.11" in listing.stdout and "tests-3.12" in listing.stdout
    result = nox(matrix, "-s", "tests")
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    lock = (matrix / "pylock.toml").read_text()
    for version in ("3.11", "3.12"):
        venv = matrix / ".pitstop" / f"default@{version}" / "venv"
        assert f"RAN ({version.replace('.', ', ')}) {venv}" in out
        assert f"BIN {venv / 'bin'} True" in out
        assert f"PYTHON {version} LOCATION {venv}" in out
    assert out.count("locking default") == 1, "one lock serves every interpreter"
    assert nox(matrix, "-s", "tests-3.12").returncode == 0
    assert (matrix / "pylock.toml").read_text() == lock
    only = nox(matrix, "--python", "3.11", "-s", "tests")
    assert only.returncode == 0 and "tests-3.12" not in only.stdout + only.stderr
    cleaned = pitstop_process(matrix, "clean")
    assert cleaned.returncode == 0 and "cleaned default@3.12" in cleaned.stderr
    for version in ("3.11", "3.12"):
        assert not (matrix / ".pitstop" / f"default@{version}" / "venv").exists()


def test_force_python_runs_the_forced_interpreter(matrix: Path) -> None:
    from tests.conftest import pyenv_python

    result = nox(matrix, "-s", "tests", "--force-python", "3.12")
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert "RAN (3, 12)" in out and "RAN (3, 11)" not in out
    bare = nox(matrix, "-s", "bare", "--force-python", "3.11")
    out = bare.stdout + bare.stderr
    assert bare.returncode == 0, out
    assert f"BARE 3.11 {matrix / '.pitstop' / 'default@3.11' / 'venv' / 'bin'}" in out
    extra = nox(matrix, "-l", "--extra-python", "3.13")
    assert "tests-3.13" in extra.stdout
    path = pyenv_python("3.11")  # nox also takes an interpreter's path
    by_path = nox(matrix, "-s", "tests", "--force-python", path)
    assert by_path.returncode == 0 and "RAN (3, 11)" in by_path.stdout + by_path.stderr
    stores = sorted(p.name for p in (matrix / ".pitstop").iterdir() if p.name.startswith("default@python-"))
    assert len(stores) == 1 and (matrix / ".pitstop" / stores[0] / "venv").is_dir()


def test_bare_and_stacked_decorators(matrix: Path) -> None:
    listing = nox(matrix, "-l")
    assert listing.stdout.count("* stacked") == 1, listing.stdout
    result = nox(matrix, "-s", "bare", "stacked")
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    bindir = matrix / ".pitstop" / "default" / "venv" / "bin"
    assert f"STACKED {bindir}" in out and f" {bindir}" in out.split("BARE", 1)[1]
    assert not (matrix / ".nox" / "stacked").exists()


def test_matrix_interpreter_outside_the_envs_python_is_a_clear_error(
    make_project: ProjectFactory,
) -> None:
    from tests.conftest import pyenv_python

    pyenv_python("3.11")
    root = make_project('requirements = ["beta"]\n', python="3.12")
    (root / "noxfile.py").write_text(MATRIX)
    result = nox(root, "-s", "tests-3.11")
    out = result.stdout + result.stderr
    assert result.returncode == 1
    assert "outside env 'default''s python = '3.12'" in out and "Traceback" not in out


READY_MADE_ONLY_SOME = """\
from pitstop.nox import session


@session(env="default")
def tests(session):
    session.run("beta")


@session(env="default")
def project_install(session):
    session.install("-e", ".")


@session(env="default")
def sneaky(session):
    session.run_install("python", "-m", "pip", "install", "gamma")


@session(env="default")
def drift(session):
    session.run_install(
        "python", "-c",
        "import os, sysconfig; os.mkdir(os.path.join(sysconfig.get_paths()['purelib'], 'x-1.dist-info'))",
    )
"""


def test_fixes_name_nox_commands_this_noxfile_has(project: Path) -> None:
    no_lock = nox(project, "-s", "tests", CI="true")
    assert "run: nox -s lock  (locally), then commit pylock.toml" in no_lock.stdout + no_lock.stderr
    assert nox(project, "-s", "lock").returncode == 0
    result = nox(project, "-s", "tests", CI="true")
    assert "run: nox -s setup" in result.stdout + result.stderr  # this noxfile imports setup
    (project / "noxfile.py").write_text(READY_MADE_ONLY_SOME)
    result = nox(project, "-s", "tests", CI="true")
    out = result.stdout + result.stderr
    assert result.returncode == 1
    assert "run: nox -s setup" not in out and "pitstop setup" not in out
    assert "run: nox --install-only -s tests" in out
    (project / "pylock.toml").unlink()
    relock = nox(project, "-s", "tests", CI="true")
    out = relock.stdout + relock.stderr
    assert "run: nox -s tests  (locally: it re-locks), then commit pylock.toml" in out
    assert "nox -s lock" not in out


def test_install_only_in_ci_provisions_from_the_committed_lock(project: Path) -> None:
    assert nox(project, "-s", "lock").returncode == 0  # locally, then "committed"
    lock = (project / "pylock.toml").read_text()
    strict = nox(project, "--install-only", "-s", "tests", CI="true")
    assert strict.returncode == 0, strict.stdout + strict.stderr
    assert (store(project) / "venv").is_dir() and "PREFIX" not in strict.stdout + strict.stderr
    assert (project / "pylock.toml").read_text() == lock
    ran = nox(project, "-s", "tests", CI="true")
    assert ran.returncode == 0 and "beta 1.0" in ran.stdout + ran.stderr


def test_bare_nox_in_ci_is_strict_and_never_runs_ready_made_sessions(project: Path) -> None:
    (project / "noxfile.py").write_text(NOXFILE.replace('nox.options.sessions = ["tests"]\n', ""))
    result = nox(project, CI="true")
    out = result.stdout + result.stderr
    assert result.returncode == 1
    for ready_made in ("setup", "check", "lock"):
        assert f"Running session {ready_made}" not in out
    assert not (project / "pylock.toml").exists() and "strict: CI=true" in out
    refused = nox(project, "-s", "lock", CI="true")
    assert refused.returncode == 1 and not (project / "pylock.toml").exists()
    assert "strict mode never does" in refused.stdout + refused.stderr


def test_project_install_and_run_install_drift(project: Path) -> None:
    (project / "noxfile.py").write_text(READY_MADE_ONLY_SOME)
    own = nox(project, "-s", "project_install")
    assert own.returncode == 1
    assert "set install-project = true in [tool.pitstop]" in own.stdout + own.stderr
    sneaky = nox(project, "-s", "sneaky")
    assert (
        sneaky.returncode == 1
        and "add the packages it installs to the requirements" in sneaky.stdout + sneaky.stderr
    )
    assert not list((store(project) / "venv").glob("lib/*/site-packages/gamma*")), "refused before it ran"
    drift = nox(project, "-s", "drift")
    out = drift.stdout + drift.stderr
    assert drift.returncode == 1 and "changed the packages" in out and "+x-1.dist-info" in out
    rebuilt = nox(project, "-s", "tests")
    assert rebuilt.returncode == 0 and "building default" in rebuilt.stderr


@pytest.mark.index
def test_uv_run_noxfile_lists_the_ready_made_sessions(project: Path) -> None:
    import uv

    source = Path(__file__).resolve().parents[1]
    # pitstop is not on the package index yet: the script's own [tool.uv.sources] says where
    # it comes from, as docs/nox.md shows for a git URL.
    header = f'# [tool.uv.sources]\n# pitstop = {{ path = "{source}", editable = true }}\n# ///\n'
    (project / "noxfile.py").write_text(
        NOXFILE.replace("# ///\n", header, 1) + '\n\nif __name__ == "__main__":\n    nox.main()\n'
    )
    result = subprocess.run(
        [uv.find_uv_bin(), "run", "noxfile.py", "-l"],
        cwd=project,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for name in ("setup", "check", "lock", "tests", "docs"):
        assert f"- {name} " in result.stdout or f"* {name}" in result.stdout, result.stdout


FAST_NOXFILE = """\
import sys

from pitstop.nox import session


@session(env="default")
def probe(session):
    loaded = "pitstop.config_load" in sys.modules
    session.run("python", "-c", "import beta; print('CONFIG-LOADED', %r)" % loaded)
    print("BIN", session.bin, "PYTHON", session.python)
"""


def test_a_second_session_on_a_ready_env_is_answered_by_the_fast_path(make_project: ProjectFactory) -> None:
    root = make_project('requirements = ["beta"]\n', python=PY)
    (root / "noxfile.py").write_text(FAST_NOXFILE)
    first = nox(root, "-s", "probe")
    assert first.returncode == 0, first.stderr
    assert "CONFIG-LOADED True" in first.stdout + first.stderr
    second = nox(root, "-s", "probe")
    assert second.returncode == 0, second.stderr
    out = second.stdout + second.stderr
    assert "CONFIG-LOADED False" in out, "a ready, unchanged env: no config read"
    assert f"BIN {store(root) / 'venv' / 'bin'} PYTHON {PY}" in out
    before = generation(root)
    # A changed input (a new requirement) leaves the fast path: the env is rebuilt.
    text = (root / "pyproject.toml").read_text()
    (root / "pyproject.toml").write_text(
        text.replace('requirements = ["beta"]', 'requirements = ["beta", "gamma"]')
    )
    third = nox(root, "-s", "probe")
    assert third.returncode == 0, third.stderr
    assert "CONFIG-LOADED True" in third.stdout + third.stderr
    assert generation(root) == before + 1
