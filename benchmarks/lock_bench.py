"""No-op lock and readiness: pitstop paired with uv in the same run (issue #12).

    python benchmarks/lock_bench.py [--repeat N] [--packages N]

Two pairs, each timed as whole processes in alternating order (pitstop, uv, pitstop, uv, ...)
on one synthetic project (tiny local wheels, offline, warm caches), reporting medians:

- ``pitstop lock`` on a fresh lock vs ``uv lock`` on a fresh ``uv.lock`` (bar: <= 1.5x);
- ``python -c "import pitstop; pitstop.ensure()"`` on a ready env vs
  ``uv sync --locked --check`` on a synced ``.venv`` (bar: <= 1.2x).

Bytecode caching stays on, as for every user (unset PYTHONDONTWRITEBYTECODE first).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.wheelfactory import build_wheel


def _pitstop() -> list[str]:
    script = Path(sys.executable).parent / "pitstop"
    return [str(script)] if script.exists() else [sys.executable, "-m", "pitstop"]


def _uv() -> str:
    from pitstop.uvbin import find_uv

    return find_uv()


def make_project(work: Path, packages: int) -> Path:
    """A project whose [project] (for uv) and [tool.pitstop] (for pitstop) name the same
    requirements, resolved offline from local wheels."""
    wheels = work / "wheels"
    wheels.mkdir()
    names = [f"bench{i}" for i in range(packages)]
    for i, name in enumerate(names):
        build_wheel(wheels, name, "1.0", requires=[names[i + 1]] if i + 1 < packages and i % 3 == 0 else [])
    root = work / "proj"
    root.mkdir()
    reqs = ", ".join(f'"{n}"' for n in names)
    (root / "pyproject.toml").write_text(
        "[project]\n"
        'name = "benchproj"\n'
        'version = "0.1"\n'
        'requires-python = ">=3.10"\n'
        f"dependencies = [{reqs}]\n\n"
        "[tool.uv]\n"
        "package = false\n"
        'find-links = ["../wheels"]\n'
        "no-index = true\n\n"
        "[tool.pitstop]\n"
        f"requirements = [{reqs}]\n"
        'find-links = ["../wheels"]\n'
        "no-index = true\n",
        encoding="utf-8",
    )
    return root


def run(argv: Sequence[str], root: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({result.returncode}):\n{result.stderr}")
    return elapsed


def paired(
    label: str, ours: Sequence[str], theirs: Sequence[str], root: Path, env: dict[str, str], repeat: int
) -> float:
    for argv in (ours, theirs):  # warm-up: caches, bytecode, the fast path's record
        run(argv, root, env)
    a: list[float] = []
    b: list[float] = []
    for _ in range(repeat):
        a.append(run(ours, root, env))
        b.append(run(theirs, root, env))
    ma, mb = statistics.median(a) * 1000, statistics.median(b) * 1000
    print(f"{label:<44} pitstop {ma:7.1f} ms   uv {mb:7.1f} ms   ratio {ma / mb:4.2f}x")
    return ma / mb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--packages", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="pitstop-lock-bench-") as tmp:
        work = Path(tmp)
        root = make_project(work, args.packages)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "PITSTOP_", "VIRTUAL_ENV"))}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["UV_CACHE_DIR"] = str(work / "uv-cache")
        pitstop, uv = _pitstop(), _uv()
        for setup in ([*pitstop, "setup"], [uv, "sync", "--quiet"]):
            run(setup, root, env)
        print(f"{args.packages} packages, {args.repeat} alternating runs each, medians")
        lock = paired("no-op lock (fresh lock)", [*pitstop, "lock"], [uv, "lock"], root, env, args.repeat)
        ensure = paired(
            "ready env: ensure() process vs sync --check",
            [sys.executable, "-c", "import pitstop; pitstop.ensure()"],
            [uv, "sync", "--locked", "--check"],
            root,
            env,
            args.repeat,
        )
        print(
            f"bars: lock <= 1.5x: {'ok' if lock <= 1.5 else 'MISSED'}; ensure <= 1.2x: {'ok' if ensure <= 1.2 else 'MISSED'}"
        )
        shutil.rmtree(work / "uv-cache", ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
