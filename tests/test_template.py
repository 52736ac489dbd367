"""The empty-venv template (:mod:`pitstop.installers.template`): a dev build copies the venv
uv made before instead of starting ``uv venv`` again; strict builds never do. Real uv."""

from __future__ import annotations

import marshal
import os
import shutil
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


def _fresh(root: Path, children: list[list[str]], into: Path) -> Path:
    """What ``uv venv`` makes now with the arguments the build used."""
    argv = next(a for a in children if a[1:2] == ["venv"])
    subprocess.run([*argv[:-1], str(into)], check=True, capture_output=True)
    return into


def _interpreter(children: list[list[str]]) -> str:
    argv = next(a for a in children if a[1:2] == ["venv"])
    return argv[argv.index("--python") + 1]


def _rebuild(root: Path, cli: Cli) -> tuple[int, str]:
    """Delete the env store (the template in ``.cache`` stays) and set up again."""
    shutil.rmtree(store(root))
    code, _, err = cli("setup", cwd=root)
    return code, err


def test_a_dev_rebuild_writes_the_template_uv_made(
    make_project: ProjectFactory, cli: Cli, children: list[list[str]], tmp_path: Path
) -> None:
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("setup", cwd=root)[0] == 0
    assert _uv_venvs(children) == 1
    (kept,) = _templates(root)
    fresh = _fresh(root, children, tmp_path / "fresh")
    # The template is, file for file, what `uv venv` makes with the same arguments.
    assert template.take(kept, tmp_path / "taken", _interpreter(children))
    assert _tree(tmp_path / "taken") == _tree(fresh)
    children.clear()
    code, err = _rebuild(root, cli)
    assert code == 0, err
    assert _uv_venvs(children) == 0, "the template was written, uv venv not started"
    assert installed_version(root, "beta") == "1.0"
    assert cli("check", cwd=root)[0] == 0
    scaffold = {k: v for k, v in _tree(store(root) / "venv").items() if k in _tree(fresh)}
    assert scaffold == _tree(fresh)
    # `clean` starts over: the next build runs uv venv again.
    assert cli("clean", cwd=root)[0] == 0
    assert _templates(root) == []


def test_strict_neither_uses_nor_makes_a_template(
    make_project: ProjectFactory, cli: Cli, children: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("lock", cwd=root)[0] == 0
    monkeypatch.setenv("CI", "true")
    assert cli("setup", cwd=root)[0] == 0
    assert _templates(root) == [] and _uv_venvs(children) == 1
    monkeypatch.delenv("CI")
    assert _rebuild(root, cli)[0] == 0  # dev: makes one
    assert len(_templates(root)) == 1
    monkeypatch.setenv("CI", "true")
    children.clear()
    assert _rebuild(root, cli)[0] == 0
    assert _uv_venvs(children) == 1, "strict mode runs uv venv, whatever is cached"


Entries = list[tuple[str, str, int, object]]


def _edited(kept: Path, change: Callable[[Entries, str], None], outside: Path) -> None:
    data = marshal.loads(kept.read_bytes())  # noqa: S302 - the template this test just made
    change(data["entries"], str(outside))
    kept.write_bytes(marshal.dumps(data))


BAD_TEMPLATES = {
    "junk": None,
    "a package in site-packages": lambda e, _: e.extend(
        [(f"{_site(e)}/stray", "d", 0, None), (f"{_site(e)}/stray/__init__.py", "f", 0o644, b"")]
    ),
    "a .pth file": lambda e, _: e.append((f"{_site(e)}/evil.pth", "f", 0o644, b"import os\n")),
    "a link out of the venv": lambda e, _: e.extend([("up", "l", 0, ".."), ("up/escaped", "f", 0o644, b"x")]),
    "an absolute path": lambda e, outside: e.append((f"{outside}/escaped", "f", 0o644, b"x")),
    "bin/python elsewhere": lambda e, _: e.__setitem__(
        next(i for i, x in enumerate(e) if x[0] == "bin/python"), ("bin/python", "l", 0, "/bin/sh")
    ),
    "no pyvenv.cfg": lambda e, _: e.remove(next(x for x in e if x[0] == "pyvenv.cfg")),
}


def _site(entries: Entries) -> str:
    return next(x[0] for x in entries if x[0].endswith("/site-packages"))


@pytest.mark.parametrize("damage", list(BAD_TEMPLATES))
def test_a_template_that_is_not_an_empty_venv_is_never_used(
    make_project: ProjectFactory, cli: Cli, children: list[list[str]], damage: str
) -> None:
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("setup", cwd=root)[0] == 0
    (kept,) = _templates(root)
    change = BAD_TEMPLATES[damage]
    if change is None:
        kept.write_bytes(b"not marshal data")
    else:
        _edited(kept, change, root.parent)
    children.clear()
    code, err = _rebuild(root, cli)
    assert code == 0, err
    assert _uv_venvs(children) == 1, "uv venv ran instead"
    assert installed_version(root, "beta") == "1.0"
    site = next((store(root) / "venv").glob("lib/python*/site-packages"))
    assert not (site / "stray").exists() and not (site / "evil.pth").exists()
    assert not (root.parent / "escaped").exists()
    assert template.take(kept, root.parent / "again", _interpreter(children)), "uv's venv replaced it"


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
    os.utime(uv, ns=(1, 1))
    second = template.key(argv, str(uv), str(python))
    assert second is not None and second != template.key(argv, str(uv), str(tmp_path / "python3x"))
    assert template.key([*argv[:-2], "--prompt", "q"], str(uv), str(python)) != second
    assert template.key(argv, str(uv), str(tmp_path / "gone")) is None


def test_take_never_writes_into_an_existing_directory(tmp_path: Path) -> None:
    venv = tmp_path / "made"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = x\n")
    (venv / "bin" / "python").symlink_to("/opt/python3")
    kept = tmp_path / "venv-test"
    template.keep(venv, kept, "/opt/python3")
    target = tmp_path / "venv.new"
    target.mkdir()
    (target / "mine").write_text("keep me")
    assert template.take(kept, target, "/opt/python3") is False
    assert sorted(p.name for p in target.iterdir()) == ["mine"]
    assert template.take(kept, tmp_path / "other", "/opt/python3") is True
    assert os.readlink(tmp_path / "other" / "bin" / "python") == "/opt/python3"
    assert template.take(kept, tmp_path / "third", "/opt/other-python") is False
