"""Confinement: installers only ever write into pitstop's own ``venv.new``.

The interpreters these tests point installers at are *private copies* made in a temporary
directory (``private_python``), never a base interpreter of this machine: if a guard under
test regressed, the damage would land in the copy, where the test sees it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Callable
from pathlib import Path

import pytest

from pitstop import config, config_load, lockfile
from pitstop.errors import ProvisionError
from pitstop.output import QUIET
from tests.conftest import ProjectFactory
from tests.helpers import INSTALLERS, PY

Cli = Callable[..., tuple[int, str, str]]

_SKIP = {"test", "tests", "__pycache__", "idlelib", "tkinter", "turtledemo", "lib2to3"}


@pytest.fixture(scope="session")
def private_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the interpreter running the tests (its prefix is the copy)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the interpreter copy is built for Linux layouts")
    base = Path(sys.base_prefix)
    stdlib = Path(sysconfig.get_paths(vars={"base": str(base), "installed_base": str(base)})["stdlib"])
    target = tmp_path_factory.mktemp("private-python")
    exe = Path(os.path.realpath(sys._base_executable))  # type: ignore[attr-defined]
    (target / "bin").mkdir()
    shutil.copy2(exe, target / "bin" / exe.name)
    (target / "bin" / "python").symlink_to(exe.name)
    (target / "lib").mkdir()
    for lib in (base / "lib").glob("libpython*"):
        shutil.copy2(lib, target / "lib" / lib.name, follow_symlinks=False)

    def ignore(directory: str, names: list[str]) -> set[str]:
        if Path(directory).name == "site-packages":
            return set(names)
        return {n for n in names if n in _SKIP}

    shutil.copytree(stdlib, target / "lib" / stdlib.name, ignore=ignore, symlinks=True)
    python = target / "bin" / "python"
    prefix = subprocess.run(
        [str(python), "-c", "import sys; print(sys.prefix)"], capture_output=True, text=True, check=False
    ).stdout.strip()
    if prefix != str(target):
        pytest.skip(f"this interpreter cannot run from a copy (prefix {prefix})")
    return python


def site_listing(python: Path) -> list[str]:
    """Everything in the site-packages of the interpreter at ``python`` (recursive)."""
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    root = Path(purelib)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")) if root.is_dir() else []


def _locked(make_project: ProjectFactory, cli: Cli, installer: str = "uv") -> tuple[Path, config.Project]:
    root = make_project(f'installer = "{installer}"\nrequirements = ["beta"]\n', python=PY)
    code, _, err = cli("lock", cwd=root)
    assert code == 0, err
    return root, config_load.load(root)


def _broken_new(root: Path, python: Path, *, pip: bool = False) -> Path:
    """A ``venv.new`` made from ``python`` whose ``pyvenv.cfg`` was then removed."""
    from pitstop.uvbin import find_uv

    new = root / ".pitstop" / "default" / "venv.new"
    new.parent.mkdir(parents=True)
    if pip:
        subprocess.run([str(python), "-m", "venv", "--without-pip", str(new)], check=True)
    else:
        subprocess.run([find_uv(), "venv", "-q", "--python", str(python), str(new)], check=True)
    (new / "pyvenv.cfg").unlink()
    return new


@pytest.mark.parametrize("installer", ["uv", "pip"])
@pytest.mark.parametrize("guarded", [True, False], ids=["checked", "unchecked"])
def test_installer_never_writes_through_a_venv_without_pyvenv_cfg(
    make_project: ProjectFactory,
    cli: Cli,
    private_python: Path,
    monkeypatch: pytest.MonkeyPatch,
    installer: str,
    guarded: bool,
) -> None:
    """Issue #10 item 1: uv given ``--python venv.new/bin/python`` for a directory that is no
    longer a venv installed into the interpreter behind it. Now the installer is refused
    (``checked``); and even with that check switched off (``unchecked``), the way pitstop
    invokes the installer cannot fall through: the private base stays untouched."""
    from pitstop import installers

    root, project = _locked(make_project, cli, installer)
    env = project.env("default")
    # A valid venv in the project root: uv must not fall through to it either.
    dot_venv = root / ".venv"
    subprocess.run([str(private_python), "-m", "venv", "--without-pip", str(dot_venv)], check=True)
    new = _broken_new(root, private_python, pip=installer == "pip")
    # ... nor to a virtual environment on PATH (uv accepts the first one it finds there).
    monkeypatch.setenv("PATH", f"{dot_venv / 'bin'}{os.pathsep}{os.environ['PATH']}")
    before = site_listing(private_python), site_listing(dot_venv / "bin" / "python")
    if not guarded:
        monkeypatch.setattr("pitstop.installers.base.require_venv", lambda venv, env: None)
    inst = installers.get(installer, project, env, QUIET)
    lock = lockfile.read(project.lock_path(env))
    with pytest.raises(ProvisionError) as info:
        inst.install(new, inst.prepare(lock, {"alpha": "2.0", "beta": "1.0"}))
    if guarded:
        assert "not a virtual environment" in str(info.value)
        assert "pitstop setup" in (info.value.fix or "")
    after = site_listing(private_python), site_listing(dot_venv / "bin" / "python")
    assert after == before
    assert before[0] == [], "the private base starts empty"


def test_the_check_refuses_a_symlinked_or_missing_venv(
    make_project: ProjectFactory, cli: Cli, tmp_path: Path
) -> None:
    from pitstop.installers.base import require_venv

    root, project = _locked(make_project, cli)
    env = project.env("default")
    real = tmp_path / "elsewhere"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(real)], check=True)
    link = root / "venv.new"
    link.symlink_to(real)
    with pytest.raises(ProvisionError, match="is a symlink"):
        require_venv(link, env)
    with pytest.raises(ProvisionError, match="is missing"):
        require_venv(root / "absent", env)
    require_venv(real, env)  # a real venv passes


_PARENT = (
    "import sys\n"
    "from pathlib import Path\n"
    "from pitstop.flock import EnvLock\n"
    "from pitstop.process import run\n"
    "with EnvLock(Path(sys.argv[1])):\n"
    "    run([sys.executable, '-c', 'import os, time; print(os.getpid(), flush=True); time.sleep(600)'],"
    " capture=False)\n"
)


def _parent_holding_the_lock(tmp_path: Path) -> tuple[subprocess.Popen[str], int, Path]:
    """A process that takes an env lock and runs a long child through process.run: (the
    parent, the child's PID, the lock file)."""
    script = tmp_path / "parent.py"
    script.write_text(_PARENT)
    lock = tmp_path / "store" / ".pitstop.lock"
    parent = subprocess.Popen([sys.executable, str(script), str(lock)], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    return parent, int(parent.stdout.readline()), lock


def test_children_die_with_pitstop_and_hold_the_env_lock(tmp_path: Path) -> None:
    """Issue #10 item 2: a SIGKILLed pitstop leaves no child running, and its env lock is held
    until the child is gone (so recovery never deletes venv.new under a live installer)."""
    import signal
    import time

    parent, child, lock = _parent_holding_the_lock(tmp_path)
    assert os.getpgid(child) == child, "the child runs in its own process group"
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 30
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child), "the child outlived pitstop"
    import fcntl

    fd = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free once the child is gone
    finally:
        os.close(fd)


_FORK_SCRIPT = r"""
import os, signal, sys, time
from pitstop import process

armed = []
os.register_at_fork(after_in_parent=lambda: armed and os.kill(os.getpid(), signal.SIGINT) and None)
marker = sys.argv[1]
armed.append(1)
try:
    process.start([sys.executable, "-c", "import time; time.sleep(60)", marker])
    print("not interrupted")
except KeyboardInterrupt:
    print("interrupted")
armed.clear()
time.sleep(0.5)
left = []
for pid in os.listdir("/proc"):
    if not pid.isdigit() or int(pid) == os.getpid():  # this script names the marker too
        continue
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            if marker.encode() in f.read().split(b"\0"):
                left.append(pid)
    except OSError:
        pass
print("left", left)
proc = process.start([sys.executable, "-c", "print(open('/proc/self/status').read())"])
blocked = [l for l in process.finish(proc).stdout.splitlines() if l.startswith("SigBlk:")]
print("child mask", int(blocked[0].split()[1], 16) & ((1 << (signal.SIGINT - 1)) | (1 << (signal.SIGTERM - 1))))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_during_a_fork_is_never_lost(tmp_path: Path) -> None:
    """A SIGINT that arrives while fork runs the parent's at-fork handlers (logging registers
    one) used to raise inside that handler, where Python discards it: setup ran on to exit 0.
    It is held back during the fork and raised right after, the child just started is ended,
    and children still start with SIGINT and SIGTERM unblocked."""
    marker = f"pitstop-fork-test-{os.getpid()}"
    proc = subprocess.run(
        [sys.executable, "-c", _FORK_SCRIPT, marker], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "interrupted", proc.stdout + proc.stderr
    assert lines[1] == "left []", "the child started during the interrupted fork still runs"
    assert lines[2] == "child mask 0"


def test_a_child_inherits_the_env_lock(tmp_path: Path) -> None:
    """The installer child holds the env lock's open file itself (flock is per open file),
    so the lock outlives a killed pitstop for exactly as long as the child does."""
    import signal

    parent, child, lock = _parent_holding_the_lock(tmp_path)
    try:
        fds = [os.readlink(f"/proc/{child}/fd/{fd}") for fd in os.listdir(f"/proc/{child}/fd")]
        assert str(lock) in fds
    finally:
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
            return handle.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False
    except OSError:  # pragma: no cover - non-Linux
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


@pytest.mark.parametrize("linked", [".pitstop", ".pitstop/default"])
def test_a_store_symlinked_out_of_the_project_is_refused(
    make_project: ProjectFactory, cli: Cli, tmp_path: Path, linked: str
) -> None:
    """Issue #10 item 6: nothing is built in, or deleted from, a symlink's target."""
    root = make_project('requirements = ["beta"]\n', python=PY)
    outside = tmp_path / "outside"
    victim = outside / "venv"  # what `clean` deleted through the symlink before
    victim.mkdir(parents=True)
    (victim / "keep.txt").write_text("not pitstop's\n")
    link = root / linked
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(outside if linked == ".pitstop/default" else tmp_path / "outside-store")
    if linked == ".pitstop":
        (tmp_path / "outside-store" / "default").mkdir(parents=True)
        victim = tmp_path / "outside-store" / "default" / "venv"
        victim.mkdir()
        (victim / "keep.txt").write_text("not pitstop's\n")
    before = sorted(str(p) for p in (tmp_path / "outside").rglob("*")) + sorted(
        str(p) for p in (tmp_path / "outside-store").rglob("*")
    )
    for argv in (["setup"], ["run", "--", "python", "-c", "pass"], ["clean"], ["rollback"]):
        code, _, err = cli(*argv, cwd=root)
        assert code == 2, (argv, err)
        assert "outside the project" in err and "remove the symlink" in err
    after = sorted(str(p) for p in (tmp_path / "outside").rglob("*")) + sorted(
        str(p) for p in (tmp_path / "outside-store").rglob("*")
    )
    assert after == before
    assert (victim / "keep.txt").read_text() == "not pitstop's\n"


def test_dangling_symlinks_where_pitstop_creates_files_are_never_written_through(
    make_project: ProjectFactory, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pull request may commit dangling symlinks where pitstop creates files: the store's
    .gitignore and CACHEDIR.TAG, and the predictable temporary names of its atomic writes
    (``.<name>.<thread>.<pid>.tmp``). None of their targets is ever created."""
    root = make_project('requirements = ["beta"]\n', python=PY)
    outside = tmp_path / "outside"
    outside.mkdir()
    import threading

    pid = f"{threading.get_ident()}.{os.getpid()}"  # cli() runs pitstop in this thread
    links = {
        root / ".pitstop" / ".gitignore": outside / "gitignore",
        root / ".pitstop" / "CACHEDIR.TAG": outside / "tag",
        root / f".pylock.toml.{pid}.tmp": outside / "lock-tmp",
        root / ".pitstop" / ".cache" / f".lock-default.bin.{pid}.tmp": outside / "cache-tmp",
    }
    for link, target in links.items():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(target)
    monkeypatch.setenv("CI", "")
    code, _, err = cli("setup", cwd=root)
    assert code == 0, err
    assert sorted(outside.iterdir()) == []
    assert (root / "pylock.toml").is_file() and not (root / "pylock.toml").is_symlink()
    assert (root / ".pitstop" / ".gitignore").is_symlink()  # left alone, not written through
    assert not (root / f".pylock.toml.{pid}.tmp").exists()


def test_a_symlinked_env_lock_file_is_a_config_error(
    make_project: ProjectFactory, cli: Cli, tmp_path: Path
) -> None:
    root = make_project('requirements = ["beta"]\n', python=PY)
    target = tmp_path / "outside" / "flock"
    (tmp_path / "outside").mkdir()
    lockfile_link = root / ".pitstop" / "default" / ".pitstop.lock"
    lockfile_link.parent.mkdir(parents=True)
    lockfile_link.symlink_to(target)
    for argv in (["setup"], ["setup", "--strict"], ["clean"]):
        code, _, err = cli(*argv, cwd=root)
        assert code == 2, (argv, err)
        assert "is a symlink" in err and err.rstrip().endswith(f"rm {lockfile_link}")
    assert not target.exists()
    lockfile_link.unlink()  # the fix it printed
    assert cli("setup", cwd=root)[0] == 0


def test_clean_removes_a_symlinked_venv_link_not_its_target(
    make_project: ProjectFactory, cli: Cli, tmp_path: Path
) -> None:
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("setup", cwd=root)[0] == 0
    target = tmp_path / "elsewhere"
    (target / "bin").mkdir(parents=True)
    (target / "bin" / "keep").write_text("x")
    prev = root / ".pitstop" / "default" / "venv.prev"
    prev.symlink_to(target)
    assert cli("clean", cwd=root)[0] == 0
    assert not prev.is_symlink() and (target / "bin" / "keep").exists()


@pytest.mark.parametrize("installer", INSTALLERS)
def test_a_package_locked_at_two_versions_by_marker(
    make_project: ProjectFactory, cli: Cli, installer: str
) -> None:
    """Issue #10 item 7: the pip installer selects lock entries by marker, like uv."""
    from tests.helpers import installed_version

    here = sys.platform
    root = make_project(
        f'installer = "{installer}"\n'
        f'requirements = ["beta", "alpha<2; sys_platform != \'{here}\'", '
        f"\"alpha>=2; sys_platform == '{here}'\"]\n",
        python=PY,
    )
    assert cli("lock", cwd=root)[0] == 0
    versions = [p["version"] for p in lockfile.read(root / "pylock.toml").packages if p["name"] == "alpha"]
    assert sorted(versions) == ["1.0", "2.0"], "the lock pins alpha twice, by marker"
    code, _, err = cli("setup", cwd=root)
    assert code == 0, err
    assert installed_version(root, "alpha") == "2.0"


def test_temporary_files_are_cleaned_on_failure_and_swept(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #10 item 8."""
    root = make_project('requirements = ["beta"]\n', python=PY)
    real_replace = os.replace

    def failing_replace(src: object, dst: object) -> None:
        if str(dst).endswith("pylock.toml"):
            raise OSError(28, "No space left on device")
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", failing_replace)
    code, _, err = cli("lock", cwd=root)
    monkeypatch.setattr(os, "replace", real_replace)
    assert code != 0 and "Traceback" not in err
    assert [p.name for p in root.iterdir() if p.name.endswith(".tmp")] == []
    assert cli("setup", cwd=root)[0] == 0
    # What a SIGKILLed pitstop leaves (its pid is gone) is swept by the next locked command.
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    store = root / ".pitstop" / "default"
    left = [
        root / f".pylock.toml.{dead.pid}.tmp",
        root / ".pitstop" / ".cache" / f".interpreters.json.{dead.pid}.tmp",
        store / f".journal.json.{dead.pid}.tmp",
    ]
    for path in left:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("partial")
    (store / ".tmp-abandoned" / ".venv").mkdir(parents=True)
    mine = root / f".pylock.toml.{os.getppid()}.tmp"  # a live writer's file is left alone
    mine.write_text("in progress")
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('["beta"]', '["gamma"]'))
    code, _, err = cli("setup", cwd=root)
    assert code == 0, err
    assert [p for p in left if p.exists()] == []
    assert not (store / ".tmp-abandoned").exists()
    assert [p.name for p in store.iterdir() if p.name.startswith((".tmp-", ".trash-"))] == []
    assert mine.exists()


def test_the_user_location_is_confined_to_itself(
    make_project: ProjectFactory, cli: Cli, tmp_path: Path
) -> None:
    from pitstop.config import user_store

    root = make_project('location = "user"\nrequirements = ["beta"]\n', python=PY)
    code, _, err = cli("setup", cwd=root)
    assert code == 0, err
    envs = user_store(root)
    assert (envs / "default" / "venv" / "bin" / "python").exists()
    assert cli("clean", cwd=root)[0] == 0
    outside = tmp_path / "outside-user"
    (outside / "venv").mkdir(parents=True)
    shutil.rmtree(envs / "default")
    (envs / "default").symlink_to(outside)
    code, _, err = cli("setup", cwd=root)
    assert code == 2 and "outside the user location" in err
    assert sorted(p.name for p in outside.iterdir()) == ["venv"]


@pytest.mark.parametrize("slot", ["venv", "venv.prev"])
def test_a_symlink_in_an_env_slot_is_refused_before_anything_is_built(
    make_project: ProjectFactory, cli: Cli, tmp_path: Path, slot: str
) -> None:
    """A dangling `venv -> /elsewhere` used to be swapped and journaled, then every setup
    failed with exit 3 and a fix about permissions. Now: exit 2 naming it, nothing written,
    and the fix (clean removes the link, not its target) works."""
    root = make_project('requirements = ["beta"]\n', python=PY)
    store_dir = root / ".pitstop" / "default"
    store_dir.mkdir(parents=True)
    (store_dir / slot).symlink_to(tmp_path / "nowhere")
    before = sorted(p.name for p in store_dir.iterdir())
    code, _, err = cli("setup", cwd=root)
    assert code == 2, err
    assert f"{slot} is a symlink" in err and "pitstop clean && pitstop setup" in err
    assert sorted(p.name for p in store_dir.iterdir()) == before
    assert cli("clean", cwd=root)[0] == 0
    code, _, err = cli("setup", cwd=root)
    assert code == 0, err
    assert (store_dir / "venv").is_dir() and not (store_dir / "venv").is_symlink()


def test_nothing_is_written_or_deleted_through_a_symlinked_cache(
    make_project: ProjectFactory, tmp_path: Path
) -> None:
    """``.pitstop/.cache`` symlinked out of the project: no interpreter cache, fast-path
    record, lock cache entry or venv template is written there, and ``clean`` deletes nothing
    there (real processes: the fast path records as a command ends)."""
    from tests.helpers import pitstop_process, store

    root = make_project('requirements = ["beta"]\n', python=PY)
    outside = tmp_path / "outside"
    outside.mkdir()
    planted = outside / "venv-0123456789abcdef0123456789abcdef"
    planted.write_bytes(b"someone else's file")
    (root / ".pitstop").mkdir()
    (root / ".pitstop" / ".cache").symlink_to(outside)
    for argv in (("setup",), ("check",), ("run", "--", "beta"), ("setup",)):
        proc = pitstop_process(root, *argv)
        assert proc.returncode == 0, proc.stderr
    shutil.rmtree(store(root))
    assert pitstop_process(root, "setup").returncode == 0  # a rebuild: a template would be taken
    assert sorted(p.name for p in outside.iterdir()) == [planted.name]
    assert pitstop_process(root, "clean").returncode == 0
    assert planted.read_bytes() == b"someone else's file", "clean never deletes through the link"


def test_threads_of_one_process_writing_one_file_never_share_a_temporary_file(tmp_path: Path) -> None:
    """The API and nox run pitstop in threads of one process: each atomic write has its own
    temporary file, so no writer unlinks or renames another's, and the file is always one
    writer's whole payload."""
    import threading

    from pitstop.fsutil import atomic_write_bytes

    target = tmp_path / "cache.bin"
    payloads = [bytes([n]) * 200_000 for n in range(8)]
    errors: list[BaseException] = []

    def write(payload: bytes) -> None:
        try:
            for _ in range(40):
                atomic_write_bytes(target, payload, durable=False)
        except BaseException as exc:  # collected, asserted below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(p,)) for p in payloads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert target.read_bytes() in payloads
    assert [p.name for p in tmp_path.iterdir()] == ["cache.bin"]


def test_a_child_inherits_only_the_env_locks_of_the_thread_that_starts_it(tmp_path: Path) -> None:
    """With pitstop running in several threads of one process (the API), a child gets the
    env locks its own thread holds; another thread's lock descriptor, which that thread may
    close at any moment, is never passed (that failed with "Bad file descriptor")."""
    import threading

    from pitstop.flock import EnvLock, held_fds

    seen: dict[str, tuple[int, ...]] = {}
    locked, release = threading.Event(), threading.Event()

    def other() -> None:
        with EnvLock(tmp_path / "b" / ".pitstop.lock"):
            seen["other"] = held_fds()
            locked.set()
            release.wait(30)

    thread = threading.Thread(target=other)
    thread.start()
    try:
        assert locked.wait(30)
        with EnvLock(tmp_path / "a" / ".pitstop.lock"):
            seen["main"] = held_fds()
    finally:
        release.set()
        thread.join()
    assert len(seen["main"]) == 1 and len(seen["other"]) == 1
    assert set(seen["main"]).isdisjoint(seen["other"])
    assert held_fds() == ()


def test_create_new_never_replaces_or_writes_through_what_is_there(tmp_path: Path) -> None:
    """The store's .gitignore and CACHEDIR.TAG are created only where nothing is: an existing
    file keeps its bytes, a dangling symlink is left alone and its target never created."""
    from pitstop.fsutil import create_new

    assert create_new(tmp_path / "new", b"*\n") and (tmp_path / "new").read_bytes() == b"*\n"
    (tmp_path / "kept").write_bytes(b"mine\n")
    assert not create_new(tmp_path / "kept", b"*\n")
    assert (tmp_path / "kept").read_bytes() == b"mine\n"
    (tmp_path / "link").symlink_to(tmp_path / "target")
    assert not create_new(tmp_path / "link", b"*\n")
    assert not (tmp_path / "target").exists() and (tmp_path / "link").is_symlink()


def test_an_env_lock_that_cannot_be_opened_is_an_os_error_not_a_symlink_error(tmp_path: Path) -> None:
    """Only a symlink is reported as one; another failure to open the lock file (here a
    directory in its place) stays the OSError main() reports with its path (exit 3)."""
    from pitstop.flock import EnvLock, held_fds

    (tmp_path / ".pitstop.lock").mkdir()
    with pytest.raises(IsADirectoryError):
        EnvLock(tmp_path / ".pitstop.lock").__enter__()
    assert held_fds() == ()
