"""Bounded readers: hostile files (FIFO, /dev/zero, huge, deeply nested, symlink loops, long
include chains, NUL bytes) are exit 1 or 2 with a fix, never a hang, a traceback or a change."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ProjectFactory
from tests.helpers import PY, pitstop_process, store

Cli = Callable[..., tuple[int, str, str]]


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every path under ``root`` (symlinks not followed) with its size and mtime."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            st = path.lstat()
            out[str(path.relative_to(root))] = (st.st_size, st.st_mtime_ns)
    return out


def assert_clean_failure(code: int, err: str, codes: tuple[int, ...] = (2,)) -> None:
    assert code in codes, err
    assert "Traceback" not in err
    assert re.search(r"^\s*(fix|run): ", err, re.M), err


def run_process(root: Path, *argv: str, **env: str) -> tuple[int, str]:
    proc = pitstop_process(root, *argv, **env)
    return proc.returncode, proc.stdout + proc.stderr  # check reports on stdout


@pytest.mark.parametrize("command", [("check",), ("setup",), ("lock",), ("lock", "--check")])
def test_dev_zero_as_a_requirements_file(make_project: ProjectFactory, command: tuple[str, ...]) -> None:
    root = make_project('requirements-files = ["/dev/zero"]\n', python=PY)
    before = snapshot(root)
    code, err = run_process(root, *command)
    assert_clean_failure(code, err)  # a config error: exit 2 for check too (#11 item 6)
    assert snapshot(root) == before


def test_fifo_as_a_requirements_file_does_not_hang(make_project: ProjectFactory) -> None:
    root = make_project('requirements-files = ["reqs.txt"]\n', python=PY)
    os.mkfifo(root / "reqs.txt")
    before = snapshot(root)
    code, err = run_process(root, "lock")  # pitstop_process times out (fails) on a hang
    assert_clean_failure(code, err)
    assert "not a regular file" in err
    assert snapshot(root) == before


def test_huge_requirements_file(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements-files = ["reqs.txt"]\n', python=PY)
    with open(root / "reqs.txt", "wb") as handle:
        handle.truncate(40 * 1024 * 1024)  # sparse: costs no disk
    code, _, err = cli("lock", cwd=root)
    assert_clean_failure(code, err)
    assert "larger than" in err


@pytest.mark.parametrize("config", ["pyproject.toml", "pitstop.toml"])
@pytest.mark.parametrize("opener", ["[", "{ a = "])
def test_deeply_nested_toml(tmp_path: Path, cli: Cli, config: str, opener: str) -> None:
    closer = "]" if opener == "[" else " }"
    root = tmp_path / "proj"
    root.mkdir()
    text = "requirements = []\nx = " + opener * 50_000 + closer * 50_000 + "\n"
    (root / config).write_text(text if config == "pitstop.toml" else "[tool.pitstop]\n" + text)
    before = snapshot(root)
    for command in ("check", "lock", "setup"):
        code, _, err = cli(command, cwd=root)
        assert_clean_failure(code, err)
    assert snapshot(root) == before


def test_symlink_loop_as_a_requirements_file(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements-files = ["loop.txt"]\n', python=PY)
    os.symlink("loop.txt", root / "loop.txt")
    before = snapshot(root)
    code, _, err = cli("lock", cwd=root)
    assert_clean_failure(code, err)
    assert "symlink loop" in err
    assert snapshot(root) == before


def test_symlink_loop_as_location(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('location = "store"\n', python=PY)
    os.symlink("store", root / "store")
    before = snapshot(root)
    for command in ("check", "setup"):
        code, _, err = cli(command, cwd=root)
        assert_clean_failure(code, err)
        assert "location" in err
    assert snapshot(root) == before


def test_nul_in_location(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('location = "st\\u0000ore"\n', python=PY)
    code, _, err = cli("setup", cwd=root)
    assert_clean_failure(code, err)
    assert "location" in err and "control character" in err


def test_two_thousand_deep_include_chain(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements-files = ["r0.txt"]\n', python=PY)
    for number in range(2000):
        (root / f"r{number}.txt").write_text(f"-r r{number + 1}.txt\n")
    (root / "r2000.txt").write_text("beta\n")
    code, _, err = cli("lock", cwd=root)
    assert_clean_failure(code, err)
    assert "nest more than" in err
    assert not (root / "pylock.toml").exists()


@pytest.mark.parametrize(
    "pyproject_head",
    [
        "project = 1\n",
        "tool = 1\n",
        "dependency-groups = 1\n",
        '[project]\nname = "p"\ndependencies = "beta"\n',
    ],
)
def test_wrong_types_in_pyproject(tmp_path: Path, cli: Cli, pyproject_head: str) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    body = "install-project = true\n" if "dependencies" in pyproject_head else ""
    if pyproject_head == "tool = 1\n":
        (root / "pitstop.toml").write_text("requirements = []\n")
        (root / "pyproject.toml").write_text(pyproject_head)
    else:
        (root / "pyproject.toml").write_text(f"{pyproject_head}[tool.pitstop]\n{body}")
    before = snapshot(root)
    for command in ("check", "lock"):
        code, out, err = cli(command, cwd=root)
        assert_clean_failure(code, out + err)  # exit 2 for check too
    assert snapshot(root) == before


@pytest.mark.parametrize("target", ["/dev/zero", "pylock.toml"])
def test_hostile_lock_file(make_project: ProjectFactory, target: str) -> None:
    root = make_project(python=PY)
    os.symlink(target, root / "pylock.toml")  # a symlink to itself is a loop
    before = snapshot(root)
    for command in (("lock", "--check"), ("check",), ("setup",)):
        code, err = run_process(root, *command, CI="true")
        assert_clean_failure(code, err, (1,))
    assert snapshot(root) == before


def test_lock_with_upload_time_and_the_project_directory(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_lockverify import forge

    root = make_project('requirements = ["beta"]\ninstall-project = true\n', python=PY)
    (root / "setup.py").write_text("from setuptools import setup\nsetup()\n")
    assert cli("lock", cwd=root)[0] == 0
    # upload-time is standard PEP 751 (a TOML datetime); pitstop does not write it, uv may.
    forge(
        root / "pylock.toml",
        lambda body: body.replace(" hashes = {", " upload-time = 2024-01-02T03:04:05Z, hashes = {", 1),
    )
    monkeypatch.setenv("CI", "true")
    code, _, err = cli("setup", cwd=root)
    assert code == 0, err


def test_crlf_lock_is_fresh_and_lock_rewrites_it_with_lf(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project(python=PY)
    assert cli("lock", cwd=root)[0] == 0
    lock = root / "pylock.toml"
    lf = lock.read_bytes()
    lock.write_bytes(lf.replace(b"\n", b"\r\n"))  # what git autocrlf checks out
    code, _, err = cli("lock", "--check", cwd=root)
    assert code == 0, err
    code, _, err = cli("setup", "--strict", cwd=root)
    assert code == 0, err
    assert cli("setup", "--strict", cwd=root)[2].count("building") == 0
    code, _, err = cli("lock", "--upgrade", cwd=root)
    assert code == 0, err
    assert lock.read_bytes() == lf


def test_identity_operator_in_environments_is_a_config_error(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project("environments = [\"python_version === '3.12'\"]\n", python=PY)
    code, _, err = cli("lock", cwd=root)
    assert_clean_failure(code, err)
    assert "environments" in err and "invalid marker" in err
    assert not (root / "pylock.toml").exists()


def test_pitstop_toml_resolution_error_names_the_table(tmp_path: Path, cli: Cli, wheels: Path) -> None:
    (tmp_path / "pitstop.toml").write_text(
        f'requirements = ["nonexistent-package-xyz"]\nno-index = true\nfind-links = ["{wheels}"]\n'
    )
    code, _, err = cli("lock", cwd=tmp_path)
    assert code == 3, err
    assert "the requirements of the top-level table in pitstop.toml" in err and "[]" not in err


# -- requirement sources read by path stay inside the project (SPEC §5 Confinement) -------------
SECRET = "ghp_SECRET0123456789"  # noqa: S105 - a made-up token the tests look for


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    """A file outside the project holding a credential, as a CI job's files do."""
    path = tmp_path / "outside" / "token"
    path.parent.mkdir()
    path.write_text(f"{SECRET}\n")
    return path


@pytest.mark.parametrize(
    ("body", "reqs", "shown"),
    [
        ('requirements-files = ["{secret}"]\n', None, "requirements-files"),
        ('requirements-files = ["../outside/token"]\n', None, "requirements-files"),
        ('requirements-files = ["r.txt"]\n', "beta\n-r ../outside/token\n", "r.txt:2: -r"),
        ('requirements-files = ["r.txt"]\n', "--requirement={secret}\n", "r.txt:1: --requirement"),
        ('requirements-files = ["r.txt"]\n', "-r sub/r2.txt\n", "r2.txt:1: -c"),  # any depth
        ('requirements-files = ["link.txt"]\n', None, "requirements-files 'link.txt'"),
        ('requirements-files = ["r.txt"]\n', "-c link.txt\n", "r.txt:1: -c 'link.txt'"),
    ],
)
@pytest.mark.parametrize("command", [("lock",), ("lock", "--check"), ("setup",), ("check",)])
def test_requirement_files_outside_the_project_are_refused_unread(
    make_project: ProjectFactory,
    cli: Cli,
    monkeypatch: pytest.MonkeyPatch,
    secret_file: Path,
    body: str,
    reqs: str | None,
    shown: str,
    command: tuple[str, ...],
) -> None:
    root = make_project(body.format(secret=secret_file), python=PY)
    if reqs is not None:
        (root / "r.txt").write_text(reqs.format(secret=secret_file))
    (root / "sub").mkdir()
    (root / "sub" / "r2.txt").write_text("-c ../../outside/token\n")
    os.symlink(secret_file, root / "link.txt")  # a committed symlink is the same attack
    monkeypatch.setenv("CI", "true")
    before = snapshot(root)
    code, out, err = cli(*command, cwd=root)
    assert_clean_failure(code, out + err)
    assert shown in out + err and "outside the project" in out + err
    assert SECRET not in out + err
    assert snapshot(root) == before


def test_proc_self_environ_is_never_echoed(make_project: ProjectFactory) -> None:
    root = make_project('requirements-files = ["/proc/self/environ"]\n', python=PY)
    code, err = run_process(root, "setup", CI="true", MY_CI_TOKEN=SECRET)
    assert_clean_failure(code, err)
    assert "outside the project" in err and SECRET not in err and "MY_CI_TOKEN" not in err


def test_requirement_file_inside_dot_git_is_refused(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements-files = ["r.txt"]\n', python=PY)
    (root / ".git").mkdir()
    # where a CI checkout step persists the job's token
    (root / ".git" / "config").write_text(f"{SECRET}\n[http]\n\textraheader = AUTHORIZATION: basic x\n")
    (root / "r.txt").write_text("-c .git/config\n")
    code, _, err = cli("lock", cwd=root)
    assert_clean_failure(code, err)
    assert "inside .git" in err and SECRET not in err


def test_requirement_files_inside_the_project_through_symlinks_are_read(
    make_project: ProjectFactory, cli: Cli
) -> None:
    root = make_project('requirements-files = ["requirements.txt"]\n', python=PY)
    (root / "reqs").mkdir()
    (root / "reqs" / "base.txt").write_text("beta\n-c constraints.txt\n")  # relative to the link
    (root / "constraints.txt").write_text("beta==1.0\n")
    os.symlink("reqs/base.txt", root / "requirements.txt")
    code, _, err = cli("lock", cwd=root)
    assert code == 0, err


def test_python_version_symlink_outside_the_project(
    make_project: ProjectFactory, cli: Cli, tmp_path: Path
) -> None:
    root = make_project('requirements = ["beta"]\n')  # no python: .python-version is read
    secret = tmp_path / "token"
    secret.write_text("abc123def456\n")  # a word .python-version would take as a version
    os.symlink(secret, root / ".python-version")
    before = snapshot(root)
    for command in (("lock",), ("setup",), ("check",)):
        code, out, err = cli(*command, cwd=root)
        assert_clean_failure(code, out + err)
        assert "outside the project" in out + err and "abc123def456" not in out + err
        assert "replace the symlink .python-version" in out + err
    assert snapshot(root) == before


def test_lock_symlink_outside_the_project_is_not_read(
    make_project: ProjectFactory, cli: Cli, tmp_path: Path
) -> None:
    root = make_project(python=PY)
    assert cli("lock", cwd=root)[0] == 0
    outside = tmp_path / "elsewhere.toml"
    outside.write_bytes((root / "pylock.toml").read_bytes())  # a valid lock, just not ours
    (root / "pylock.toml").unlink()
    os.symlink(outside, root / "pylock.toml")
    for command in (("lock", "--check"), ("setup", "--strict")):
        code, out, err = cli(*command, cwd=root)
        assert_clean_failure(code, out + err, (1,))
        assert "outside the project" in out + err
    assert not store(root).exists()


def test_an_error_quotes_a_bounded_part_of_a_line(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements-files = ["r.txt"]\n', python=PY)
    for line in ("x" * 1_000_000 + " !", "beta\x00" + "y" * 1_000_000, "--z" + "z" * 1_000_000):
        (root / "r.txt").write_text(f"{line}\n")
        code, _, err = cli("lock", cwd=root)
        assert_clean_failure(code, err)
        assert len(err) < 1000, err[:1000]
        assert f"({len(line)} characters)" in err


def test_adopted_venv_whose_pyvenv_cfg_is_dev_zero(tmp_path: Path) -> None:
    """A committed ``.venv/pyvenv.cfg -> /dev/zero`` is an unreadable venv (exit 1), not a read
    that eats memory until pitstop dies (run under a 2 GiB address-space limit)."""
    import resource
    import subprocess

    from tests.helpers import pitstop_argv

    root = tmp_path / "proj"
    (root / ".venv" / "bin").mkdir(parents=True)
    (root / "pitstop.toml").write_text('kind = "venv"\npath = ".venv"\n')
    os.symlink("/dev/zero", root / ".venv" / "pyvenv.cfg")
    os.symlink(PY, root / ".venv" / "bin" / "python")

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    proc = subprocess.run(
        pitstop_argv("check"),
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=limit,  # a resource limit, set in the child only
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and "please report" not in proc.stdout + proc.stderr


@pytest.mark.parametrize("name", ["pitstop.toml", "pyproject.toml"])
def test_config_file_symlinked_out_of_the_project(tmp_path: Path, cli: Cli, name: str) -> None:
    secret = tmp_path / "elsewhere" / "settings.toml"
    secret.parent.mkdir()
    secret.write_text(f'python = "{SECRET}"\n[tool.pitstop]\npython = "{SECRET}"\n')
    root = tmp_path / "proj"
    root.mkdir()
    if name == "pitstop.toml":
        (root / "pyproject.toml").write_text('[project]\nname = "p"\nversion = "0"\n')
    os.symlink(secret, root / name)
    before = snapshot(root)
    for command in (("check",), ("lock", "--check"), ("setup",)):
        code, out, err = cli(*command, cwd=root)
        assert_clean_failure(code, out + err)
        assert "symlink out of the project" in out + err and SECRET not in out + err
    assert snapshot(root) == before


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/dev/zero and RLIMIT_AS")
@pytest.mark.parametrize(
    ("call", "target"),
    [
        ("from pitstop.kinds.cache import _workspace as f", "fifo"),  # open() waited for a writer
        ("from pitstop.kinds.detect import _conda_name as f", "/dev/zero"),  # read() never ended
        ("from pitstop.kinds.detect import _conda_name as f", "fifo"),
    ],
)
def test_adopted_kind_files_symlinked_to_a_fifo_or_a_device(tmp_path: Path, call: str, target: str) -> None:
    """A committed uv.lock or environment.yml that is a symlink to a FIFO or /dev/zero: read
    bounded and without waiting, as every other untrusted file is."""
    import resource
    import subprocess

    if target == "fifo":
        os.mkfifo(tmp_path / "fifo")
        target = str(tmp_path / "fifo")
    link = tmp_path / "marker"
    link.symlink_to(target)

    def limit() -> None:  # a runaway read fails fast instead of filling the machine's memory
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    code = f"import sys\nfrom pathlib import Path\n{call}\nprint(f(Path(sys.argv[1])))\n"
    proc = subprocess.run(
        [sys.executable, "-c", code, str(link)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        preexec_fn=limit,
    )
    assert proc.returncode == 0, proc.stderr[-500:]
    assert proc.stdout.strip() in ("True", "None")  # a workspace (not cached) / no conda name


def test_a_monorepo_s_shared_files_inside_the_git_work_tree_are_read(
    make_project: ProjectFactory, cli: Cli, tmp_path: Path
) -> None:
    """The boundary is the git work tree holding the project: a subproject's
    ``-r ../../shared/base.txt`` and a ``.python-version`` symlinked to the repository's copy
    read as before; a file outside the repository, or inside its .git, is still refused."""
    import subprocess

    repo = tmp_path / "mono"
    root = make_project('requirements-files = ["requirements.txt"]\n', name="mono/apps/svc")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "shared").mkdir()
    (repo / "shared" / "base.txt").write_text("beta\n")
    (repo / ".python-version").write_text(f"{PY}\n")
    (root / ".python-version").symlink_to("../../.python-version")
    (root / "requirements.txt").write_text("-r ../../shared/base.txt\n")
    code, _, err = cli("lock", cwd=root)
    assert code == 0, err
    assert 'name = "beta"' in (root / "pylock.toml").read_text()
    (tmp_path / "outside.txt").write_text("gamma\n")
    (repo / ".git" / "reqs.txt").write_text("gamma\n")
    for include, place in (
        ("../../../outside.txt", "outside the project"),
        ("../../.git/reqs.txt", "inside .git"),
    ):
        (root / "requirements.txt").write_text(f"-r {include}\n")
        code, _, err = cli("lock", cwd=root)
        assert code == 2 and place in err, err
