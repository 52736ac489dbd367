"""Shared fixtures: a hermetic environment, tiny local wheels, projects and interpreters."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.wheelfactory import build_catalogue

# Found before any test moves HOME: pyenv's interpreters are read (never modified) by tests.
_REAL_PYENV_ROOT = os.environ.get("PYENV_ROOT") or (
    str(Path.home() / ".pyenv") if (Path.home() / ".pyenv").is_dir() else ""
)
_SCRUB_PREFIXES = ("PIP_", "UV_", "PITSTOP_", "VIRTUAL_ENV", "CONDA_", "NOX_", "PRE_COMMIT")
_CI_VARS = ("CI", "GITHUB_ACTIONS", "GITLAB_CI", "BUILDKITE", "TF_BUILD", "JENKINS_URL")


@pytest.fixture(scope="session")
def uv_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One uv cache for the whole run, never the user's."""
    return tmp_path_factory.mktemp("uv-cache")


@pytest.fixture(autouse=True)
def hermetic(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, uv_cache: Path
) -> None:
    """Point HOME, PITSTOP_HOME, XDG dirs and uv's cache into temporary directories and scrub
    PIP_*/UV_*/CI variables so no test touches the user's home, caches or global env."""
    home = tmp_path_factory.mktemp("home")
    for key in list(os.environ):
        if key.startswith(_SCRUB_PREFIXES) or key in _CI_VARS or key == "PYTHONPATH":
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("PITSTOP_HOME", str(home / "pitstop-home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("UV_CACHE_DIR", str(uv_cache))
    monkeypatch.setenv("UV_PYTHON_INSTALL_DIR", str(home / "uv-python"))
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    if _REAL_PYENV_ROOT:
        monkeypatch.setenv("PYENV_ROOT", _REAL_PYENV_ROOT)
    else:
        monkeypatch.delenv("PYENV_ROOT", raising=False)


@pytest.fixture(scope="session")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory of tiny wheels (see tests/wheelfactory.py)."""
    return build_catalogue(tmp_path_factory.mktemp("wheels"))


def pyenv_python(version: str) -> str:
    """A pyenv interpreter ``X.Y`` (highest patch) read from disk, or skip the test."""
    root = Path(_REAL_PYENV_ROOT) / "versions" if _REAL_PYENV_ROOT else None
    if root is None or not root.is_dir():
        pytest.skip("no pyenv installation on this machine")
    found = sorted(
        (
            p
            for p in root.glob(f"{version}.*")
            if (p / "bin" / "python3").exists() or (p / "bin" / "python").exists()
        ),
        key=lambda p: [int(x) for x in p.name.split(".") if x.isdigit()],
    )
    if not found:
        pytest.skip(f"CPython {version} is not installed under pyenv here")
    exe = found[-1] / "bin" / ("python3" if (found[-1] / "bin" / "python3").exists() else "python")
    return str(exe)


ProjectFactory = Callable[..., Path]


@pytest.fixture
def make_project(tmp_path: Path, wheels: Path) -> ProjectFactory:
    """Create a project whose [tool.pitstop] resolves offline from the test wheels.

    ``make_project(extra_toml, name="proj")`` writes pyproject.toml with a [project] table and
    ``[tool.pitstop]`` holding ``find-links`` (relative), ``no-index = true`` and the given text.
    """

    def factory(
        body: str = 'requirements = ["beta"]\n',
        *,
        name: str = "proj",
        python: str | None = None,
        project: str = "",
    ) -> Path:
        root = tmp_path / name
        root.mkdir(parents=True, exist_ok=True)
        local_wheels = root.parent / "wheels"
        if not local_wheels.exists():
            shutil.copytree(wheels, local_wheels)
        py = f'python = "{python}"\n' if python else ""
        (root / "pyproject.toml").write_text(
            f'[project]\nname = "{name}"\nversion = "0.1"\n{project}\n'
            f'[tool.pitstop]\nfind-links = ["../wheels"]\nno-index = true\n{py}{body}',
            encoding="utf-8",
        )
        return root

    return factory


@pytest.fixture
def cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, str, str]]:
    """Run pitstop's main() in-process in a directory; returns (exit code, stdout, stderr)."""
    from pitstop.main import main

    def call(*argv: str, cwd: Path | None = None) -> tuple[int, str, str]:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        capsys.readouterr()
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return call


GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.invalid",
}


def git(root: Path, *argv: str) -> None:
    """Run git in ``root`` with a fixed identity (never the user's configuration)."""
    env = {**os.environ, **GIT_IDENTITY}
    subprocess.run(["git", *argv], cwd=root, env=env, check=True, capture_output=True)


@pytest.fixture
def git_repo() -> Callable[[Path], None]:
    """Turn a directory into a git repository with a first commit."""

    def init(path: Path) -> None:
        git(path, "init", "-q", "-b", "main")
        git(path, "add", "-A")
        git(path, "commit", "-qm", "init")

    return init


@pytest.fixture
def fake_bin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory first on PATH for the fakes of tests/fakes.py (``install_fake``): they log
    to ``FAKE_LOG`` and run ``FAKE_PYTHON`` where they start a Python."""
    bindir = tmp_path / "fake-bin"
    monkeypatch.setenv("FAKE_LOG", str(tmp_path / "fake.log"))
    monkeypatch.setenv("FAKE_PYTHON", pyenv_python("3.12"))
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    return bindir
