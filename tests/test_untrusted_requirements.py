"""Untrusted requirement text: option injection through a control character is refused."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ProjectFactory
from tests.helpers import PY, last_line, store
from tests.wheelfactory import build_wheel

Cli = Callable[..., tuple[int, str, str]]


def _toml_string(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid TOML basic string (\n, \r, \u0000 escaped)


@pytest.fixture
def evil_links(tmp_path: Path) -> Path:
    """A directory an attacker would point --find-links at, holding ``evil``."""
    directory = tmp_path / "evil-links"
    directory.mkdir()
    build_wheel(directory, "evil", "6.6.6")
    return directory


@pytest.mark.parametrize("separator", ["\n", "\r", "\r\n", "\x0b", "\x1c", "\x85", "\u2028"])
def test_find_links_smuggled_in_a_direct_url_is_a_config_error(
    make_project: ProjectFactory, cli: Cli, wheels: Path, evil_links: Path, separator: str
) -> None:
    good = next(wheels.glob("gamma-1.0-*.whl"))
    smuggled = f"gamma @ {good.as_uri()}{separator}--find-links={evil_links}"
    root = make_project(f'requirements = ["evil", {_toml_string(smuggled)}]\n', python=PY)
    code, _, err = cli("setup", cwd=root)
    assert code == 2, err
    assert "pyproject.toml: tool.pitstop.requirements" in err and "control character" in err
    assert "Traceback" not in err
    assert not (root / "pylock.toml").exists()
    assert not store(root).exists()


def test_editable_smuggled_in_a_direct_url_never_runs_setup_py(
    make_project: ProjectFactory, cli: Cli, wheels: Path, tmp_path: Path
) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    ran = tmp_path / "setup-py-ran"
    (victim / "setup.py").write_text(f"open({str(ran)!r}, 'w').write('x')\n")
    good = next(wheels.glob("gamma-1.0-*.whl"))
    smuggled = f"gamma @ {good.as_uri()}\n--editable={victim}"
    root = make_project(f"requirements = [{_toml_string(smuggled)}]\n", python=PY)
    code, _, err = cli("lock", cwd=root)
    assert code == 2, err
    assert not ran.exists()
    assert not (root / "pylock.toml").exists()


def test_control_character_in_a_requirements_file_names_the_line(
    make_project: ProjectFactory, cli: Cli, wheels: Path, evil_links: Path
) -> None:
    root = make_project('requirements-files = ["requirements.txt"]\n', python=PY)
    good = next(wheels.glob("gamma-1.0-*.whl"))
    # CRLF line endings are fine; a lone \r inside a line is not.
    (root / "requirements.txt").write_bytes(
        b"beta\r\n# comment\r\n" + f"gamma @ {good.as_uri()}\r--find-links={evil_links}\n".encode()
    )
    code, _, err = cli("lock", cwd=root)
    assert code == 2, err
    assert "requirements.txt:3" in err and "control character" in err
    assert not (root / "pylock.toml").exists()


def test_hash_options_of_pip_compile_output_name_the_right_fix(
    make_project: ProjectFactory, cli: Cli
) -> None:
    """``pip-compile --generate-hashes`` output: the fix keeps the requirement (the lock pins
    hashes itself), never "remove the line"."""
    root = make_project('requirements-files = ["requirements.txt"]\n', python=PY)
    (root / "requirements.txt").write_text("beta==1.0 \\\n    --hash=sha256:" + "ab" * 32 + "\n")
    code, _, err = cli("lock", cwd=root)
    assert code == 2, err
    assert "--hash options are not needed" in err
    assert last_line(err).startswith("fix: in requirements.txt, keep the requirement and delete its --hash")
    assert not (root / "pylock.toml").exists()


def test_crlf_requirements_file_is_read(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements-files = ["requirements.txt"]\n', python=PY)
    (root / "requirements.txt").write_bytes(b"beta\r\ngamma==1.0 \\\r\n  ; python_version >= '3'\r\n")
    code, _, err = cli("lock", cwd=root)
    assert code == 0, err
    assert '"gamma==1.0; python_version >= \\"3\\""' in (root / "pylock.toml").read_text()


@pytest.mark.parametrize(
    ("pyproject_extra", "tool", "where"),
    [
        (
            '[dependency-groups]\ntest = ["gamma @ file:///x.whl\\n--find-links=/tmp"]\n',
            'dependency-groups = ["test"]\n',
            "[dependency-groups].test",
        ),
        (
            '[project.optional-dependencies]\ndocs = ["gamma @ file:///x.whl\\n-e /tmp"]\n',
            'extras = ["docs"]\n',
            "[project.optional-dependencies].docs",
        ),
        (
            "",
            'libraries = { gamma = { package = "gamma", extras = ["a\\n--find-links=/tmp"] } }\n',
            "libraries.gamma",
        ),
        ("", 'libraries = { gamma = ">=1\\n--find-links=/tmp" }\n', "libraries.gamma"),
    ],
)
def test_control_characters_in_every_requirement_source(
    make_project: ProjectFactory, cli: Cli, pyproject_extra: str, tool: str, where: str
) -> None:
    root = make_project(tool, python=PY)
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text()
    # [tool.pitstop] must stay last: put the extra tables before it.
    head, _, tail = text.partition("[tool.pitstop]")
    pyproject.write_text(head + pyproject_extra + "[tool.pitstop]" + tail)
    code, _, err = cli("lock", cwd=root)
    assert code == 2, err
    assert where in err and "Traceback" not in err
    assert not (root / "pylock.toml").exists()


def test_project_dependencies_are_validated(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project(
        "install-project = true\n",
        python=PY,
        project='dependencies = ["gamma @ file:///x.whl\\n--find-links=/tmp", "not a requirement!"]\n',
    )
    code, _, err = cli("lock", cwd=root)
    assert code == 2, err
    assert "project.dependencies[0]" in err and "control character" in err
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"gamma @ file:///x.whl\\n--find-links=/tmp", ', ""))
    code, _, err = cli("lock", cwd=root)
    assert code == 2, err
    assert "project.dependencies[0]" in err and "invalid requirement" in err


def test_rendered_requirement_refuses_a_second_line() -> None:
    from packaging.requirements import Requirement

    from pitstop.requirements import render

    assert render(Requirement("Beta [x] >=1 ; python_version>'3'")) == 'Beta[x]>=1; python_version > "3"'
    # packaging 25 parses "gamma @ file:///x.whl\n--find-links=/tmp" into this very value.
    smuggled = Requirement("gamma @ file:///x.whl")
    smuggled.url = "file:///x.whl\n--find-links=/tmp"
    with pytest.raises(RuntimeError):
        render(smuggled)


@pytest.mark.parametrize("name", ["x\n", "x\r", "docs\n", "a\x00", "Docs", "-x", "x" * 65])
def test_bad_env_names_are_config_errors(make_project: ProjectFactory, cli: Cli, name: str) -> None:
    root = make_project(f"[tool.pitstop.envs.{_toml_string(name)}]\nrequirements = []\n", python=PY)
    code, _, err = cli("check", cwd=root)
    assert code == 2, err
    assert "bad env name" in err and "fix:" in err
    assert sorted(p.name for p in root.iterdir()) == ["pyproject.toml"]


# -- ${VAR}: uv and pip expand it from pitstop's environment (a CI job's secrets) ---------------
TOKEN = "ghp_LEAKED123"  # noqa: S105 - a made-up token the test looks for


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("pyproject_extra", "tool", "files", "where"),
    [
        ("", 'requirements = ["{req}"]\n', {}, "tool.pitstop.requirements"),
        ("", 'requirements-files = ["r.txt"]\n', {"r.txt": "beta\n{req}\n"}, "r.txt:2"),
        (
            "",
            'requirements-files = ["r.txt"]\n',
            {"r.txt": "beta\n-c sub/c.txt\n", "sub/c.txt": "{req}\n"},
            "c.txt:1",
        ),
        (
            '[dependency-groups]\ntest = ["{req}"]\n',
            'dependency-groups = ["test"]\n',
            {},
            "[dependency-groups].test",
        ),
        (
            '[project.optional-dependencies]\ndocs = ["{req}"]\n',
            'extras = ["docs"]\n',
            {},
            "[project.optional-dependencies].docs",
        ),
        ("", "install-project = true\n", {}, "project.dependencies[0]"),
        ("", 'libraries = {{ alpha = "==${{MY_TOKEN}}" }}\n', {}, "libraries.alpha"),
    ],
)
@pytest.mark.parametrize("strict", [False, True], ids=["dev", "ci"])
def test_environment_variables_in_any_requirement_source_are_refused(
    make_project: ProjectFactory,
    cli: Cli,
    monkeypatch: pytest.MonkeyPatch,
    pyproject_extra: str,
    tool: str,
    files: dict[str, str],
    where: str,
    strict: bool,
) -> None:
    req = f"alpha @ http://127.0.0.1:{_closed_port()}/${{MY_TOKEN}}/alpha-2.0-py3-none-any.whl"
    deps = f'dependencies = ["{req}"]\n' if where.startswith("project.") else ""
    root = make_project(tool.format(req=req), python=PY, project=deps)
    pyproject = root / "pyproject.toml"
    head, _, tail = pyproject.read_text().partition("[tool.pitstop]")
    pyproject.write_text(head + pyproject_extra.format(req=req) + "[tool.pitstop]" + tail)
    for name, text in files.items():
        (root / name).parent.mkdir(exist_ok=True)
        (root / name).write_text(text.format(req=req))
    monkeypatch.setenv("MY_TOKEN", TOKEN)
    if strict:
        monkeypatch.setenv("CI", "true")
    for command in (("lock",), ("setup",)):
        code, out, err = cli(*command, cwd=root)
        assert code == 2, err
        assert where in err and "Traceback" not in err
        # a library's version is a specifier: "==${MY_TOKEN}" is not one, so it is refused as such
        assert "environment variable" in err or where.startswith("libraries"), err
        assert TOKEN not in out + err
    assert not (root / "pylock.toml").exists()
    assert not store(root).exists()
