"""Property tests for untrusted input, through the CLI boundary: any value of any config key,
any requirement text, any lock package gives exit 1 or 2 (never 0 without a lock, never 4),
no traceback, and nothing changed on disk.

The default run is small; ``PITSTOP_FUZZ_EXAMPLES=10000`` runs 10,000 inputs per test (per
parser, and per config key through the parametrized test).
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pitstop.config import ADOPTED_KEYS, SETTING_KEYS, SOURCE_KEYS
from pitstop.errors import PitstopError
from pitstop.lock_sources import Trusted

EXAMPLES = int(os.environ.get("PITSTOP_FUZZ_EXAMPLES", "60"))
fuzz = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))

_CONTROL = "\x00\x01\x07\x08\t\n\x0b\x0c\r\x1b\x1c\x7f\x85\x9b\u2028\u2029"
_hostile_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.sampled_from("ab1.-_@ :/;=<>~![],'\"" + _CONTROL), max_size=40),
    st.sampled_from(
        [
            "beta @ file:///x.whl\n--find-links=/tmp",
            "beta\r-e /tmp",
            "x" * 5000,
            "../../../etc",
            "/dev/zero",
            "user",
            "~> 1.2",
            "https://u:p@example.invalid/simple",
            "\x00",
            "",
            "é" * 50,
        ]
    ),
)
_scalars = st.one_of(_hostile_text, st.booleans(), st.integers(), st.floats(allow_nan=False))
_values = st.recursive(
    st.one_of(_scalars, st.lists(_hostile_text, max_size=4)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_hostile_text, inner, max_size=3)),
    max_leaves=12,
)


def _toml(value: object) -> str:
    """A TOML value (JSON strings are TOML basic strings, bar a few escapes that then make the
    file invalid TOML: a config error too, which is fine)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, int) else json.dumps(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    assert isinstance(value, dict)
    return "{" + ", ".join(f"{json.dumps(str(k))} = {_toml(v)}" for k, v in value.items()) + "}"


def _snapshot(root: Path) -> list[tuple[str, int, int]]:
    return sorted(
        (str(p.relative_to(root)), p.lstat().st_size, p.lstat().st_mtime_ns) for p in root.rglob("*")
    )


def _cli(root: Path, *argv: str) -> tuple[int, str]:
    from pitstop.main import main

    err, out = io.StringIO(), io.StringIO()
    with redirect_stderr(err), redirect_stdout(out):
        code = main(["--project", str(root), *argv])
    return code, err.getvalue()


def _assert_rejected_or_not_ready(root: Path, *argv: str) -> None:
    before = _snapshot(root)
    code, err = _cli(root, *argv)
    assert code in (1, 2), err
    assert "Traceback" not in err and "internal error" not in err, err
    assert _snapshot(root) == before


_KEYS = sorted({*SETTING_KEYS, *SOURCE_KEYS, *ADOPTED_KEYS, "kind", "envs"})


@pytest.mark.parametrize("key", _KEYS)
@pytest.mark.parametrize("scope", ["top", "env"])
def test_any_value_of_any_config_key(key: str, scope: str) -> None:
    @fuzz
    @given(_values)
    def check(value: object) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            line = f"{json.dumps(key)} = {_toml(value)}\n"
            table = line if scope == "top" else f"[envs.x]\n{line}"
            (root / "pitstop.toml").write_text(table, encoding="utf-8")
            _assert_rejected_or_not_ready(root, "lock", "--check", "--all")

    check()


@fuzz
@given(st.lists(_hostile_text, min_size=1, max_size=6))
def test_any_requirements_file(lines: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "pitstop.toml").write_text('requirements-files = ["r.txt"]\n')
        (root / "r.txt").write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
        _assert_rejected_or_not_ready(root, "lock", "--check")


@fuzz
@given(
    st.dictionaries(st.sampled_from(["dependencies", "optional-dependencies", "name"]), _values, max_size=3),
    st.one_of(st.none(), _values),
)
def test_any_pyproject_project_and_groups(project: dict[str, object], groups: object) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        text = "".join(f"{json.dumps(k)} = {_toml(v)}\n" for k, v in project.items())
        head = f"dependency-groups = {_toml(groups)}\n" if groups is not None else ""
        (root / "pyproject.toml").write_text(
            f"{head}[project]\n{text}[tool.pitstop]\ninstall-project = true\n"
            'extras = ["a"]\ndependency-groups = ["g"]\n',
            encoding="utf-8",
        )
        _assert_rejected_or_not_ready(root, "lock", "--check")


_file = st.fixed_dictionaries(
    {},
    optional={
        "name": _hostile_text,
        "url": _hostile_text,
        "path": _hostile_text,
        "hashes": st.dictionaries(_hostile_text, _hostile_text, max_size=2),
        "size": st.integers(),
    },
)
_package = st.fixed_dictionaries(
    {"name": _hostile_text},
    optional={
        "version": _hostile_text,
        "marker": _hostile_text,
        "index": _hostile_text,
        "wheels": st.lists(_file, max_size=2),
        "sdist": _file,
        "archive": _file,
        "directory": st.fixed_dictionaries({"path": _hostile_text}, optional={"editable": st.booleans()}),
        "vcs": st.dictionaries(_hostile_text, _hostile_text, max_size=2),
    },
)


@fuzz
@given(st.lists(_package, max_size=3), st.lists(_hostile_text, max_size=3))
def test_lock_verifier_on_any_packages(packages: list[dict[str, object]], requirements: list[str]) -> None:
    from packaging.requirements import InvalidRequirement, Requirement

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        valid = []
        for text in requirements:  # the verifier gets validated requirements only
            try:
                Requirement(text)
            except InvalidRequirement:
                continue
            valid.append(text)
        error = _fuzz_verify(root, packages, valid, {}, install_project=True)
        if error is not None:
            assert (
                error.exit_code == 1 and error.fix is not None and error.fix.startswith("run: pitstop lock")
            )
        else:  # accepted: then it must be what the security model promises
            _assert_trustworthy(packages, root, valid)


_MARKERS = {"python_version": "3.12", "sys_platform": "linux", "python_full_version": "3.12.1"}


def _fuzz_trust(root: Path, *, install_project: bool) -> Trusted:
    """What the fuzzed locks may point at: one index, a local find-links directory, and the
    project ``p`` itself."""
    from pitstop.lock_sources import trusted

    return trusted(
        project=root,
        lock_dir=root,
        index_url="https://example.invalid/simple",
        extra_index_urls=(),
        find_links=("wheels",),
        no_index=False,
        install_project=install_project,
        project_name="p",
    )


def _fuzz_verify(
    root: Path,
    packages: list[dict[str, object]],
    requirements: list[str],
    selected: dict[str, str | None],
    *,
    install_project: bool,
) -> PitstopError | None:
    """verify_lock on a fuzzed lock with :func:`_fuzz_trust`: the refusal, or None."""
    from pitstop.lockverify import verify_lock

    try:
        verify_lock(
            packages,
            lock=root / "pylock.toml",
            trust=_fuzz_trust(root, install_project=install_project),
            requirements=requirements,
            markers=_MARKERS,
            selected=selected,
        )
    except PitstopError as exc:
        return exc
    return None


def _assert_trustworthy(
    packages: list[dict[str, object]],
    root: Path,
    requirements: list[str],
    selected: dict[str, str | None] | None = None,
) -> None:
    """What an accepted lock guarantees (docs/security.md), checked independently of the
    verifier: valid names, no vcs, the project's own directory only, every file hash-pinned
    from the index (or the exact direct URL a requirement names) or from inside the project;
    and every requirement for this interpreter is met by the ``selected`` packages."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    direct = {canonicalize_name(r.name): r.url for r in map(Requirement, requirements) if r.url}
    for package in packages:
        name = canonicalize_name(str(package["name"]), validate=True)
        assert "vcs" not in package
        directory = package.get("directory")
        if directory is not None:
            assert isinstance(directory, dict) and name == "p"
            assert (root / str(directory["path"])).resolve() == root.resolve()
            continue
        entries: list[object] = list(package.get("wheels") or [])  # type: ignore[call-overload]
        entries += [package[key] for key in ("sdist", "archive") if key in package]
        assert entries
        for entry in entries:
            assert isinstance(entry, dict) and isinstance(entry.get("hashes"), dict) and entry["hashes"]
            url, path = entry.get("url"), entry.get("path")
            exact = direct.get(name)
            if isinstance(url, str) and url.split("#")[0] == (exact or "").split("#")[0]:
                continue
            if isinstance(url, str):
                assert url == "https://example.invalid" or url.startswith("https://example.invalid/"), url
            else:
                assert isinstance(path, str) and not os.path.isabs(path)
                target = (root / path).resolve()
                assert target == root.resolve() or root.resolve() in target.parents or exact, path
    for text in requirements:
        req = Requirement(text)  # its marker: the verifier evaluated it too, without error
        if req.marker is not None and not req.marker.evaluate({**_MARKERS, "extra": ""}):
            continue
        chosen = (selected or {}).get(canonicalize_name(req.name), "missing")
        assert chosen != "missing", f"accepted while nothing is selected for {text!r}"
        assert chosen is None or req.specifier.contains(chosen, prereleases=True), (text, chosen)


@fuzz
@given(st.lists(_package, max_size=3))
def test_any_lock_through_the_cli(packages: list[dict[str, object]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "pitstop.toml").write_text('requirements = ["beta"]\nno-index = true\n')
        body = 'lock-version = "1.0"\ncreated-by = "x"\n'
        for package in packages:
            body += "\n[[packages]]\n" + "".join(
                f"{json.dumps(k)} = {_toml(v)}\n" for k, v in package.items()
            )
        (root / "pylock.toml").write_text(body, encoding="utf-8")
        _assert_rejected_or_not_ready(root, "lock", "--check")
        _assert_rejected_or_not_ready(root, "check")


# Plausible locks: mostly well-formed entries with one thing wrong (or nothing), so that the
# verifier accepts often and the acceptance itself is checked against the security model.
_plausible_file = st.fixed_dictionaries(
    {
        "hashes": st.sampled_from(
            [
                {"sha256": "0" * 64},
                {"sha256": "0" * 64},
                {},
                {"sha256": "xyz"},
                {"md5": "0" * 32},
                {"": "0" * 64},
            ]
        )
    },
    optional={
        "url": st.sampled_from(
            [
                "https://example.invalid/simple/alpha/alpha-1.0-py3-none-any.whl",
                "https://example.invalid/files/a.whl",
                "https://example.invalid",
                "https://example.invalid.evil/a.whl",
                "https://elsewhere.invalid/a.whl",
                "http://example.invalid/a.whl",
                "https://u:p@example.invalid/a.whl",
                "file:///etc/passwd",
            ]
        ),
        "path": st.sampled_from(
            [
                "wheels/a.whl",
                "a.whl",
                "../a.whl",
                "/abs/a.whl",
                "wheels/../../a.whl",
                "~/a.whl",
                "sub/../a.whl",
            ]
        ),
    },
)
_plausible_package = st.fixed_dictionaries(
    {
        "name": st.sampled_from(["alpha", "beta", "p", "Alpha_Beta", "bad name", "", "alpha\n-e ."]),
        "version": st.sampled_from(["1.0", "2.0", "2.0rc1", "x", "1.0\r"]),
    },
    optional={
        "wheels": st.lists(_plausible_file, max_size=2),
        "sdist": _plausible_file,
        "archive": _plausible_file,
        "directory": st.fixed_dictionaries({"path": st.sampled_from([".", "..", "sub", "/", "./"])}),
        "vcs": st.just({"type": "git", "url": "https://example.invalid/r.git"}),
        "index": st.sampled_from(["https://example.invalid/simple", "https://elsewhere.invalid/simple"]),
    },
)
_good_file = st.fixed_dictionaries(
    {"hashes": st.just({"sha256": "0" * 64})},
    optional={"size": st.integers(0, 10)},
).flatmap(
    lambda entry: st.sampled_from(
        [{**entry, "path": "wheels/a.whl"}, {**entry, "url": "https://example.invalid/files/a.whl"}]
    )
)
_good_package = st.fixed_dictionaries(
    {
        "name": st.sampled_from(["alpha", "beta"]),
        "version": st.sampled_from(["1.0", "2.0"]),
        "wheels": st.lists(
            st.one_of(_good_file, _good_file, _good_file, _plausible_file), min_size=1, max_size=2
        ),
    }
)
_project_package = st.fixed_dictionaries(
    {
        "name": st.sampled_from(["p", "P", "other"]),
        "version": st.just("0.1"),
        "directory": st.fixed_dictionaries(
            {"path": st.sampled_from([".", "./", "..", "sub", "sub/.."])},
            optional={"editable": st.booleans()},
        ),
    }
)
_some_package = st.one_of(_good_package, _good_package, _good_package, _project_package, _plausible_package)
_plausible_requirements = st.lists(
    st.sampled_from(
        [
            "alpha",
            "alpha<2",
            "alpha>=2",
            "beta; sys_platform == 'win32'",
            "beta; python_version >= '3.12'",
            "p",
            "alpha @ https://example.invalid.evil/alpha-1.0-py3-none-any.whl",
        ]
    ),
    max_size=3,
)


@fuzz
@given(st.lists(_some_package, max_size=3), _plausible_requirements, st.booleans())
def test_lock_verifier_accepts_only_what_the_security_model_allows(
    packages: list[dict[str, object]], requirements: list[str], install_project: bool
) -> None:
    from packaging.utils import InvalidName, canonicalize_name

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "wheels").mkdir()
        (root / "sub").mkdir()
        selected: dict[str, str | None] = {}
        for package in packages:  # what select() would pick: one version per valid name
            try:
                selected.setdefault(
                    canonicalize_name(str(package["name"]), validate=True), str(package["version"])
                )
            except InvalidName:
                continue
        error = _fuzz_verify(root, packages, requirements, selected, install_project=install_project)
        event("refused" if error is not None else "accepted")
        if error is not None:
            assert (
                error.exit_code == 1 and error.fix is not None and error.fix.startswith("run: pitstop lock")
            )
            return
        if not install_project:
            assert not any("directory" in package for package in packages)
        _assert_trustworthy(packages, root, requirements, selected)
