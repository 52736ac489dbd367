"""Adopted envs set up wrongly: each is reported by ``pitstop check`` (and refused by ``python``)
with a message naming what is wrong and the command that fixes it; nothing is written.

Real interpreters, real venvs, real uv; conda is the named fake from tests/fakes.py (it cannot
be installed here).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import pyenv_python
from tests.fakes import install_fake

Cli = Callable[..., tuple[int, str, str]]


def write(root: Path, text: str, name: str = "pyproject.toml") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(text, encoding="utf-8")
    return root


def failed(cli: Cli, root: Path, *env: str) -> tuple[str, str]:
    """``check`` says ❌ with exit 1 and ``python`` agrees: (message line, fix)."""
    code, out, _ = cli("check", *env, cwd=root)
    assert code == 1, out
    line = next(x for x in out.splitlines() if x.startswith("❌"))
    fix = next(x for x in out.splitlines() if x.strip().startswith("fix: ")).strip().removeprefix("fix: ")
    code, out, _ = cli("python", *env, "--json", cwd=root)
    data = json.loads(out)
    assert code == 1 and data["ok"] is False
    assert data["error"]["fix"].removeprefix("run: ") == fix
    return line, fix


def listing(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


# -- docker: the config must say which container or image -----------------------------------
@pytest.mark.parametrize(
    ("keys", "needle", "fix"),
    [
        ('container = "c"\nimage = "i"\n', "set either container or image, not both", "remove one of them"),
        ('python = "python3"\n', "a docker env needs container", "container"),
    ],
)
def test_docker_without_exactly_one_target_is_a_config_error(
    tmp_path: Path, cli: Cli, keys: str, needle: str, fix: str
) -> None:
    root = write(tmp_path / "a", f'[tool.pitstop.envs.w]\nkind = "docker"\n{keys}')
    before = listing(root)
    for command in ("check", "python"):  # one verdict: a config error, exit 2, nothing written
        code, out, err = cli(command, "-e", "w", cwd=root)
        assert code == 2 and out == ""
        assert f"[tool.pitstop.envs.w]: {needle}" in err
        assert fix in err.rstrip().splitlines()[-1]
    assert listing(root) == before


# -- venv --------------------------------------------------------------------------------------------
def test_venv_default_path_is_dot_venv_and_the_fix_names_a_real_python(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Neither .venv nor venv exists: the fix creates .venv. With no python3 on PATH the fix
    names the newest real CPython 3 found (pyenv's), never a name that would not run."""
    root = write(tmp_path / "a", '[tool.pitstop]\nkind = "venv"\n')
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    line, fix = failed(cli, root)
    assert "no virtual environment at .venv" in line
    python, rest = fix.split(" ", 1)
    assert rest == "-m venv .venv"
    assert os.path.isabs(python) and os.path.isfile(python)
    subprocess.run(
        [python, *rest.split(), "--without-pip"], cwd=root, check=True
    )  # the fix works (pip aside)
    code, out, _ = cli("check", cwd=root)
    assert code == 0 and out.startswith("✅")


@pytest.mark.parametrize("path_has", ["python3.12", "a-pyenv-shim", "nothing"])
def test_venv_recreate_fix_names_the_venvs_own_version(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch, path_has: str
) -> None:
    """A 3.12 venv whose base interpreter's directory is gone: the fix recreates it with 3.12
    (pyvenv.cfg's version), not the newest Python found: ``python3.12`` when that name starts
    a real 3.12; ``PYENV_VERSION=3.12.x python3.12`` when it is only a pyenv shim (a fake
    shim script here: pitstop reads, never runs it) of another selected version; a real
    3.12's path only when no name would work. Followed as printed, the venv is ready."""
    py312 = pyenv_python("3.12")
    py311 = pyenv_python("3.11")
    link = tmp_path / "x" / "pylink"
    link.parent.mkdir()
    os.symlink(Path(py312).parent.parent, link)
    root = write(tmp_path / "app", '[tool.pitstop]\nkind = "venv"\n')
    subprocess.run(
        [str(link / "bin" / "python3.12"), "-m", "venv", "--without-pip", str(root / ".venv")], check=True
    )
    link.unlink()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    if path_has == "python3.12":
        os.symlink(py312, bin_dir / "python3.12")
    elif path_has == "a-pyenv-shim":
        bin_dir = tmp_path / "pyenv" / "shims"
        bin_dir.mkdir(parents=True)
        shim = bin_dir / "python3.12"
        shim.write_text('#!/bin/sh\nexec "$PYENV_ROOT/versions/$PYENV_VERSION/bin/python3.12" "$@"\n')
        shim.chmod(0o755)
        monkeypatch.setenv("PYENV_VERSION", Path(py311).parent.parent.name)  # selected: no 3.12
    monkeypatch.setenv("PATH", str(bin_dir))
    line, fix = failed(cli, root)
    assert "base interpreter" in line and "is gone" in line
    command = fix.split("  (")[0]
    assert command.endswith(" -m venv --clear .venv")
    name = Path(py312).parent.parent.name
    expected = {
        "python3.12": "python3.12",
        "a-pyenv-shim": f"PYENV_VERSION={name} python3.12",
        "nothing": py312,
    }[path_has]
    assert command.removesuffix(" -m venv --clear .venv") == expected
    argv = shlex.split(command)
    env = {**os.environ}
    while "=" in argv[0]:
        key, _, value = argv.pop(0).partition("=")
        env[key] = value
    subprocess.run([*argv, "--without-pip"], cwd=root, env=env, check=True)
    code, out, _ = cli("check", cwd=root)
    assert code == 0 and "CPython 3.12." in out, out


def test_venv_without_a_home_line_still_runs(tmp_path: Path, cli: Cli) -> None:
    root = write(tmp_path / "a", '[tool.pitstop]\nkind = "venv"\npath = "env"\n')
    subprocess.run([pyenv_python("3.12"), "-m", "venv", "--without-pip", str(root / "env")], check=True)
    cfg = root / "env" / "pyvenv.cfg"
    cfg.write_text("".join(x for x in cfg.read_text().splitlines(keepends=True) if not x.startswith("home")))
    code, out, _ = cli("python", cwd=root)
    assert code == 0 and out.strip() == str(root / "env" / "bin" / "python")


def test_venv_whose_base_directory_is_gone(tmp_path: Path, cli: Cli) -> None:
    """bin/python is a copy (not a symlink), so only pyvenv.cfg's home shows the base is gone."""
    root = write(tmp_path / "a", '[tool.pitstop]\nkind = "venv"\npath = "env"\n')
    env = root / "env"
    (env / "bin").mkdir(parents=True)
    (env / "bin" / "python").write_bytes(b"")
    (env / "pyvenv.cfg").write_text(f"home = {tmp_path / 'vanished' / 'bin'}\n", encoding="utf-8")
    line, fix = failed(cli, root)
    assert f"env: its base interpreter directory {tmp_path / 'vanished' / 'bin'} is gone" in line
    assert fix.endswith("-m venv --clear env  (then reinstall its packages)")


def test_venv_with_a_python_that_does_not_start(tmp_path: Path, cli: Cli) -> None:
    root = write(tmp_path / "a", '[tool.pitstop]\nkind = "venv"\npath = "env"\n')
    env = root / "env"
    (env / "bin").mkdir(parents=True)
    (env / "pyvenv.cfg").write_text(f"home = {tmp_path}\n", encoding="utf-8")
    broken = env / "bin" / "python"
    sentinel = tmp_path / "ran"
    broken.write_text(f"#!/bin/sh\ntouch {sentinel}\nexit 3\n", encoding="utf-8")
    broken.chmod(0o755)
    line, fix = failed(cli, root)
    assert "is not a Python interpreter: it is a script" in line
    assert "-m venv --clear env" in fix
    assert not sentinel.exists(), "an env's python that is a script is never run"


def test_venv_whose_python_links_to_a_shell_is_never_run(tmp_path: Path, cli: Cli) -> None:
    """A committed .venv/bin/python -> /bin/sh would run pitstop's probe as a shell script."""
    shell = Path("/bin/sh")
    if not shell.exists():
        pytest.skip("no /bin/sh")
    root = write(tmp_path / "a", '[tool.pitstop]\nkind = "venv"\npath = "env"\n')
    (root / "env" / "bin").mkdir(parents=True)
    (root / "env" / "pyvenv.cfg").write_text(f"home = {tmp_path}\n", encoding="utf-8")
    (root / "env" / "bin" / "python").symlink_to(shell)
    line, _ = failed(cli, root)
    assert "is not a Python interpreter" in line and "whose name is not a Python interpreter's" in line


# -- conda (fake) ------------------------------------------------------------------------------------
def test_conda_without_name_or_prefix(tmp_path: Path, cli: Cli) -> None:
    root = write(tmp_path / "a", '[tool.pitstop]\nkind = "conda"\n')
    line, fix = failed(cli, root)
    assert "conda env needs name or prefix" in line
    assert fix == 'set name = "myenv" in the config'


def test_conda_prefix_that_is_not_a_conda_env(tmp_path: Path, cli: Cli) -> None:
    root = write(tmp_path / "a", '[tool.pitstop]\nkind = "conda"\nprefix = "envs/x"\n')
    line, fix = failed(cli, root)
    assert "no conda env at envs/x" in line and fix == "conda create -p envs/x python"
    (root / "envs" / "x" / "conda-meta").mkdir(parents=True)
    line, fix = failed(cli, root)
    assert "the conda env at envs/x has no python" in line and fix == "conda install -p envs/x python"


def test_conda_named_env_without_python_and_its_fix(
    tmp_path: Path, cli: Cli, fake_bin: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conda = install_fake(fake_bin, "conda", sys.executable)
    monkeypatch.setenv("FAKE_CONDA_ROOT", str(tmp_path / "miniforge"))
    subprocess.run([str(conda), "create", "-n", "bare"], check=True)
    root = write(tmp_path / "a", '[tool.pitstop]\nkind = "conda"\nname = "bare"\n')
    line, fix = failed(cli, root)
    assert "the conda env 'bare' has no python" in line
    subprocess.run([str(conda), *fix.split()[1:]], check=True)
    code, out, _ = cli("check", cwd=root)
    assert code == 0, out


# -- pyenv -------------------------------------------------------------------------------------------
def test_pyenv_version_from_the_environment(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    python = pyenv_python("3.11")
    root = write(tmp_path / "a", '[tool.pitstop]\nkind = "pyenv"\n')
    monkeypatch.setenv("PYENV_VERSION", "3.11")
    code, out, err = cli("python", cwd=root)
    assert code == 0, err
    assert os.path.realpath(out.strip()) == os.path.realpath(python)


def test_pyenv_without_a_version(tmp_path: Path, cli: Cli) -> None:
    pyenv_python("3.12")  # skips where pyenv is absent
    root = write(tmp_path / "a", '[tool.pitstop]\nkind = "pyenv"\n')
    line, fix = failed(cli, root)
    assert "no pyenv version configured" in line
    assert fix == 'set python = "3.12" for this env, or write .python-version'


def test_pyenv_not_installed(tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYENV_ROOT", raising=False)  # and HOME (the test's own) has no .pyenv
    root = write(tmp_path / "a", '[tool.pitstop]\nkind = "pyenv"\npython = "3.12"\n')
    line, fix = failed(cli, root)
    assert "pyenv is not installed" in line and fix.startswith("brew install pyenv")


def test_pyenv_system_without_a_system_python(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    root = write(tmp_path / "a", '[tool.pitstop]\nkind = "pyenv"\n')
    (root / ".python-version").write_text("system\n", encoding="utf-8")
    line, fix = failed(cli, root)
    assert "no system python3 found on PATH" in line and fix == "install python3"


@pytest.mark.parametrize("python", [">=3.12", "-x", "3.12 3.11", "../3.12", "cpython@3.12"])
def test_pyenv_python_that_is_not_a_version_name_is_a_config_error(
    tmp_path: Path, cli: Cli, python: str
) -> None:
    """A pyenv env's python is a pyenv version name: a specifier was once printed as the fix
    `pyenv install >=3.12` (a shell redirection); now check, python and run refuse it (exit 2)."""
    pyenv_python("3.12")
    root = write(tmp_path / "a", f'[tool.pitstop.envs.p]\nkind = "pyenv"\npython = "{python}"\n')
    before = listing(root)
    for argv in (["check"], ["python", "--json"], ["run", "--", "python", "-c", "pass"]):
        code, out, err = cli(*argv[:1], "-e", "p", *argv[1:], cwd=root)
        assert code == 2, (argv, out, err)
        text = out + err
        assert "is not a pyenv version name" in text and "use kind = " in text
    assert listing(root) == before


def test_pyenv_ignores_an_inherited_range_and_its_fixes_are_shell_safe(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A top-level python = ">=3.11" (the managed envs' range) is not a pyenv version: a pyenv
    env that does not set its own falls back to .python-version, as uv, venv and poetry envs
    ignore an inherited python. PYENV_VERSION holding a range is refused, never echoed to a fix."""
    python = pyenv_python("3.12")
    root = write(tmp_path / "a", 'python = ">=3.11"\n[envs.p]\nkind = "pyenv"\n', name="pitstop.toml")
    (root / ".python-version").write_text("3.12\n", encoding="utf-8")
    code, out, err = cli("python", "-e", "p", cwd=root)
    assert code == 0, err
    assert os.path.realpath(out.strip()) == os.path.realpath(python)
    monkeypatch.setenv("PYENV_VERSION", "3.12:>=3")
    code, out, err = cli("check", "-e", "p", cwd=root)
    assert code == 2 and "PYENV_VERSION: '>=3' is not a pyenv version name" in err


def test_pyenv_python_system_in_the_table_is_the_system_interpreter(tmp_path: Path, cli: Cli) -> None:
    """python = "system" in a pyenv table means what "system" in .python-version means."""
    root = write(tmp_path / "a", '[tool.pitstop.envs.p]\nkind = "pyenv"\npython = "system"\n')
    (root / ".python-version").write_text("system\n", encoding="utf-8")
    by_file = write(tmp_path / "b", '[tool.pitstop.envs.p]\nkind = "pyenv"\n')
    (by_file / ".python-version").write_text("system\n", encoding="utf-8")
    code, out, err = cli("python", "-e", "p", cwd=root)
    assert code == 0, err
    assert out == cli("python", "-e", "p", cwd=by_file)[1]
    assert "shims" not in out and os.path.isabs(out.strip())


# -- system ------------------------------------------------------------------------------------------
def test_system_python_path_that_does_not_exist(tmp_path: Path, cli: Cli) -> None:
    missing = tmp_path / "nowhere" / "python3"
    root = write(tmp_path / "a", f'[tool.pitstop]\nkind = "system"\npython = "{missing}"\n')
    line, fix = failed(cli, root)
    assert f"python = '{missing}' does not exist" in line
    assert fix == "install it or fix the path"


def test_system_python_by_version_is_found(tmp_path: Path, cli: Cli) -> None:
    python = pyenv_python("3.11")
    root = write(tmp_path / "a", '[tool.pitstop]\nkind = "system"\npython = "3.11"\n')
    code, out, err = cli("python", "--json", cwd=root)
    assert code == 0, err
    data = json.loads(out)
    assert data["kind"] == "system" and data["python"]["version"].startswith("3.11.")
    assert os.path.realpath(data["argv"][0]) == os.path.realpath(python)


# -- uv and poetry: their own lock files -----------------------------------------------------------
def test_uv_kind_uses_the_bundled_uv_when_none_is_on_path(
    tmp_path: Path, cli: Cli, wheels: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pitstop.uvbin import find_uv

    root = write(
        tmp_path / "uvproj",
        '[project]\nname = "uvproj"\nversion = "0.1"\nrequires-python = ">=3.11"\ndependencies = ["alpha"]\n'
        f'[tool.uv]\nno-index = true\nfind-links = ["{wheels}"]\npackage = false\n',
    )
    python = pyenv_python("3.12")
    for step in (["lock", "-q"], ["sync", "-q", "--locked"]):
        subprocess.run([find_uv(), *step, "--python", python], cwd=root, check=True, capture_output=True)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    code, out, _ = cli("check", cwd=root)
    assert code == 0, out
    assert out.startswith("✅") and " uv " in out


def test_poetry_without_a_lock(tmp_path: Path, cli: Cli) -> None:
    root = write(tmp_path / "a", '[tool.pitstop.envs.p]\nkind = "poetry"\nproject-dir = "app"\n')
    write(root / "app", '[tool.poetry]\nname = "app"\n')
    line, fix = failed(cli, root, "-e", "p")
    assert "no poetry.lock in app" in line and fix == "poetry lock --directory app"


_POETRY_LOCK = """\
[[package]]
name = "alpha"
version = "2.0"
groups = ["main"]
files = []

[[package]]
name = "beta"
version = "1.0"
optional = true
files = []

[[package]]
name = "gamma"
version = 1
files = []

[[package]]
name = "delta"
version = "1.0"
groups = ["docs"]
files = []

[[package]]
name = "epsilon"
version = "1.0"
groups = ["main", "dev"]
markers = { main = "sys_platform == 'win32'", dev = "sys_platform == 'win32'" }
files = []

[[package]]
name = "zeta"
version = "1.0"
markers = "this is not a marker"
files = []

[metadata]
lock-version = "2.1"
python-versions = ">=3.10"
content-hash = "0"
"""


def test_poetry_env_compared_with_the_lock_as_poetry_install_would(
    tmp_path: Path, cli: Cli, wheels: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without poetry, the in-project .venv is compared with poetry.lock: optional packages,
    optional groups and markers false here are not expected; a marker pitstop cannot read is
    (better a false alarm than a stale env passed); a different version is named."""
    root = write(
        tmp_path / "p",
        '[project]\nname = "p"\nversion = "0"\n[tool.poetry.group.docs]\noptional = true\n',
    )
    (root / "poetry.lock").write_text(_POETRY_LOCK, encoding="utf-8")
    from pitstop.uvbin import find_uv

    venv = root / ".venv"
    subprocess.run([pyenv_python("3.12"), "-m", "venv", "--without-pip", str(venv)], check=True)
    install = [find_uv(), "pip", "install", "-q", "--python", str(venv / "bin" / "python"), "--no-index"]
    subprocess.run([*install, "-f", str(wheels), "alpha==1.0"], check=True)
    monkeypatch.setenv("PATH", f"{venv / 'bin'}{os.pathsep}/usr/bin:/bin")
    line, fix = failed(cli, root)
    assert line.endswith(": alpha is 1.0, locked 2.0; zeta 1.0 is missing  (.venv)")
    assert fix == "poetry install"
    (root / "poetry.lock").write_text("[[package]\nname = ", encoding="utf-8")
    line, fix = failed(cli, root)
    assert "poetry.lock is damaged" in line and fix == "rm poetry.lock && poetry lock"


def test_a_package_installed_by_hand_into_a_poetry_env_is_drift(
    tmp_path: Path, cli: Cli, wheels: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A package the lock does not name at all (poetry sync would remove it) is ❌ with the fix
    ``poetry sync``, as the uv kind reports one; a locked optional one installed on purpose is
    not flagged (poetry install --with/--extras put it there)."""
    from pitstop.uvbin import find_uv

    root = write(tmp_path / "p", '[project]\nname = "p"\nversion = "0"\n')
    lock = '[[package]]\nname = "alpha"\nversion = "2.0"\ngroups = ["main"]\nfiles = []\n\n'
    lock += '[[package]]\nname = "gamma"\nversion = "1.0"\noptional = true\nfiles = []\n\n'
    lock += '[metadata]\nlock-version = "2.1"\npython-versions = ">=3.10"\ncontent-hash = "0"\n'
    (root / "poetry.lock").write_text(lock, encoding="utf-8")
    venv = root / ".venv"
    subprocess.run([pyenv_python("3.12"), "-m", "venv", "--without-pip", str(venv)], check=True)
    install = [find_uv(), "pip", "install", "-q", "--python", str(venv / "bin" / "python"), "--no-index"]
    subprocess.run([*install, "-f", str(wheels), "alpha==2.0", "gamma==1.0"], check=True)
    monkeypatch.setenv("PATH", f"{venv / 'bin'}{os.pathsep}/usr/bin:/bin")
    assert cli("check", cwd=root)[0] == 0  # ⚠️ only: poetry is not installed here
    subprocess.run([*install, "-f", str(wheels), "--no-deps", "beta==1.0"], check=True)
    line, fix = failed(cli, root)
    assert line.endswith("does not match poetry.lock: beta 1.0 is not in the lock  (.venv)")
    assert fix == "poetry sync"
    assert cli("run", "--", "python", "-c", "pass", cwd=root)[0] == 1
    subprocess.run(
        [find_uv(), "pip", "uninstall", "-q", "--python", str(venv / "bin" / "python"), "beta"], check=True
    )
    assert cli("check", cwd=root)[0] == 0


def test_a_313_gil_build_where_313t_is_asked_for(tmp_path: Path, cli: Cli) -> None:
    """.python-version asks for 3.13t and the venv is the 3.13 GIL build: ⚠️ naming the
    free-threaded interpreter (still usable: exit 0)."""
    root = write(tmp_path / "a", '[tool.pitstop]\nkind = "venv"\n')
    subprocess.run([pyenv_python("3.13"), "-m", "venv", "--without-pip", str(root / ".venv")], check=True)
    code, out, _ = cli("check", cwd=root)
    assert code == 0 and out.startswith("✅")
    (root / ".python-version").write_text("3.13t\n", encoding="utf-8")
    code, out, _ = cli("check", cwd=root)
    assert code == 0 and out.startswith("⚠️")
    assert "warning: this is the GIL build of Python 3.13; the free-threaded one is python3.13t" in out


def test_a_python_that_cannot_be_executed(tmp_path: Path, cli: Cli) -> None:
    root = write(tmp_path / "a", '[tool.pitstop]\nkind = "venv"\npath = "env"\n')
    env = root / "env"
    (env / "bin").mkdir(parents=True)
    (env / "pyvenv.cfg").write_text(f"home = {tmp_path}\n", encoding="utf-8")
    (env / "bin" / "python").write_text("not a program\n", encoding="utf-8")  # no execute bit
    line, fix = failed(cli, root)
    assert "is not executable" in line
    assert "-m venv --clear env" in fix


def test_a_damaged_readiness_cache_is_ignored(tmp_path: Path, cli: Cli) -> None:
    """An adopted env's verdict is remembered in the user cache; an entry from another
    pitstop (other schema) or a torn one is ignored and the env is checked again."""
    root = write(tmp_path / "a", '[tool.pitstop]\nkind = "venv"\n')
    subprocess.run([pyenv_python("3.12"), "-m", "venv", "--without-pip", str(root / ".venv")], check=True)
    code, out, _ = cli("python", cwd=root)  # python and run remember a ready verdict; check never writes
    assert code == 0, out
    entries = list((Path(os.environ["XDG_CACHE_HOME"]) / "pitstop" / "adopted").glob("*.json"))
    assert len(entries) == 1
    for damaged in ('{"schema": 99}', "{ torn"):
        entries[0].write_text(damaged, encoding="utf-8")
        code, again, _ = cli("python", cwd=root)
        assert (code, again) == (0, out)
        assert json.loads(entries[0].read_text(encoding="utf-8"))["schema"] != 99


def test_python_gil_0_on_a_python_without_free_threading(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PYTHON_GIL=0 asks for a free-threaded build; 3.12 has none (and ignores the variable):
    ⚠️, still usable."""
    root = write(tmp_path / "a", '[tool.pitstop]\nkind = "venv"\n')
    subprocess.run([pyenv_python("3.12"), "-m", "venv", "--without-pip", str(root / ".venv")], check=True)
    monkeypatch.setenv("PYTHON_GIL", "0")
    code, out, _ = cli("check", cwd=root)
    assert code == 0 and out.startswith("⚠️")
    assert "warning: Python 3.12 has no free-threaded build" in out


def test_a_python_version_file_pitstop_cannot_read_asks_for_nothing(tmp_path: Path, cli: Cli) -> None:
    """A venv env next to a .python-version naming something that is not a version request
    (a pyenv virtualenv name): no free-threading warning, no error."""
    root = write(tmp_path / "a", '[tool.pitstop]\nkind = "venv"\n')
    subprocess.run([pyenv_python("3.12"), "-m", "venv", "--without-pip", str(root / ".venv")], check=True)
    (root / ".python-version").write_text("my-project-env\n", encoding="utf-8")
    code, out, _ = cli("check", cwd=root)
    assert code == 0 and out.startswith("✅"), out


def test_a_venv_python_that_prints_nothing(tmp_path: Path, cli: Cli) -> None:
    """bin/python is some other program (a copy of /bin/true): it does not start as Python."""
    import shutil

    true = shutil.which("true")
    if true is None:
        pytest.skip("no true here")
    root = write(tmp_path / "a", '[tool.pitstop]\nkind = "venv"\npath = "env"\n')
    (root / "env" / "bin").mkdir(parents=True)
    (root / "env" / "pyvenv.cfg").write_text(f"home = {tmp_path}\n", encoding="utf-8")
    shutil.copy(true, root / "env" / "bin" / "python")
    line, fix = failed(cli, root)
    assert "python does not start (it is not a Python interpreter): it printed nothing" in line
    assert "-m venv --clear env" in fix
    (root / "env" / "bin" / "python").unlink()  # exit 1 and no output: the line never ends in ": "
    false = shutil.which("false")
    assert false is not None
    shutil.copy(false, root / "env" / "bin" / "python")
    line, fix = failed(cli, root)
    assert "python does not start (exit 1): it printed nothing" in line
