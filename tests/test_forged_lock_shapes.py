"""Forged locks of every shape the verifier refuses: a lock whose content-hash was recomputed
(so only verification stands between it and the installer) is exit 1 naming the entry, with
``run: pitstop lock``, and no env is built. See tests/test_lockverify.py for the sources."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ProjectFactory
from tests.helpers import INSTALLERS, PY, store
from tests.test_lockverify import assert_refused, forge, sha256, strict_setup
from tests.wheelfactory import build_wheel

Cli = Callable[..., tuple[int, str, str]]

_ALPHA_WHEELS = re.compile(
    r'(\[\[packages\]\]\nname = "alpha"\nversion = "2\.0"\n)wheels = \[\n.*?\n\]\n', re.S
)


def alpha(replacement: str) -> Callable[[str], str]:
    """Replace the ``wheels`` of the alpha package with ``replacement`` (TOML lines)."""

    def edit(body: str) -> str:
        out, count = _ALPHA_WHEELS.subn(lambda m: m.group(1) + replacement, body)
        assert count == 1, body
        return out

    return edit


def alpha_wheel(**fields: str) -> str:
    """One wheel entry for alpha with ``fields`` (TOML values) over the genuine ones."""
    base = {"name": '"alpha-2.0-py3-none-any.whl"', "path": '"../wheels/alpha-2.0-py3-none-any.whl"'}
    base.update(fields)
    items = ", ".join(f"{k} = {v}" for k, v in base.items())
    return f"wheels = [\n    {{ {items} }},\n]\n"


_SHA = '{ sha256 = "' + "ab" * 32 + '" }'


@pytest.mark.parametrize(
    ("entry", "words", "by_pitstop"),
    [
        # refused by pitstop's verifier: valid PEP 751, but not what pitstop trusts
        (
            'vcs = { type = "git", url = "https://example.invalid/a.git", commit-id = "0123abcd" }\n',
            ("package alpha 2.0: a vcs entry cannot be hash-pinned",),
            True,
        ),
        (
            'index = "https://evil.invalid/simple"\n' + alpha_wheel(hashes=_SHA),
            ("index 'https://evil.invalid/simple' is not a configured index",),
            True,
        ),
        (alpha_wheel(hashes='{ "sha 256" = "ab" }'), ("has a malformed hash",), True),
        (
            alpha_wheel(path='"wheels/a\\u0000b.whl"', hashes=_SHA),
            ("package 'alpha' holds a control character in wheels.path",),
            True,
        ),
        # refused by packaging's PEP 751 validation, before pitstop's verifier looks
        ("directory = { editable = false }\n", ("not a valid PEP 751 lock", "directory.path"), False),
        ("", ("not a valid PEP 751 lock", "Exactly one of vcs, directory, archive"), False),
        ('wheels = ["alpha-2.0-py3-none-any.whl"]\n', ("not a valid PEP 751 lock", "wheels[0]"), False),
        (alpha_wheel(path="1", hashes=_SHA), ("not a valid PEP 751 lock", "wheels[0].path"), False),
    ],
)
def test_forged_entry_is_refused(
    make_project: ProjectFactory,
    cli: Cli,
    monkeypatch: pytest.MonkeyPatch,
    entry: str,
    words: tuple[str, ...],
    by_pitstop: bool,
) -> None:
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("lock", cwd=root)[0] == 0
    forge(root / "pylock.toml", alpha(entry))
    code, err = strict_setup(cli, root, monkeypatch)
    assert_refused(code, err, root, *words, by_pitstop=by_pitstop)


def test_a_version_that_is_not_pep_440_is_refused(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("lock", cwd=root)[0] == 0
    forge(root / "pylock.toml", lambda body: body.replace('version = "2.0"', 'version = "two!"', 1))
    code, err = strict_setup(cli, root, monkeypatch)
    assert_refused(code, err, root, "Invalid version: 'two!'", by_pitstop=False)


def test_an_sdist_only_entry_with_allow_build_false(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """allow-build = false: a lock that would make the installer build an sdist is refused
    before anything is installed."""
    root = make_project('requirements = ["beta"]\nallow-build = false\n', python=PY)
    assert cli("lock", cwd=root)[0] == 0
    sdist = (
        'sdist = { name = "alpha-2.0.tar.gz", path = "../wheels/alpha-2.0.tar.gz", hashes = ' + _SHA + " }\n"
    )
    forge(root / "pylock.toml", alpha(sdist))
    code, err = strict_setup(cli, root, monkeypatch)
    assert_refused(
        code, err, root, "package alpha 2.0: only an sdist, which would be built, and allow-build = false"
    )


def _alpha_below_2(make_project: ProjectFactory, cli: Cli, extra: str = "") -> tuple[Path, str]:
    """A project requiring ``alpha<2``, locked (alpha 1.0), and the sha256 of alpha 2.0's wheel."""
    root = make_project('requirements = ["alpha<2"]\n' + extra, python=PY)
    assert cli("lock", cwd=root)[0] == 0
    return root, sha256(root.parent / "wheels" / "alpha-2.0-py3-none-any.whl")


_ALPHA_1 = re.compile(r'\nversion = "1\.0"\nwheels = \[\n.*?\n\]\n', re.S)


def test_a_wheel_entry_without_a_version_is_refused(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without ``version`` the requirement check had nothing to compare: alpha 2.0 went in
    for ``alpha<2``. A package with wheels or an sdist must state its version."""
    root, digest = _alpha_below_2(make_project, cli)
    wheel = f'{{ name = "alpha-2.0-py3-none-any.whl", path = "../wheels/alpha-2.0-py3-none-any.whl", hashes = {{ sha256 = "{digest}" }} }}'
    forge(root / "pylock.toml", lambda body: _ALPHA_1.sub(f"\nwheels = [\n    {wheel},\n]\n", body))
    code, err = strict_setup(cli, root, monkeypatch)
    assert_refused(code, err, root, "package alpha: wheels or sdist without a version")


def test_a_file_path_naming_another_version_is_refused(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The entry says 1.0 and so does the file's ``name``; its ``path`` is the 2.0 wheel:
    every file name of an entry must be that entry's name and version."""
    root, digest = _alpha_below_2(make_project, cli)
    wheel = f'{{ name = "alpha-1.0-py3-none-any.whl", path = "../wheels/alpha-2.0-py3-none-any.whl", hashes = {{ sha256 = "{digest}" }} }}'
    forge(
        root / "pylock.toml",
        lambda body: _ALPHA_1.sub(f'\nversion = "1.0"\nwheels = [\n    {wheel},\n]\n', body),
    )
    code, err = strict_setup(cli, root, monkeypatch)
    assert_refused(code, err, root, "package alpha 1.0: file 'alpha-2.0-py3-none-any.whl' is not alpha 1.0")


@pytest.mark.parametrize("installer", INSTALLERS)
def test_an_archive_entry_is_checked_against_the_version_installed(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch, installer: str
) -> None:
    """An ``archive`` entry has no version to check before the install (PEP 751 does not
    require one): after it, each requirement is checked against what was installed. (The
    pip installer read the entry's version and crashed without one: exit 4.)"""
    root, digest = _alpha_below_2(make_project, cli, f'installer = "{installer}"\n')
    archive = (
        f'archive = {{ path = "../wheels/alpha-2.0-py3-none-any.whl", hashes = {{ sha256 = "{digest}" }} }}'
    )
    forge(root / "pylock.toml", lambda body: _ALPHA_1.sub(f"\n{archive}\n", body))
    code, err = strict_setup(cli, root, monkeypatch)
    assert_refused(code, err, root, "it installs alpha 2.0, which does not satisfy the requirement 'alpha<2'")


def test_a_weak_hash_alone_does_not_pin_a_file(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The genuine wheel's real md5 in place of its sha256: valid PEP 751, and uv installs
    it, but md5 collisions are cheap to make: at least one of sha256/sha384/sha512."""
    import hashlib

    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("lock", cwd=root)[0] == 0
    md5 = hashlib.md5(
        (root.parent / "wheels" / "alpha-2.0-py3-none-any.whl").read_bytes(), usedforsecurity=False
    ).hexdigest()
    forge(root / "pylock.toml", alpha(alpha_wheel(hashes=f'{{ md5 = "{md5}" }}')))
    code, err = strict_setup(cli, root, monkeypatch)
    assert_refused(
        code,
        err,
        root,
        "package alpha 2.0: file 'alpha-2.0-py3-none-any.whl' has no sha256, sha384 or sha512",
    )


def _with_markers(alpha_marker: str) -> Callable[[str], str]:
    """Give alpha ``alpha_marker`` and add a gamma entry only the ``dev`` group installs."""

    def edit(body: str) -> str:
        head = 'name = "alpha"\nversion = "2.0"\n'
        assert head in body
        body = body.replace(head, f"{head}marker = {alpha_marker}\n")
        gamma = (
            '\n[[packages]]\nname = "gamma"\nversion = "1.0"\nmarker = "\'dev\' in dependency_groups"\n'
            'wheels = [\n    { name = "gamma-1.0-py3-none-any.whl", path = "../wheels/gamma-1.0-py3-none-any.whl", '
            'hashes = { sha256 = "' + "ab" * 32 + '" } },\n]\n'
        )
        return body.replace("\n[tool.pitstop]", gamma + "\n[tool.pitstop]")

    return edit


@pytest.mark.parametrize("strict", [True, False])
def test_lock_markers_on_extras_and_dependency_groups(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch, strict: bool
) -> None:
    """PEP 751 markers may test ``extras`` and ``dependency_groups`` (they crashed the
    selection: exit 4). Both are the empty sets pitstop installs with, as uv does: alpha's
    marker holds, gamma's (``'dev' in dependency_groups``) does not and gamma is left out."""
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("lock", cwd=root)[0] == 0
    forge(root / "pylock.toml", _with_markers("\"'x' not in extras and 'dev' not in dependency_groups\""))
    if strict:
        monkeypatch.setenv("CI", "true")
    code, _, err = cli("setup", cwd=root)
    assert code == 0, err
    site = next((store(root) / "venv").glob("lib/python*/site-packages"))
    assert sorted(p.name for p in site.glob("*.dist-info")) == ["alpha-2.0.dist-info", "beta-1.0.dist-info"]


def test_a_lock_marker_that_cannot_be_evaluated_is_refused(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``extra`` is a metadata marker, not a lock one: exit 1 naming the entry, not a crash."""
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("lock", cwd=root)[0] == 0
    forge(root / "pylock.toml", _with_markers("\"extra == 'x'\""))
    code, err = strict_setup(cli, root, monkeypatch)
    assert_refused(code, err, root, "package alpha 2.0: its marker \"extra == 'x'\" cannot be evaluated")


def _second_alpha(root: Path, marker: str) -> Callable[[str], str]:
    """Add a second alpha entry (1.0, its genuine wheel and hash) under ``marker``."""
    wheel = root.parent / "wheels" / "alpha-1.0-py3-none-any.whl"

    def edit(body: str) -> str:
        lines = body.split("\n")
        at = lines.index('name = "alpha"')
        block = "\n".join(lines[at - 1 : lines.index("]", at) + 1])
        second = re.sub(
            r'sha256 = "[0-9a-f]{64}"', f'sha256 = "{sha256(wheel)}"', block.replace("2.0", "1.0")
        )
        second = second.replace('version = "1.0"', f'version = "1.0"\nmarker = {marker}')
        return body.replace(block, block + "\n\n" + second)

    return edit


def test_two_entries_of_one_package_for_the_same_target_are_refused(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both alpha entries apply here: PEP 751 says an installer must refuse the ambiguity;
    pitstop does, before anything is installed (uv's own refusal was exit 3, fix setup)."""
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("lock", cwd=root)[0] == 0
    forge(root / "pylock.toml", _second_alpha(root, "\"python_version >= '3'\""))
    code, err = strict_setup(cli, root, monkeypatch)
    assert_refused(code, err, root, "package alpha: two entries apply to CPython")


def test_entries_of_one_package_for_other_targets_pass(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control: a second entry whose marker does not hold here is not an ambiguity."""
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("lock", cwd=root)[0] == 0
    forge(root / "pylock.toml", _second_alpha(root, "\"sys_platform == 'win32'\""))
    text = (root / "pylock.toml").read_text()
    assert text.count('name = "alpha"') == 2 and "alpha-1.0-py3-none-any.whl" in text
    code, err = strict_setup(cli, root, monkeypatch)
    assert code == 0, err


@pytest.mark.parametrize("forgery", ["downgraded", "dropped"])
def test_a_transitive_dependency_cannot_be_downgraded_or_dropped(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch, forgery: str
) -> None:
    """delta needs ``alpha>=2``: alpha pinned at 1.0 (its genuine hash) or left out of the
    lock passed, as only the top-level requirement was checked. After the install, every
    dependency whose marker applies is checked against what is installed."""
    root = make_project('requirements = ["delta"]\n', python=PY)
    build_wheel(root.parent / "wheels", "delta", "1.0", requires=["alpha>=2"])
    assert cli("lock", cwd=root)[0] == 0
    one = root.parent / "wheels" / "alpha-1.0-py3-none-any.whl"

    def downgrade(body: str) -> str:
        pinned = alpha_wheel(
            name=f'"{one.name}"', path=f'"../wheels/{one.name}"', hashes=f'{{ sha256 = "{sha256(one)}" }}'
        )
        return alpha(pinned)(body).replace(
            'name = "alpha"\nversion = "2.0"', 'name = "alpha"\nversion = "1.0"'
        )

    def drop(body: str) -> str:
        out, count = re.subn(r'\[\[packages\]\]\nname = "alpha"\n.*?\n\]\n\n', "", body, flags=re.S)
        assert count == 1
        return out

    forge(root / "pylock.toml", downgrade if forgery == "downgraded" else drop)
    code, err = strict_setup(cli, root, monkeypatch)
    words = {
        "downgraded": "it installs alpha 1.0, which does not satisfy delta 1.0's requirement 'alpha>=2'",
        "dropped": "alpha is not installed, yet delta 1.0's requirement 'alpha>=2' needs it",
    }
    assert_refused(code, err, root, words[forgery])
