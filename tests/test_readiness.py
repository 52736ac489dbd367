"""Readiness is exactly the installed lock: the marker describes the bytes installed, drift
by hand is seen (fast path included), strict mode refuses a rolled-back env that differs
from the lock, and an interrupted rollback is finished exactly once (issue #10 items 3-5)."""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from pitstop import lockfile
from tests.conftest import ProjectFactory
from tests.helpers import PY, generation, installed_version, pitstop_process, store, stray

Cli = Callable[..., tuple[int, str, str]]


def _marker(root: Path) -> dict[str, object]:
    data = json.loads((store(root) / "venv" / ".pitstop-state.json").read_text())
    assert isinstance(data, dict)
    return data


def _respun(text: str) -> str:
    """The same lock with a different (valid) content-hash: a harmless comment added."""
    body, _ = lockfile.split_content_hash(text)
    body = body.replace("\n[[packages]]", "\n# rewritten while setup ran\n[[packages]]", 1)
    return body + f'content-hash = "{lockfile.content_hash(body)}"\n'


def test_marker_records_the_lock_bytes_installed_not_the_file_at_marker_time(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pitstop.verify

    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("lock", cwd=root)[0] == 0
    lock = root / "pylock.toml"
    installed = lockfile.status(lock, "").content_hash
    real = pitstop.verify.verify

    def verify_while_the_lock_is_rewritten(*args: object, **kwargs: object) -> None:
        lock.write_text(_respun(lock.read_text()))  # `pitstop lock --upgrade` meanwhile
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pitstop.verify, "verify", verify_while_the_lock_is_rewritten)
    code, _, err = cli("setup", cwd=root)
    monkeypatch.setattr(pitstop.verify, "verify", real)
    assert lockfile.status(lock, "").content_hash != installed  # the file did change
    assert _marker(root)["lock_hash"] == installed
    assert code != 0 and "lock changed" in err, "setup must not call the env ready"
    code, out, _ = cli("check", cwd=root)
    assert code == 1 and "lock changed" in out
    assert cli("setup", cwd=root)[0] == 0
    assert _marker(root)["lock_hash"] == lockfile.status(lock, "").content_hash


def _hand_install(root: Path, wheels: Path, *args: str) -> None:
    from pitstop.uvbin import find_uv

    venv = store(root) / "venv"
    subprocess.run(
        [find_uv(), "pip", *args, "--no-config", "--offline"],
        env={"VIRTUAL_ENV": str(venv), "PATH": str(venv / "bin"), "UV_CACHE_DIR": str(root / ".uvc")},
        cwd=root,
        check=True,
        capture_output=True,
    )


@pytest.mark.parametrize("change", ["install", "uninstall"])
def test_drift_by_hand_is_not_ready_in_strict_and_rebuilt_in_dev(
    make_project: ProjectFactory, cli: Cli, wheels: Path, change: str
) -> None:
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert pitstop_process(root, "setup").returncode == 0
    assert pitstop_process(root, "check").returncode == 0  # answered by the fast path next
    if change == "install":
        _hand_install(root, wheels, "install", "--find-links", str(wheels), "gamma")
    else:
        _hand_install(root, wheels, "uninstall", "alpha")
    strict = pitstop_process(root, "check", CI="true")
    assert strict.returncode == 1, strict.stdout
    assert "drift" in strict.stdout and "pitstop setup" in strict.stdout
    run = pitstop_process(root, "run", "--", "python", "-c", "pass", CI="true")
    assert run.returncode == 1 and "drift" in run.stderr and "run: pitstop setup" in run.stderr
    dev = pitstop_process(root, "run", "--", "python", "-c", "import alpha, beta")
    assert dev.returncode == 0, dev.stderr
    assert "drift" in dev.stderr and "building" in dev.stderr
    names = {p.name.split("-")[0] for p in (store(root) / "venv").glob("lib/*/site-packages/*.dist-info")}
    assert names == {"alpha", "beta"}
    assert pitstop_process(root, "check", CI="true").returncode == 0


def _rolled_back(make_project: ProjectFactory, cli: Cli) -> Path:
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("setup", cwd=root)[0] == 0
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('["beta"]', '["beta", "alpha<2"]'))
    assert cli("setup", cwd=root)[0] == 0
    return root


def test_strict_refuses_a_rolled_back_env_that_differs_from_the_lock(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pitstop
    from pitstop.errors import NotReadyError

    root = _rolled_back(make_project, cli)
    assert cli("rollback", cwd=root)[0] == 0
    code, out, _ = cli("check", cwd=root)
    assert code == 0 and "rolled back to generation 0" in out  # dev: held, with a warning
    for flag in ("--strict", "--json"):  # the flag decides as CI=true does; --json says so
        code, out, _ = cli("check", "--strict", *([flag] if flag == "--json" else []), cwd=root)
        assert code == 1, out
        if flag == "--json":
            assert json.loads(out)["policy"] == {"strict": True, "reason": "--strict"}
            assert json.loads(out)["ready"] is False
    monkeypatch.setenv("CI", "true")
    code, out, _ = cli("check", cwd=root)
    assert code == 1 and "lock changed" in out and "pitstop setup" in out
    code, _, err = cli("run", "--", "python", "-c", "pass", cwd=root)
    assert code == 1 and "run: pitstop setup" in err
    monkeypatch.chdir(root)
    with pytest.raises(NotReadyError, match="not ready"):
        pitstop.ensure()
    assert generation(root) == 0, "strict mode changes nothing"
    code, _, err = cli("setup", cwd=root)  # the fix it names
    assert code == 0 and installed_version(root, "alpha") == "1.0"


@pytest.mark.parametrize("point", ["rollback-after-journal", "rollback-after-promote"])
@pytest.mark.parametrize("then", ["run", "rollback"])
def test_an_interrupted_rollback_is_finished_exactly_once(
    make_project: ProjectFactory, cli: Cli, point: str, then: str
) -> None:
    root = _rolled_back(make_project, cli)
    killed = pitstop_process(root, "rollback", hooks=("--crash-at", point))
    assert killed.returncode == -signal.SIGKILL
    argv = ["run", "--", "python", "-c", "pass"] if then == "run" else ["rollback"]
    done = pitstop_process(root, *argv)
    assert done.returncode == 0, done.stderr
    assert "finished an interrupted rollback" in done.stderr
    assert "building" not in done.stderr, "a finished rollback is not rebuilt over"
    if then == "rollback":
        assert "rolled back default: generation 1 → 0" in done.stderr
    assert generation(root) == 0 and installed_version(root, "alpha") == "2.0"
    assert stray(root) == []
    check = pitstop_process(root, "check")
    assert check.returncode == 0 and "rolled back to generation 0" in check.stdout


def test_a_held_env_still_gets_its_pending_journal_repaired(make_project: ProjectFactory, cli: Cli) -> None:
    root = _rolled_back(make_project, cli)
    assert cli("rollback", cwd=root)[0] == 0  # held at generation 0
    killed = pitstop_process(root, "rollback", hooks=("--crash-at", "rollback-after-journal"))
    assert killed.returncode == -signal.SIGKILL
    assert (store(root) / ".journal.json").exists()
    done = pitstop_process(root, "run", "--", "python", "-c", "pass")
    assert done.returncode == 0, done.stderr
    assert "finished an interrupted rollback" in done.stderr
    assert stray(root) == [] and generation(root) == 1
