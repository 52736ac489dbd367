# ruff: noqa: S302 - the tests read and forge pitstop's own cache entries
"""A dev build reuses what it verified of the same lock text; nothing else ever does."""

from __future__ import annotations

import marshal
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pitstop import lockcache, lockfile, lockverify
from tests.conftest import ProjectFactory
from tests.helpers import PY, installed_version, store

Cli = Callable[..., tuple[int, str, str]]


def _any(plan: dict[str, Any]) -> bool:
    return True


def _entry(root: Path) -> Path:
    return root / ".pitstop" / ".cache" / "lock-default.bin"


def _count_full_path(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every full parse and every lock verification of this process."""
    calls: list[str] = []
    parse, verify = lockfile.parse, lockverify.before_install

    def counting_parse(path: Path, text: str) -> lockfile.LockFile:
        calls.append("parse")
        return parse(path, text)

    def counting_verify(*args: object, **kwargs: object) -> None:
        calls.append("verify")
        verify(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(lockfile, "parse", counting_parse)
    monkeypatch.setattr(lockverify, "before_install", counting_verify)
    lockfile._PARSED.clear()
    return calls


def _rewrite(root: Path, change: Callable[[dict[str, Any]], object]) -> None:
    """Rewrite the cache entry as someone who can write the store could."""
    entry = marshal.loads(_entry(root).read_bytes())
    change(entry)
    _entry(root).write_bytes(marshal.dumps(entry))


def _forge(root: Path, drop: str) -> None:
    """``drop`` removed from what the entry says the lock selects (its binding still matches)."""
    _rewrite(root, lambda entry: entry["selected"].pop(drop))


def _rebuild(cli: Cli, root: Path, *flags: str) -> None:
    """``clean``, then ``setup``: a build of the same lock bytes; it must succeed."""
    assert cli("clean", cwd=root)[0] == 0
    code, _, err = cli("setup", *flags, cwd=root)
    assert code == 0, err


def test_rebuilding_the_same_lock_reuses_what_was_verified(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("setup", cwd=root)[0] == 0
    assert _entry(root).is_file()
    calls = _count_full_path(monkeypatch)
    _rebuild(cli, root)
    assert calls == []  # neither parsed nor verified again
    assert installed_version(root, "beta") == "1.0" and installed_version(root, "alpha") == "2.0"
    assert cli("check", cwd=root)[0] == 0


def test_a_lock_file_rewritten_or_touched_is_verified_again(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("setup", cwd=root)[0] == 0
    lock = root / "pylock.toml"
    text = lock.read_bytes()
    lock.unlink()
    lock.write_bytes(text)  # the same bytes, a new inode: what a checkout or a copy gives
    calls = _count_full_path(monkeypatch)
    _rebuild(cli, root)
    assert calls == ["parse", "verify"]


def test_an_entry_from_elsewhere_is_never_used(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A committed or copied entry names another file's inode and mtime: ignored, even
    when it is for exactly these lock bytes."""
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("setup", cwd=root)[0] == 0
    _forge(root, drop="alpha")
    for field in (1, 2, 3):  # another mtime, ctime or inode, the rest of the binding the same

        def moved(entry: dict[str, Any], at: int = field) -> None:
            entry["stat"][at] += 1

        _rewrite(root, moved)
        calls = _count_full_path(monkeypatch)
        _rebuild(cli, root)
        assert calls == ["parse", "verify"], field
        _forge(root, drop="alpha")  # the rebuild recorded a good entry again
    assert installed_version(root, "alpha") == "2.0"


def test_strict_verifies_the_text_it_installs(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("setup", cwd=root)[0] == 0
    _forge(root, drop="alpha")
    calls = _count_full_path(monkeypatch)
    _rebuild(cli, root, "--strict")
    assert calls == ["parse", "verify"]
    assert installed_version(root, "alpha") == "2.0"


def test_a_different_context_or_damaged_entry_is_a_miss(tmp_path: Path) -> None:
    lock = tmp_path / "pylock.toml"
    lock.write_text("x = 1\n")
    raw = lock.read_bytes()
    cache = tmp_path / "cache"
    verified = lockcache.Verified(
        selected={"a": "1.0", "b": None}, plan={"source": "copy", "directories": []}
    )
    ctx = lockcache.context("uv", "markers")
    lockcache.store(cache, "default", lock=lock, raw=raw, ctx=ctx, verified=verified)

    def find(env: str = "default", data: bytes = raw, context: str = ctx) -> lockcache.Verified | None:
        return lockcache.lookup(cache, env, lock=lock, raw=data, ctx=context, accepts=_any)

    assert find() == verified
    assert find(context=lockcache.context("pip", "markers")) is None
    assert find(data=raw + b"\n") is None
    assert find(env="other") is None
    assert lockcache.lookup(cache, "default", lock=lock, raw=raw, ctx=ctx, accepts=lambda plan: False) is None
    entry = cache / "lock-default.bin"
    good = entry.read_bytes()
    for damaged in (good[: len(good) // 2], b"", b"\x00junk", marshal.dumps([1, 2])):
        entry.write_bytes(damaged)
        assert find() is None
    wrong = marshal.loads(good)
    wrong["selected"] = {"a": 1}
    entry.write_bytes(marshal.dumps(wrong))
    assert find() is None


def test_a_plan_marshal_cannot_hold_is_not_recorded(tmp_path: Path) -> None:
    import datetime

    lock = tmp_path / "pylock.toml"
    lock.write_text("x = 1\n")
    cache = tmp_path / "cache"
    stamped = {"created": datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)}
    verified = lockcache.Verified(selected={}, plan=stamped)
    lockcache.store(cache, "default", lock=lock, raw=lock.read_bytes(), ctx="c", verified=verified)
    assert not (cache / "lock-default.bin").exists()


def test_cached_env_is_the_same_as_a_verified_one(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("setup", cwd=root)[0] == 0
    first = sorted(p.name for p in (store(root) / "venv").glob("lib/python*/site-packages/*"))
    assert cli("clean", cwd=root)[0] == 0
    assert cli("setup", cwd=root)[0] == 0
    again = sorted(p.name for p in (store(root) / "venv").glob("lib/python*/site-packages/*"))
    assert first == again


def test_a_planted_plan_of_the_wrong_shape_or_an_unreadable_entry_is_a_miss(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An entry whose bindings all match but whose plan is not what the installer makes is
    not used (the build verifies the lock again); a FIFO in its place does not hang."""
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert cli("setup", cwd=root)[0] == 0
    _rewrite(root, lambda entry: entry.update(plan={"source": 5, "directories": []}))
    calls = _count_full_path(monkeypatch)
    _rebuild(cli, root)
    assert calls == ["parse", "verify"]
    _entry(root).unlink()
    os.mkfifo(_entry(root))
    calls.clear()
    _rebuild(cli, root)
    assert calls == ["parse", "verify"]


def test_an_edit_to_pitstop_s_verifying_code_is_a_new_context(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A git or editable install keeps its version across edits: the files count too."""
    import types

    source = tmp_path / "rules.py"
    source.write_text("RULES = 1\n")
    module = types.ModuleType("pitstop.rules_under_test")
    module.__file__ = str(source)
    monkeypatch.setitem(sys.modules, "pitstop.rules_under_test", module)
    monkeypatch.setattr(lockcache, "_CODE", ("rules_under_test",))
    before = lockcache.context("uv")
    assert lockcache.context("uv") == before
    source.write_text("RULES = 2\n")
    assert lockcache.context("uv") != before
