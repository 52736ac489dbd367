"""pitstop side by side with the tools users would pick instead.

Bytecode caching is left on (as for every user): a shell with PYTHONDONTWRITEBYTECODE=1
would make every Python tool recompile its modules on each run.

    nox -s bench -- [--repeat N] [--write docs/benchmarks.md]

Every figure is the median wall time of whole-process runs, and every pitstop figure is a
ratio to its peer measured in the same run, on the same synthetic projects (tiny local wheels:
5 packages "small", 120 packages "large", 20 modules each), offline, with warm caches. Peak
memory is the largest RSS of any process the command started (ru_maxrss of its children).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.wheelfactory import build_wheel

BIN = Path(sys.executable).parent
_MEM = (
    "import resource, subprocess, sys; "
    "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} is not installed: run this through `nox -s bench` (env 'bench')")
    return found


@dataclass
class Result:
    label: str
    ms: float
    mb: float


class Bench:
    def __init__(self, work: Path, repeat: int) -> None:
        self.work = work
        self.repeat = repeat
        home = work / "home"
        home.mkdir()
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("PIP_", "UV_", "PITSTOP_", "VIRTUAL_ENV", "NOX_", "TOX_", "PRE_COMMIT"))
            and k not in ("CI", "GITHUB_ACTIONS", "GITLAB_CI", "PYTHONDONTWRITEBYTECODE")
        }
        self.env.update(
            HOME=str(home),
            XDG_CACHE_HOME=str(home / ".cache"),
            XDG_DATA_HOME=str(home / "data"),
            UV_CACHE_DIR=str(work / "uv-cache"),
            PRE_COMMIT_HOME=str(home / "pre-commit"),
            PIP_CONFIG_FILE=os.devnull,
            PIP_NO_INDEX="1",
            PIP_DISABLE_PIP_VERSION_CHECK="1",
        )
        self.python = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
        self.short = f"{sys.version_info[0]}.{sys.version_info[1]}"

    def run(self, cmd: Sequence[str], cwd: Path, **extra: str) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            list(cmd), cwd=cwd, env={**self.env, **extra}, capture_output=True, text=True, check=False
        )
        if proc.returncode != 0:
            raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stdout}{proc.stderr}")
        return proc

    def time(
        self,
        label: str,
        cmd: Sequence[str],
        cwd: Path,
        *,
        before: Sequence[Sequence[str]] = (),
        repeat: int | None = None,
        **extra: str,
    ) -> Result:
        """Median wall time of ``cmd`` (``before`` runs untimed ahead of each run), peak RSS."""
        samples = []
        for _ in range(repeat or self.repeat):
            for prep in before:
                self.run(prep, cwd, **extra)
            start = time.perf_counter()
            proc = subprocess.run(
                list(cmd),
                cwd=cwd,
                env={**self.env, **extra},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=False,
            )
            samples.append(time.perf_counter() - start)
            if proc.returncode != 0:
                self.run(cmd, cwd, **extra)  # raises with the output
        for prep in before:
            self.run(prep, cwd, **extra)
        mem = subprocess.run(
            [sys.executable, "-c", _MEM, *cmd],
            cwd=cwd,
            env={**self.env, **extra},
            capture_output=True,
            text=True,
            check=False,
        )
        kb = int(mem.stdout.strip() or 0)
        return Result(label, statistics.median(samples) * 1000, kb / 1024)

    # -- fixtures -------------------------------------------------------------------------
    def wheels(self, count: int) -> tuple[Path, list[str]]:
        directory = self.work / f"wheels-{count}"
        directory.mkdir()
        names = [f"pkg{count}x{i}" for i in range(count)]
        for name in names:
            modules = {f"{name}/mod{j}.py": f"# {name} module {j}\n" + "VALUE = 1\n" * 40 for j in range(20)}
            build_wheel(directory, name, "1.0", extra_files=modules)
        build_wheel(directory, f"toggle{count}", "1.0")
        return directory, names

    def projects(self, size: str, count: int) -> dict[str, Path]:
        wheels, names = self.wheels(count)
        reqs = ", ".join(f'"{n}"' for n in names)
        root = self.work / size
        out = {}
        # pitstop
        p = root / "pitstop"
        p.mkdir(parents=True)
        (p / "pyproject.toml").write_text(
            f'[tool.pitstop]\npython = "{self.python}"\nrequirements = [{reqs}]\n'
            f'find-links = ["{wheels}"]\nno-index = true\n'
        )
        self.run([tool("pitstop"), "setup"], p)
        out["pitstop"] = p
        # uv project
        u = root / "uv"
        u.mkdir()
        (u / "pyproject.toml").write_text(
            f'[project]\nname = "uvproj"\nversion = "0"\nrequires-python = ">={self.short}"\ndependencies = [{reqs}]\n'
            f'[tool.uv]\nno-index = true\nfind-links = ["{wheels}"]\n'
        )
        self.run([tool("uv"), "sync", "-q", "--python", self.python], u)
        out["uv"] = u
        # nox
        n = root / "nox"
        n.mkdir()
        (n / "noxfile.py").write_text(
            "import nox\n"
            f"@nox.session(python={self.python!r}, venv_backend='uv')\n"
            "def noop(session):\n"
            f"    session.install('--no-index', '--find-links', {str(wheels)!r}, {reqs})\n"
            "    session.run('python', '-c', 'pass')\n"
        )
        self.run([tool("nox"), "-s", "noop"], n)
        out["nox"] = n
        # tox with tox-uv
        t = root / "tox"
        t.mkdir()
        deps = "\n    ".join(names)
        (t / "tox.ini").write_text(
            f"[tox]\nskipsdist = true\nrequires = tox-uv\n[testenv:noop]\nbase_python = {self.python}\n"
            f"runner = uv-venv-runner\nskip_install = true\nset_env =\n    UV_NO_INDEX=1\n    UV_FIND_LINKS={wheels}\n"
            f"deps =\n    {deps}\ncommands = python -c pass\n"
        )
        self.run([tool("tox"), "run", "-e", "noop"], t)
        out["tox"] = t
        (root / "requirements.txt").write_text("".join(f"{n}\n" for n in names))
        out["root"] = root
        out["wheels"] = wheels
        return out


NOTES = """\
Where a target is missed, this is why (each line is measured above):

- **A Python program against a native binary.** `uv` starts in a few milliseconds; any Python
  program starts no faster than `python -c pass`. The no-op `check` is a stat-only fast path that
  imports no TOML, packaging or argparse, so what it adds to the interpreter's start-up is a few
  milliseconds; it cannot undercut the start-up itself.
- **Provisioning does more than `uv venv` + `uv pip sync`, on purpose.** On top of the two uv
  processes, pitstop starts Python (and imports `packaging` to read the requirements), verifies
  the new env before promoting it — every dist-info and RECORD file read, and a smoke import run
  by the env's own interpreter, a second Python start-up — writes the marker and the journal,
  and swaps atomically. That is a fixed cost of a few hundred milliseconds that raw uv skips
  (and that leaves raw uv's envs half-installed after a Ctrl-C). It is the same order as a fresh
  nox session and below tox; as envs grow, the fixed part matters less (see the ratio for the
  large env).
"""


def ratio(a: Result, b: Result) -> str:
    return f"{a.ms / b.ms:.2f}×"


def fmt(r: Result) -> str:
    return f"{r.ms:.1f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="runs per fast command (default 15)")
    parser.add_argument("--write", metavar="FILE", help="also write the report to FILE")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="pitstop-bench-"))
    out: list[str] = []
    try:
        b = Bench(work, args.repeat)
        ps, uv, nox, tox, pc = tool("pitstop"), tool("uv"), tool("nox"), tool("tox"), tool("pre-commit")
        small = b.projects("small", 5)
        py = b.time("python -c pass", [b.python, "-c", "pass"], work)

        # 1. no-op readiness
        check = b.time("pitstop check", [ps, "check"], small["pitstop"])
        check_full = b.time(
            "pitstop check (no fast path)", [ps, "check"], small["pitstop"], PITSTOP_NO_FASTPATH="1"
        )
        prun = b.time(
            "pitstop run -- python -c pass", [ps, "run", "--", "python", "-c", "pass"], small["pitstop"]
        )
        uvcheck = b.time("uv sync --locked --check", [uv, "sync", "--locked", "--check"], small["uv"])
        uvrun = b.time(
            "uv run --frozen python -c pass", [uv, "run", "--frozen", "python", "-c", "pass"], small["uv"]
        )
        noxr = b.time("nox -R -s noop", [nox, "-R", "-s", "noop"], small["nox"])
        toxr = b.time("tox run -e noop", [tox, "run", "-e", "noop"], small["tox"])
        out += [
            "## No-op readiness (ready env, 5 packages)",
            "",
            "| command | median | peak RSS | pitstop ratio |",
            "|---|---:|---:|---|",
            f"| `python -c pass` | {fmt(py)} | {py.mb:.0f} MB | check = {ratio(check, py)} of it |",
            f"| `pitstop check` | {fmt(check)} | {check.mb:.0f} MB | |",
            f"| `pitstop check` (fast path off) | {fmt(check_full)} | {check_full.mb:.0f} MB | {ratio(check_full, py)} of python |",
            f"| `uv sync --locked --check` | {fmt(uvcheck)} | {uvcheck.mb:.0f} MB | check = {ratio(check, uvcheck)} of it |",
            f"| `pitstop run -- python -c pass` | {fmt(prun)} | {prun.mb:.0f} MB | |",
            f"| `uv run --frozen python -c pass` | {fmt(uvrun)} | {uvrun.mb:.0f} MB | run = {ratio(prun, uvrun)} of it |",
            f"| `nox -R -s noop` | {fmt(noxr)} | {noxr.mb:.0f} MB | run = {ratio(prun, noxr)} of it |",
            f"| `tox run -e noop` (tox-uv) | {fmt(toxr)} | {toxr.mb:.0f} MB | run = {ratio(prun, toxr)} of it |",
            "",
        ]

        # 2. the pre-commit hook
        repo = small["pitstop"]
        shutil.copy(small["uv"] / "uv.lock", repo / "uv.lock")
        shutil.copy(small["uv"] / "pyproject.toml", repo / "uv-pyproject.toml")
        (repo / ".pre-commit-config.yaml").write_text(
            "repos:\n  - repo: local\n    hooks:\n"
            "      - id: pitstop-lock-check\n        name: pitstop lock --check\n"
            f"        entry: {ps} lock --check --all\n        language: system\n        pass_filenames: false\n"
            "      - id: uv-lock-check\n        name: uv lock --check\n"
            f"        entry: {uv} lock --check --offline --directory {small['uv']}\n        language: system\n        pass_filenames: false\n"
        )
        b.run(["git", "init", "-q"], repo)
        b.run(["git", "add", "-A"], repo)
        lockc = b.time("pitstop lock --check", [ps, "lock", "--check", "--all"], repo)
        lockc_full = b.time(
            "pitstop lock --check (no fast path)",
            [ps, "lock", "--check", "--all"],
            repo,
            PITSTOP_NO_FASTPATH="1",
        )
        uvlock = b.time("uv lock --check --offline", [uv, "lock", "--check", "--offline"], small["uv"])
        pch = b.time(
            "pre-commit run pitstop-lock-check", [pc, "run", "pitstop-lock-check", "--all-files"], repo
        )
        pcu = b.time("pre-commit run uv-lock-check", [pc, "run", "uv-lock-check", "--all-files"], repo)
        out += [
            "## The pre-commit hook",
            "",
            "| command | median | peak RSS | pitstop ratio |",
            "|---|---:|---:|---|",
            f"| `pitstop lock --check --all` | {fmt(lockc)} | {lockc.mb:.0f} MB | own work {lockc.ms - py.ms:.1f} ms |",
            f"| `pitstop lock --check --all` (fast path off) | {fmt(lockc_full)} | {lockc_full.mb:.0f} MB | own work {lockc_full.ms - py.ms:.1f} ms |",
            f"| `uv lock --check --offline` | {fmt(uvlock)} | {uvlock.mb:.0f} MB | {ratio(lockc, uvlock)} |",
            f"| `pre-commit run pitstop-lock-check` | {fmt(pch)} | {pch.mb:.0f} MB | |",
            f"| `pre-commit run uv-lock-check` | {fmt(pcu)} | {pcu.mb:.0f} MB | {ratio(pch, pcu)} |",
            "",
        ]

        # 3. provisioning from a lock, warm cache
        out += [
            "## Provisioning from a lock (warm uv cache)",
            "",
            "| size | tool | median | peak RSS | pitstop ratio |",
            "|---|---|---:|---:|---|",
        ]
        large = b.projects("large", 120)
        provisioning: list[tuple[str, Result, Result]] = []
        for size, proj in (("small (5)", small), ("large (120)", large)):
            rep = max(3, args.repeat // 3)
            p = proj["pitstop"]
            setup = b.time("pitstop setup", [ps, "setup"], p, before=[[ps, "clean"]], repeat=rep)
            raw_dir = proj["root"] / "raw-venv"
            raw = b.time(
                "uv venv + uv pip sync",
                [
                    "sh",
                    "-c",
                    f'rm -rf "{raw_dir}" && "{uv}" venv -q --python "{b.python}" "{raw_dir}" && '
                    f'"{uv}" pip sync -q --preview-features pylock --require-hashes --python "{raw_dir}/bin/python" pylock.toml',
                ],
                p,
                repeat=rep,
            )
            noxf = b.time("nox (fresh session)", [nox, "-s", "noop"], proj["nox"], repeat=rep)
            toxf = b.time("tox -r (tox-uv)", [tox, "run", "-r", "-e", "noop"], proj["tox"], repeat=rep)
            pip_dir = proj["root"] / "pip-venv"
            pipf = b.time(
                "python -m venv + pip",
                [
                    "sh",
                    "-c",
                    f'rm -rf "{pip_dir}" && "{b.python}" -m venv "{pip_dir}" && "{pip_dir}/bin/pip" install -q '
                    f'--no-index --find-links "{proj["wheels"]}" -r requirements.txt',
                ],
                proj["root"],
                repeat=rep,
            )
            provisioning.append((size, setup, raw))
            for r in (setup, raw, noxf, toxf, pipf):
                note = "" if r is setup else f"pitstop = {ratio(setup, r)}"
                out.append(f"| {size} | {r.label} | {fmt(r)} | {r.mb:.0f} MB | {note} |")
        out.append("")

        # 4. swap and rollback cost vs env size
        out += [
            "## Swap and rollback vs env size",
            "",
            "| env | `pitstop rollback` (whole process) | swap alone (in-process `swap.rollback`) |",
            "|---|---:|---:|",
        ]
        swaps: list[float] = []
        for size, proj in (("small (5 packages)", small), ("large (120 packages)", large)):
            p = proj["pitstop"]
            text = (p / "pyproject.toml").read_text()
            toggled = text.replace(
                "requirements = [", f'requirements = ["toggle{5 if proj is small else 120}", ', 1
            )
            (p / "pyproject.toml").write_text(toggled)
            b.run([ps, "setup"], p)
            rb = b.time("rollback", [ps, "rollback"], p)
            snippet = (
                "import time, sys; from pathlib import Path; from pitstop import swap; s = Path(sys.argv[1]); "
                "t = time.perf_counter(); swap.rollback(s); print((time.perf_counter() - t) * 1000)"
            )
            inner = [
                float(b.run([sys.executable, "-c", snippet, str(p / ".pitstop" / "default")], p).stdout)
                for _ in range(args.repeat)
            ]
            swaps.append(statistics.median(inner))
            out.append(f"| {size} | {fmt(rb)} | {statistics.median(inner):.2f} ms |")
        out.append("")

        targets = [
            (
                "no-op `pitstop check` ≤ `uv sync --locked --check`",
                check.ms <= uvcheck.ms,
                f"{ratio(check, uvcheck)}",
            ),
            ("no-op `pitstop check` < 2× `python -c pass`", check.ms < 2 * py.ms, f"{ratio(check, py)}"),
            ("`lock --check` own work < 30 ms", lockc.ms - py.ms < 30, f"{lockc.ms - py.ms:.1f} ms"),
        ]
        summary = targets  # completed after the provisioning rows below

        # 5. check with many envs
        out += [
            "## `pitstop check` with many envs",
            "",
            "| envs | `pitstop check` | fast path off |",
            "|---:|---:|---:|",
        ]
        wheels = small["wheels"]
        for count in (1, 10, 50):
            m = b.work / f"many-{count}"
            m.mkdir()
            envs = "".join(f'[tool.pitstop.envs.e{i}]\nrequirements = ["pkg5x0"]\n' for i in range(1, count))
            (m / "pyproject.toml").write_text(
                f'[tool.pitstop]\npython = "{b.python}"\nrequirements = ["pkg5x0"]\nfind-links = ["{wheels}"]\n'
                f"no-index = true\n{envs}"
            )
            b.run([ps, "setup", "--all"], m)
            fast = b.time("check", [ps, "check"], m)
            full = b.time("check", [ps, "check"], m, PITSTOP_NO_FASTPATH="1", repeat=max(3, args.repeat // 3))
            out.append(f"| {count} | {fmt(fast)} | {fmt(full)} |")
        out.append("")
        for size, setup, raw in provisioning:
            summary.append(
                (f"provisioning {size} within 10% of raw uv", setup.ms <= 1.1 * raw.ms, ratio(setup, raw))
            )
        summary.append(
            (
                "swap and rollback cost independent of env size (5 vs 120 packages)",
                max(swaps) < 2 * min(swaps) + 1,
                f"{swaps[0]:.2f} ms vs {swaps[1]:.2f} ms",
            )
        )
        out += ["## Against SPEC §8", "", "| target | met | measured |", "|---|---|---|"]
        out += [f"| {name} | {'yes' if ok else 'no'} | {value} |" for name, ok, value in summary]
        out += ["", NOTES, ""]
    finally:
        shutil.rmtree(work, ignore_errors=True)

    uv_version = subprocess.run(
        [tool("uv"), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    cpu = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        )
        if Path("/proc/cpuinfo").exists()
        else platform.processor()
    )
    header = [
        "# Benchmarks",
        "",
        f"Machine: {os.cpu_count()} cores, {cpu}; {platform.system()} {platform.machine()}; "
        f"Python {platform.python_version()}; {uv_version}.",
        "",
        "Reproduce: `nox -s bench` (or `python benchmarks/bench.py --repeat 15` inside the `bench` env). "
        "Medians of whole-process runs; ratios are pitstop / peer, measured in the same run.",
        "",
    ]
    report = "\n".join(header + out) + "\n"
    print(report)
    if args.write:
        Path(args.write).write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
