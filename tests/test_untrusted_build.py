"""Issue #11 item 6: ``allow-build = false`` reaches the installer, not only the resolver: a
lock an attacker edited to carry a (hash-pinned, in-project) sdist is refused at install time
by both installers, and the sdist's build backend never runs."""

from __future__ import annotations

import hashlib
import io
import re
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ProjectFactory
from tests.helpers import INSTALLERS, PY, store
from tests.test_lockverify import forge

Cli = Callable[..., tuple[int, str, str]]
_ALPHA_WHEELS = re.compile(r"wheels = \[\n    \{ name = \"alpha-2\.0-py3-none-any\.whl\".*\},\n\]")

_BACKEND = """\
open({sentinel!r}, "a").write("built\\n")


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    raise SystemExit("the attacker's build backend ran")
"""


def build_sdist(directory: Path, sentinel: Path) -> Path:
    """``alpha-2.0.tar.gz`` whose in-tree build backend (no build requirements, so it runs
    offline) records that it ran in ``sentinel``."""
    files = {
        "PKG-INFO": "Metadata-Version: 2.1\nName: alpha\nVersion: 2.0\n",
        "pyproject.toml": '[project]\nname = "alpha"\nversion = "2.0"\n'
        '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n',
        "backend.py": _BACKEND.format(sentinel=str(sentinel)),
    }
    path = directory / "alpha-2.0.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"alpha-2.0/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


_FOREIGN_WHEEL = (
    '{ name = "alpha-2.0-cp27-cp27m-win32.whl", path = "../wheels/alpha-2.0-cp27-cp27m-win32.whl", '
    'hashes = { sha256 = "' + "0" * 64 + '" } }'
)


@pytest.mark.parametrize("installer", INSTALLERS)
@pytest.mark.parametrize("shape", ["sdist-only", "foreign-wheel-and-sdist"])
def test_allow_build_false_refuses_an_sdist(
    make_project: ProjectFactory,
    cli: Cli,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    installer: str,
    shape: str,
) -> None:
    """Only an sdist: the lock verifier refuses it (exit 1, re-lock). A wheel for another
    platform plus the sdist passes the verifier (the lock may serve other platforms), and
    the installer refuses to build the sdist here (uv --no-build, pip --only-binary)."""
    root = make_project(
        f'requirements = ["beta"]\nallow-build = false\ninstaller = "{installer}"\n', python=PY
    )
    assert cli("lock", cwd=root)[0] == 0
    sentinel = tmp_path / "backend-ran"
    sdist = build_sdist(root.parent / "wheels", sentinel)
    digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
    entry = f'sdist = {{ name = "alpha-2.0.tar.gz", path = "../wheels/alpha-2.0.tar.gz", hashes = {{ sha256 = "{digest}" }} }}'
    if shape == "foreign-wheel-and-sdist":
        entry = f"wheels = [\n    {_FOREIGN_WHEEL},\n]\n{entry}"

    def to_sdist(body: str) -> str:  # alpha's wheel entry becomes the sdist, hash-pinned
        out, count = _ALPHA_WHEELS.subn(entry, body)
        assert count == 1, body
        return out

    forge(root / "pylock.toml", to_sdist)
    monkeypatch.setenv("CI", "true")
    code, _, err = cli("setup", cwd=root)
    if shape == "sdist-only":
        assert code == 1, err
        assert "only an sdist" in err and "allow-build = false" in err
        assert err.rstrip().splitlines()[-1].startswith("run: pitstop lock")
    else:
        assert code == 3, err  # the installer's refusal
        assert "run: pitstop setup" in err
    assert "Traceback" not in err
    assert not sentinel.exists(), "allow-build = false, yet the sdist's build backend ran"
    assert not (store(root) / "venv").exists() and not (store(root) / "venv.new").exists()


def test_allow_build_true_builds_that_sdist(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The control: the same forged lock with builds allowed does reach the backend (so the
    test above proves the refusal, not a lock that could never build)."""
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("lock", cwd=root)[0] == 0
    sentinel = tmp_path / "backend-ran"
    sdist = build_sdist(root.parent / "wheels", sentinel)
    digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
    entry = f'sdist = {{ name = "alpha-2.0.tar.gz", path = "../wheels/alpha-2.0.tar.gz", hashes = {{ sha256 = "{digest}" }} }}'
    forge(
        root / "pylock.toml",
        lambda body: _ALPHA_WHEELS.sub(entry, body),
    )
    monkeypatch.setenv("CI", "true")
    code, _, err = cli("setup", cwd=root)
    assert code == 3, err
    assert sentinel.exists()
