"""``@pitstop.nox.session`` used wrongly in a noxfile: a NoxfileError (nox prints its message and
fix and exits 2 while loading the noxfile, see tests/test_nox.py) raised where the noxfile
decorates, never a traceback; and a stacked ``@nox.session`` hands its settings over."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

nox = pytest.importorskip("nox")


@pytest.fixture(autouse=True)
def nox_registry() -> Iterator[None]:
    """Each test's sessions leave nox's registry as it was."""
    from nox import registry

    saved = dict(registry._REGISTRY)
    yield
    registry._REGISTRY.clear()
    registry._REGISTRY.update(saved)


def refused(**kwargs: Any) -> tuple[str, str]:
    """(message, fix) of decorating a function with ``@session(**kwargs)``."""
    from pitstop.errors import ConfigError
    from pitstop.nox import session

    with pytest.raises(ConfigError) as info:
        session(**kwargs)(lambda s: None)
    assert isinstance(info.value, SystemExit)  # nox reports it while loading the noxfile
    assert info.value.fix
    return info.value.message, info.value.fix


@pytest.mark.parametrize(
    ("kwargs", "needle", "fix"),
    [
        ({"python": "3.12", "py": "3.12"}, "give python= or py=, not both", "drop py="),
        ({"python": 3.12}, "python= must be a version or a list of versions, not 3.12", 'use python="3.12"'),
        (
            {"python": ["3.12", 3]},
            "python= must be a version or a list of versions",
            'python=["3.11", "3.12"]',
        ),
        ({"python": "3.12; rm -rf /"}, "use a version request or a path", 'python=["3.11", "3.12"]'),
        ({"python": "threeish"}, "cannot understand python", 'python=["3.11", "3.12"]'),
    ],
)
def test_bad_python_keywords(kwargs: dict[str, Any], needle: str, fix: str) -> None:
    message, given = refused(**kwargs)
    assert needle in message
    assert fix in given


def test_an_interpreter_path_is_a_valid_matrix_entry(tmp_path: Any) -> None:
    from pitstop.nox import session

    registered = session(env="default", python=["3.12", "/opt/python3.12/bin/python3"])(lambda s: None)
    assert registered.python == ["3.12", "/opt/python3.12/bin/python3"]


def test_positional_non_function_is_refused() -> None:
    from pitstop.errors import ConfigError
    from pitstop.nox import session

    with pytest.raises(ConfigError) as info:
        session("tests")  # type: ignore[arg-type]  # the misuse under test
    assert "takes keyword arguments only" in info.value.message
    assert info.value.fix == 'use @session(env="NAME")'


def test_a_stacked_nox_session_with_its_own_venv_is_refused() -> None:
    from pitstop.errors import ConfigError
    from pitstop.nox import session

    inner = nox.session(venv_backend="uv")(lambda s: None)
    with pytest.raises(ConfigError) as info:
        session(env="test")(inner)
    assert "sets its own venv" in info.value.message
    assert info.value.fix is not None and info.value.fix.startswith("drop the inner @nox.session")


def test_a_stacked_nox_session_hands_over_its_settings() -> None:
    """name, tags, default=False, requires and python of the inner @nox.session carry over;
    the inner registration is dropped, so the session exists once."""
    from nox import registry

    from pitstop.nox import session

    def lint(s: Any) -> None:
        pass

    inner = nox.session(name="lint", tags=["style"], default=False, requires=["setup"], python="3.12")(lint)
    registered = session(env="default")(inner)
    assert registry._REGISTRY["lint"] is registered
    assert list(registered.tags) == ["style"]
    assert registered.default is False
    assert list(registered._requires) == ["setup"]
    assert registered.python == "3.12"
    assert registered.venv_backend == "none"  # one interpreter: no nox venv, the pitstop env
