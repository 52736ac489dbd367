"""`pitstop lock` with real uv against local wheels: standard, portable, deterministic."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from packaging.pylock import Pylock

from pitstop import _toml
from pitstop.uvbin import find_uv
from tests.conftest import ProjectFactory, pyenv_python

Cli = Callable[..., tuple[int, str, str]]


def test_lock_writes_a_standard_portable_lock(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements = ["beta"]\n', python="3.12")
    code, _, err = cli("lock", cwd=root)
    assert code == 0, err
    assert "locking default: 1 requirements" in err
    text = (root / "pylock.toml").read_text()
    data = _toml.loads(text, source=root / "pylock.toml")
    Pylock.from_dict(data)  # validates against PEP 751
    names = {p["name"]: p["version"] for p in data["packages"]}
    assert names == {"alpha": "2.0", "beta": "1.0"}
    assert data["requires-python"] == "==3.12.*"
    assert data["tool"]["pitstop"]["requirements"] == ["beta"]
    assert str(root.parent) not in text, "no absolute paths in a lock"
    assert "file://" not in text
    assert "../wheels/alpha-2.0-py3-none-any.whl" in text
    assert "\r" not in text


def test_lock_is_byte_identical_across_runs(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements = ["beta", "gamma"]\n', python="3.12")
    assert cli("lock", cwd=root)[0] == 0
    first = (root / "pylock.toml").read_bytes()
    (root / "pylock.toml").unlink()
    assert cli("lock", cwd=root)[0] == 0
    assert (root / "pylock.toml").read_bytes() == first
    code, _, err = cli("lock", cwd=root)
    assert code == 0 and "unchanged" in err


def test_uv_installs_from_the_lock(make_project: ProjectFactory, cli: Cli, tmp_path: Path) -> None:
    root = make_project('requirements = ["beta"]\n', python="3.12")
    assert cli("lock", cwd=root)[0] == 0
    uv = find_uv()
    venv = tmp_path / "check-venv"
    subprocess.run([uv, "venv", "-q", "--python", pyenv_python("3.12"), str(venv)], check=True)
    subprocess.run(
        [
            uv,
            "pip",
            "install",
            "-q",
            "--python",
            str(venv / "bin" / "python"),
            "--require-hashes",
            "-r",
            str(root / "pylock.toml"),
            "--preview-features",
            "pylock",
        ],
        check=True,
        cwd=root,
    )
    out = subprocess.run([str(venv / "bin" / "beta")], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "beta 1.0"


def test_lock_check_states(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements = ["beta"]\n', python="3.12")
    code, _, err = cli("lock", "--check", cwd=root)
    assert code == 1 and "pylock.toml is missing" in err and err.rstrip().endswith("run: pitstop lock")
    assert cli("lock", cwd=root)[0] == 0
    assert cli("lock", "--check", cwd=root)[0] == 0
    lock = root / "pylock.toml"
    original = lock.read_text()
    lock.write_text(original.replace('version = "2.0"', 'version = "2.1"'))
    code, _, err = cli("lock", "--check", cwd=root)
    assert code == 1 and "edited by hand" in err
    lock.write_text(original)
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('["beta"]', '["beta", "gamma"]'))
    code, _, err = cli("lock", "--check", cwd=root)
    assert code == 1 and "stale" in err
    assert lock.read_text() == original, "lock --check never writes"


def test_lock_keeps_pins_until_upgrade(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements = ["gamma<1.1"]\n', python="3.12")
    assert cli("lock", cwd=root)[0] == 0
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"gamma<1.1"', '"gamma"'))
    assert cli("lock", cwd=root)[0] == 0
    assert 'version = "1.0"' in (root / "pylock.toml").read_text()
    assert cli("lock", "--upgrade", "gamma", cwd=root)[0] == 0
    assert 'version = "1.1"' in (root / "pylock.toml").read_text()


def test_named_env_lock_and_all(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project(
        'requirements = ["alpha"]\n[tool.pitstop.envs.docs]\nrequirements = ["gamma"]\n'
        '[tool.pitstop.envs.side]\nkind = "venv"\n',
        python="3.12",
    )
    assert cli("lock", "--all", cwd=root)[0] == 0
    assert (root / "pylock.docs.toml").is_file()
    assert not (root / "pylock.side.toml").exists()
    assert cli("lock", "--check", "--all", cwd=root)[0] == 0
    code, _, err = cli("lock", "-e", "side", cwd=root)
    assert code == 2 and "only locks managed envs" in err


def test_credentials_never_reach_the_lock(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project(
        'requirements = ["beta"]\nextra-index-urls = ["https://user:SENTINEL-SECRET@example.invalid/simple"]\n',
        python="3.12",
    )
    code, _, err = cli("lock", cwd=root)
    assert code == 0, err
    assert "SENTINEL-SECRET" not in (root / "pylock.toml").read_text()
    assert "SENTINEL-SECRET" not in err


def test_unresolvable_requirements_exit_3_and_write_nothing(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements = ["does-not-exist"]\n', python="3.12")
    code, _, err = cli("lock", cwd=root)
    assert code == 3
    assert "does-not-exist" in err
    assert not (root / "pylock.toml").exists()


def test_install_project_is_locked_as_a_relative_editable(
    make_project: ProjectFactory, cli: Cli, tmp_path: Path
) -> None:
    root = make_project(
        "install-project = true\n",
        python="3.12",
        project='dependencies = ["alpha<2"]\n[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n',
    )
    (root / "backend.py").write_text(_BACKEND)
    code, _, err = cli("lock", cwd=root)
    assert code == 0, err
    text = (root / "pylock.toml").read_text()
    assert 'directory = { path = ".", editable = true }' in text
    assert str(tmp_path) not in text


def test_an_extra_the_package_does_not_define_is_a_warning(make_project: ProjectFactory, cli: Cli) -> None:
    """As with uv: the rest is locked, but the user hears about the typo."""
    root = make_project('requirements = ["alpha[nope]"]\n', python="3.12")
    code, _, err = cli("lock", cwd=root)
    assert code == 0, err
    assert "warning: default: The package `alpha==2.0` does not have an extra named `nope`" in err
    assert (root / "pylock.toml").is_file()


def test_uv_warnings_are_extracted_once_without_colour() -> None:
    from pitstop.locking import uv_warnings

    output = 'lock-version = "1.0"\n\x1b[33mwarning\x1b[0m: \x1b[1mx\x1b[0m\nwarning: y\nwarning: y\nResolved 1 package\n'
    assert uv_warnings(output) == ["x", "y"]
    assert uv_warnings("Resolved 3 packages in 2ms\n") == []


# A tiny in-tree PEP 517/660 backend so the editable build needs no index.
_BACKEND = """
import base64, hashlib, os, zipfile

def _meta(name="proj", version="0.1"):
    return f"Metadata-Version: 2.1\\nName: {name}\\nVersion: {version}\\nRequires-Dist: alpha<2\\n"

def get_requires_for_build_editable(config_settings=None):
    return []

def get_requires_for_build_wheel(config_settings=None):
    return []

def prepare_metadata_for_build_editable(directory, config_settings=None):
    d = os.path.join(directory, "proj-0.1.dist-info")
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, "METADATA"), "w").write(_meta())
    return "proj-0.1.dist-info"

prepare_metadata_for_build_wheel = prepare_metadata_for_build_editable

def _wheel(directory):
    name = "proj-0.1-py3-none-any.whl"
    files = {"proj.pth": os.path.dirname(os.path.abspath(__file__)) + "\\n",
             "proj-0.1.dist-info/METADATA": _meta(),
             "proj-0.1.dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: t\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"}
    rec = []
    with zipfile.ZipFile(os.path.join(directory, name), "w") as z:
        for k, v in files.items():
            z.writestr(k, v)
            h = base64.urlsafe_b64encode(hashlib.sha256(v.encode()).digest()).rstrip(b"=").decode()
            rec.append(f"{k},sha256={h},{len(v)}")
        rec.append("proj-0.1.dist-info/RECORD,,")
        z.writestr("proj-0.1.dist-info/RECORD", "\\n".join(rec) + "\\n")
    return name

def build_editable(directory, config_settings=None, metadata_directory=None):
    return _wheel(directory)

def build_wheel(directory, config_settings=None, metadata_directory=None):
    return _wheel(directory)
"""


@pytest.mark.index
def test_lock_against_the_real_index(tmp_path: Path, cli: Cli) -> None:
    root = tmp_path / "p"
    root.mkdir()
    (root / "pyproject.toml").write_text('[tool.pitstop]\npython = "3.12"\nrequirements = ["six==1.16.0"]\n')
    code, _, err = cli("lock", cwd=root)
    assert code == 0, err
    data = _toml.loads((root / "pylock.toml").read_text(), source=root / "pylock.toml")
    assert [p["name"] for p in data["packages"]] == ["six"]
    assert all("url" in w and "hashes" in w for w in data["packages"][0]["wheels"])
