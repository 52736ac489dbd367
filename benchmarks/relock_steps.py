"""Where a re-lock's time goes: per-step timers around one ``pitstop lock`` (or ``setup``)
after adding one package to the small real set (issue #14).

    python benchmarks/relock_steps.py --python PYTHON312 [--runs 16] [--command setup]
    python benchmarks/relock_steps.py --python PYTHON312 --compare OLD/src   # A/B, paired

Online (the real index), warm private uv cache (``UV_CACHE_DIR`` in a temporary workspace),
bytecode writing on. Each run adds ``wcwidth`` to the requirements, runs the command in a
child ``python`` that imports pitstop from ``src`` (this checkout, or ``--compare``'s tree,
alternating A B B A ...) with ``time.perf_counter`` timers around every uv child pitstop
starts and around ``lock_env`` and the lock's write (no profiler: ``cProfile`` inflates),
then removes it again (untimed). The report gives the min and median of each step.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from benchmarks.bench import ADDED, SMALL  # noqa: E402 - after the path is set

# Run in the child: pitstop's main() with timers; prints the events as JSON on stderr's last line.
_TRACER = r"""
import json, sys, time
t0 = time.perf_counter()
sys.path.insert(0, sys.argv[1])
import pitstop.locking as L, pitstop.process as P
events = []
start, finish = P.start, P.finish
def timed_start(argv, **kw):
    proc = start(argv, **kw)
    events.append(("child>", time.perf_counter(), " ".join(str(a) for a in argv[1:4])))
    return proc
def timed_finish(proc, **kw):
    try:
        return finish(proc, **kw)
    finally:
        events.append(("child<", time.perf_counter(), ""))
def wrap(module, name):
    real = getattr(module, name)
    def timed(*a, **k):
        events.append((">" + name, time.perf_counter(), ""))
        try:
            return real(*a, **k)
        finally:
            events.append(("<" + name, time.perf_counter(), ""))
    setattr(module, name, timed)
P.start, P.finish = timed_start, timed_finish
wrap(L, "lock_env")
wrap(L, "_write_if_changed")
events.append(("imports", time.perf_counter(), ""))
from pitstop.main import main
code = main(sys.argv[2:])
events.append(("end", time.perf_counter(), ""))
print(json.dumps([(e, round((t - t0) * 1000, 2), w) for e, t, w in events]), file=sys.stderr)
sys.exit(code)
"""


def steps(events: list[tuple[str, float, str]]) -> dict[str, float]:
    """The step durations (ms) of one run's events."""
    at: dict[str, float] = {}
    for name, t, what in events:
        if name == "child>" and "compile --format" in what and "compile>" not in at:
            at["compile>"] = t
        elif name == "child<" and "compile>" in at and "compile<" not in at:
            at["compile<"] = t
        else:
            at.setdefault(name, t)
    return {
        "imports": at["imports"],
        "imports -> lock_env": at[">lock_env"] - at["imports"],
        "lock_env -> uv pip compile started": at["compile>"] - at[">lock_env"],
        "uv pip compile": at["compile<"] - at["compile>"],
        "uv pip compile exits -> lock written": at["<_write_if_changed"] - at["compile<"],
        "lock written -> lock_env returns": at["<lock_env"] - at["<_write_if_changed"],
        "lock_env returns -> exit": at["end"] - at["<lock_env"],
        "total": at["end"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--python", required=True, help="the interpreter the env is locked and built for")
    parser.add_argument("--runs", type=int, default=16, help="runs of each side (default 16)")
    parser.add_argument("--command", choices=("lock", "setup"), default="lock")
    parser.add_argument("--compare", metavar="SRC", help="another pitstop's src directory: paired A/B")
    args = parser.parse_args()
    sides = {"this": str(REPO / "src")}
    if args.compare:
        sides["compare"] = str(Path(args.compare).resolve())
    with tempfile.TemporaryDirectory(prefix="pitstop-relock-") as tmp:
        work = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "PITSTOP_", "VIRTUAL_ENV"))}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.update(UV_CACHE_DIR=str(work / "uv-cache"), PITSTOP_HOME=str(work / "pitstop-home"))
        root = work / "proj"
        root.mkdir()
        pyproject = root / "pyproject.toml"
        before = f'[project]\nname = "relock"\nversion = "0.1"\n\n[tool.pitstop]\npython = {json.dumps(args.python)}\nrequirements = {json.dumps(SMALL)}\n'
        after = before.replace(json.dumps(SMALL), json.dumps([*SMALL, ADDED]))

        def pitstop(src: str, *argv: str, timed: bool = False) -> dict[str, float]:
            code = ["-c", _TRACER, src] if timed else ["-m", "pitstop"]
            proc = subprocess.run(
                [sys.executable, *code, *argv],
                cwd=root,
                env={**env, "PYTHONPATH": src} if not timed else env,
                capture_output=True,
                text=True,
                check=True,
            )
            return steps(json.loads(proc.stderr.strip().splitlines()[-1])) if timed else {}

        first = next(iter(sides.values()))
        for text in (after, before):  # warm uv's cache for both sets
            pyproject.write_text(text, encoding="utf-8")
            pitstop(first, "-q", "setup")
        results: dict[str, list[dict[str, float]]] = {side: [] for side in sides}
        for run in range(args.runs):
            order = list(sides) if run % 2 == 0 else list(reversed(sides))
            for side in order:
                pyproject.write_text(after, encoding="utf-8")
                results[side].append(pitstop(sides[side], "-q", args.command, timed=True))
                pyproject.write_text(before, encoding="utf-8")
                pitstop(sides[side], "-q", args.command)
    print(f"`pitstop {args.command}` after adding {ADDED}, {args.runs} runs per side, load {os.getloadavg()}")
    print("| step | " + " | ".join(f"{side}: min / median" for side in sides) + " |")
    print("|---|" + "---:|" * len(sides))
    for step in results["this"][0]:
        cells = []
        for side in sides:
            values = [r[step] for r in results[side]]
            cells.append(f"{min(values):.1f} / {statistics.median(values):.1f} ms")
        print(f"| {step} | " + " | ".join(cells) + " |")
    if args.compare:
        diffs = [a["total"] - b["total"] for a, b in zip(results["this"], results["compare"], strict=True)]
        print(f"total, this - compare, per pair: median {statistics.median(diffs):+.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
