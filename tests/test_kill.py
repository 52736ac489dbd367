"""Issue #10 done-when: SIGKILL pitstop (its PID only, never its group) at random times
during real installs, at least 50 times, and prove after every kill:

- every base interpreter's ``site-packages`` listing is what it was before the run,
- no process pitstop started outlives it (children die with it; the env lock is free only
  once they are gone),
- ``venv`` is whole (its marker, its python, and ``import beta`` work).
"""

from __future__ import annotations

import fcntl
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import _REAL_PYENV_ROOT, ProjectFactory
from tests.helpers import PY, store
from tests.procwatch import base_site_listings, cmdline, describe, dying, tagged
from tests.wheelfactory import build_wheel

KILLS = 50


def _wait_for_lock(path: Path) -> None:
    """Block until the env lock is free: every process holding it (pitstop's children
    inherit it) has exited. Bounded by an alarm so a regression fails instead of hanging."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    previous = signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(TimeoutError))
    signal.alarm(60)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        os.close(fd)


def _wait_gone(tag: str, kills: int) -> None:
    """Every process carrying ``tag`` is gone within 30 s (a zombie awaiting its reaper counts
    as gone): one that outlived pitstop and kept running fails here."""
    deadline = time.monotonic() + 30
    while pids := tagged(tag):
        assert time.monotonic() < deadline, f"kill {kills}: outlived pitstop: {[describe(p) for p in pids]}"
        time.sleep(0.05)


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_random_sigkills_during_real_installs(make_project: ProjectFactory, tmp_path: Path) -> None:
    root = make_project('requirements = ["beta"]\n', python=PY)
    names = [f"pkg{i:02d}" for i in range(40)]
    for name in names:  # next to the test wheels the project's find-links points at
        files = {f"{name}/data{j}.py": "X = 1\n" * 200 for j in range(20)}
        build_wheel(root.parent / "wheels", name, "1.0", extra_files=files)
    pyproject = root / "pyproject.toml"
    variants = [
        ["beta", *names[:20]],
        ["beta", "gamma", *names[20:]],
        ["beta", "alpha<2", *names[10:30]],
    ]
    env = {**os.environ}
    env.pop("PITSTOP_CRASH_AT", None)
    first = subprocess.run([sys.executable, "-m", "pitstop", "-q", "setup"], cwd=root, env=env, check=False)
    assert first.returncode == 0
    before = base_site_listings(_REAL_PYENV_ROOT)
    assert before, "found no base interpreter to watch"
    lock = store(root) / ".pitstop.lock"
    venv = store(root) / "venv"
    rng = random.Random(1010)  # noqa: S311 - reproducible timing, not cryptography
    kills = with_children = 0
    i = 0
    # At least KILLS kills, and at least 20 of them while a child runs (a loaded machine can
    # make pitstop finish before the watcher sees its child); bounded so it cannot spin.
    while (kills < KILLS or with_children < 20) and i < 4 * KILLS:
        i += 1
        wanted = variants[i % len(variants)]
        text = pyproject.read_text()
        start = text.index("requirements = [")
        end = text.index("]\n", start) + 2
        rendered = ", ".join(f'"{r}"' for r in wanted)
        pyproject.write_text(text[:start] + f"requirements = [{rendered}]\n" + text[end:])
        tag = uuid.uuid4().hex
        proc = subprocess.Popen(
            [sys.executable, "-m", "pitstop", "-q", "setup"],
            cwd=root,
            env={**env, "PITSTOP_KILL_TAG": tag},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if i % 3 == 0:  # any moment of a setup
            time.sleep(rng.uniform(0.05, 2.5))
        else:  # a moment while pitstop has a child (resolver, installer, verifier) running
            deadline = time.monotonic() + 10
            while proc.poll() is None and len(tagged(tag)) < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(rng.uniform(0, 0.2))
        if proc.poll() is None:
            if len(tagged(tag)) > 1:
                with_children += 1
            os.kill(proc.pid, signal.SIGKILL)  # pitstop's PID only, not its group
            kills += 1
        proc.wait()
        # pitstop is reaped, so the kernel has already sent each child its parent-death SIGKILL:
        # right now every process pitstop started that has exec'd (uv, an interpreter) must be
        # exiting or have that SIGKILL pending. Checked at once, without sleeping: a short-lived
        # orphan would finish on its own within milliseconds and hide a missing parent-death
        # signal (two immediate re-reads cover the instant between the signal's delivery and
        # the exit flag).
        argv = [sys.executable, "-m", "pitstop", "-q", "setup"]
        for _ in range(3):
            running = [
                describe(pid) for pid in tagged(tag) if not dying(pid) and cmdline(pid) not in (argv, None)
            ]
            if not running:
                break
            os.sched_yield()
        assert running == [], f"kill {kills}: outlived pitstop: {running}"
        # A child caught between fork and exec (still pitstop's argv) has not set that signal
        # yet; it sees its parent gone and exits by itself, within a short grace.
        grace = time.monotonic() + 5
        while True:
            survivors = [describe(pid) for pid in tagged(tag) if not dying(pid)]
            if not survivors or time.monotonic() > grace:
                break
            time.sleep(0.05)
        assert survivors == [], f"kill {kills}: processes outlived pitstop: {survivors}"
        _wait_for_lock(lock)  # children hold the env lock until they are gone
        # Installers hold the env lock; the resolver (`uv pip compile`, run before the lock is
        # taken) does not, so one of its threads may still be exiting from its SIGKILL here.
        # Every tagged process must be gone soon: dying, never running on.
        _wait_gone(tag, kills)
        assert base_site_listings(_REAL_PYENV_ROOT) == before, f"kill {kills}: a base interpreter changed"
        marker = venv / ".pitstop-state.json"
        assert marker.is_file(), f"kill {kills}: venv has no marker"
        check = subprocess.run([str(venv / "bin" / "python"), "-c", "import beta"], check=False)
        assert check.returncode == 0, f"kill {kills}: venv is not whole"
    assert with_children >= 20, f"only {with_children} of {kills} kills hit a running child"
    final = subprocess.run([sys.executable, "-m", "pitstop", "-q", "setup"], cwd=root, env=env, check=False)
    assert final.returncode == 0
    assert base_site_listings(_REAL_PYENV_ROOT) == before
    leftovers = [p.name for p in store(root).iterdir() if p.name.startswith((".tmp-", ".trash-", "venv.new"))]
    assert leftovers == []
