"""Property tests: the parsers raise nothing but pitstop's own error family."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pitstop import config_load, lockfile
from pitstop.errors import PitstopError
from pitstop.inputs import collect
from pitstop.python_request import parse_request
from pitstop.requirement_files import read_requirements_file
from pitstop.requirements import library_requirement

EXAMPLES = int(os.environ.get("PITSTOP_FUZZ_EXAMPLES", "150"))
fuzz = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))

_keys = st.sampled_from(
    [
        "python",
        "requirements",
        "requirements-files",
        "dependency-groups",
        "extras",
        "install-project",
        "libraries",
        "auto-install",
        "installer",
        "location",
        "index-url",
        "extra-index-urls",
        "find-links",
        "allow-build",
        "keep-previous",
        "kind",
        "path",
        "container",
        "envs",
        "bogus",
        "environments",
        "lock-runtime",
        "no-index",
    ]
)
_scalars = st.one_of(
    st.text(max_size=20),
    st.booleans(),
    st.integers(),
    st.lists(st.text(max_size=12), max_size=3),
    st.sampled_from(["3.12", ">=3.11", "uv", "pip", "dev", "never", "../x", "user", "docker", "sympy~=1"]),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.dictionaries(_keys | st.text(max_size=8), inner, max_size=4),
    max_leaves=8,
)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return (
            '"'
            + value.replace("\\", "\\\\")
            .replace('"', '\\"')
            .encode("unicode_escape")
            .decode()
            .replace('\\\\"', '\\"')
            + '"'
        )
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    assert isinstance(value, dict)
    return "{" + ", ".join(f'"{k}" = {_toml_value(v)}' for k, v in value.items()) + "}"


@fuzz
@given(st.dictionaries(_keys, _values, max_size=6))
def test_config_parser_raises_only_pitstop_errors(table: dict[str, object]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        body = "".join(f'"{k}" = {_toml_value(v)}\n' for k, v in table.items())
        (root / "pyproject.toml").write_text("[project]\nname='p'\n[tool.pitstop]\n" + body)
        try:
            project = config_load.load(root)
            for env in project.envs.values():
                if env.kind == "managed":
                    collect(project, env)
        except PitstopError:
            pass


@fuzz
@given(st.text(max_size=300))
def test_config_parser_on_arbitrary_text(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "pitstop.toml").write_text(text, encoding="utf-8", errors="surrogatepass") if _encodable(
            text
        ) else None
        try:
            config_load.load(Path(tmp))
        except PitstopError:
            pass


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_req_lines = st.lists(
    st.one_of(
        st.text(max_size=40),
        st.sampled_from(
            [
                "alpha",
                "-r other.txt",
                "-c c.txt",
                "# c",
                "beta \\",
                "--hash=x",
                "-e .",
                "x @ https://e.invalid/x.whl",
            ]
        ),
    ),
    max_size=8,
)


@fuzz
@given(_req_lines)
def test_requirements_file_parser(lines: list[str]) -> None:
    text = "\n".join(lines)
    if not _encodable(text):
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "r.txt").write_text(text, encoding="utf-8")
        try:
            read_requirements_file(root / "r.txt", root=root)
        except PitstopError:
            pass


@fuzz
@given(
    st.text(max_size=30),
    st.one_of(st.text(max_size=20), st.dictionaries(st.text(max_size=8), _scalars, max_size=3)),
)
def test_libraries_parser(name: str, value: object) -> None:
    try:
        library_requirement(name, value, where="libraries")
    except PitstopError:
        pass


@fuzz
@given(st.text(max_size=30))
def test_python_request_parser(text: str) -> None:
    try:
        parse_request(text)
    except PitstopError:
        pass


@fuzz
@given(st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
def test_lock_status_never_raises(blob: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pylock.toml"
        path.write_bytes(blob)
        state = lockfile.status(path, "sha256:" + "0" * 64)
        assert state.state in {"modified", "stale"}
        try:
            lockfile.read(path)
        except PitstopError:
            pass


@fuzz
@given(st.text(max_size=400), st.sampled_from(["inputs-hash", "content-hash", "python"]))
def test_lock_text_helpers_never_raise(text: str, key: str) -> None:
    from pitstop import lockfile

    body, found = lockfile.split_content_hash(text)
    assert found is None or len(found) == 71
    assert len(body) <= len(text)
    value = lockfile.recorded(text, key)
    assert value is None or isinstance(value, str)


@fuzz
@given(st.text(max_size=40) | st.text(st.characters(max_codepoint=0x7F), max_size=40))
def test_lock_strings_are_written_as_json_writes_them(text: str) -> None:
    """The renderer's shortcut for strings with nothing to escape writes what json.dumps
    (its general path) writes, and TOML reads every string back unchanged."""
    import json

    from pitstop import _toml

    written = lockfile._string(text)
    assert written == json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")
    assert _toml.loads(f"v = {written}\n", source=Path("t.toml")) == {"v": text}


@fuzz
@given(st.sampled_from(["config", "requirements", "lock", "request", "markers"]), st.binary(max_size=200))
def test_atheris_harness_targets(target: str, data: bytes) -> None:
    """The long-run fuzz harness (benchmarks/fuzz.py) accepts the same inputs without atheris."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks import fuzz as harness

    harness.one_input(harness.TARGETS[target], data)


@fuzz
@given(st.lists(st.text(max_size=40), max_size=3))
def test_environments_markers(markers: list[str]) -> None:
    import json

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "pitstop.toml").write_text(f"environments = {json.dumps(markers)}\n", encoding="utf-8")
        try:
            config_load.load(Path(tmp))
        except PitstopError:
            pass
