"""Third-party kinds that are half right: one without a validate() method, one that fails to
import while another project is detected."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.test_adopted import _plugin, write

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture(autouse=True)
def fresh_plugins() -> Iterator[None]:
    from pitstop.kinds import plugins

    plugins.load.cache_clear()
    yield
    plugins.load.cache_clear()


NO_VALIDATE = """
import sys
from pitstop.kinds.base import PythonCommand

class LxcKind:
    name = "lxc"
    config_keys = {"machine": str}

    def resolve(self, ctx):
        return PythonCommand(argv=(sys.executable,))
"""


def test_a_plugin_without_validate_is_an_error_naming_it(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    _plugin(tmp_path, monkeypatch, NO_VALIDATE, module="lxckind_novalidate")
    root = write(tmp_path / "a", '[tool.pitstop]\nkind = "lxc"\n')
    code, _, err = cli("check", cwd=root)
    assert code == 2 and "Traceback" not in err
    assert "the kind plugin 'lxc' (lxckind_novalidate:LxcKind, from lxckind) has no validate() method" in err
    assert err.rstrip().splitlines()[-1] == "run: pip install --upgrade lxckind  (or uninstall it)"


def test_a_broken_plugin_does_not_break_detection(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Detection reads every plugin's markers; one that fails to import is left out there
    (using its kind reports it), so a plain venv project is still found."""
    _plugin(tmp_path, monkeypatch, "raise ImportError('lxc sdk missing')\n", module="lxckind_broken2")
    app = tmp_path / "app"
    (app / ".venv" / "bin").mkdir(parents=True)
    (app / ".venv" / "pyvenv.cfg").write_text(f"home = {Path(sys.executable).parent}\n")
    (app / ".venv" / "bin" / "python").symlink_to(sys.executable)
    code, out, err = cli("detect", str(app), "--json")
    assert code == 0, err
    assert json.loads(out)["kind"] == "venv"
    plain = tmp_path / "plain"  # no built-in marker: the plugins' markers are read
    plain.mkdir()
    code, out, err = cli("detect", str(plain), "--json")
    assert code == 0, err
    assert json.loads(out)["kind"] == "system"
