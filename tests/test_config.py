"""Config: discovery, keys, inheritance, and every kind of bad input (exit 2, named key, fix)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal, NamedTuple, get_args

import pytest

from pitstop import config, config_load
from pitstop.errors import USAGE, ConfigError


def write(root: Path, text: str, name: str = "pyproject.toml") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(text, encoding="utf-8")
    return root


def test_finds_nearest_root_upwards(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "[tool.pitstop]\n")
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    write(tmp_path / "a", "[project]\nname='x'\n")  # pyproject without [tool.pitstop] is skipped
    monkeypatch.chdir(sub)
    project = config_load.load()
    assert project.root == tmp_path.resolve()
    assert list(project.envs) == ["default"]


def test_pitstop_toml_for_non_python_projects(tmp_path: Path) -> None:
    write(
        tmp_path,
        'requirements = ["sympy~=1.12"]\n[envs.docs]\nrequirements = ["sphinx>=8"]\n',
        "pitstop.toml",
    )
    project = config_load.load(tmp_path)
    assert project.config_file.name == "pitstop.toml"
    assert project.env("default").sources.requirements == ("sympy~=1.12",)
    assert project.env("docs").sources.requirements == ("sphinx>=8",)


def test_settings_inherit_but_sources_do_not(tmp_path: Path) -> None:
    write(
        tmp_path,
        '[tool.pitstop]\npython = "3.12"\ninstaller = "pip"\nrequirements = ["a"]\n'
        'keep-previous = false\n[tool.pitstop.envs.docs]\nrequirements = ["b"]\n'
        '[tool.pitstop.envs.other]\npython = "3.11"\n',
    )
    project = config_load.load(tmp_path)
    docs = project.env("docs")
    assert docs.settings.python == "3.12"
    assert docs.settings.installer == "pip"
    assert docs.settings.keep_previous is False
    assert docs.sources.requirements == ("b",)
    assert project.env("other").sources.requirements == ()
    assert project.env("other").settings.python == "3.11"


def test_adopted_env_keys(tmp_path: Path) -> None:
    write(
        tmp_path,
        '[tool.pitstop.envs.worker]\nkind = "docker"\ncontainer = "python-worker-1"\n'
        'python = "/usr/local/bin/python3.13"\n',
    )
    worker = config_load.load(tmp_path).env("worker")
    assert worker.kind == "docker"
    assert worker.option("container") == "python-worker-1"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[tool.pitstop]\nrequirement = ['x']\n", "requirement"),
        ("[tool.pitstop]\nrequirements = 'x'\n", "requirements must be a list"),
        ("[tool.pitstop]\nrequirements = [1]\n", "requirements must be a list"),
        ("[tool.pitstop]\nrequirements = ['not a req!!']\n", "invalid requirement"),
        ("[tool.pitstop]\ninstaller = 'conda'\n", "installer"),
        ("[tool.pitstop]\nauto-install = 'sometimes'\n", "auto-install"),
        ("[tool.pitstop]\nallow-build = 'yes'\n", "allow-build must be true or false"),
        ("[tool.pitstop]\npython = 'snake'\n", "python"),
        ("[tool.pitstop]\nlocation = '../elsewhere'\n", "outside the project"),
        ("[tool.pitstop]\nlocation = '/tmp'\n", "outside the project"),
        ("[tool.pitstop.envs.Bad_Name]\n", "bad env name"),
        ("[tool.pitstop.envs.default]\n", "top-level"),
        ("[tool.pitstop.envs.x]\nkind = 'venv'\nrequirements = ['a']\n", "not built by pitstop"),
        ("[tool.pitstop]\ncontainer = 'c'\n", "only adopted kinds"),
        (
            "[tool.pitstop]\nlibraries = { yaml = { package = 'PyYAML', versio = '6' } }\n",
            "unknown key",
        ),
        ("[tool.pitstop]\nlibraries = { yaml = 'not-a-version!' }\n", "invalid version"),
        ("[tool.pitstop]\nenvironments = ['sys_platform ==']\n", "invalid marker"),
        ("[tool.pitstop\n", "not valid TOML"),
        ("[tool]\npitstop = 3\n", "must be a table"),
    ],
)
def test_bad_config_is_a_config_error(tmp_path: Path, text: str, needle: str) -> None:
    write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        config_load.load(tmp_path)
    assert info.value.exit_code == USAGE
    assert needle in info.value.message
    assert "pyproject.toml" in info.value.message or "TOML" in info.value.message
    assert info.value.fix


def test_unknown_key_suggests_the_close_one(tmp_path: Path) -> None:
    write(tmp_path, "[tool.pitstop]\nrequirments = ['a']\n")
    with pytest.raises(ConfigError) as info:
        config_load.load(tmp_path)
    assert "tool.pitstop.requirments" in info.value.message
    assert "requirements" in (info.value.fix or "")


def test_bad_env_name_fix_is_a_valid_table_header(tmp_path: Path) -> None:
    write(tmp_path, '[tool.pitstop.envs."Bad Name"]\n')
    with pytest.raises(ConfigError) as info:
        config_load.load(tmp_path)
    assert "'Bad Name'" in info.value.message
    assert info.value.fix == "rename the table to [tool.pitstop.envs.bad-name]"
    assert config.ENV_NAME.match(config.suggest_env_name("Bad Name"))


@pytest.mark.parametrize("name", ["Bad Name", "_x", "Ünïcode env", "-", "a" * 80, "docs.v2"])
def test_suggested_env_name_is_always_valid(name: str) -> None:
    assert config.ENV_NAME.match(config.suggest_env_name(name))


def test_unknown_env_on_the_command_line_suggests_a_valid_header(tmp_path: Path) -> None:
    write(tmp_path, "[tool.pitstop]\n")
    project = config_load.load(tmp_path)
    with pytest.raises(ConfigError) as info:
        project.env("Bad Name")
    assert "not a valid env name" in info.value.message
    assert "[tool.pitstop.envs.bad-name]" in (info.value.fix or "")
    with pytest.raises(ConfigError) as info:
        project.env("docs")
    assert "[tool.pitstop.envs.docs]" in (info.value.fix or "")


def test_pitstop_toml_headers_have_no_tool_prefix(tmp_path: Path) -> None:
    (tmp_path / "pitstop.toml").write_text('[envs."My Env"]\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        config_load.load(tmp_path)
    assert info.value.fix == "rename the table to [envs.my-env]"


def test_no_user_facing_text_cites_the_spec() -> None:
    """Users do not have SPEC.md: no string in src/ outside docstrings and comments cites it."""
    import ast

    offenders = []
    for file in sorted(Path(config.__file__).parent.rglob("*.py")):
        tree = ast.parse(file.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        offenders += [
            f"{file.name}:{node.lineno}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and ("§" in node.value or "SPEC" in node.value)
        ]
    assert offenders == []


def test_location_symlink_escaping_the_project(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = write(tmp_path / "proj", "[tool.pitstop]\nlocation = 'store'\n")
    os.symlink(outside, root / "store")
    with pytest.raises(ConfigError, match="outside the project"):
        config_load.load(root)


def test_user_location_uses_pitstop_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PITSTOP_HOME", str(tmp_path / "ph"))
    root = write(tmp_path / "proj", "[tool.pitstop]\nlocation = 'user'\n")
    project = config_load.load(root)
    store = project.store(project.env("default"))
    assert str(store).startswith(str(tmp_path / "ph"))


def test_pitstop_python_must_be_valid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write(tmp_path, "[tool.pitstop]\n")
    monkeypatch.setenv("PITSTOP_PYTHON", str(tmp_path / "nope" / "python"))
    with pytest.raises(ConfigError, match="PITSTOP_PYTHON"):
        config_load.load(root)
    monkeypatch.setenv("PITSTOP_PYTHON", "no-such-python-anywhere")
    with pytest.raises(ConfigError, match="PITSTOP_PYTHON"):
        config_load.load(root)


def test_pitstop_auto_install_is_validated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write(tmp_path, "[tool.pitstop]\n")
    monkeypatch.setenv("PITSTOP_AUTO_INSTALL", "maybe")
    with pytest.raises(ConfigError, match="PITSTOP_AUTO_INSTALL"):
        config_load.load(root)
    monkeypatch.setenv("PITSTOP_AUTO_INSTALL", "never")
    assert config_load.load(root).auto_install_override == "never"


def test_no_config_anywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="no pitstop configuration") as info:
        config_load.load()
    assert "[tool.pitstop]" in (info.value.fix or "")


def test_both_config_files_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "[tool.pitstop]\n")
    write(tmp_path, "", "pitstop.toml")
    with pytest.raises(ConfigError, match="both"):
        config_load.load(tmp_path)


def test_python_version_file_is_read(tmp_path: Path) -> None:
    root = write(tmp_path, "[tool.pitstop]\n")
    (root / ".python-version").write_text("# comment\n3.12\n")
    assert config_load.load(root).python_version_file == "3.12"


def test_third_party_kinds_are_checked_after_loading(tmp_path: Path) -> None:
    """Parsing reads no entry points: an unknown kind and its keys load as written, and
    opening the project (what every command and API call does) names the kind."""
    from pitstop.session import load_project

    write(tmp_path, "[tool.pitstop.envs.x]\nkind = 'lxc'\nmachine = 'm1'\nephemeral = true\n")
    spec = config_load.load(tmp_path).env("x")
    assert spec.third_party == (("machine", "m1"), ("ephemeral", True))
    assert (spec.option("machine"), spec.option("ephemeral")) == ("m1", "true")
    with pytest.raises(ConfigError) as info:
        load_project(tmp_path)
    assert info.value.message == "pyproject.toml: tool.pitstop.envs.x.kind: unknown kind 'lxc'"
    assert (info.value.file or "").endswith("pyproject.toml")
    assert "install the plugin" in (info.value.fix or "")


def test_a_third_party_kind_key_holds_what_a_kind_can_declare(tmp_path: Path) -> None:
    write(tmp_path, "[tool.pitstop]\nkind = 'lxc'\nmachine = { a = 1 }\n")
    with pytest.raises(ConfigError, match="machine must be a string, true or false, an integer or a list"):
        config_load.load(tmp_path)


class _Record(NamedTuple):
    a_b: Literal["x", "y"] = "x"
    c: tuple[str, ...] = ()
    d: int | None = None
    e: tuple[tuple[str, str], ...] = ()


def test_the_key_tables_are_derived_from_the_records() -> None:
    """One schema: a field added to Settings or Sources is a config key with its type (and a
    Literal field's values are its choices), not a second table to keep in step."""
    assert [k.replace("-", "_") for k in config.SETTING_KEYS] == list(config.Settings._fields)
    assert [k.replace("-", "_") for k in config.SOURCE_KEYS] == list(config.Sources._fields)
    assert config.CHOICES["auto-install"] == get_args(config.AutoInstall)
    assert config._schema(_Record, {"e": dict}) == (
        {"a-b": str, "c": list, "d": int, "e": dict},
        {"a-b": ("x", "y")},
    )
