"""The ``pitstop`` command as installers write it.

pitstop's command is a ``[project.scripts]`` console-script entry point. Every installer writes
a launcher that works where the env lives, with a space in its path too (pip and uv then start
the interpreter through ``/bin/sh``). pip's launcher template before pip 25.2 imports ``re``
before pitstop's code runs (~5 ms of a no-op ``pitstop check``); pip 25.2+ and uv import only
``sys`` (docs/benchmarks.md, "Installing pitstop for the fastest no-op"). These tests build
pitstop's own wheel from this checkout (and from its sdist) with the hatchling of the test
env, offline, install it with pip (the one ``python -m venv`` seeds) and with uv, and run the
command each wrote.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

from pitstop import __version__
from tests.conftest import ProjectFactory
from tests.helpers import PY

ROOT = Path(__file__).resolve().parent.parent


def _hatchling(hook: str, source: Path, out: Path) -> Path:
    """Run hatchling's PEP 517 ``hook`` on ``source`` (this test env's hatchling: no index)."""
    code = f"import sys; from hatchling.build import {hook}; print({hook}(sys.argv[1]))"
    proc = subprocess.run(
        [sys.executable, "-c", code, str(out)],
        cwd=source,
        env={"PATH": os.environ["PATH"], "HOME": str(out)},
        capture_output=True,
        text=True,
        check=True,
    )
    return out / proc.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """pitstop's wheel built from this checkout, built from pitstop's sdist (what
    ``pip install pitstop-X.tar.gz`` does), and its editable wheel (``pip install -e .``)."""
    out = tmp_path_factory.mktemp("dist")
    sdist = _hatchling("build_sdist", ROOT, out)
    with tarfile.open(sdist) as tar:
        tar.extractall(out / "unpacked", filter="data")
    (unpacked,) = (out / "unpacked").iterdir()
    for name in ("from-sdist", "editable"):
        (out / name).mkdir()
    return {
        "checkout": _hatchling("build_wheel", ROOT, out),
        "sdist": _hatchling("build_wheel", unpacked, out / "from-sdist"),
        "editable": _hatchling("build_editable", ROOT, out / "editable"),
    }


@pytest.mark.parametrize("source", ["checkout", "sdist", "editable"])
def test_the_wheel_declares_pitstop_as_a_console_script(built: dict[str, Path], source: str) -> None:
    """One ``pitstop = pitstop.main:console`` entry point, and no wheel script competing for
    the name."""
    with zipfile.ZipFile(built[source]) as wheel:
        names = wheel.namelist()
        entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        text = wheel.read(entry_points).decode()
    section = text.split("[console_scripts]", 1)[1].split("\n[", 1)[0]
    assert [line.replace(" ", "") for line in section.splitlines() if line.strip()] == [
        "pitstop=pitstop.main:console"
    ]
    assert not [n for n in names if ".data/scripts/" in n]


def _install(installer: str, wheel: Path, venv: Path) -> None:
    """``wheel`` into a fresh ``venv`` with ``installer``, from the file alone (no index)."""
    import uv

    if installer == "pip":
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
        argv = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-index", "--no-deps"]
        subprocess.run([*argv, str(wheel)], check=True, capture_output=True)
    else:
        uv_bin = uv.find_uv_bin()
        subprocess.run([uv_bin, "venv", "-q", "--python", sys.executable, str(venv)], check=True)
        argv = [
            uv_bin,
            "pip",
            "install",
            "-q",
            "--offline",
            "--no-deps",
            "--python",
            str(venv / "bin" / "python"),
        ]
        subprocess.run([*argv, str(wheel)], check=True, capture_output=True)


def _interpreter(script: Path) -> Path:
    """The interpreter a script's first lines start: ``#!PATH``, or (for a path with a space
    or too long for the kernel) ``#!/bin/sh`` + ``'''exec' 'PATH' "$0" "$@"``."""
    lines = script.read_text().splitlines()
    if lines[0] == "#!/bin/sh":
        return Path(shlex.split(lines[1])[1])
    assert lines[0].startswith("#!"), lines[0]
    return Path(lines[0][2:])


def _imports(stderr: str) -> list[str]:
    """Module names, in the order they finished importing, from ``PYTHONPROFILEIMPORTTIME``."""
    return [
        line.rsplit("|", 1)[1].strip() for line in stderr.splitlines() if line.startswith("import time:")
    ][1:]


def _pip_before_25_2(venv: Path) -> bool:
    """The pip in ``venv`` writes the launcher template that imports ``re`` first."""
    out = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import pip; print(pip.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    major, minor = (int(part) for part in out.stdout.strip().split(".")[:2])
    return (major, minor) < (25, 2)


@pytest.mark.parametrize(
    ("installer", "where"),
    [("pip", "v"), ("pip", "with space/v"), ("uv", "v"), ("uv", "with space/v")],
    ids=["pip", "pip-path-with-space", "uv", "uv-path-with-space"],
)
def test_the_installed_command_runs_that_envs_python(
    built: dict[str, Path], installer: str, where: str, tmp_path: Path, make_project: ProjectFactory
) -> None:
    """pip and uv both write a launcher that starts the venv's own interpreter (through
    ``/bin/sh`` where the path has a space); the command runs, and imports ``re`` before
    pitstop's code only with pip's template before 25.2; a no-op ``pitstop check`` on a ready
    env takes the fast path."""
    venv = tmp_path / where
    venv.parent.mkdir(exist_ok=True)
    _install(installer, built["checkout"], venv)
    command = venv / "bin" / "pitstop"
    interpreter = _interpreter(command)
    assert interpreter.is_absolute() and interpreter.name.startswith("python")
    assert interpreter.parent.samefile(venv / "bin"), interpreter
    assert os.access(command, os.X_OK)

    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}
    version = subprocess.run(
        [str(command), "--version"], capture_output=True, text=True, env=env, check=False
    )
    assert (version.returncode, version.stdout) == (0, f"pitstop {__version__}\n"), version.stderr
    imported = _imports(version.stderr)
    first = next(i for i, name in enumerate(imported) if name == "pitstop")
    old_template = installer == "pip" and _pip_before_25_2(venv)
    # (--version's argparse imports re later, after pitstop)
    assert ("re" in imported[:first]) == old_template, imported[:first]

    # The installed pitstop's dependencies come from this test env (the wheel went in alone);
    # its own site-packages stays first on sys.path, so the pitstop imported is the installed one.
    (site,) = (venv / "lib").glob("python*/site-packages")
    (site / "test-env-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    root = make_project('requirements = ["beta"]\n', python=PY)
    setup = subprocess.run([str(command), "setup"], cwd=root, capture_output=True, text=True, check=False)
    assert setup.returncode == 0, setup.stderr
    check = subprocess.run(
        [str(command), "check"], cwd=root, capture_output=True, text=True, env=env, check=False
    )
    assert check.returncode == 0, check.stderr
    imported = _imports(check.stderr)
    assert "pitstop.fastpath" in imported and "argparse" not in imported, "took the fast path"
    assert ("re" in imported) == old_template, imported
    found = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import pitstop; print(pitstop.__file__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(found.stdout.strip()).is_relative_to(site)


def test_an_editable_install_has_the_command_too(built: dict[str, Path], tmp_path: Path) -> None:
    """``pip install -e .`` (the contributor's setup): the command runs this checkout's code."""
    venv = tmp_path / "v"
    _install("pip", built["editable"], venv)
    command = venv / "bin" / "pitstop"
    assert _interpreter(command).parent.samefile(venv / "bin")
    version = subprocess.run([str(command), "--version"], capture_output=True, text=True, check=False)
    assert (version.returncode, version.stdout) == (0, f"pitstop {__version__}\n"), version.stderr
    found = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import pitstop; print(pitstop.__file__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(found.stdout.strip()).is_relative_to(ROOT / "src")
