"""Interpreter requests, discovery without shims, identity and its cache."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from pitstop.errors import ConfigError, InterpreterNotFound
from pitstop.identity import parse_probe
from pitstop.python_request import parse_request
from pitstop.runtime import Runtimes
from tests.conftest import pyenv_python


@pytest.mark.parametrize(
    ("text", "impl", "spec", "path"),
    [
        ("3.12", None, "==3.12.*", None),
        ("3.12.1", None, "==3.12.1", None),
        (">=3.11,<3.13", None, "<3.13,>=3.11", None),
        ("cpython@3.12", "cpython", "==3.12.*", None),
        ("pypy3.10", "pypy", "==3.10.*", None),
        ("/usr/bin/python3", None, "", "/usr/bin/python3"),
    ],
)
def test_parse_request(text: str, impl: str | None, spec: str, path: str | None) -> None:
    request = parse_request(text)
    assert (request.implementation, request.specifier, request.path) == (impl, spec, path)


@pytest.mark.parametrize("text", ["", "snake", "3.x", "python@", ">=>3"])
def test_bad_requests(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_request(text)


def test_requires_python_for_the_lock() -> None:
    assert parse_request("3.12").requires_python() == "==3.12.*"
    assert parse_request(">=3.11").requires_python() == ">=3.11"
    assert parse_request("/x/python").requires_python("3.13.0") == "==3.13.*"


class CountingRuntimes(Runtimes):
    """Runtimes that counts real probes (a fake injected by subclassing, not patching)."""

    probes = 0

    def probe(self, path: str) -> dict[str, object]:
        type(self).probes += 1
        return super().probe(path)


def test_identity_is_probed_once_then_cached(tmp_path: Path) -> None:
    exe = pyenv_python("3.12")
    cache = tmp_path / "cache.json"
    CountingRuntimes.probes = 0
    first = CountingRuntimes(cache).identify(exe)
    second = CountingRuntimes(cache).identify(exe)  # a new process would see the same file
    assert CountingRuntimes.probes == 1
    assert first == second
    ident = first.identity
    assert ident.implementation == "cpython"
    assert ident.version.startswith("3.12.")
    assert ident.runtime_hash.startswith("sha256:")
    assert os.path.isabs(ident.executable)


def test_pyenv_versions_are_found_without_shims(tmp_path: Path) -> None:
    exe = pyenv_python("3.11")
    found = Runtimes(tmp_path / "c.json").find(parse_request("3.11"))
    assert found.identity.version.startswith("3.11.")
    assert "shims" not in found.path
    assert os.path.realpath(found.path) == os.path.realpath(exe) or found.path.startswith(
        os.environ["PYENV_ROOT"]
    )


def test_a_broken_shim_on_path_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pyenv_python("3.9")
    shims = tmp_path / "shims"
    shims.mkdir()
    shim = shims / "python3.9"
    shim.write_text("#!/bin/sh\necho 'pyenv: python3.9: command not found' >&2\nexit 127\n")
    shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
    other = tmp_path / "bin"
    other.mkdir()
    wrapper = other / "python3.9"
    wrapper.write_text("#!/bin/sh\nexit 127\n")
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{shims}{os.pathsep}{other}{os.pathsep}{os.environ['PATH']}")
    found = Runtimes(tmp_path / "c.json").find(parse_request("3.9"))
    assert found.identity.version.startswith("3.9.")
    assert found.path not in (str(shim), str(wrapper))


def test_real_pyenv_shim_for_a_non_global_version_is_never_run(tmp_path: Path) -> None:
    pyenv_python("3.10")
    root = os.environ.get("PYENV_ROOT", "")
    shim = Path(root) / "shims" / "python3.10"
    if not shim.exists():
        pytest.skip("no pyenv shims here")
    runtimes = Runtimes(tmp_path / "c.json", environ={**os.environ, "PATH": str(shim.parent)})
    assert all("shims" not in c.path for c in runtimes.candidates())
    assert runtimes.find(parse_request("3.10")).identity.version.startswith("3.10.")


def test_free_threading_and_abi_come_from_the_probe(tmp_path: Path) -> None:
    ident = Runtimes(tmp_path / "c.json").identify(pyenv_python("3.13")).identity
    assert ident.abi.startswith("cpython-313")
    assert ident.free_threading is False


def test_python_2_can_be_probed(tmp_path: Path) -> None:
    ident = Runtimes(tmp_path / "c.json").identify(pyenv_python("2.7")).identity
    assert ident.version.startswith("2.7.")


def test_not_found_lists_what_was_found(tmp_path: Path) -> None:
    with pytest.raises(InterpreterNotFound) as info:
        Runtimes(tmp_path / "c.json").find(parse_request("3.99"))
    assert "3.99" in info.value.message
    assert "uv python install" in (info.value.fix or "")


def test_not_found_labels_path_interpreters_with_version_and_path(tmp_path: Path) -> None:
    """A PATH entry named without a version is listed with its probed version and its path,
    one that does not run says so: never a bare "? (PATH)"."""
    real = pyenv_python("3.12")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    os.symlink(real, bindir / "python3")
    junk = bindir / "python"
    junk.write_bytes(b"\x7fELF not really an interpreter")
    junk.chmod(0o755)
    environ = {"PATH": str(bindir), "HOME": str(tmp_path), "UV_PYTHON_INSTALL_DIR": str(tmp_path / "none")}
    with pytest.raises(InterpreterNotFound) as info:
        Runtimes(tmp_path / "c.json", environ=environ).find(parse_request("3.99"))
    message = info.value.message
    version = Runtimes(tmp_path / "c2.json").identify(real).identity.version
    assert f"found: {version} ({bindir / 'python3'}), {bindir / 'python'}: does not run" in message
    assert "?" not in message


def test_not_found_lists_highest_version_first(tmp_path: Path) -> None:
    pyenv_python("3.10")
    with pytest.raises(InterpreterNotFound) as info:
        Runtimes(tmp_path / "c.json").find(parse_request("3.99"))
    found = info.value.message.split("found: ", 1)[1]
    versions = [part.split(" ", 1)[0] for part in found.split(", ") if part[0].isdigit()]
    keys = [tuple(int(x) for x in v.split(".")) for v in versions]
    assert keys == sorted(keys, reverse=True) and len(keys) >= 2


def test_changed_interpreter_file_is_reprobed(tmp_path: Path) -> None:
    src = Path(pyenv_python("3.12"))
    cache = tmp_path / "c.json"
    venv_python = tmp_path / "python"
    os.symlink(src, venv_python)
    CountingRuntimes.probes = 0
    CountingRuntimes(cache).identify(str(venv_python))
    venv_python.unlink()
    os.symlink(pyenv_python("3.11"), venv_python)
    ident = CountingRuntimes(cache).identify(str(venv_python)).identity
    assert CountingRuntimes.probes == 2
    assert ident.version.startswith("3.11.")


@pytest.mark.parametrize("text", ["", "not json", "{}", '{"implementation": "cpython"}', "[1]"])
def test_parse_probe_rejects_garbage(text: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - json's and ours are both ValueError
        parse_probe(text)
