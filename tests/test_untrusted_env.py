"""Issue #11 item 6, the remaining cases: an invalid ``PITSTOP_STRICT`` is exit 2 for every
command (``check`` included); a uv that does not run fails before anything is locked or
built, with a fix that points at uv, not at the requirements."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ProjectFactory
from tests.helpers import PY, store
from tests.test_untrusted_files import assert_clean_failure, snapshot

Cli = Callable[..., tuple[int, str, str]]
# Every command that reads the policy (``lock`` and ``lock --check`` do not: they act the same
# in dev and strict mode).
COMMANDS = [("setup",), ("check",), ("check", "--json"), ("run", "--", "true"), ("python",)]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
@pytest.mark.parametrize("value", ["maybe", "2", "tru"])
@pytest.mark.parametrize("ready", [False, True], ids=["no-env", "ready-env"])
def test_invalid_pitstop_strict_is_exit_2_for_every_command(
    make_project: ProjectFactory,
    cli: Cli,
    monkeypatch: pytest.MonkeyPatch,
    command: tuple[str, ...],
    value: str,
    ready: bool,
) -> None:
    root = make_project(python=PY)
    if ready:  # a ready env: check's recorded no-op answer must not skip the validation
        assert cli("setup", cwd=root)[0] == 0
    monkeypatch.setenv("PITSTOP_STRICT", value)
    before = snapshot(root)
    code, out, err = cli(*command, cwd=root)
    assert_clean_failure(code, err)
    assert "PITSTOP_STRICT" in err and "fix: set PITSTOP_STRICT to 1/true/yes or 0/false/no" in err
    assert out == "" and snapshot(root) == before


def _broken_uv(tmp_path: Path, *, only_version: bool) -> Path:
    """A uv wrapper that fails ``--version`` (and everything else unless ``only_version``):
    the real uv for the rest, so the build itself would work."""
    from uv import find_uv_bin

    wrapper = tmp_path / "bin" / "uv"
    wrapper.parent.mkdir()
    rest = f'exec "{find_uv_bin()}" "$@"' if only_version else "echo 'uv: broken' >&2; exit 7"
    wrapper.write_text(f'#!/bin/sh\n[ "$1" = "--version" ] && {{ echo "uv: broken" >&2; exit 9; }}\n{rest}\n')
    wrapper.chmod(0o755)
    return wrapper


@pytest.mark.parametrize("ci", [False, True], ids=["dev", "CI"])
def test_uv_whose_version_fails_stops_setup_before_building(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ci: bool
) -> None:
    root = make_project(python=PY)
    assert cli("lock", cwd=root)[0] == 0
    lock = (root / "pylock.toml").read_bytes()
    monkeypatch.setenv("PITSTOP_UV", str(_broken_uv(tmp_path, only_version=True)))
    if ci:
        monkeypatch.setenv("CI", "true")
    code, _, err = cli("setup", cwd=root)
    assert_clean_failure(code, err, codes=(3,))
    assert "uv does not run" in err and "uv: broken" in err
    assert err.rstrip().endswith("fix: point PITSTOP_UV at a working uv binary, or unset it")
    assert "building default" not in err  # failed before the build, not after it
    assert not (store(root) / "venv").exists() and not (store(root) / "venv.new").exists()
    assert (root / "pylock.toml").read_bytes() == lock


def test_uv_that_does_not_run_is_not_a_requirements_problem_when_locking(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    root = make_project(python=PY)
    monkeypatch.setenv("PITSTOP_UV", str(_broken_uv(tmp_path, only_version=False)))
    code, _, err = cli("lock", cwd=root)
    assert_clean_failure(code, err, codes=(3,))
    assert "uv does not run" in err and "fix the requirements" not in err
    assert not (root / "pylock.toml").exists()
