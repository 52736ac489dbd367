"""Real pre-commit with this repository's .pre-commit-hooks.yaml.

pre-commit installs pitstop into its own hook env with pip, which needs the package index
(build backend and dependencies), so these tests are marked ``index``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import GIT_IDENTITY, ProjectFactory, git
from tests.helpers import PY

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.index
Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pre-commit cache for the run, so pitstop's hook env is built once."""
    return tmp_path_factory.mktemp("pre-commit-home")


def pre_commit(root: Path, home: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    env.pop("PIP_CONFIG_FILE", None)  # pre-commit's pip needs the machine's index settings
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *argv],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


@pytest.fixture
def locked(make_project: ProjectFactory, cli: Cli, git_repo: Callable[[Path], None]) -> Path:
    root = make_project('requirements = ["beta"]\n', python=PY)
    (root / "notes.txt").write_text("hello\n")
    assert cli("lock", cwd=root)[0] == 0
    git_repo(root)
    return root


def try_repo(root: Path, home: Path, *files: str) -> subprocess.CompletedProcess[str]:
    return pre_commit(root, home, "try-repo", str(REPO), "pitstop-lock-check", "--files", *files)


def test_fresh_lock_passes(locked: Path, pre_commit_home: Path) -> None:
    result = try_repo(locked, pre_commit_home, "pyproject.toml", "pylock.toml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "pitstop lock --check" in result.stdout and "Passed" in result.stdout


def test_stale_lock_fails_with_the_fix(locked: Path, pre_commit_home: Path) -> None:
    pyproject = locked / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('["beta"]', '["beta", "gamma"]'))
    result = try_repo(locked, pre_commit_home, "pyproject.toml")
    assert result.returncode == 1
    assert "pylock.toml is stale" in result.stdout and "run: pitstop lock" in result.stdout


def test_hand_edited_lock_fails(locked: Path, pre_commit_home: Path) -> None:
    lock = locked / "pylock.toml"
    lock.write_text(lock.read_text().replace('version = "2.0"', 'version = "1.0"'))
    result = try_repo(locked, pre_commit_home, "pylock.toml")
    assert result.returncode == 1
    assert "edited by hand" in result.stdout


def test_any_lock_input_runs_the_hook(
    make_project: ProjectFactory, cli: Cli, git_repo: Callable[[Path], None], pre_commit_home: Path
) -> None:
    # No `python` key: .python-version is a lock input. A change to it alone (no pyproject,
    # no lock staged) still runs the hook.
    locked = make_project('requirements = ["beta"]\n')
    (locked / "notes.txt").write_text("hello\n")
    assert cli("lock", cwd=locked)[0] == 0
    git_repo(locked)
    (locked / ".python-version").write_text("3.11\n")
    result = try_repo(locked, pre_commit_home, ".python-version")
    assert result.returncode == 1, result.stdout
    assert "pylock.toml is stale" in result.stdout
    (locked / ".python-version").unlink()
    result = try_repo(locked, pre_commit_home, "notes.txt")
    assert result.returncode == 0 and "Passed" in result.stdout, result.stdout


def test_git_commit_is_blocked_by_a_stale_lock(locked: Path, pre_commit_home: Path, cli: Cli) -> None:
    if subprocess.run(
        ["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip():
        pytest.skip("this checkout has uncommitted changes; pre-commit installs hooks from a commit")
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()
    (locked / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {REPO}\n    rev: {head}\n    hooks:\n      - id: pitstop-lock-check\n"
    )
    git(locked, "add", ".pre-commit-config.yaml")
    git(locked, "commit", "-qm", "pre-commit config")
    installed = pre_commit(locked, pre_commit_home, "install")
    assert installed.returncode == 0, installed.stderr
    env = {**os.environ, **GIT_IDENTITY, "PRE_COMMIT_HOME": str(pre_commit_home), "PRE_COMMIT_COLOR": "never"}
    env.pop("PIP_CONFIG_FILE", None)
    pyproject = locked / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('["beta"]', '["beta", "gamma"]'))
    git(locked, "add", "pyproject.toml")
    blocked = subprocess.run(
        ["git", "commit", "-m", "add gamma"], cwd=locked, env=env, capture_output=True, text=True, check=False
    )
    assert blocked.returncode != 0
    assert "run: pitstop lock" in blocked.stdout + blocked.stderr
    assert cli("lock", cwd=locked)[0] == 0
    git(locked, "add", "pylock.toml")
    passed = subprocess.run(
        ["git", "commit", "-m", "add gamma"], cwd=locked, env=env, capture_output=True, text=True, check=False
    )
    assert passed.returncode == 0, passed.stdout + passed.stderr


def test_manifest_follows_the_uv_pre_commit_conventions() -> None:
    import yaml

    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    for hook in hooks:
        # Default arguments live in `args`, which a user's `args:` replaces; never in `entry`.
        assert hook["args"] == ["--all"] and "--all" not in hook["entry"], hook["id"]
        assert hook["language"] == "python" and hook["pass_filenames"] is False
        # The manifest is validated whole: pitstop-sync's post-rewrite stage needs 2.15.0.
        assert hook["minimum_pre_commit_version"] == "2.15.0", hook["id"]
    validated = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(REPO / ".pre-commit-hooks.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert validated.returncode == 0, validated.stdout + validated.stderr


def test_args_point_the_hook_at_one_env(
    make_project: ProjectFactory, cli: Cli, git_repo: Callable[[Path], None], pre_commit_home: Path
) -> None:
    if subprocess.run(
        ["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip():
        pytest.skip("this checkout has uncommitted changes; pre-commit installs hooks from a commit")
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()
    root = make_project('requirements = ["beta"]\n[tool.pitstop.envs.docs]\nrequirements = ["gamma"]\n')
    assert cli("lock", cwd=root)[0] == 0  # default is locked, docs is not
    for args, code in (("", 1), ("\n        args: [-e, default]", 0), ("\n        args: [-e, docs]", 1)):
        (root / ".pre-commit-config.yaml").write_text(
            f"repos:\n  - repo: {REPO}\n    rev: {head}\n    hooks:\n      - id: pitstop-lock-check{args}\n"
        )
        if not (root / ".git").exists():
            git_repo(root)
        result = pre_commit(root, pre_commit_home, "run", "pitstop-lock-check", "--all-files")
        out = result.stdout + result.stderr
        assert result.returncode == code, (args, out)
        if code:
            assert "pylock.docs.toml is missing" in out and "run: pitstop lock -e docs" in out


def test_the_minimum_pre_commit_version_runs_the_hooks(
    locked: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """pre-commit 2.15.0 itself (the manifest's minimum) loads the manifest and runs a hook."""
    from tests.conftest import pyenv_python

    venv = tmp_path_factory.mktemp("old-pre-commit") / "venv"
    subprocess.run([pyenv_python("3.11"), "-m", "venv", str(venv)], check=True)
    env = {**os.environ}
    env.pop("PIP_CONFIG_FILE", None)  # pip needs the machine's index settings
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "pre-commit==2.15.0"],
        env=env,
        check=True,
        capture_output=True,
    )
    home = tmp_path_factory.mktemp("old-pre-commit-home")
    env.update(PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never")
    result = subprocess.run(
        [str(venv / "bin" / "pre-commit"), "try-repo", str(REPO), "pitstop-lock-check", "--all-files"],
        cwd=locked,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout


def test_sync_hook_installs_from_the_committed_lock_and_never_writes_it(
    locked: Path, pre_commit_home: Path
) -> None:
    """Real git + real pre-commit running the manifest's pitstop-sync entry as a local hook
    (pitstop from this checkout): a branch with a stale lock warns, exits 0, stays clean."""
    import shlex

    import yaml

    manifest = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert "--frozen" in manifest["pitstop-sync"]["entry"]
    hooks = []
    for name in ("pitstop-lock-check", "pitstop-sync"):  # as a user installs them: every stage
        spec = manifest[name]
        argv = shlex.split(spec["entry"])
        assert argv[0] == "pitstop"
        hook = {
            "id": name,
            "name": spec["name"],
            "entry": shlex.join([sys.executable, "-m", "pitstop", *argv[1:], *spec.get("args", [])]),
            "language": "system",
            "verbose": True,
        }
        hook.update({k: spec[k] for k in ("pass_filenames", "always_run", "files", "stages") if k in spec})
        hooks.append(hook)
    stages = ["pre-commit", *manifest["pitstop-sync"]["stages"]]
    config = {"default_install_hook_types": stages, "repos": [{"repo": "local", "hooks": hooks}]}
    (locked / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    git(locked, "add", ".pre-commit-config.yaml")
    git(locked, "commit", "-qm", "pre-commit config")
    installed = pre_commit(locked, pre_commit_home, "install")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    main_lock = (locked / "pylock.toml").read_bytes()
    git(locked, "checkout", "-qb", "stale")
    pyproject = locked / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('["beta"]', '["beta", "gamma"]'))
    git(locked, "commit", "--no-verify", "-qam", "add gamma, forget the lock")  # a peer skipped the hook

    env = {**os.environ, **GIT_IDENTITY, "PRE_COMMIT_HOME": str(pre_commit_home), "PRE_COMMIT_COLOR": "never"}

    def checkout(branch: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["git", "checkout", branch], cwd=locked, env=env, capture_output=True, text=True, check=False
        )

    to_main = checkout("-")  # back to the first branch: its lock is fresh, the env is built
    assert to_main.returncode == 0, to_main.stdout + to_main.stderr
    assert (locked / ".pitstop" / "default" / "venv" / "bin" / "beta").exists(), to_main.stderr
    to_stale = checkout("stale")
    out = to_stale.stdout + to_stale.stderr
    assert to_stale.returncode == 0, out
    assert "pylock.toml is not fresh (requirements +gamma)" in out and "run: pitstop lock" in out
    status = subprocess.run(["git", "status", "--porcelain"], cwd=locked, capture_output=True, text=True)
    assert status.stdout == "", "the hook never writes the lock"
    assert (locked / "pylock.toml").read_bytes() == main_lock
