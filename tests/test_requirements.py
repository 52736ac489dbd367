"""Requirement sources and normalization."""

from __future__ import annotations

from pathlib import Path

import pytest

from pitstop import config_load
from pitstop.errors import ConfigError
from pitstop.inputs import collect
from pitstop.requirement_files import read_requirements_file
from pitstop.requirements import (
    dependency_group,
    library_requirement,
    normalize,
    project_extra,
    redact_url,
)


def test_requirements_file_features(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "base.txt").write_text(
        "# comment\nalpha>=1  # trailing comment\n\nbeta \\\n  ==1.0\n-r sub/more.txt\n--constraint c.txt\n"
    )
    (tmp_path / "sub" / "more.txt").write_text("gamma\n-c ../c2.txt\n")
    (tmp_path / "c.txt").write_text("alpha<3\n")
    (tmp_path / "c2.txt").write_text("gamma<2\n")
    reqs, cons = read_requirements_file(tmp_path / "base.txt", root=tmp_path)
    assert [" ".join(r.split()) for r in reqs] == ["alpha>=1", "beta ==1.0", "gamma"]
    assert sorted(cons) == ["alpha<3", "gamma<2"]


@pytest.mark.parametrize(
    "line",
    [
        "--index-url https://example.invalid/simple",
        "-e .",  # without a caller that can install the project, still an error
        "--hash=sha256:00",
        "alpha --hash=sha256:00",
        "-f ./x",
    ],
)
def test_other_options_are_errors(tmp_path: Path, line: str) -> None:
    (tmp_path / "r.txt").write_text(f"alpha\n{line}\n")
    with pytest.raises(ConfigError, match=r"r\.txt:2"):
        read_requirements_file(tmp_path / "r.txt", root=tmp_path)


@pytest.mark.parametrize(
    ("line", "extras"),
    [
        ("-e .", ()),
        ("--editable .", ()),
        ("--editable=.", ()),
        ("-e.", ()),
        ("-e ./", ()),
        ("-e .[docs]", ("docs",)),
        ("-e .[Docs, test_All]", ("docs", "test-all")),
        ("-e '.[docs]'", ("docs",)),
        (".", ()),
        (".[docs]", ("docs",)),
    ],
)
def test_editable_self_install_lines(tmp_path: Path, line: str, extras: tuple[str, ...]) -> None:
    (tmp_path / "r.txt").write_text(f"alpha\n{line}\n")
    project: list[tuple[str, ...]] = []
    reqs, _ = read_requirements_file(tmp_path / "r.txt", root=tmp_path, project=project)
    assert reqs == ["alpha"]
    assert project == [extras]


def test_editable_self_install_from_a_nested_file(tmp_path: Path) -> None:
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "dev.txt").write_text("-e ..[test]\n")
    (tmp_path / "requirements.txt").write_text("-r requirements/dev.txt\n")
    project: list[tuple[str, ...]] = []
    read_requirements_file(tmp_path / "requirements.txt", root=tmp_path, project=project)
    assert project == [("test",)]


def test_editable_self_line_in_a_constraints_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "c.txt").write_text("-e .\n")
    (tmp_path / "r.txt").write_text("alpha\n-c c.txt\n")
    project: list[tuple[str, ...]] = []
    with pytest.raises(ConfigError) as info:
        read_requirements_file(tmp_path / "r.txt", root=tmp_path, project=project)
    assert "r.txt:2" in info.value.message and "constraints file" in info.value.message
    assert project == []


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        ("-e ../other", "pitstop installs only this project editable"),
        ("-e git+https://example.invalid/x.git#egg=x", "pitstop installs only this project editable"),
        ("-e .[bad name!]", "invalid extra name"),
        ("-e", "pitstop installs only this project editable"),
    ],
)
def test_editable_install_of_anything_else_is_an_error_with_the_fix(
    tmp_path: Path, line: str, needle: str
) -> None:
    (tmp_path / "other").mkdir()
    (tmp_path / "r.txt").write_text(f"{line}\n")
    with pytest.raises(ConfigError) as info:
        read_requirements_file(tmp_path / "r.txt", root=tmp_path, project=[])
    assert needle in info.value.message and "r.txt:1" in info.value.message
    assert info.value.fix


_SELF = (
    '[project]\nname = "proj"\nversion = "1"\ndependencies = ["gamma"]\n'
    '[project.optional-dependencies]\ndocs = ["delta"]\ntest = ["pytest", "proj[docs]"]\n'
)


def test_editable_self_line_means_install_project_plus_extras(tmp_path: Path) -> None:
    """httpx-style requirements.txt: `-e .[test]` next to plain requirements."""
    (tmp_path / "requirements.txt").write_text("# dev\n-e .[test]\nalpha\n")
    (tmp_path / "pyproject.toml").write_text(
        _SELF + '[tool.pitstop]\nrequirements-files = ["requirements.txt"]\n'
    )
    project = config_load.load(tmp_path)
    from_file = collect(project, project.env("default"))
    assert from_file.install_project
    assert from_file.requirements == ("alpha", "delta", "gamma", "pytest")
    assert from_file.warnings == ()
    # The same inputs spelled in [tool.pitstop] lock identically.
    (tmp_path / "pyproject.toml").write_text(
        _SELF + '[tool.pitstop]\nrequirements = ["alpha"]\ninstall-project = true\nextras = ["test"]\n'
    )
    spelled = collect(config_load.load(tmp_path), config_load.load(tmp_path).env("default"))
    assert spelled.hash == from_file.hash


def test_editable_self_line_with_an_undefined_extra_warns(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("-e .[docs,nope]\n")
    (tmp_path / "pyproject.toml").write_text(
        _SELF + '[tool.pitstop]\nrequirements-files = ["requirements.txt"]\n'
    )
    project = config_load.load(tmp_path)
    inputs = collect(project, project.env("default"))
    assert inputs.requirements == ("delta", "gamma")
    assert len(inputs.warnings) == 1 and "no extra 'nope'" in inputs.warnings[0]


def test_editable_self_line_without_a_project_table(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("-e .\n")
    (tmp_path / "pyproject.toml").write_text('[tool.pitstop]\nrequirements-files = ["requirements.txt"]\n')
    project = config_load.load(tmp_path)
    with pytest.raises(ConfigError) as info:
        collect(project, project.env("default"))
    assert "'-e .'" in info.value.message
    assert "[project]" in (info.value.fix or "")


def test_requirements_file_cycle_and_missing(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("-r b.txt\n")
    (tmp_path / "b.txt").write_text("-r a.txt\n")
    with pytest.raises(ConfigError, match="includes itself"):
        read_requirements_file(tmp_path / "a.txt", root=tmp_path)
    with pytest.raises(ConfigError, match="cannot be read"):
        read_requirements_file(tmp_path / "missing.txt", root=tmp_path)


def test_dependency_groups_with_includes() -> None:
    groups = {"test": ["pytest", {"include-group": "Typing_Stuff"}], "typing-stuff": ["mypy"]}
    assert dependency_group(groups, "test", where="x") == ["pytest", "mypy"]
    with pytest.raises(ConfigError, match="cycle"):
        dependency_group({"a": [{"include-group": "b"}], "b": [{"include-group": "a"}]}, "a", where="x")
    with pytest.raises(ConfigError, match="no dependency group"):
        dependency_group(groups, "docs", where="x")


def test_project_extras_expand_self_references() -> None:
    project = {
        "name": "My.Proj",
        "optional-dependencies": {"docs": ["sphinx"], "all": ["my-proj[docs]", "rich"]},
    }
    assert sorted(project_extra(project, "all", where="x")) == ["rich", "sphinx"]
    with pytest.raises(ConfigError, match="no extra"):
        project_extra(project, "nope", where="x")


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("sympy", "~> 1.12", "sympy~=1.12"),
        ("sympy", "1.12", "sympy==1.12"),
        ("sympy", ">=1,<2", "sympy<2,>=1"),
        ("yaml", {"package": "PyYAML", "version": ">=6"}, "PyYAML>=6"),
        ("req", {"version": "2", "extras": ["socks"]}, "req[socks]==2"),
        ("numpy", "", "numpy"),
        ("math", "1.0", None),
        ("json", {"version": "1"}, None),
    ],
)
def test_libraries(name: str, value: object, expected: str | None) -> None:
    assert library_requirement(name, value, where="libraries") == expected


def test_normalize_merges_sorts_and_dedupes() -> None:
    result = normalize(
        [
            "Sympy>=1.12",
            "sympy<2",
            "PyYAML",
            "pyyaml",
            "requests[SOCKS]",
            "requests[security]>=2",
            "colorama; sys_platform == 'win32'",
            "Zope.Interface",
        ]
    )
    assert result == (
        'colorama; sys_platform == "win32"',
        "pyyaml",
        "requests[security,socks]>=2",
        "sympy<2,>=1.12",
        "zope-interface",
    )


def test_redact_url() -> None:
    assert redact_url("https://user:s3cret@example.invalid/simple") == "https://example.invalid/simple"
    assert redact_url("https://example.invalid/simple") == "https://example.invalid/simple"
    # a URL urlsplit cannot parse still loses everything up to its last "@"
    assert redact_url("http://user:s3cret@[::1/simple") == "http://[::1/simple"
    # a token in the query string is a credential too (never in a lock or on a command line)
    assert redact_url("https://example.invalid/simple?token=s3cret") == "https://example.invalid/simple"
    assert redact_url("https://u:p@example.invalid/simple/?t=s3cret") == "https://example.invalid/simple/"
    assert redact_url("http://[::1/simple?token=s3cret") == "http://[::1/simple"


def test_an_index_url_with_a_query_token_never_reaches_a_command_line(tmp_path: Path) -> None:
    from pitstop import config
    from pitstop.index_options import index_args, index_environ

    url = "https://example.invalid/simple?token=s3cret"
    settings = config.Settings(index_url=url, extra_index_urls=("https://extra.invalid/simple",))
    env = config.EnvSpec(
        name="default", kind="managed", settings=settings, sources=config.Sources(), table="t"
    )
    project = config.Project(root=tmp_path, config_file=tmp_path / "pyproject.toml", envs={"default": env})
    assert not [a for a in index_args(project, env) if "s3cret" in a]
    assert "--extra-index-url=https://extra.invalid/simple" in index_args(project, env)
    assert index_environ(project, env, tool="uv") == {"UV_INDEX_URL": url}


def test_collect_all_sources_and_hash_stability(tmp_path: Path) -> None:
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "base.txt").write_text("alpha\n")
    text = (
        '[project]\nname = "proj"\nversion = "1"\ndependencies = ["gamma"]\n'
        '[project.optional-dependencies]\ndocs = ["delta"]\n'
        '[dependency-groups]\ntest = ["pytest"]\n'
        '[tool.pitstop]\nrequirements = ["Beta"]\nrequirements-files = ["requirements/base.txt"]\n'
        'dependency-groups = ["test"]\nextras = ["docs"]\ninstall-project = true\n'
        'libraries = { yaml = { package = "PyYAML", version = "~> 6.0" }, os = "1" }\n'
        'index-url = "https://token:hunter2@example.invalid/simple"\n'
    )
    (tmp_path / "pyproject.toml").write_text(text)
    project = config_load.load(tmp_path)
    inputs = collect(project, project.env("default"))
    assert inputs.requirements == ("alpha", "beta", "delta", "gamma", "pytest", "pyyaml~=6.0")
    assert inputs.install_project
    assert any("os" in w for w in inputs.warnings)
    assert "hunter2" not in repr(inputs.index_settings)
    # Reordering and respelling the same inputs keeps the hash; a real change moves it.
    (tmp_path / "pyproject.toml").write_text(text.replace('["Beta"]', '["beta" ]'))
    again = collect(config_load.load(tmp_path), project.env("default"))
    assert again.hash == inputs.hash
    (tmp_path / "pyproject.toml").write_text(text.replace('["Beta"]', '["beta>=2"]'))
    changed = collect(config_load.load(tmp_path), config_load.load(tmp_path).env("default"))
    assert changed.hash != inputs.hash


def test_credentials_do_not_move_the_hash(tmp_path: Path) -> None:
    base = '[tool.pitstop]\nindex-url = "https://{}example.invalid/simple"\n'
    (tmp_path / "pyproject.toml").write_text(base.format("a:one@"))
    first = collect(config_load.load(tmp_path), config_load.load(tmp_path).env("default")).hash
    (tmp_path / "pyproject.toml").write_text(base.format("b:two@"))
    assert collect(config_load.load(tmp_path), config_load.load(tmp_path).env("default")).hash == first
