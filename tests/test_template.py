"""The empty-venv template (:mod:`pitstop.installers.template`): a dev build copies the venv
uv made before instead of starting ``uv venv`` again; strict builds never do. Real uv."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

import pitstop.process
from pitstop.installers import template
from tests.conftest import ProjectFactory
from tests.helpers import PY, installed_version, store

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def children(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The argv of every child pitstop starts in-process."""
    started: list[list[str]] = []
    real = pitstop.process.start

    def spy(argv: list[str], **kwargs: object) -> subprocess.Popen[str]:
        started.append([str(a) for a in argv])
        return real(argv, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pitstop.process, "start", spy)
    return started


def _uv_venvs(started: list[list[str]]) -> int:
    return sum(1 for argv in started if argv[1:2] == ["venv"])


def _templates(root: Path) -> list[Path]:
    return sorted((root / ".pitstop" / ".cache").glob("venv-*"))


def _tree(path: Path) -> dict[str, tuple[str, str]]:
    """relative path -> (kind and mode, content or link target) of every entry under ``path``."""
    out: dict[str, tuple[str, str]] = {}
    for root, dirs, files in os.walk(path):
        for name in [*dirs, *files]:
            full = Path(root, name)
            rel = str(full.relative_to(path))
            if full.is_symlink():
                out[rel] = ("link", os.readlink(full))
            elif full.is_dir():
                out[rel] = ("dir", "")
            else:
                out[rel] = (oct(full.stat().st_mode), full.read_text(errors="replace"))
    return out


def test_a_dev_rebuild_copies_the_template_uv_made(
    make_project: ProjectFactory, cli: Cli, children: list[list[str]], tmp_path: Path
) -> None:
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("setup", cwd=root)[0] == 0
    assert _uv_venvs(children) == 1
    (kept,) = _templates(root)
    # The template is, file for file, what `uv venv` makes with the same arguments.
    argv = next(a for a in children if a[1:2] == ["venv"])
    fresh = tmp_path / "fresh"
    subprocess.run([*argv[:-1], str(fresh)], check=True, capture_output=True)
    assert _tree(kept) == _tree(fresh)
    children.clear()
    assert cli("clean", cwd=root)[0] == 0
    code, _, err = cli("setup", cwd=root)
    assert code == 0, err
    assert _uv_venvs(children) == 0, "the template was copied, uv venv not started"
    assert installed_version(root, "beta") == "1.0"
    assert cli("check", cwd=root)[0] == 0
    venv = store(root) / "venv"
    scaffold = {k: v for k, v in _tree(venv).items() if k in _tree(fresh)}
    assert scaffold == _tree(fresh)


def test_strict_neither_uses_nor_makes_a_template(
    make_project: ProjectFactory, cli: Cli, children: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("lock", cwd=root)[0] == 0
    monkeypatch.setenv("CI", "true")
    assert cli("setup", cwd=root)[0] == 0
    assert _templates(root) == [] and _uv_venvs(children) == 1
    monkeypatch.delenv("CI")
    assert cli("clean", cwd=root)[0] == 0 and cli("setup", cwd=root)[0] == 0  # dev: makes one
    assert len(_templates(root)) == 1
    monkeypatch.setenv("CI", "true")
    children.clear()
    assert cli("clean", cwd=root)[0] == 0 and cli("setup", cwd=root)[0] == 0
    assert _uv_venvs(children) == 1, "strict mode runs uv venv, whatever is cached"


def test_a_damaged_template_is_not_used(
    make_project: ProjectFactory, cli: Cli, children: list[list[str]]
) -> None:
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("setup", cwd=root)[0] == 0
    (kept,) = _templates(root)
    (kept / "pyvenv.cfg").unlink()
    children.clear()
    assert cli("clean", cwd=root)[0] == 0
    code, _, err = cli("setup", cwd=root)
    assert code == 0, err
    assert _uv_venvs(children) == 1
    assert installed_version(root, "beta") == "1.0"
    assert (kept / "pyvenv.cfg").is_file(), "uv's fresh venv replaced the damaged template"


def test_the_template_name_changes_with_the_interpreter_file(tmp_path: Path) -> None:
    python = tmp_path / "python3"
    python.write_bytes(b"interpreter")
    uv = tmp_path / "uv"
    uv.write_bytes(b"uv")
    argv = ["uv", "venv", "--prompt", "p", "--python", str(python)]
    first = template.key(argv, str(uv), str(python))
    assert first is not None and first == template.key(argv, str(uv), str(python))
    os.utime(python, ns=(1, 1))
    assert template.key(argv, str(uv), str(python)) != first
    assert template.key([*argv[:-2], "--prompt", "q"], str(uv), str(python)) != template.key(
        argv, str(uv), str(python)
    )
    assert template.key(argv, str(uv), str(tmp_path / "gone")) is None


def test_take_never_replaces_an_existing_directory(tmp_path: Path) -> None:
    kept = tmp_path / "kept"
    (kept / "bin").mkdir(parents=True)
    (kept / "pyvenv.cfg").write_text("home = x\n")
    (kept / "bin" / "python").symlink_to("/nonexistent/python")
    target = tmp_path / "venv.new"
    target.mkdir()
    (target / "mine").write_text("keep me")
    assert template.take(kept, target) is False
    assert (target / "mine").read_text() == "keep me"
    fresh = tmp_path / "other"
    assert template.take(kept, fresh) is True
    assert os.readlink(fresh / "bin" / "python") == "/nonexistent/python"
