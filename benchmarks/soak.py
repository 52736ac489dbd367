"""Reliability soak: SIGKILLs at named points and at random times over real builds, a
concurrent reader, 8-way concurrency (with a negative control), a killed lock holder,
failing installs, and security checks. Prints one summary table; exits 1 on any failure.

    python benchmarks/soak.py --size 3        # about (size x 40) SIGKILLs

Everything happens in a temporary directory with its own HOME and uv cache, offline,
against tiny wheels built on the spot.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.helpers import MissWatcher, pitstop_argv
from tests.procwatch import base_site_listings, dying, tagged
from tests.wheelfactory import build_catalogue

NAMED = [
    "after-venv",
    "after-install",
    "after-verify",
    "after-marker",
    "after-journal",
    "after-exchange",
    "after-promote",
    "before-clear-journal",
]
VARIANTS = ['["beta"]', '["beta", "alpha<2"]', '["beta", "gamma"]']
SENTINEL = "SENTINEL-SECRET-7f3a"


@dataclass
class Row:
    """One line of the summary."""

    phase: str
    runs: int = 0
    kills: int = 0
    broken: int = 0
    misses: int = 0
    failures: int = 0
    notes: list[str] = field(default_factory=list)


class Soak:
    """Drives real `python -m pitstop` processes in a scratch project."""

    def __init__(self, work: Path, python: str) -> None:
        self.work = work
        self.python = python
        self.wheels = build_catalogue(work / "wheels")
        home = work / "home"
        home.mkdir()
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("PIP_", "UV_", "PITSTOP_", "CI", "GITHUB_", "VIRTUAL_ENV"))
        }
        self.env.update(
            HOME=str(home),
            UV_CACHE_DIR=str(work / "uv-cache"),
            PITSTOP_HOME=str(home / "pitstop"),
            XDG_DATA_HOME=str(home / "data"),
        )
        self.count = 0

    def project(self, body: str = 'requirements = ["beta"]\n') -> Path:
        self.count += 1
        root = self.work / f"p{self.count}"
        root.mkdir()
        (root / "pyproject.toml").write_text(
            f'[tool.pitstop]\npython = "{self.python}"\nfind-links = ["../wheels"]\nno-index = true\n{body}',
            encoding="utf-8",
        )
        return root

    def pitstop(
        self, root: Path, *argv: str, hooks: Sequence[str] = (), **extra: str
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            pitstop_argv(*argv, hooks=hooks),
            cwd=root,
            env={**self.env, **extra},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    def spawn(self, root: Path, *argv: str, hooks: Sequence[str] = (), **extra: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            pitstop_argv(*argv, hooks=hooks),
            cwd=root,
            env={**self.env, **extra},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    @staticmethod
    def store(root: Path) -> Path:
        return root / ".pitstop" / "default"

    def whole(self, root: Path) -> bool:
        """venv runs its python and its console script."""
        bindir = self.store(root) / "venv" / "bin"
        try:
            out = subprocess.run([str(bindir / "beta")], capture_output=True, text=True, timeout=60)
            ok = (
                subprocess.run(
                    [str(bindir / "python"), "-c", "import alpha, beta"], capture_output=True, timeout=60
                ).returncode
                == 0
            )
        except OSError:
            return False
        return ok and out.returncode == 0 and out.stdout.strip() == "beta 1.0"

    def stray(self, root: Path) -> list[str]:
        return sorted(
            p.name
            for p in self.store(root).iterdir()
            if p.name in ("venv.new", "venv.old", ".journal.json") or p.name.startswith(".trash-")
        )

    def flip(self, root: Path, i: int) -> None:
        pyproject = root / "pyproject.toml"
        text = pyproject.read_text()
        current = next(v for v in VARIANTS if f"requirements = {v}" in text)
        pyproject.write_text(
            text.replace(
                current,
                VARIANTS[i % len(VARIANTS)]
                if VARIANTS[i % len(VARIANTS)] != current
                else VARIANTS[(i + 1) % len(VARIANTS)],
            )
        )

    # -- phases --------------------------------------------------------------------------
    def named_points(self, size: int, *, exchange: bool) -> Row:
        row = Row(f"named points ({'renameat2' if exchange else 'rename fallback'})")
        extra = () if exchange else ("--no-exchange",)
        points = NAMED if exchange else [p for p in NAMED if p != "after-exchange"] + ["after-move-old"]
        root = self.project()
        if self.pitstop(root, "setup", hooks=extra).returncode != 0:
            row.failures += 1
            return row
        for i in range(size):
            for point in points:
                self.flip(root, i + points.index(point))
                row.runs += 1
                killed = self.pitstop(root, "setup", hooks=("--crash-at", point, *extra))
                if killed.returncode == -signal.SIGKILL:
                    row.kills += 1
                else:
                    row.failures += 1
                    row.notes.append(f"{point}: exit {killed.returncode}")
                if point != "after-move-old" and not self.whole(root):
                    row.broken += 1
                    row.notes.append(f"{point}: venv broken before recovery")
                fixed = self.pitstop(root, "setup", hooks=extra)
                if fixed.returncode != 0 or not self.whole(root) or self.stray(root):
                    row.broken += 1
                    row.notes.append(f"{point}: not repaired: {fixed.stderr[-300:]}")
        return row

    def random_kills(self, size: int) -> Row:
        row = Row("random SIGKILLs + reader")
        root = self.project()
        self.pitstop(root, "setup")
        python = self.store(root) / "venv" / "bin" / "python"
        rng = random.Random(size)  # noqa: S311 - reproducible timing, not cryptography
        linux = sys.platform.startswith("linux")
        bases = base_site_listings() if linux else {}
        with_children = survivors = 0
        with MissWatcher(python) as watcher:
            for i in range(size * 12):
                self.flip(root, i)
                row.runs += 1
                tag = uuid.uuid4().hex
                proc = self.spawn(root, "-q", "setup", PITSTOP_KILL_TAG=tag)
                if linux and i % 2:  # a moment while a child (resolver, installer) runs
                    deadline = time.monotonic() + 10
                    while proc.poll() is None and len(tagged(tag)) < 2 and time.monotonic() < deadline:
                        time.sleep(0.01)
                    time.sleep(rng.uniform(0, 0.2))
                else:
                    time.sleep(rng.uniform(0.02, 0.45))  # builds take ~0.3-0.6 s on an idle machine
                if proc.poll() is None:
                    with_children += linux and len(tagged(tag)) > 1
                    proc.kill()  # pitstop's PID only, not its process group
                    row.kills += 1
                proc.communicate()
                # Reaped: the kernel has sent each child its parent-death SIGKILL.
                if linux and [pid for pid in tagged(tag) if not dying(pid)]:
                    survivors += 1
                if not self.whole(root):
                    row.broken += 1
        row.misses = len(watcher.misses)
        row.failures += survivors
        if linux:
            row.notes.append(f"{with_children} kills with a child running, {survivors} left one alive")
            if base_site_listings() != bases:
                row.failures += 1
                row.notes.append("a base interpreter's site-packages changed")
        final = self.pitstop(root, "setup")
        if final.returncode != 0 or not self.whole(root) or self.stray(root):
            row.broken += 1
        return row

    def concurrency(self, *, control: bool) -> Row:
        row = Row("8 concurrent setups" + (" (no flock: control)" if control else ""))
        root = self.project('requirements = ["beta", "gamma"]\n')
        self.pitstop(root, "lock")
        hooks = ("--no-flock",) if control else ()
        procs = [self.spawn(root, "setup", hooks=hooks) for _ in range(8)]
        results = [(p.wait(timeout=600), (p.communicate()[1] or "")) for p in procs]
        row.runs = 8
        builds = sum(err.count("building default") for _, err in results)
        failed = sum(1 for code, _ in results if code != 0)
        row.notes.append(f"{builds} builds, {failed} failed")
        bad = builds != 1 or failed or not self.whole(root)
        if control:
            # The control must show the damage locking prevents, or the test proves nothing.
            row.failures = 0 if bad else 1
            if not bad:
                row.notes.append("control did not detect missing locking")
        else:
            row.failures = int(bad)
        return row

    def killed_lock_holder(self) -> Row:
        row = Row("SIGKILL of the lock holder")
        root = self.project()
        self.pitstop(root, "setup")
        self.flip(root, 1)
        holder = self.spawn(root, "setup", hooks=("--pause-at", "after-install"))
        deadline = time.monotonic() + 60
        while not (self.store(root) / "venv.new" / "lib").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        waiter = self.spawn(root, "setup")
        time.sleep(0.5)
        holder.kill()
        holder.communicate()
        row.kills = 1
        code = waiter.wait(timeout=600)
        row.runs = 2
        row.failures = int(code != 0)
        row.broken = int(not self.whole(root) or bool(self.stray(root)))
        return row

    def failing_installs(self) -> Row:
        row = Row("failing installs")
        root = self.project()
        self.pitstop(root, "setup")
        for reqs in ('["beta", "broken"]', '["beta", "no-such-package"]'):
            text = (root / "pyproject.toml").read_text()
            current = next(v for v in [*VARIANTS, '["beta", "broken"]'] if f"requirements = {v}" in text)
            (root / "pyproject.toml").write_text(text.replace(current, reqs))
            row.runs += 1
            result = self.pitstop(root, "setup")
            if result.returncode != 3:
                row.failures += 1
                row.notes.append(f"{reqs}: exit {result.returncode}")
            if not self.whole(root) or self.stray(root):
                row.broken += 1
        return row

    def security(self) -> Row:
        row = Row("security checks")
        checks: list[tuple[str, Callable[[], bool]]] = []

        def scrubbed() -> bool:
            root = self.project()
            result = self.pitstop(
                root,
                "setup",
                PIP_INDEX_URL="https://example.invalid/simple",
                UV_INDEX_URL="https://example.invalid/simple",
                UV_SYSTEM_PYTHON="1",
                PYTHONPATH=str(root),
            )
            return result.returncode == 0 and self.whole(root)

        def injected() -> bool:
            root = self.project('requirements-files = ["r.txt"]\n')
            (root / "r.txt").write_text("beta\n--index-url https://example.invalid/simple\n")
            first = self.pitstop(root, "setup")
            root2 = self.project('requirements = ["beta --index-url=https://example.invalid/simple"]\n')
            second = self.pitstop(root2, "setup")
            return first.returncode == 2 and second.returncode == 2 and not (root / "pylock.toml").exists()

        def escaping() -> bool:
            root = self.project('requirements = ["beta"]\nlocation = "../outside"\n')
            result = self.pitstop(root, "setup")
            return result.returncode == 2 and not (self.work / "outside").exists()

        def base_untouched() -> bool:
            base = Path(
                subprocess.run(
                    [self.python_path(), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout.strip()
            )
            before = sorted(os.listdir(base))
            root = self.project()
            self.pitstop(root, "setup")
            return sorted(os.listdir(base)) == before

        def sentinel() -> bool:
            root = self.project(
                'requirements = ["beta"]\n'
                f'extra-index-urls = ["https://user:{SENTINEL}@example.invalid/simple"]\n'
            )
            outputs = [
                self.pitstop(root, *cmd)
                for cmd in (("lock",), ("setup",), ("check", "--json"), ("-v", "setup"))
            ]
            text = "".join(o.stdout + o.stderr for o in outputs)
            for path in root.rglob("*"):
                if path.is_file() and path.name != "pyproject.toml":  # the user's own config
                    with contextlib.suppress(OSError):
                        text += path.read_text(errors="replace")
            return all(o.returncode == 0 for o in outputs) and SENTINEL not in text

        checks = [
            ("scrubbed PIP_*/UV_*/PYTHONPATH", scrubbed),
            ("injected index options", injected),
            ("escaping location", escaping),
            ("base interpreter untouched", base_untouched),
            ("sentinel credential never written", sentinel),
        ]
        for name, check in checks:
            row.runs += 1
            if not check():
                row.failures += 1
                row.notes.append(f"FAILED: {name}")
        return row

    def python_path(self) -> str:
        root = self.project()
        return (
            json.loads(self.pitstop(root, "check", "--json").stdout or "{}")
            .get("envs", [{}])[0]
            .get("python", {})
            .get("executable")
            or self._resolve_python()
        )

    def _resolve_python(self) -> str:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
        from pitstop.python_request import parse_request
        from pitstop.runtime import Runtimes

        return Runtimes(None).find(parse_request(self.python)).path


def main(argv: list[str] | None = None) -> int:
    """Run the soak and print the summary table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=3, help="rounds of each phase (default 3)")
    parser.add_argument(
        "--python",
        default=f"{sys.version_info[0]}.{sys.version_info[1]}",
        help="python request of the scratch projects",
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="pitstop-soak-"))
    started = time.monotonic()
    try:
        soak = Soak(work, args.python)
        rows = []
        if sys.platform.startswith("linux"):
            rows.append(soak.named_points(args.size, exchange=True))
        rows += [
            soak.named_points(args.size, exchange=False),
            soak.random_kills(args.size),
            soak.concurrency(control=False),
            soak.concurrency(control=True),
            soak.killed_lock_holder(),
            soak.failing_installs(),
            soak.security(),
        ]
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print("| phase | runs | SIGKILLs | broken envs | reader misses | failures | notes |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for r in rows:
        cells = [r.phase, r.runs, r.kills, r.broken, r.misses, r.failures, "; ".join(r.notes)]
        print("| " + " | ".join(str(c) for c in cells) + " |")
    total = Row(
        "total",
        sum(r.runs for r in rows),
        sum(r.kills for r in rows),
        sum(r.broken for r in rows),
        sum(r.misses for r in rows),
        sum(r.failures for r in rows),
    )
    print(
        f"| **total** | {total.runs} | {total.kills} | {total.broken} | {total.misses} | {total.failures} | "
        f"{time.monotonic() - started:.0f} s |"
    )
    return 1 if total.broken or total.misses or total.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
