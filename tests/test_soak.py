"""The short version of the reliability soak runs with the test suite."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_short_soak_survives_every_kill() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "soak.py"), "--size", "1"],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    total = next(line for line in proc.stdout.splitlines() if line.startswith("| **total**"))
    cells = [c.strip() for c in total.strip("|").split("|")]
    runs, kills, broken, misses, failures = (int(c) for c in cells[1:6])
    assert runs > kills >= 15 and broken == 0 and misses == 0 and failures == 0
