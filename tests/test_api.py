"""The Python API as a user's script calls it: ``pitstop.ensure`` returns an immutable value
that compares equal whichever path answered; ``pitstop.lock`` and ``pitstop.resolve`` by name."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import pitstop
from tests.conftest import ProjectFactory, pyenv_python
from tests.helpers import PY


def test_ensure_returns_an_immutable_value(make_project: ProjectFactory) -> None:
    root = make_project('requirements = ["beta"]\n', python=PY)
    first = pitstop.ensure(project=root, quiet=True)  # builds
    again = pitstop.ensure(project=root, quiet=True)  # a ready env: the fast path answers
    assert first == again and hash(first) == hash(again)
    assert first != "not an env"
    assert len({first, again}) == 1
    text = repr(again)
    assert text.startswith("Environment(name='default', path=") and f"generation={again.generation}" in text
    assert str(again.python) in text
    with pytest.raises(AttributeError, match="immutable"):
        again.generation = 7
    assert again.generation == first.generation


def test_lock_through_the_api(make_project: ProjectFactory) -> None:
    root = make_project('requirements = ["alpha<2"]\n', python=PY)
    pitstop.lock(project=root, quiet=True)
    text = (root / "pylock.toml").read_text(encoding="utf-8")
    assert 'name = "alpha"\nversion = "1.0"' in text
    (root / "pyproject.toml").write_text(
        (root / "pyproject.toml").read_text().replace('"alpha<2"', '"alpha"'), encoding="utf-8"
    )
    pitstop.lock(project=root, quiet=True, upgrade=["alpha"])
    assert 'name = "alpha"\nversion = "2.0"' in (root / "pylock.toml").read_text(encoding="utf-8")


def test_resolve_an_adopted_env_by_name(tmp_path: Path) -> None:
    root = tmp_path / "app"
    root.mkdir()
    (root / "pyproject.toml").write_text('[tool.pitstop.envs.legacy]\nkind = "venv"\npath = "env"\n')
    subprocess.run([pyenv_python("3.12"), "-m", "venv", "--without-pip", str(root / "env")], check=True)
    command = pitstop.resolve("legacy", project=root)
    assert isinstance(command, pitstop.PythonCommand)
    assert command.argv == (str(root / "env" / "bin" / "python"),)
    assert dict(command.env)["VIRTUAL_ENV"] == str(root / "env")


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        pitstop.nope  # noqa: B018


def test_ensure_from_a_worker_thread_builds(make_project: ProjectFactory) -> None:
    """A build outside the main thread (an IDE, a threaded test runner) cannot install a
    SIGTERM handler; it still builds."""
    import threading

    root = make_project('requirements = ["beta"]\n', python=PY)
    results: list[object] = []
    worker = threading.Thread(target=lambda: results.append(pitstop.ensure(project=root, quiet=True)))
    worker.start()
    worker.join(timeout=300)
    assert len(results) == 1
    env = results[0]
    assert isinstance(env, pitstop.Environment) and env.python.is_file()


def test_ensure_of_an_adopted_env_says_pitstop_does_not_build_it(tmp_path: Path) -> None:
    root = tmp_path / "app"
    root.mkdir()
    (root / "pyproject.toml").write_text('[tool.pitstop.envs.legacy]\nkind = "venv"\npath = "env"\n')
    with pytest.raises(pitstop.PitstopError) as info:
        pitstop.ensure("legacy", project=root, quiet=True)
    assert info.value.exit_code == 1
    assert info.value.message == "env 'legacy' is venv; pitstop does not build it"
    assert not (root / ".pitstop").exists()
