"""Command lines the fast path does not answer give exactly the full path's answer (usage
errors included), and a cache that belongs to another project is not used. Run as whole
processes (the fast path only exists there), measured like any other."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import pitstop_process
from tests.test_fastpath import ready, slow

__all__ = ["ready"]  # the fixture, imported for these tests


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (("python", "-e", "default", "-e", "default"), 2),
        (("check", "--all", "-e", "default"), 2),
        (("python", "--json", "--nul"), 2),
        (("run", "--", "-c"), None),
        (("run", "-e"), 2),
    ],
)
def test_forms_the_fast_path_declines(ready: Path, argv: tuple[str, ...], code: int | None) -> None:
    fast, full = pitstop_process(ready, *argv), slow(ready, *argv)
    assert (fast.returncode, fast.stdout, fast.stderr) == (full.returncode, full.stdout, full.stderr)
    if code is not None:
        assert fast.returncode == code
    else:
        assert fast.returncode != 0 and "Traceback" not in fast.stderr


def test_a_cache_from_another_project_is_not_used(ready: Path, tmp_path: Path) -> None:
    """A project copied with its env store: the copied cache names the old root, so the copy
    is answered by the full path, about the copy."""
    copy = tmp_path / "copy"
    shutil.copytree(ready, copy, symlinks=True)
    fast, full = pitstop_process(copy, "python"), slow(copy, "python")
    assert (fast.returncode, fast.stdout) == (full.returncode, full.stdout)
    assert str(ready) not in fast.stdout
