"""A rebuild's head start (:mod:`pitstop.seed`): while uv re-locks an env whose requirements
changed, venv.new is filled from the lock the current env was built from; the build then syncs
the new lock into it. Real uv, real venvs and real ``pitstop`` processes where one is killed."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pytest

from pitstop import lockfile, seed, state
from tests.conftest import _REAL_PYENV_ROOT, ProjectFactory
from tests.helpers import (
    BUILD_SYSTEM,
    PY,
    env_python,
    generation,
    installed_version,
    pitstop_process,
    sigterm_at,
    store,
    stray,
    with_backend,
)
from tests.procwatch import base_site_listings
from tests.wheelfactory import build_wheel

Cli = Callable[..., tuple[int, str, str]]
SEEDING = "filling venv.new from the previous pylock.toml while uv resolves"
SEEDED = "venv.new seeded from the previous lock"


def _require(root: Path, *names: str) -> None:
    """Set the project's requirements to ``names`` (the rest of its config kept)."""
    pyproject = root / "pyproject.toml"
    lines = [line for line in pyproject.read_text().splitlines() if not line.startswith("requirements = ")]
    listed = ", ".join(f'"{n}"' for n in names)
    pyproject.write_text("\n".join([*lines, f"requirements = [{listed}]"]) + "\n")


_BACKEND = """
import base64, hashlib, os, zipfile

def get_requires_for_build_wheel(config_settings=None):
    return []

def build_wheel(directory, config_settings=None, metadata_directory=None):
    with open(SENTINEL, "a") as handle:
        handle.write("built\\n")
    files = {
        "slow/__init__.py": "__version__ = '1.0'\\n",
        "slow-1.0.dist-info/METADATA": "Metadata-Version: 2.1\\nName: slow\\nVersion: 1.0\\n",
        "slow-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: t\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
    }
    record = []
    name = "slow-1.0-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(directory, name), "w") as archive:
        for member, text in files.items():
            archive.writestr(member, text)
            digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
            record.append(f"{member},sha256={digest},{len(text)}")
        record.append("slow-1.0.dist-info/RECORD,,")
        archive.writestr("slow-1.0.dist-info/RECORD", "\\n".join(record) + "\\n")
    return name
"""


def _sdist(directory: Path, sentinel: Path) -> Path:
    """``slow-1.0.tar.gz``: an sdist only, whose in-tree backend appends to ``sentinel``
    each time it builds."""
    import io
    import tarfile

    files = {
        "slow-1.0/PKG-INFO": "Metadata-Version: 2.1\nName: slow\nVersion: 1.0\n",
        "slow-1.0/pyproject.toml": '[project]\nname = "slow"\nversion = "1.0"\n\n[build-system]\n'
        'requires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n',
        "slow-1.0/backend.py": f"SENTINEL = {str(sentinel)!r}\n{_BACKEND}",
    }
    path = directory / "slow-1.0.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for member, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(member)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def _installed(root: Path) -> dict[str, str]:
    """Every installed distribution's RECORD (each file with its hash), by dist-info name."""
    current = state.read(store(root) / "venv")
    assert current is not None and current.installed
    sites = list((store(root) / "venv").glob("lib/python*/site-packages"))
    return {p.parent.name: p.read_text() for site in sites for p in site.glob("*.dist-info/RECORD")}


def _built(make_project: ProjectFactory, cli: Cli, body: str = "") -> Path:
    root = make_project(f'requirements = ["beta"]\n{body}', python=PY)
    code, _, err = cli("setup", cwd=root)
    assert code == 0, err
    return root


def test_a_rebuild_is_seeded_and_ends_as_a_fresh_build_does(make_project: ProjectFactory, cli: Cli) -> None:
    root = _built(make_project, cli)
    _require(root, "beta", "gamma")
    code, _, err = cli("-v", "setup", cwd=root)
    assert code == 0, err
    assert SEEDING in err and SEEDED in err
    assert generation(root) == 1 and generation(root, "venv.prev") == 0
    assert installed_version(root, "gamma") == "1.1"
    seeded = _installed(root)
    # The same lock built from an empty venv installs exactly the same files.
    assert cli("clean", cwd=root)[0] == 0
    code, _, err = cli("-v", "setup", cwd=root)
    assert code == 0 and SEEDED not in err, err
    assert _installed(root) == seeded
    assert cli("check", cwd=root)[0] == 0
    # Removing a requirement: the seed's extra package is removed by the sync, not kept.
    _require(root, "beta")
    code, _, err = cli("-v", "setup", cwd=root)
    assert code == 0 and SEEDED in err, err
    assert "gamma" not in env_python(root, "import importlib.util as u; print(u.find_spec('gamma'))")
    assert stray(root) == []


def test_run_after_a_requirements_change_is_seeded_too(make_project: ProjectFactory, cli: Cli) -> None:
    """Dev ``run`` re-locks and rebuilds as ``setup`` does, with the same head start."""
    root = _built(make_project, cli)
    _require(root, "beta", "gamma")
    proc = pitstop_process(root, "-v", "run", "--", "gamma")
    assert proc.returncode == 0, proc.stderr
    assert SEEDED in proc.stderr and proc.stdout.strip() == "gamma 1.1"


def test_a_package_locked_at_the_same_version_from_another_file_is_installed_again(
    make_project: ProjectFactory, cli: Cli
) -> None:
    root = _built(make_project, cli)
    assert installed_version(root, "alpha") == "2.0"
    # A rebuild of alpha 2.0 (build tag 1) appears next to the file the lock has: the re-lock
    # keeps 2.0, now with both files, and an install picks the rebuild. uv would keep the
    # seed's alpha 2.0 (same version, the old file) unless told to install it again.
    wheels = root.parent / "wheels"
    rebuilt = wheels / "rebuilt"
    rebuilt.mkdir()
    made = build_wheel(rebuilt, "alpha", "2.0", extra_files={"alpha/rebuilt.py": "X = 2\n"})
    made.rename(wheels / "alpha-2.0-1-py3-none-any.whl")
    rebuilt.rmdir()
    _require(root, "beta", "gamma")
    code, _, err = cli("-v", "setup", cwd=root)
    assert code == 0 and SEEDED in err, err
    assert env_python(root, "import alpha.rebuilt; print(alpha.rebuilt.X)") == "2"


def test_a_seed_that_fails_to_install_falls_back_to_an_empty_venv(
    make_project: ProjectFactory, cli: Cli
) -> None:
    root = make_project('requirements = ["gamma"]\n', python=PY)
    assert cli("setup", cwd=root)[0] == 0
    for wheel in (root.parent / "wheels").glob("gamma-*.whl"):
        wheel.unlink()  # the previous lock's file is gone: its sync fails
    _require(root, "beta")
    code, _, err = cli("-v", "setup", cwd=root)
    assert code == 0, err
    assert SEEDING in err and "building from scratch" in err and SEEDED not in err
    assert installed_version(root, "beta") == "1.0"
    assert env_python(root, "import importlib.util as u; print(u.find_spec('gamma'))") == "None"
    assert stray(root) == []


def test_no_seed_from_a_hand_edited_lock(make_project: ProjectFactory, cli: Cli) -> None:
    root = _built(make_project, cli)
    lock = root / "pylock.toml"
    lock.write_text(lock.read_text() + "\n# edited\n")
    _require(root, "beta", "gamma")
    code, _, err = cli("-v", "setup", cwd=root)
    assert code == 0, err
    assert SEEDING not in err and SEEDED not in err
    assert installed_version(root, "gamma") == "1.1"


def test_no_seed_from_a_valid_lock_the_env_was_not_built_from(make_project: ProjectFactory, cli: Cli) -> None:
    """A lock with a correct content-hash whose bytes are not the ones the marker records
    (a checkout of another branch's lock) is not used: only bytes this machine built from."""
    root = _built(make_project, cli)
    lock = root / "pylock.toml"
    body, _ = lockfile.split_content_hash(lock.read_text())
    body = body.replace("\n[[packages]]\n", "\n# another branch\n[[packages]]\n", 1)
    lock.write_text(body.rstrip("\n") + f'\ncontent-hash = "{lockfile.content_hash(body)}"\n')
    assert lockfile.status(lock, "").state != "modified"
    _require(root, "beta", "gamma")
    code, _, err = cli("-v", "setup", cwd=root)
    assert code == 0, err
    assert SEEDING not in err and SEEDED not in err
    assert installed_version(root, "gamma") == "1.1"


def test_a_seed_never_builds_or_downloads(
    make_project: ProjectFactory, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The seed's sync is ``--offline --no-build``: with the old lock's sdist no longer built in
    uv's cache, the seed fails at once instead of running the build backend of a package the
    new lock dropped, and the build starts from an empty venv."""
    sentinel = tmp_path / "built.txt"
    root = make_project('requirements = ["slow"]\nallow-build = true\n', python=PY)
    _sdist(root.parent / "wheels", sentinel)
    code, _, err = cli("setup", cwd=root)
    assert code == 0, err
    builds = sentinel.read_text().count("built")
    assert builds >= 1
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "cold-cache"))
    _require(root, "beta")
    code, _, err = cli("-v", "setup", cwd=root)
    assert code == 0, err
    assert SEEDING in err and "building from scratch" in err and SEEDED not in err
    assert sentinel.read_text().count("built") == builds, "the seed ran a build backend"
    assert installed_version(root, "beta") == "1.0"


def test_a_seeded_build_installs_the_project_itself(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project(
        'requirements = ["gamma"]\ninstall-project = true\n',
        python=PY,
        project='dependencies = ["alpha<2"]\n' + BUILD_SYSTEM,
    )
    with_backend(root)
    assert cli("setup", cwd=root)[0] == 0
    _require(root, "gamma", "beta")
    code, _, err = cli("-v", "setup", cwd=root)
    assert code == 0 and SEEDED in err, err
    assert installed_version(root, "beta") == "1.0" and installed_version(root, "alpha") == "1.0"
    assert env_python(root, "import backend; print(backend.__file__)") == str(root / "backend.py")
    assert cli("check", cwd=root)[0] == 0


def test_an_unexpected_error_in_the_head_start_is_reported_not_fatal(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _built(make_project, cli)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug in the seed")

    monkeypatch.setattr(seed, "_plan", broken)
    _require(root, "beta", "gamma")
    code, _, err = cli("setup", cwd=root)
    assert code == 0, err
    assert "no head start for the build (please report): RuntimeError('a bug in the seed')" in err
    assert SEEDED not in err and installed_version(root, "gamma") == "1.1"
    assert stray(root) == []


def test_no_seed_from_a_lock_todays_config_does_not_trust(make_project: ProjectFactory, cli: Cli) -> None:
    root = _built(make_project, cli)
    moved = root.parent / "wheels2"
    (root.parent / "wheels").rename(moved)  # the old lock's files are outside today's find-links
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"../wheels"', '"../wheels2"'))
    _require(root, "beta", "gamma")
    code, _, err = cli("-v", "setup", cwd=root)
    assert code == 0, err
    assert SEEDING not in err and SEEDED not in err
    assert installed_version(root, "gamma") == "1.1"


def test_no_seed_with_the_pip_installer(make_project: ProjectFactory, cli: Cli) -> None:
    root = _built(make_project, cli, 'installer = "pip"\n')
    _require(root, "beta", "gamma")
    code, _, err = cli("-v", "setup", cwd=root)
    assert code == 0, err
    assert SEEDING not in err and SEEDED not in err


def test_a_failed_resolution_while_seeding_changes_nothing(make_project: ProjectFactory, cli: Cli) -> None:
    root = _built(make_project, cli)
    lock = (root / "pylock.toml").read_bytes()
    _require(root, "beta", "no-such-package")
    code, _, err = cli("-v", "setup", cwd=root)
    assert code == 3 and SEEDING in err, err
    assert (root / "pylock.toml").read_bytes() == lock
    assert stray(root) == [] and generation(root) == 0
    assert cli("check", cwd=root)[0] != 0  # the lock is stale, the env as it was
    assert installed_version(root, "beta") == "1.0"


def test_a_first_setup_whose_resolution_fails_leaves_no_env_store(
    make_project: ProjectFactory, cli: Cli
) -> None:
    """Nothing to seed from: the re-lock takes no env lock and a failure writes nothing there
    (only the interpreter discovery cache may appear)."""
    root = make_project('requirements = ["no-such-package"]\n', python=PY)
    code, _, err = cli("-v", "setup", cwd=root)
    assert code == 3 and SEEDING not in err, err
    assert not (root / ".pitstop" / "default").exists()
    assert not (root / "pylock.toml").exists()


def test_sigkill_while_seeding_leaves_the_env_and_the_bases_alone(
    make_project: ProjectFactory, cli: Cli
) -> None:
    root = _built(make_project, cli)
    before = base_site_listings(_REAL_PYENV_ROOT)
    _require(root, "beta", "gamma")
    killed = pitstop_process(root, "setup", hooks=("--crash-at", "after-seed"))
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert generation(root) == 0 and installed_version(root, "beta") == "1.0"
    again = pitstop_process(root, "-v", "setup")
    assert again.returncode == 0, again.stderr
    assert SEEDED in again.stderr
    assert installed_version(root, "gamma") == "1.1" and generation(root) == 1
    assert stray(root) == []
    assert base_site_listings(_REAL_PYENV_ROOT) == before


def test_sigterm_while_seeding_sets_venv_new_aside(make_project: ProjectFactory, cli: Cli) -> None:
    root = _built(make_project, cli)
    lock = (root / "pylock.toml").read_bytes()
    _require(root, "beta", "gamma")
    code, err = sigterm_at(root, "after-seed", store(root) / "venv.new" / "pyvenv.cfg")
    assert code == 130, err
    assert "interrupted" in err
    assert not (store(root) / "venv.new").exists()
    assert (root / "pylock.toml").read_bytes() == lock
    assert generation(root) == 0 and installed_version(root, "beta") == "1.0"


def test_seed_reinstall_names_only_changed_entries() -> None:
    """:meth:`Seed.reinstall` compares each package's artifacts text (a unit check of the
    rule the file-level test above exercises end to end), markers included: the same files
    under swapped markers install another file here."""
    from pitstop.installers.uv import artifacts
    from pitstop.lockfile import LockFile

    def text(*entries: tuple[str, str]) -> str:
        packages = [
            {"name": "c", "version": "1", "marker": m, "wheels": [{"path": "c.whl", "hashes": {"sha256": h}}]}
            for m, h in entries
        ]
        return artifacts(LockFile(path=Path("pylock.toml"), data={"packages": packages}))["c"]

    planted = seed.Seed(Path("venv.new"), cast(Any, None))
    planted.started(
        cast(Any, None), {"a": "1.0 sha256:x", "b": "2.0 sha256:y", "c": text(("m1", "x"), ("m2", "y"))}
    )
    plan = {
        "artifacts": {
            "a": "1.0 sha256:x",
            "b": "2.0 sha256:other",
            "new": "3 sha256:n",
            "c": text(("m1", "y"), ("m2", "x")),
        }
    }
    assert planted.reinstall(plan) == ["b", "c"]
