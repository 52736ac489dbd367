"""Forged locks: strict setup refuses a lock whose content-hash an attacker recomputed."""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ProjectFactory
from tests.helpers import INSTALLERS, PY, store
from tests.wheelfactory import build_wheel

Cli = Callable[..., tuple[int, str, str]]


def forge(lock: Path, edit: Callable[[str], str]) -> None:
    """Edit the lock's body and recompute its content-hash, exactly as an attacker can."""
    text = lock.read_text(encoding="utf-8")
    body = re.sub(r'\ncontent-hash = "sha256:[0-9a-f]{64}"\n$', "\n", text)
    assert body != text
    body = edit(body)
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
    lock.write_text(body + f'content-hash = "sha256:{digest}"\n', encoding="utf-8")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def locked(make_project: ProjectFactory, cli: Cli) -> Path:
    root = make_project('requirements = ["beta"]\n', python=PY)
    code, _, err = cli("lock", cwd=root)
    assert code == 0, err
    return root


def evil_alpha(directory: Path) -> Path:
    """An ``alpha 2.0`` wheel an attacker built (same name and version, other content)."""
    directory.mkdir(parents=True, exist_ok=True)
    return build_wheel(directory, "alpha", "2.0", extra_files={"alpha/evil.py": "PWNED = True\n"})


def swap_alpha_entry(new_entry: str) -> Callable[[str], str]:
    def edit(body: str) -> str:
        out, count = re.subn(r"\{ name = \"alpha-2\.0-py3-none-any\.whl\".*\},\n", new_entry + ",\n", body)
        assert count == 1
        return out

    return edit


def strict_setup(cli: Cli, root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.setenv("CI", "true")
    code, _, err = cli("setup", cwd=root)
    return code, err


def assert_refused(code: int, err: str, root: Path, *words: str, by_pitstop: bool = True) -> None:
    assert code == 1, err
    assert not by_pitstop or "pylock.toml failed verification" in err
    for word in words:
        assert word in err
    assert err.rstrip().splitlines()[-1].startswith("run: pitstop lock")
    assert "Traceback" not in err
    assert not (store(root) / "venv").exists()
    assert not (store(root) / "venv.new").exists()


def test_genuine_lock_passes_in_strict_mode(locked: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    code, err = strict_setup(cli, locked, monkeypatch)
    assert code == 0, err


def test_absolute_wheel_path(locked: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    wheel = evil_alpha(tmp_path / "attacker")
    entry = f'{{ name = "{wheel.name}", path = "{wheel}", hashes = {{ sha256 = "{sha256(wheel)}" }} }}'
    forge(locked / "pylock.toml", swap_alpha_entry(entry))
    code, err = strict_setup(cli, locked, monkeypatch)
    assert_refused(code, err, locked, "package alpha 2.0", "is not relative to the lock")


def test_dotdot_path_outside_the_project(
    locked: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    wheel = evil_alpha(tmp_path / "attacker")
    entry = (
        f'{{ name = "{wheel.name}", path = "../../{tmp_path.name}/attacker/{wheel.name}", '
        f'hashes = {{ sha256 = "{sha256(wheel)}" }} }}'
    )
    forge(locked / "pylock.toml", swap_alpha_entry(entry))
    assert (locked / "../../" / tmp_path.name / "attacker" / wheel.name).resolve() == wheel.resolve()
    code, err = strict_setup(cli, locked, monkeypatch)
    assert_refused(code, err, locked, "package alpha 2.0", "outside the project and every find-links")


def test_foreign_host_in_a_no_index_project(locked: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    entry = (
        '{ name = "alpha-2.0-py3-none-any.whl", url = "https://example.invalid/alpha-2.0-py3-none-any.whl", '
        f'hashes = {{ sha256 = "{"0" * 64}" }} }}'
    )
    forge(locked / "pylock.toml", swap_alpha_entry(entry))
    code, err = strict_setup(cli, locked, monkeypatch)
    assert_refused(code, err, locked, "https://example.invalid/", "not under a configured index")


def test_unpinned_file(locked: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    entry = (
        '{ name = "alpha-2.0-py3-none-any.whl", path = "../wheels/alpha-2.0-py3-none-any.whl", hashes = {} }'
    )
    forge(locked / "pylock.toml", swap_alpha_entry(entry))
    code, err = strict_setup(cli, locked, monkeypatch)
    # packaging's PEP 751 validation already refuses it; lockverify checks again regardless.
    assert_refused(code, err, locked, "hash", by_pitstop=False)


def test_extra_package_no_requirement_needs(
    locked: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch, wheels: Path
) -> None:
    gamma = locked.parent / "wheels" / "gamma-1.0-py3-none-any.whl"
    extra = (
        '\n[[packages]]\nname = "gamma"\nversion = "1.0"\nwheels = [\n'
        f'    {{ name = "{gamma.name}", path = "../wheels/{gamma.name}", '
        f'hashes = {{ sha256 = "{sha256(gamma)}" }} }},\n]\n'
    )
    forge(locked / "pylock.toml", lambda body: body.replace("\n[tool.pitstop]", extra + "\n[tool.pitstop]"))
    code, err = strict_setup(cli, locked, monkeypatch)
    assert_refused(code, err, locked, "it installs gamma, which no requirement needs")


def test_empty_packages_with_requirements(locked: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    def empty(body: str) -> str:
        head, _, tail = body.partition("\n[[packages]]")
        _, _, tool = tail.partition("\n[tool.pitstop]")
        return head + "packages = []\n\n[tool.pitstop]" + tool

    forge(locked / "pylock.toml", empty)
    code, err = strict_setup(cli, locked, monkeypatch)
    assert_refused(code, err, locked, "installs nothing for the requirement 'beta'")


def test_version_that_does_not_satisfy_the_requirement(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project('requirements = ["alpha<2"]\n', python=PY)
    assert cli("lock", cwd=root)[0] == 0
    wheel = root.parent / "wheels" / "alpha-2.0-py3-none-any.whl"
    forge(
        root / "pylock.toml",
        lambda body: re.sub(
            r'version = "1\.0"\nwheels = \[\n.*\n\]',
            f'version = "2.0"\nwheels = [\n    {{ name = "{wheel.name}", path = "../wheels/{wheel.name}", '
            f'hashes = {{ sha256 = "{sha256(wheel)}" }} }},\n]',
            body,
        ),
    )
    code, err = strict_setup(cli, root, monkeypatch)
    assert_refused(code, err, root, "pins alpha 2.0, which does not satisfy 'alpha<2'")


def test_directory_outside_the_project_never_runs_setup_py(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    root = make_project('requirements = ["beta"]\ninstall-project = true\n', python=PY)
    (root / "setup.py").write_text("from setuptools import setup\nsetup()\n")
    assert cli("lock", cwd=root)[0] == 0
    outside = tmp_path / "outside"
    outside.mkdir()
    ran = tmp_path / "setup-py-ran"
    (outside / "setup.py").write_text(f"open({str(ran)!r}, 'w').write('x')\n")
    evil = '\n[[packages]]\nname = "outside"\ndirectory = { path = "../outside", editable = false }\n'
    forge(root / "pylock.toml", lambda body: body.replace("\n[tool.pitstop]", evil + "\n[tool.pitstop]"))
    code, err = strict_setup(cli, root, monkeypatch)
    assert_refused(code, err, root, "directory '../outside' is not allowed")
    assert not ran.exists()


def test_control_character_in_a_package_name(locked: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    forge(
        locked / "pylock.toml",
        lambda body: body.replace('name = "alpha"', 'name = "alpha\\n--find-links=/x"'),
    )
    code, err = strict_setup(cli, locked, monkeypatch)
    assert code == 1, err
    assert "Traceback" not in err and "run: pitstop lock" in err
    assert not (store(locked) / "venv").exists()


def test_dev_mode_verifies_too(locked: Path, cli: Cli, tmp_path: Path) -> None:
    wheel = evil_alpha(tmp_path / "attacker")
    entry = f'{{ name = "{wheel.name}", path = "{wheel}", hashes = {{ sha256 = "{sha256(wheel)}" }} }}'
    forge(locked / "pylock.toml", swap_alpha_entry(entry))
    code, _, err = cli("setup", cwd=locked)
    assert_refused(code, err, locked, "is not relative to the lock")


def _trust(tmp_path: Path, **kw: object) -> object:
    from pitstop.lock_sources import trusted

    args: dict[str, object] = {
        "project": tmp_path,
        "lock_dir": tmp_path,
        "index_url": None,
        "extra_index_urls": (),
        "find_links": (),
        "no_index": False,
        "install_project": False,
        "project_name": None,
    }
    args.update(kw)
    return trusted(**args)  # type: ignore[arg-type]


def _wheel(**entry: object) -> dict[str, object]:
    return {"name": "a", "version": "1.0", "wheels": [{"name": "a-1.0-py3-none-any.whl", **entry}]}


_SHA = {"sha256": "ab" * 32}


@pytest.mark.parametrize(
    ("settings", "entry", "ok"),
    [
        ({"index_url": "https://example.invalid/simple"}, {"url": "https://example.invalid/f/a.whl"}, True),
        (
            {"index_url": "https://u:p@example.invalid/simple"},
            {"url": "https://example.invalid/f/a.whl"},
            True,
        ),
        ({"index_url": "https://example.invalid/simple"}, {"url": "https://other.invalid/a.whl"}, False),
        (
            {"index_url": "https://example.invalid/simple"},
            {"url": "https://u:p@example.invalid/a.whl"},
            False,
        ),
        (
            {"index_url": "https://example.invalid/simple"},
            {"url": "https://example.invalid.evil/a.whl"},
            False,
        ),
        ({}, {"url": "https://anything.invalid/a.whl"}, True),  # default index: host unknowable
        ({}, {"url": "http://anything.invalid/a.whl"}, False),
        ({}, {"url": "file:///etc/a.whl"}, False),
        ({"no_index": True}, {"url": "https://anything.invalid/a.whl"}, False),
        (
            {"no_index": True, "find_links": ["https://links.invalid/w/"]},
            {"url": "https://links.invalid/w/a.whl"},
            True,
        ),
        # URL prefixes compare as URLs: host, port and path segments, never as strings
        (
            {"no_index": True, "find_links": ["http://127.0.0.1:800"]},
            {"url": "http://127.0.0.1:8001/a.whl"},
            False,
        ),
        (
            {"no_index": True, "find_links": ["http://127.0.0.1:800"]},
            {"url": "http://127.0.0.1:800/a.whl"},
            True,
        ),
        (
            {"no_index": True, "find_links": ["https://links.invalid"]},
            {"url": "https://links.invalid.evil/a.whl"},
            False,
        ),
        (
            {"no_index": True, "find_links": ["https://links.invalid/w"]},
            {"url": "https://links.invalid/w2/a.whl"},
            False,
        ),
        (
            {"no_index": True, "find_links": ["https://links.invalid/w"]},
            {"url": "https://links.invalid/w/../x/a.whl"},
            False,
        ),
        (
            {"no_index": True, "find_links": ["https://links.invalid/w"]},
            {"url": "https://links.invalid:444/w/a.whl"},
            False,
        ),
        (
            {"no_index": True, "find_links": ["https://links.invalid/w"]},
            {"url": "https://LINKS.invalid:443/w/a.whl"},
            True,
        ),
        (
            {"no_index": True, "find_links": ["https://links.invalid/w/page.html"]},
            {"url": "https://links.invalid/w/a.whl"},
            True,
        ),
        (
            {"no_index": True, "find_links": ["https://links.invalid/w/page.html"]},
            {"url": "https://links.invalid/a.whl"},
            False,
        ),
        (
            {"index_url": "https://example.invalid/simple"},
            {"url": "https://example.invalid:8443/f/a.whl"},
            False,
        ),
        ({"index_url": "https://example.invalid/simple"}, {"url": "http://example.invalid/f/a.whl"}, False),
        (
            {"index_url": "https://example.invalid/simple"},
            {"url": "https://example.invalid:99999/a.whl"},
            False,
        ),
        ({"no_index": True}, {"path": "wheels/a.whl"}, True),
        ({"no_index": True}, {"path": "/abs/a.whl"}, False),
        ({"no_index": True}, {"path": "../a.whl"}, False),
        ({"no_index": True, "find_links": ["../links"]}, {"path": "../links/a.whl"}, True),
        ({"no_index": True}, {"path": "wheels/a.whl", "hashes": {}}, False),
        ({"no_index": True}, {"path": "wheels/a.whl", "hashes": {"sha256": "zz\n-e /x"}}, False),
        ({"no_index": True}, {"path": "wheels/a.whl", "url": "https://x.invalid/a.whl"}, False),
        # a weak hash alone does not pin a file; a strong one (of its full length) does
        ({"no_index": True}, {"path": "wheels/a.whl", "hashes": {"md5": "ab" * 16}}, False),
        ({"no_index": True}, {"path": "wheels/a.whl", "hashes": {"sha1": "ab" * 20}}, False),
        ({"no_index": True}, {"path": "wheels/a.whl", "hashes": {"sha256": "ab" * 16}}, False),
        (
            {"no_index": True},
            {"path": "wheels/a.whl", "hashes": {"md5": "ab" * 16, "sha384": "ab" * 48}},
            True,
        ),
        ({"no_index": True}, {"path": "wheels/a.whl", "hashes": {"sha512": "ab" * 64}}, True),
    ],
)
def test_sources(tmp_path: Path, settings: dict[str, object], entry: dict[str, object], ok: bool) -> None:
    from pitstop.errors import NotReadyError
    from pitstop.lockverify import verify_lock

    project = tmp_path / "p"
    project.mkdir()
    package = _wheel(**{"hashes": _SHA, **entry})

    def call() -> None:
        verify_lock(
            [package],
            lock=project / "pylock.toml",
            trust=_trust(project, **settings),  # type: ignore[arg-type]
            requirements=["a"],
            markers={},
            selected={"a": "1.0"},
        )

    if ok:
        call()
    else:
        with pytest.raises(NotReadyError) as info:
            call()
        assert info.value.fix is not None and info.value.fix.startswith("run: pitstop lock")
        assert "package a 1.0" in info.value.message or "package 'a'" in info.value.message


def test_a_file_on_another_host_than_the_configured_index_says_what_to_do(tmp_path: Path) -> None:
    """An index that serves its files from a CDN host (the default index does) cannot be
    pinned with index-url: the refusal says so, and how to use such an index."""
    from pitstop.errors import NotReadyError
    from pitstop.lockverify import verify_lock

    package = _wheel(url="https://files.example.invalid/a.whl", hashes=_SHA)
    with pytest.raises(NotReadyError) as info:
        verify_lock(
            [package],
            lock=tmp_path / "pylock.toml",
            trust=_trust(tmp_path, index_url="https://example.invalid/simple"),  # type: ignore[arg-type]
            requirements=["a"],
            markers={},
            selected={"a": "1.0"},
        )
    assert "is not under a configured index" in info.value.message
    assert "leave index-url unset" in info.value.message
    assert "if pitstop lock wrote it" in info.value.message  # otherwise the lock was edited
    assert info.value.fix is not None and info.value.fix.startswith("run: pitstop lock")


def test_requirement_markers_decide_what_must_be_selected(tmp_path: Path) -> None:
    from pitstop.errors import NotReadyError
    from pitstop.lockverify import verify_lock

    markers = {"python_version": "3.12", "sys_platform": "linux"}
    args: dict[str, object] = {
        "lock": tmp_path / "pylock.toml",
        "trust": _trust(tmp_path),
        "markers": markers,
        "selected": {},
    }
    verify_lock([], requirements=["a; sys_platform == 'win32'"], **args)  # type: ignore[arg-type]
    with pytest.raises(NotReadyError, match="installs nothing for the requirement"):
        verify_lock([], requirements=["a; sys_platform == 'linux'"], **args)  # type: ignore[arg-type]


@pytest.mark.parametrize("installer", INSTALLERS)
def test_a_direct_url_requirement_is_its_own_trusted_source(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, installer: str
) -> None:
    """(uv locks the file as an ``archive`` entry, which the pip installer installs as
    ``name @ URL`` with its hashes.)"""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    wheel = build_wheel(elsewhere, "gamma", "1.0")
    root = make_project(
        f'requirements = ["gamma @ {wheel.as_uri()}"]\ninstaller = "{installer}"\n', python=PY
    )
    assert cli("lock", cwd=root)[0] == 0
    assert "../elsewhere/gamma-1.0-py3-none-any.whl" in (root / "pylock.toml").read_text()
    code, err = strict_setup(cli, root, monkeypatch)
    assert code == 0, err
    # ... but only exactly that file: another one outside the project is still refused.
    other = evil_alpha(tmp_path / "attacker")
    forge(
        root / "pylock.toml",
        lambda body: body.replace("../elsewhere/gamma-1.0-py3-none-any.whl", f"../attacker/{other.name}"),
    )
    shutil.rmtree(store(root))
    code, err = strict_setup(cli, root, monkeypatch)
    assert_refused(code, err, root, "outside the project and every find-links")


def test_direct_url_matching_by_exact_url(tmp_path: Path) -> None:
    from pitstop.errors import NotReadyError
    from pitstop.lockverify import verify_lock

    url = "https://example.invalid/direct/a-1.0-py3-none-any.whl"
    args: dict[str, object] = {
        "lock": tmp_path / "pylock.toml",
        "trust": _trust(tmp_path, no_index=True),
        "markers": {},
        "selected": {"a": "1.0"},
    }
    verify_lock([_wheel(url=url, hashes=_SHA)], requirements=[f"a @ {url}"], **args)  # type: ignore[arg-type]
    with pytest.raises(NotReadyError, match="not under a configured index"):
        verify_lock([_wheel(url=url + "x", hashes=_SHA)], requirements=[f"a @ {url}"], **args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "Metadata-Version: 2.1\nName: alpha\nRequires-Dist: beta>=1\nRequires-Dist: gamma; extra == 'x'\n\n"
        "Requires-Dist: not-a-header-in-the-description\n",
        "Metadata-Version: 2.1\r\nname: Alpha\r\nrequires-dist: beta\r\n\r\nbody\r\n",
        "Name: alpha\nRequires-Dist: beta;\n  python_version >= '3'\nName: second\n",
        "Name: alpha\nRequires-Dist: beta\nthis line is not a header\nRequires-Dist: gamma\n",
        "Name:\nRequires-Dist: beta\n",
        "",
        "\nName: alpha\n",
        "Name: alpha\r\nRequires-Dist: beta\r\n\r\nName: b\n\nRequires-Dist: gamma\n",
        "Name: alpha\nRequires-Dist: beta\n\r\nRequires-Dist: gamma\n\nRequires-Dist: delta\n",
        "Name: alpha\nRequires-Dist: beta;\n \n  python_version >= '3'\n\nRequires-Dist: gamma\n",
    ],
)
def test_metadata_fields_read_the_header_block_as_the_email_parser_does(text: str) -> None:
    from email.parser import HeaderParser

    from pitstop.verify import metadata_fields, parse_metadata

    headers = HeaderParser().parsestr(text, headersonly=True)
    expected = [" ".join(str(v).split()) for v in headers.get_all("Requires-Dist") or []]
    name = headers.get("Name")
    fields = metadata_fields(text)
    assert [value for key, value in fields if key == "requires-dist"] == expected
    assert parse_metadata(text)[0] == (str(name) if name else None)


def _files(version: str | None, **files: object) -> dict[str, object]:
    """A package ``a`` (at ``version``) with ``files`` (``wheels`` / ``sdist``), each hash-pinned."""
    package: dict[str, object] = {"name": "a", **({"version": version} if version else {})}
    for key, value in files.items():
        if isinstance(value, list):
            package[key] = [{**entry, "hashes": _SHA} for entry in value]
        else:
            package[key] = {**value, "hashes": _SHA}  # type: ignore[dict-item]
    return package


_W1 = "a-1.0-py3-none-any.whl"
_URL = "https://i.invalid/f/"


@pytest.mark.parametrize(
    ("package", "refusal"),
    [
        (_files("1.0", wheels=[{"name": _W1, "path": f"w/{_W1}"}]), None),
        # an index URL need not end in the file name; when it ends in one, it must agree
        (_files("1.0", wheels=[{"url": _URL + _W1}]), None),
        (_files("1.0", wheels=[{"name": _W1, "url": _URL + "1234"}]), None),
        (_files(None, wheels=[{"name": _W1, "path": f"w/{_W1}"}]), "wheels or sdist without a version"),
        (_files(None, sdist={"name": "a-1.0.tar.gz", "url": _URL + "a-1.0.tar.gz"}), "without a version"),
        (
            _files("1.0", sdist={"name": "a-1.0.tar.gz", "url": _URL + "a-2.0.tar.gz"}),
            "file 'a-2.0.tar.gz' is not a 1.0",
        ),
        (
            _files("1.0", wheels=[{"name": _W1, "path": "w/b-1.0-py3-none-any.whl"}]),
            "file 'b-1.0-py3-none-any.whl' is not a 1.0",
        ),
        (_files("1.0", wheels=[{"url": _URL + "a-1.0.whl"}]), "'a-1.0.whl' is not a valid wheel file name"),
    ],
)
def test_file_names_state_the_entrys_name_and_version(
    tmp_path: Path, package: dict[str, object], refusal: str | None
) -> None:
    from pitstop.errors import NotReadyError
    from pitstop.lockverify import verify_lock

    def call() -> None:
        verify_lock(
            [package],
            lock=tmp_path / "pylock.toml",
            trust=_trust(tmp_path, index_url="https://i.invalid/simple"),  # type: ignore[arg-type]
            requirements=["a"],
            markers={},
            selected={"a": "1.0"},
        )

    if refusal is None:
        call()
    else:
        with pytest.raises(NotReadyError, match=re.escape(refusal)):
            call()


def _site(tmp_path: Path, dists: dict[str, tuple[str, list[str]]]) -> Path:
    """A venv directory whose site-packages holds ``name -> (version, Requires-Dist)`` dist-infos."""
    venv = tmp_path / "venv"
    site = venv / "lib" / "python3.12" / "site-packages"
    for name, (version, requires) in dists.items():
        info = site / f"{name}-{version}.dist-info"
        info.mkdir(parents=True)
        lines = [f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"]
        lines += [f"Requires-Dist: {r}\n" for r in requires]
        (info / "METADATA").write_text("".join(lines), encoding="utf-8")
    return venv


_MARKERS = {"python_version": "3.12", "python_full_version": "3.12.1", "sys_platform": "linux"}
_A = ["b>=2; extra == 'x'", "c; sys_platform == 'win32'", "d<3"]


@pytest.mark.parametrize(
    ("requirement", "dists", "refusal"),
    [
        ("a", {"a": ("1", _A), "d": ("2", [])}, None),
        # the extra asked for brings b; a pre-release satisfies >=2, as uv allows
        ("a[x]", {"a": ("1", _A), "b": ("2.1rc1", []), "d": ("2", [])}, None),
        (
            "a[x]",
            {"a": ("1", _A), "b": ("1.9", []), "d": ("2", [])},
            "installs b 1.9, which does not satisfy a 1's requirement \"b>=2; extra == 'x'\"",
        ),
        ("a[x]", {"a": ("1", _A), "d": ("2", [])}, "b is not installed, yet a 1's requirement"),
        (
            "a",
            {"a": ("1", _A), "d": ("3", [])},
            "installs d 3, which does not satisfy a 1's requirement 'd<3'",
        ),
        ("a", {"a": ("1", _A)}, "d is not installed"),
        (
            "a>=2",
            {"a": ("1", _A), "d": ("2", [])},
            "installs a 1, which does not satisfy the requirement 'a>=2'",
        ),
        # two levels down: d's own dependency
        (
            "a",
            {"a": ("1", _A), "d": ("2", ["e==1"]), "e": ("2", [])},
            "installs e 2, which does not satisfy d 2's requirement",
        ),
    ],
)
def test_installed_dependencies_satisfy_what_requires_them(
    tmp_path: Path, requirement: str, dists: dict[str, tuple[str, list[str]]], refusal: str | None
) -> None:
    from pitstop.errors import NotReadyError
    from pitstop.lockverify import verify_installed

    venv = _site(tmp_path, dists)

    def call() -> None:
        verify_installed(venv, lock=tmp_path / "pylock.toml", requirements=[requirement], markers=_MARKERS)

    if refusal is None:
        call()
    else:
        with pytest.raises(NotReadyError, match=re.escape(refusal)) as info:
            call()
        assert info.value.fix is not None and info.value.fix.startswith("run: pitstop lock")
