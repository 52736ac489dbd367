"""Two installs of pitstop against each other on one command: its imports and its start-up.

    python benchmarks/startup.py OLD_VENV NEW_VENV PROJECT [--pairs 21] [--fresh-env] [--full] -- ARGS

``OLD_VENV`` and ``NEW_VENV`` are venvs with pitstop pip-installed (not editable) from the two
commits compared; ``PROJECT`` holds the project (its config and lock), copied once per side so
neither side reads the other's caches. Pairs alternate (old, new; then new, old), after one
unrecorded warm-up pair. Each pair runs the command twice per side: once timed (wall clock
around the whole process, and its user + system CPU, which a loaded machine disturbs less),
once under ``python -X importtime`` (the sum of the top-level imports' cumulative times).
``--fresh-env`` deletes ``.pitstop/default`` before every run, untimed (``setup`` then builds a
fresh env from the fresh lock); ``--full`` turns the fast path off
(``PITSTOP_NO_FASTPATH=1``), so ``check``, ``run`` and ``lock --check`` take the full path.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def imports_ms(stderr: str) -> float:
    """The sum of the top-level imports' cumulative times in ``-X importtime`` output."""
    total = 0
    for line in stderr.splitlines():
        if line.startswith("import time:") and "cumulative" not in line:
            _, cumulative, name = line.split(":", 1)[1].split("|")
            if not name.startswith("  "):
                total += int(cumulative)
    return total / 1000


def run_once(
    venv: Path, project: Path, argv: list[str], *, fresh_env: bool, env: dict[str, str], importtime: bool
) -> tuple[float, float, float]:
    """(wall ms, CPU ms, import ms) of one run of ``pitstop ARGV`` from ``venv`` in ``project``."""
    if fresh_env:
        shutil.rmtree(project / ".pitstop" / "default", ignore_errors=True)
    script = str(venv / "bin" / "pitstop")
    command = [str(venv / "bin" / "python"), "-X", "importtime", script] if importtime else [script]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(
        [*command, *argv], cwd=project, env=env, capture_output=True, text=True, check=False
    )
    wall = (time.perf_counter() - start) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"pitstop {' '.join(argv)} failed in {project}:\n{proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    return wall, cpu, imports_ms(proc.stderr) if importtime else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("project", type=Path)
    parser.add_argument("--pairs", type=int, default=21)
    parser.add_argument("--fresh-env", action="store_true", help="delete .pitstop/default before each run")
    parser.add_argument("--full", action="store_true", help="PITSTOP_NO_FASTPATH=1")
    given = sys.argv[1:]
    if "--" not in given:
        parser.error("name the pitstop command after --, e.g. -- setup")
    split = given.index("--")
    args, argv = parser.parse_args(given[:split]), given[split + 1 :]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if args.full:
        env["PITSTOP_NO_FASTPATH"] = "1"
    sides = {"old": args.old.resolve(), "new": args.new.resolve()}
    results: dict[str, dict[str, list[float]]] = {s: {"wall": [], "cpu": [], "imports": []} for s in sides}
    with tempfile.TemporaryDirectory() as tmp:
        projects = {s: Path(tmp) / s for s in sides}
        for side, copy in projects.items():
            shutil.copytree(args.project, copy, ignore=shutil.ignore_patterns(".pitstop"))
            run_once(sides[side], copy, ["setup", "-q"], fresh_env=False, env=env, importtime=False)
        for i in range(args.pairs + 1):
            for side in ("old", "new") if i % 2 == 0 else ("new", "old"):
                wall, cpu, _ = run_once(
                    sides[side], projects[side], argv, fresh_env=args.fresh_env, env=env, importtime=False
                )
                _, _, imports = run_once(
                    sides[side], projects[side], argv, fresh_env=args.fresh_env, env=env, importtime=True
                )
                if i:  # pair 0 warms both sides up
                    for key, value in (("wall", wall), ("cpu", cpu), ("imports", imports)):
                        results[side][key].append(value)
    print(f"pitstop {' '.join(argv)}: {args.pairs} pairs{' (fast path off)' if args.full else ''}")
    print("| | old | new | new / old per pair: min / median / max |")
    print("|---|---|---|---|")
    for key, label in (("imports", "imports (-X importtime)"), ("wall", "wall"), ("cpu", "CPU (user+sys)")):
        old, new = results["old"][key], results["new"][key]
        ratios = sorted(n / o for n, o in zip(new, old, strict=True) if o)
        print(
            f"| {label} | {statistics.median(old):.1f} ms | {statistics.median(new):.1f} ms | "
            f"{ratios[0]:.2f} / **{statistics.median(ratios):.2f}** / {ratios[-1]:.2f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
