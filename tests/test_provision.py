"""The provisioning engine with real uv, real venvs and real processes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import pitstop
from tests.conftest import ProjectFactory, pyenv_python
from tests.helpers import (
    BUILD_SYSTEM,
    INSTALLERS,
    PY,
    env_python,
    generation,
    installed_version,
    sigterm_at,
    store,
    stray,
    with_backend,
)

Cli = Callable[..., tuple[int, str, str]]


def test_setup_builds_a_verified_env(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements = ["beta"]\n', python=PY)
    code, _, err = cli("setup", cwd=root)
    assert code == 0, err
    assert "building default in venv.new with CPython" in err
    assert "swapped default: 2 packages, no previous env" in err
    venv = store(root) / "venv"
    out = subprocess.run([str(venv / "bin" / "beta")], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "beta 1.0"
    marker = json.loads((venv / ".pitstop-state.json").read_text())
    assert marker["generation"] == 0
    assert marker["lock_hash"].startswith("sha256:")
    assert marker["inputs_hash"].startswith("sha256:")
    assert marker["runtime"]["version"].startswith(PY)
    assert marker["installer"] == "uv" and marker["installer_version"].startswith("uv ")
    assert marker["pitstop_version"] == pitstop.__version__
    assert (root / ".pitstop" / ".gitignore").read_text() == "*\n"
    assert (root / ".pitstop" / "CACHEDIR.TAG").is_file()
    assert (store(root) / ".pitstop.lock").is_file()
    assert stray(root) == []
    code, text, _ = cli("check", cwd=root)
    assert code == 0 and text.startswith("✅ default") and "2 packages" in text


def test_noop_setup_does_not_rebuild(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("setup", cwd=root)[0] == 0
    code, _, err = cli("setup", cwd=root)
    assert code == 0 and "building" not in err and "locking" not in err
    assert generation(root) == 0


def test_change_rebuilds_says_why_and_keeps_previous(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("setup", cwd=root)[0] == 0
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('["beta"]', '["beta", "alpha<2", "gamma"]'))
    code, _, err = cli("setup", cwd=root)
    assert code == 0, err
    assert "requirements +alpha<2 +gamma" in err
    assert "(lock changed; venv.new seeded from the previous lock)" in err
    assert "previous kept as venv.prev" in err
    assert installed_version(root, "alpha") == "1.0"
    assert generation(root) == 1 and generation(root, "venv.prev") == 0


def test_rollback_restores_and_a_second_rollback_returns(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("setup", cwd=root)[0] == 0
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('["beta"]', '["beta", "alpha<2"]'))
    assert cli("setup", cwd=root)[0] == 0
    assert installed_version(root, "alpha") == "1.0"
    code, _, err = cli("rollback", cwd=root)
    assert code == 0 and "generation 1 → 0" in err
    assert installed_version(root, "alpha") == "2.0"
    # A dev-mode run keeps the rolled-back env (with a warning) instead of rebuilding over it.
    code, _, err = cli("run", "--", "python", "-c", "import alpha; print(alpha.__version__)", cwd=root)
    assert code == 0 and "rolled back" in err
    assert generation(root) == 0
    code, out, _ = cli("check", cwd=root)
    assert code == 0 and "rolled back to generation 0" in out
    assert cli("rollback", cwd=root)[0] == 0
    assert installed_version(root, "alpha") == "1.0"
    assert generation(root) == 1 and generation(root, "venv.prev") == 0


def test_rollback_without_previous_env(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements = ["beta"]\nkeep-previous = false\n', python=PY)
    assert cli("setup", cwd=root)[0] == 0
    code, _, err = cli("rollback", cwd=root)
    assert code == 1 and "no previous env" in err and "run: pitstop setup" in err


def test_keep_previous_false_removes_prev(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements = ["beta"]\nkeep-previous = false\n', python=PY)
    assert cli("setup", cwd=root)[0] == 0
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('["beta"]', '["gamma"]'))
    assert cli("setup", cwd=root)[0] == 0
    assert not (store(root) / "venv.prev").exists()
    assert generation(root) == 1


def test_failing_install_keeps_the_old_env_and_exits_3(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("setup", cwd=root)[0] == 0
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('["beta"]', '["beta", "broken"]'))
    code, _, err = cli("setup", cwd=root)
    assert code == 3, err
    assert "failed verification" in err and "import broken" in err
    assert generation(root) == 0
    assert env_python(root, "import beta; print('ok')") == "ok"
    assert stray(root) == []


def test_unknown_package_exits_3_and_changes_nothing(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("setup", cwd=root)[0] == 0
    lock = (root / "pylock.toml").read_bytes()
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('["beta"]', '["no-such-package-x"]'))
    code, _, err = cli("setup", cwd=root)
    assert code == 3 and "no-such-package-x" in err
    assert (root / "pylock.toml").read_bytes() == lock
    assert generation(root) == 0 and stray(root) == []


class TestStrict:
    def test_missing_lock(
        self, make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        root = make_project('requirements = ["beta"]\n', python=PY)
        monkeypatch.setenv("CI", "true")
        code, _, err = cli("setup", cwd=root)
        assert code == 1
        assert "pylock.toml is missing (strict: CI=true)" in err
        assert "run: pitstop lock" in err
        assert not (root / "pylock.toml").exists()
        assert not (store(root) / "venv").exists()

    def test_setup_installs_exactly_the_lock(
        self, make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        root = make_project('requirements = ["beta"]\n', python=PY)
        assert cli("lock", cwd=root)[0] == 0
        monkeypatch.setenv("CI", "1")
        code, _, err = cli("run", "--", "python", "-c", "pass", cwd=root)
        assert code == 1 and "env missing (strict: CI=1)" in err and "run: pitstop setup" in err
        assert not (store(root) / "venv").exists()
        code, _, err = cli("setup", cwd=root)
        assert code == 0, err
        assert "locking" not in err
        assert installed_version(root, "alpha") == "2.0"

    def test_stale_lock_and_env_change_nothing(
        self, make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        root = make_project('requirements = ["beta"]\n', python=PY)
        assert cli("setup", cwd=root)[0] == 0
        lock = (root / "pylock.toml").read_bytes()
        pyproject = root / "pyproject.toml"
        pyproject.write_text(pyproject.read_text().replace('["beta"]', '["gamma"]'))
        monkeypatch.setenv("GITHUB_ACTIONS", "true")
        for command in (("setup",), ("run", "--", "python", "-c", "pass")):
            code, _, err = cli(*command, cwd=root)
            assert code == 1 and "stale" in err and "strict: GITHUB_ACTIONS is set" in err
            assert "run: pitstop lock" in err
        assert (root / "pylock.toml").read_bytes() == lock
        assert generation(root) == 0
        code, out, _ = cli("check", cwd=root)
        assert code == 1 and "❌ default" in out

    def test_no_strict_overrides_ci(
        self, make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        root = make_project('requirements = ["beta"]\n', python=PY)
        monkeypatch.setenv("CI", "true")
        assert cli("setup", "--no-strict", cwd=root)[0] == 0
        monkeypatch.setenv("PITSTOP_STRICT", "0")
        pyproject = root / "pyproject.toml"
        pyproject.write_text(pyproject.read_text().replace('["beta"]', '["gamma"]'))
        assert cli("setup", cwd=root)[0] == 0

    def test_auto_install_never_is_strict(self, make_project: ProjectFactory, cli: Cli) -> None:
        root = make_project('requirements = ["beta"]\nauto-install = "never"\n', python=PY)
        code, _, err = cli("setup", cwd=root)
        assert code == 1 and 'strict: auto-install = "never"' in err


def test_pip_installer_env_works_after_the_swap(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements = ["beta"]\ninstaller = "pip"\n', python=PY)
    code, _, err = cli("setup", cwd=root)
    assert code == 0, err
    venv = store(root) / "venv"
    script = venv / "bin" / "beta"
    assert script.read_text().splitlines()[0] == f"#!{venv}/bin/python"
    assert "venv.new" not in (venv / "bin" / "activate").read_text()
    out = subprocess.run([str(script)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "beta 1.0"
    # Changing the installer rebuilds, and says so.
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('installer = "pip"', 'installer = "uv"'))
    code, _, err = cli("setup", cwd=root)
    assert code == 0 and "installer pip → uv" in err


def test_changed_interpreter_makes_the_env_stale(
    make_project: ProjectFactory, cli: Cli, tmp_path: Path
) -> None:
    real = Path(pyenv_python("3.12")).resolve()
    own = tmp_path / "bin" / "python3.12"
    own.parent.mkdir()
    shutil.copy2(real, own)
    root = make_project('requirements = ["beta"]\n', python=str(own))
    assert cli("setup", cwd=root)[0] == 0
    with open(own, "ab") as handle:
        handle.write(b"\0")  # same version, different binary: a different runtime identity
    code, out, _ = cli("check", cwd=root)
    assert code == 1 and "the python runtime changed" in out
    code, _, err = cli("setup", cwd=root)
    assert code == 0 and "(the python runtime changed)" in err
    assert generation(root) == 1


def test_run_returns_the_exit_code_and_uses_the_env(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements = ["beta"]\n', python=PY)
    code, _, _ = cli("run", "--", "python", "-c", "raise SystemExit(7)", cwd=root)
    assert code == 7
    code, _, _ = cli("run", "--", "beta", cwd=root)
    assert code == 0
    code, _, err = cli("run", "--", "no-such-tool", cwd=root)
    assert code == 127 and "command not found" in err
    code, _, err = cli("run", cwd=root)
    assert code == 2


def test_python_command_and_json(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements = ["beta"]\n', python=PY)
    code, out, _ = cli("python", cwd=root)
    assert code == 0 and out.strip() == str(store(root) / "venv" / "bin" / "python")
    code, out, _ = cli("python", "--json", cwd=root)
    data = json.loads(out)
    from pitstop.commands.python import SCHEMA

    assert data["schema"] == SCHEMA and data["kind"] == "managed"
    assert data["argv"] == [str(store(root) / "venv" / "bin" / "python")]
    assert data["env"]["VIRTUAL_ENV"] == str(store(root) / "venv")


def test_check_json_is_read_only(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project(
        'requirements = ["beta"]\n[tool.pitstop.envs.docs]\nrequirements = ["gamma"]\n', python=PY
    )
    assert cli("setup", cwd=root)[0] == 0
    shutil.rmtree(root / ".pitstop" / ".cache")  # a cold interpreter cache must not be written either
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    code, out, _ = cli("check", "--json", cwd=root)
    assert code == 1
    data = json.loads(out)
    assert data["schema"] == 1 and data["ready"] is False
    by_name = {e["name"]: e for e in data["envs"]}
    assert by_name["default"]["status"] == "ok" and by_name["default"]["packages"] == 2
    assert by_name["docs"]["status"] == "error" and "pitstop setup -e docs" in by_name["docs"]["fix"]
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before


def test_clean_removes_envs_but_not_locks(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("setup", cwd=root)[0] == 0
    assert cli("clean", cwd=root)[0] == 0
    assert (root / "pylock.toml").is_file()
    assert not (store(root) / "venv").exists()
    assert (store(root) / ".pitstop.lock").is_file()


def test_isolation_from_the_callers_environment(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project('requirements = ["beta"]\n', python=PY)
    monkeypatch.setenv("UV_INDEX_URL", "https://example.invalid/simple")
    monkeypatch.setenv("PIP_INDEX_URL", "https://example.invalid/simple")
    monkeypatch.setenv("UV_SYSTEM_PYTHON", "1")
    monkeypatch.setenv("PYTHONPATH", str(root))
    monkeypatch.setenv("VIRTUAL_ENV", str(root / "elsewhere"))
    code, _, err = cli("setup", cwd=root)
    assert code == 0, err
    assert env_python(root, "import sys; print(sys.prefix)") == str(store(root) / "venv")


def test_api_ensure(make_project: ProjectFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project('requirements = ["beta"]\n', python=PY)
    env = pitstop.ensure(project=root, quiet=True)
    assert env.python.is_file() and env.bin_dir == env.path / "bin"
    assert env.identity is not None and env.identity.version.startswith(PY)
    reports = pitstop.check(project=root)
    assert [r.status for r in reports] == ["ok"]
    with pytest.raises(pitstop.PitstopError) as info:
        pitstop.ensure("nope", project=root)
    assert info.value.exit_code == 2


def test_sigterm_mid_build_cleans_up(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("setup", cwd=root)[0] == 0
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('["beta"]', '["gamma"]'))
    code, err = sigterm_at(root, "after-install", store(root) / "venv.new" / "lib")
    assert code == 130, err
    assert "interrupted" in err and "fix: run the command again" in err
    assert not (store(root) / "venv.new").exists()
    assert generation(root) == 0
    assert env_python(root, "import beta; print('ok')") == "ok"


def test_lock_runtime_exact(
    make_project: ProjectFactory, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = Path(pyenv_python("3.12")).resolve()
    own = tmp_path / "exact-bin" / "python3.12"
    own.parent.mkdir()
    shutil.copy2(real, own)
    root = make_project('requirements = ["beta"]\nlock-runtime = "exact"\n', python=str(own))
    assert cli("setup", cwd=root)[0] == 0
    lock = (root / "pylock.toml").read_text()
    assert "[tool.pitstop]" in lock and "runtime = {" in lock and "runtime_hash" in lock
    assert str(tmp_path) not in lock, "the runtime identity in a lock carries no path"
    with open(own, "ab") as handle:
        handle.write(b"\0")
    monkeypatch.setenv("CI", "true")
    code, _, err = cli("setup", cwd=root)
    assert code == 1 and "the runtime changed" in err
    monkeypatch.delenv("CI")
    code, _, err = cli("setup", cwd=root)
    assert code == 0 and "locking default" in err


def test_rollback_with_nothing_built_creates_nothing(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements = ["beta"]\n', python=PY)
    code, _, err = cli("rollback", cwd=root)
    assert code == 1 and err.rstrip().endswith("run: pitstop setup")
    assert not (root / ".pitstop").exists()


def test_an_env_with_no_requirements(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project("requirements = []\n", python=PY)
    code, _, err = cli("setup", cwd=root)
    assert code == 0, err
    assert "packages = []" in (root / "pylock.toml").read_text()
    code, out, _ = cli("check", cwd=root)
    assert code == 0 and "0 packages" in out


@pytest.mark.parametrize(
    "installer", ["", 'installer = "pip"\nallow-build = false\n'], ids=["uv", "pip-no-build"]
)
def test_install_project_is_editable_and_the_rest_hash_checked(
    make_project: ProjectFactory, cli: Cli, installer: str
) -> None:
    """The lock is installed hash-checked, the project editable afterwards (with pip and
    allow-build = false, pip keeps to wheels for the rest)."""
    root = make_project(
        "install-project = true\n" + installer,
        python=PY,
        project='dependencies = ["alpha<2"]\n' + BUILD_SYSTEM,
    )
    with_backend(root)
    (root / "proj_mod.py").write_text("VALUE = 1\n")
    code, _, err = cli("setup", cwd=root)
    assert code == 0, err
    assert env_python(root, "import alpha, proj_mod; print(alpha.__version__, proj_mod.VALUE)") == "1.0 1"
    # Editable: the env imports the project's own file, so an edit needs no rebuild.
    origin = env_python(root, "import proj_mod; print(proj_mod.__file__)")
    assert Path(origin).resolve() == (root / "proj_mod.py").resolve()
    (root / "proj_mod.py").write_text("VALUE = 2\n")
    assert env_python(root, "import proj_mod; print(proj_mod.VALUE)") == "2"
    code, out, _ = cli("check", cwd=root)
    assert code == 0 and out.startswith("✅")


def test_requirements_file_with_editable_self_and_extra(make_project: ProjectFactory, cli: Cli) -> None:
    """`-e .[fast]` in requirements.txt installs this project editable with the extra's deps."""
    # the in-tree backend's metadata says Requires-Dist: alpha<2, so the pyproject says it too
    # (uv resolves from the pyproject; the installed metadata's dependencies are verified)
    root = make_project(
        'requirements-files = ["requirements.txt"]\n',
        python=PY,
        project='dependencies = ["alpha<2"]\n[project.optional-dependencies]\nfast = ["gamma"]\n'
        + BUILD_SYSTEM,
    )
    with_backend(root)
    (root / "proj_mod.py").write_text("VALUE = 1\n")
    (root / "requirements.txt").write_text("-e .[fast]\nbeta\n")
    code, _, err = cli("setup", cwd=root)
    assert code == 0, err
    probe = "import alpha, beta, gamma, proj_mod; print(proj_mod.VALUE, gamma.__version__)"
    assert env_python(root, probe) == "1 1.1"
    assert 'directory = { path = ".", editable = true }' in (root / "pylock.toml").read_text()


def test_sync_copy_without_the_project_is_a_valid_absolute_lock(
    make_project: ProjectFactory, cli: Cli, tmp_path: Path
) -> None:
    from packaging.pylock import Pylock

    from pitstop import lockfile
    from pitstop.installers.uv import without_directories

    root = make_project(
        'install-project = true\nrequirements = ["beta"]\n',
        python=PY,
        project=BUILD_SYSTEM,
    )
    with_backend(root)
    assert cli("lock", cwd=root)[0] == 0
    copy = without_directories(lockfile.read(root / "pylock.toml"), tmp_path)
    data = lockfile.read(copy).data
    Pylock.from_dict(dict(data))
    assert {p["name"] for p in data["packages"]} == {"alpha", "beta"}
    assert all(
        Path(w["path"]).is_absolute() and Path(w["path"]).is_file()
        for p in data["packages"]
        for w in p["wheels"]
    )


def test_the_old_prev_is_deleted_only_after_the_lock_is_released(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The swap renames the old venv.prev aside under the lock; the deletion runs after the
    lock is free (so the swap's cost does not grow with the env), and leaves nothing."""
    import fcntl

    from pitstop import swap

    root = make_project('requirements = ["beta"]\n', python=PY)
    pyproject = root / "pyproject.toml"
    assert cli("setup", cwd=root)[0] == 0
    pyproject.write_text(pyproject.read_text().replace('["beta"]', '["gamma"]'))
    assert cli("setup", cwd=root)[0] == 0  # venv.prev = generation 0
    old_prev_marker = (store(root) / "venv.prev" / ".pitstop-state.json").read_text()
    seen: list[tuple[bool, list[str]]] = []
    real_sweep = swap.sweep

    def watching_sweep(where: Path) -> None:
        fd = os.open(where / swap.LOCKFILE, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises if the lock were still held
            fcntl.flock(fd, fcntl.LOCK_UN)
            free = True
        except BlockingIOError:
            free = False
        finally:
            os.close(fd)
        trash = [p for p in where.iterdir() if p.name.startswith(".trash-")]
        markers = [(p / ".pitstop-state.json").read_text() for p in trash]
        seen.append((free, markers))
        real_sweep(where)

    monkeypatch.setattr(swap, "sweep", watching_sweep)
    pyproject.write_text(pyproject.read_text().replace('["gamma"]', '["beta"]'))
    code, _, err = cli("setup", cwd=root)
    assert code == 0, err
    assert seen == [(True, [old_prev_marker])]  # set aside whole, deleted with the lock free
    assert generation(root) == 2 and generation(root, "venv.prev") == 1
    assert stray(root) == []


def test_trash_a_killed_command_left_is_swept_by_the_next_build(
    make_project: ProjectFactory, cli: Cli
) -> None:
    root = make_project('requirements = ["beta"]\n', python=PY)
    leftover = store(root) / ".trash-0123456789ab"
    (leftover / "lib").mkdir(parents=True)
    (leftover / "lib" / "file.py").write_text("x = 1\n")
    assert cli("setup", cwd=root)[0] == 0
    assert stray(root) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uv hardlinks on Linux, clones on macOS")
def test_a_rebuild_links_from_uv_s_cache_and_leaves_the_live_env_untouched(
    make_project: ProjectFactory, cli: Cli
) -> None:
    """The rebuild design: venv.new starts empty and uv links its files from the cache (so a
    rebuild copies no bytes); the env in use is never written, the old one becomes venv.prev
    byte for byte."""
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("setup", cwd=root)[0] == 0
    live = store(root) / "venv"
    files = sorted(p for p in live.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    before = {p.relative_to(live): (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes()) for p in files}
    site = next(live.glob("lib/python*/site-packages"))
    assert (site / "beta" / "__init__.py").stat().st_nlink >= 2  # linked from uv's cache
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('["beta"]', '["beta", "gamma"]'))
    assert cli("setup", cwd=root)[0] == 0
    prev = store(root) / "venv.prev"
    after = {
        rel: ((prev / rel).stat().st_ino, (prev / rel).stat().st_mtime_ns, (prev / rel).read_bytes())
        for rel in before
    }
    assert after == before
    new_site = next((store(root) / "venv").glob("lib/python*/site-packages"))
    assert (new_site / "gamma" / "__init__.py").stat().st_nlink >= 2
    # Same cache file linked into both envs: the same inode, no bytes copied.
    old_beta = prev / site.relative_to(live) / "beta" / "__init__.py"
    assert (new_site / "beta" / "__init__.py").stat().st_ino == old_beta.stat().st_ino


def test_setup_on_a_ready_env_sweeps_trash_a_killed_command_left(
    make_project: ProjectFactory, cli: Cli
) -> None:
    """A pitstop killed while deleting the old venv.prev (after the swap, lock released)
    leaves a .trash-* directory: harmless to readers, deleted by the next setup even when
    there is nothing to build."""
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("setup", cwd=root)[0] == 0
    leftover = store(root) / ".trash-0123456789ab"
    (leftover / "lib").mkdir(parents=True)
    (leftover / "lib" / "file.py").write_text("x = 1\n")
    assert cli("check", cwd=root)[0] == 0 and leftover.exists()  # check never writes
    code, _, err = cli("setup", cwd=root)
    assert code == 0 and "building" not in err
    assert stray(root) == [] and generation(root) == 0


@pytest.mark.parametrize("installer", INSTALLERS)
def test_the_venv_is_created_while_the_lock_is_verified_and_discarded_if_it_fails(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch, installer: str
) -> None:
    import pitstop.lockverify
    from pitstop.errors import NotReadyError
    from pitstop.installers.base import Pending

    root = make_project(f'requirements = ["beta"]\ninstaller = "{installer}"\n', python=PY)
    assert cli("lock", cwd=root)[0] == 0
    started: list[Pending] = []
    real_init = Pending.__init__

    def spy(self: Pending, *args: object, **kwargs: object) -> None:
        real_init(self, *args, **kwargs)  # type: ignore[arg-type]
        started.append(self)

    def reject(*args: object) -> None:
        assert len(started) == 1, "the venv's creation runs while the lock is verified"
        proc = started[0]._proc
        assert proc is not None, "a first build has no template: uv creates the venv"
        assert (store(root) / "venv.new").exists() or proc.poll() is None
        raise NotReadyError("lock rejected by the test", fix="run: pitstop lock")

    monkeypatch.setattr(Pending, "__init__", spy)
    monkeypatch.setattr(pitstop.lockverify, "before_install", reject)
    code, _, err = cli("setup", cwd=root)
    assert code == 1 and "lock rejected by the test" in err
    proc = started[0]._proc
    assert proc is not None and proc.returncode is not None, "the creating child was ended and reaped"
    assert sorted(p.name for p in store(root).iterdir()) == [".pitstop.lock"], "venv.new discarded"
    monkeypatch.undo()
    code, _, err = cli("setup", cwd=root)
    assert code == 0, err
    assert (store(root) / "venv" / "bin" / "beta").exists()
