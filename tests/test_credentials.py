"""Private-index credentials reach uv and pip through their own environment variables:
never a command line, the lock, the marker, the output, or any file pitstop writes."""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
from pathlib import Path

import pytest

from tests.conftest import ProjectFactory
from tests.helpers import INSTALLERS, PY, pitstop_process, store
from tests.indexserver import serve

SECRET = "s3cret-SENTINEL-7f3a"  # noqa: S105 - a sentinel the test searches for


def _argv_logger(directory: Path, real: str) -> Path:
    """A wrapper that records each argv it is given, then execs the real program."""
    log = directory / "argv.jsonl"
    wrapper = directory / "uv-argv-logger"
    wrapper.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        f"with open({str(log)!r}, 'a') as f:\n"
        "    f.write(json.dumps(sys.argv) + '\\n')\n"
        f"os.execv({real!r}, [{real!r}, *sys.argv[1:]])\n"
    )
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    return wrapper


def _files_holding(root: Path, needle: str) -> list[str]:
    found = []
    for dirpath, _, names in os.walk(root):
        for name in names:
            path = Path(dirpath) / name
            try:
                if not path.is_symlink() and needle.encode() in path.read_bytes():
                    found.append(str(path.relative_to(root)))
            except OSError:
                continue
    return found


@pytest.mark.parametrize("installer", INSTALLERS)
def test_private_index_with_basic_auth(
    make_project: ProjectFactory, wheels: Path, tmp_path: Path, installer: str
) -> None:
    import uv

    with serve(wheels, user="alice", password=SECRET) as index:
        url = index.url.replace("http://", f"http://alice:{SECRET}@")
        root = make_project(
            f'requirements = ["beta"]\ninstaller = "{installer}"\n', python=PY, name=f"p-{installer}"
        )
        pyproject = root / "pyproject.toml"
        # No find-links, no no-index: only the private index serves the packages.
        pyproject.write_text(
            pyproject.read_text().replace(
                'find-links = ["../wheels"]\nno-index = true\n', f'index-url = "{url}"\n'
            )
        )
        logger = _argv_logger(tmp_path, str(uv.find_uv_bin()))
        first = pitstop_process(root, "setup", PITSTOP_UV=str(logger))
        assert first.returncode == 0, first.stderr
        # A fresh store, strict: installs from the committed lock with the credentials again.
        shutil.rmtree(store(root))
        second = pitstop_process(root, "setup", PITSTOP_UV=str(logger), CI="true")
        assert second.returncode == 0, second.stderr
        requests = list(index.requests)
    assert any(path.startswith("/files/") and ok for path, ok in requests)
    lock = (root / "pylock.toml").read_text()
    assert f"http://{index.host}/files/beta-1.0-py3-none-any.whl" in lock
    # The index annotation run needs the credentials too, else the lock silently loses `index`.
    assert f'index = "{index.url.rstrip("/")}' in lock
    for proc in (first, second):
        assert SECRET not in proc.stdout + proc.stderr
    if installer == "uv":
        argvs = [json.loads(line) for line in (tmp_path / "argv.jsonl").read_text().splitlines()]
        assert any("compile" in a for a in argvs) and any("sync" in a for a in argvs)
        assert not [a for a in argvs if any(SECRET in part for part in a)]
    assert _files_holding(root, SECRET) == ["pyproject.toml"]
