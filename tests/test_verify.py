"""Verification catches what uv's own success report does not."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pitstop.errors import ProvisionError
from pitstop.uvbin import find_uv
from pitstop.verify import parse_metadata, scan, verify
from tests.conftest import ProjectFactory
from tests.helpers import PY, store
from tests.wheelfactory import build_wheel

Cli = Callable[..., tuple[int, str, str]]
EXPECTED: dict[str, str | None] = {"alpha": "2.0", "beta": "1.0"}


@pytest.fixture
def venv(make_project: ProjectFactory, cli: Cli) -> Path:
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("setup", cwd=root)[0] == 0
    return store(root) / "venv"


def test_a_good_env_verifies(venv: Path) -> None:
    assert verify(venv, EXPECTED, smoke={"beta"}) == {"alpha": "2.0", "beta": "1.0"}
    dists, problems = scan(venv)
    assert problems == [] and {d.name for d in dists} == {"alpha", "beta"}


def test_uv_says_nothing_is_wrong_but_verify_does(venv: Path) -> None:
    site = next(venv.glob("lib/python*/site-packages"))
    shutil.rmtree(site / "beta")  # an install interrupted after the metadata was written
    lock = venv.parents[2] / "pylock.toml"
    uv = subprocess.run(
        [
            find_uv(),
            "pip",
            "sync",
            "--preview-features",
            "pylock",
            "--python",
            str(venv / "bin" / "python"),
            str(lock),
        ],
        cwd=lock.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert uv.returncode == 0  # uv trusts the dist-info
    with pytest.raises(ProvisionError) as info:
        verify(venv, EXPECTED, smoke={"beta"})
    assert "beta 1.0: missing file beta/__init__.py" in info.value.message


def test_missing_record_and_metadata(venv: Path) -> None:
    site = next(venv.glob("lib/python*/site-packages"))
    (site / "alpha-2.0.dist-info" / "RECORD").unlink()
    (site / "beta-1.0.dist-info" / "METADATA").unlink()
    _, problems = scan(venv)
    assert "alpha 2.0 has no RECORD" in problems
    assert "beta-1.0.dist-info has no METADATA" in problems


def test_installed_set_must_equal_the_lock(venv: Path) -> None:
    with pytest.raises(ProvisionError) as info:
        verify(venv, {"alpha": "1.0", "beta": "1.0", "gamma": "1.0"}, smoke=())
    assert "alpha is 2.0, the lock says 1.0" in info.value.message
    assert "gamma 1.0 is in the lock but not installed" in info.value.message
    with pytest.raises(ProvisionError, match=r"beta 1\.0 is installed but not in the lock"):
        verify(venv, {"alpha": "2.0"}, smoke=())


def test_a_module_the_record_lists_but_that_was_deleted_fails(venv: Path) -> None:
    site = next(venv.glob("lib/python*/site-packages"))
    (site / "beta" / "__init__.py").unlink()
    with pytest.raises(ProvisionError) as info:
        verify(venv, EXPECTED, smoke={"beta"})
    assert "beta 1.0: missing file beta/__init__.py" in info.value.message


def test_the_smoke_check_finds_a_module_the_record_no_longer_mentions(venv: Path) -> None:
    """RECORD hand-edited to match the damage: the file check passes, the spec check does not."""
    site = next(venv.glob("lib/python*/site-packages"))
    shutil.rmtree(site / "beta")
    record = site / "beta-1.0.dist-info" / "RECORD"
    kept = [line for line in record.read_text().splitlines() if ".dist-info/" in line]
    record.write_text("".join(f"{line}\n" for line in kept))
    (site / "beta-1.0.dist-info" / "top_level.txt").write_text("beta\n")
    with pytest.raises(ProvisionError) as info:
        verify(venv, EXPECTED, smoke={"beta"})
    assert "import beta: ImportError: no module spec found in the env" in info.value.message


def test_a_top_level_extension_this_interpreter_cannot_load_fails(venv: Path) -> None:
    """find_spec honours the interpreter's extension suffixes: a module built for another
    Python is not importable, though its file exists and RECORD lists it."""
    site = next(venv.glob("lib/python*/site-packages"))
    (site / "beta_ext.cpython-20-x86_64-linux-gnu.so").write_bytes(b"\x7fELF")
    (site / "beta-1.0.dist-info" / "top_level.txt").write_text("beta\nbeta_ext\n")
    with open(site / "beta-1.0.dist-info" / "RECORD", "a", encoding="utf-8") as record:
        record.write("beta_ext.cpython-20-x86_64-linux-gnu.so,,\n")  # shipped by the wheel
    with pytest.raises(ProvisionError) as info:
        verify(venv, EXPECTED, smoke={"beta"})
    assert "import beta_ext: ImportError: no module spec found" in info.value.message
    assert "import beta:" not in info.value.message


def test_files_that_prove_a_plain_package_need_no_interpreter_start(
    venv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """beta is beta/__init__.py in site-packages, proved by the RECORD check: no process is
    started. A name only the import system can resolve (here a namespace package) still is."""
    import pitstop.process

    calls: list[list[str]] = []
    real = pitstop.process.run

    def counting(argv: list[str], **kwargs: object) -> object:
        calls.append([str(a) for a in argv])
        return real(argv, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pitstop.process, "run", counting)
    assert verify(venv, EXPECTED, smoke={"beta"}) == EXPECTED
    assert calls == []
    site = next(venv.glob("lib/python*/site-packages"))
    (site / "beta_ns" / "sub").mkdir(parents=True)
    (site / "beta_ns" / "sub" / "mod.py").write_text("")
    (site / "beta-1.0.dist-info" / "top_level.txt").write_text("beta\nbeta_ns\n")
    with open(site / "beta-1.0.dist-info" / "RECORD", "a", encoding="utf-8") as record:
        record.write("beta_ns/sub/mod.py,,\n")  # a namespace portion the wheel ships
    assert verify(venv, EXPECTED, smoke={"beta"}) == EXPECTED
    assert len(calls) == 1 and calls[0][-1] == "beta_ns"


def test_the_smoke_check_executes_no_package_code(
    make_project: ProjectFactory, cli: Cli, tmp_path: Path
) -> None:
    """A package whose import has side effects (writes a file, then exits the process) is
    verified and installed without its code ever running."""
    witness = tmp_path / "imported"
    root = make_project('requirements = ["noisy"]\n', python=PY)
    build_wheel(
        root.parent / "wheels",
        "noisy",
        "1.0",
        extra_files={
            "noisy/__init__.py": f"open({str(witness)!r}, 'w').close()\nraise SystemExit(9)\n",
            "noisy-1.0.dist-info/top_level.txt": "noisy\n",
        },
    )
    code, _, err = cli("setup", cwd=root)
    assert code == 0, err
    assert not witness.exists()
    site = next(store(root).glob("venv/lib/python*/site-packages"))
    assert (site / "noisy" / "__init__.py").exists()


def test_top_level_names_come_from_top_level_txt_else_the_record(venv: Path) -> None:
    site = next(venv.glob("lib/python*/site-packages"))
    dists, _ = scan(venv)
    assert {d.name: d.modules for d in dists}["beta"] == ("beta",)  # from RECORD
    (site / "beta-1.0.dist-info" / "top_level.txt").write_text("beta\nns/sub\nnot_there\n")
    dists, _ = scan(venv)
    # a name top_level.txt lists but the RECORD does not ship (ruamel.yaml.clib lists ruamel,
    # which ruamel.yaml installs) is no module of this distribution: not imported
    assert {d.name: d.modules for d in dists}["beta"] == ("beta",)
    assert verify(venv, EXPECTED, smoke={"beta"}) == {"alpha": "2.0", "beta": "1.0"}
    (site / "beta-1.0.dist-info" / "top_level.txt").write_text("not_there\n")  # ships none of them
    dists, _ = scan(venv)
    assert {d.name: d.modules for d in dists}["beta"] == ("not_there",)
    with pytest.raises(ProvisionError, match="import not_there: ImportError"):
        verify(venv, EXPECTED, smoke={"beta"})


def test_parse_metadata() -> None:
    text = "Metadata-Version: 2.1\nName: Zope.Interface\nVersion: 5.0\n\nName: not-a-header\n"
    assert parse_metadata(text) == ("Zope.Interface", "5.0")


@given(st.text(max_size=300))
def test_parse_metadata_never_raises(text: str) -> None:
    name, version = parse_metadata(text)
    assert name is None or isinstance(name, str)
    assert version is None or isinstance(version, str)


@pytest.mark.skipif(sys.prefix == sys.base_prefix or os.name != "posix", reason="needs a venv on POSIX")
def test_find_uv_in_a_venv_is_uvs_own_answer_without_importing_it() -> None:
    """In a venv, find_uv() answers what uv.find_uv_bin() does, without importing uv (whose
    lookup imports sysconfig, re and fnmatch)."""
    # (Whether sysconfig is loaded depends on the start-up: coverage's subprocess hook loads
    # it. That the uv package was never imported shows the lookup did not need it.)
    code = (
        "import sys; from pitstop.uvbin import find_uv; found = find_uv(); "
        "print('uv' in sys.modules); import uv; print(found == uv.find_uv_bin())"
    )
    env = {k: v for k, v in os.environ.items() if k != "PITSTOP_UV"}
    out = subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.split() == ["False", "True"]


def test_listing_is_what_os_walk_lists(tmp_path: Path) -> None:
    """Files (symlinks to files and dangling ones included) by relative path; a symlink to a
    directory is neither listed nor entered, as with os.walk."""
    from pitstop.verify import _listing

    site = tmp_path / "site"
    (site / "pkg" / "sub").mkdir(parents=True)
    (site / "pkg" / "__init__.py").write_text("")
    (site / "pkg" / "sub" / "mod.py").write_text("")
    (site / "top.py").write_text("")
    (site / "link.py").symlink_to(site / "top.py")
    (site / "dangling.py").symlink_to(site / "missing.py")
    (site / "dirlink").symlink_to(site / "pkg")
    (site / "loop").symlink_to(site / "loop")  # is_dir() raises ELOOP: os.walk lists it as a file
    expected: set[str] = set()
    for directory, _dirs, files in os.walk(site):
        rel = os.path.relpath(directory, site).replace(os.sep, "/")
        expected.update(name if rel == "." else f"{rel}/{name}" for name in files)
    assert (
        _listing(site)
        == expected
        == {
            "pkg/__init__.py",
            "pkg/sub/mod.py",
            "top.py",
            "link.py",
            "dangling.py",
            "loop",
        }
    )
