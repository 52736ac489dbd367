"""pitstop against the tools users would pick instead, measured in pairs.

    python benchmarks/bench.py --pairs 15 [--rows setup-small,check,...] [--write docs/benchmarks.md]
    python benchmarks/bench.py --download WHEELS          # once, with the real index
    python benchmarks/bench.py --offline WHEELS --pairs 15

Method (what a sceptic should check):

- **Paired and alternating.** Every row runs pitstop and its peer alternately in this one
  process: pair i runs A then B, pair i+1 runs B then A (so neither always goes first), after
  one unrecorded warm-up pair. The report gives the min / median / max of the per-pair
  ratios A/B and the median wall time of each side. Drift of a shared machine hits both
  sides of a pair alike; the spread of the ratios shows how much noise there was.
- **Real packages.** "small" is 12 popular requirements (21 packages); "large" is numpy,
  pandas, scipy and matplotlib. Online mode resolves them from the real index; ``--offline``
  serves previously downloaded real wheels from a PEP 503 simple index on 127.0.0.1 (so the
  run is independent of the network) and points both pitstop and uv at it.
- **Warm, private cache.** uv's cache is a directory under this run's temporary workspace
  (``UV_CACHE_DIR``), never the user's; every row is warmed before it is measured.
- **Three installs of pitstop**: with pip (``python -m venv`` + ``pip install``, the pip the
  interpreter seeds, whose console-script launcher may import ``re`` first), with pip upgraded
  first (pip 25.2+'s launcher does not; ``check`` rows only) and with uv (``uv pip install``).
  Each is alone in its venv; the peers (nox, nox-uv, tox, tox-uv, pre-commit) and a third
  pitstop (for ``pitstop.nox``) share another.
- Whole processes, wall clock (``time.perf_counter`` around ``subprocess.run``), bytecode
  writing on. Untimed preparation (deleting an env, reverting an edit) happens outside the
  measured interval. The swap row times ``swap.commit`` itself (what ``setup`` runs under
  the env lock), in a child process importing the installed pitstop.
"""

from __future__ import annotations

import argparse
import hashlib
import http.server
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SMALL = [
    "requests",
    "rich",
    "click",
    "pyyaml",
    "attrs",
    "jinja2",
    "python-dateutil",
    "packaging",
    "tomli-w",
    "typing-extensions",
    "tabulate",
    "colorama",
]
LARGE = ["numpy", "pandas", "scipy", "matplotlib"]
ADDED = "wcwidth"  # the one package the rebuild row adds (not a dependency of SMALL)
PEERS = ["nox", "nox-uv", "tox", "tox-uv", "pre-commit"]
ROWS = (
    "setup-small",
    "setup-large",
    "rebuild",
    "swap",
    "check",
    "nox",
    "tox",
    "pre-commit",
)

Timed = Callable[[], float]
#: The setup rows' "Python floor": the interpreter pitstop is installed on, running raw uv's
#: two commands and nothing else (argv: uv, the env's python, the venv).
FLOOR = """import subprocess, sys
uv, python, venv = sys.argv[1:4]
subprocess.run([uv, "venv", "-q", "--python", python, venv], check=True)
subprocess.run([uv, "pip", "sync", "-q", "--preview-features", "pylock", "--require-hashes",
                "--python", venv + "/bin/python", "pylock.toml"], check=True)
"""


@dataclass
class Row:
    """One paired comparison."""

    section: str
    a_label: str
    b_label: str
    command: str
    a: list[float] = field(default_factory=list)
    b: list[float] = field(default_factory=list)
    target: float | None = None

    @property
    def ratios(self) -> list[float]:
        return [x / y for x, y in zip(self.a, self.b, strict=True)]

    def line(self) -> str:
        r = self.ratios
        verdict = ""
        if self.target is not None:
            verdict = "met" if statistics.median(r) <= self.target else "NOT met"
            verdict = f"≤ {self.target:.2f}×: {verdict}"
        return (
            f"| {self.a_label} | {self.b_label} | {_ms(statistics.median(self.a))} | "
            f"{_ms(statistics.median(self.b))} | {min(r):.2f}× | **{statistics.median(r):.2f}×** | "
            f"{max(r):.2f}× | {len(r)} | {verdict} |"
        )


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


class Bench:
    """A temporary workspace with private caches, two pitstop installs and the peers."""

    def __init__(self, work: Path, python: str, index: str | None, pairs: int) -> None:
        self.work = work
        self.python = python
        self.index = index
        self.pairs = pairs
        home = work / "home"
        home.mkdir()
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("UV_", "PITSTOP_", "VIRTUAL_ENV", "NOX_", "TOX_", "PRE_COMMIT", "CONDA_"))
            and k not in ("CI", "GITHUB_ACTIONS", "GITLAB_CI", "PYTHONDONTWRITEBYTECODE", "PYTHONPATH")
        }
        self.env.update(
            HOME=str(home),
            XDG_CACHE_HOME=str(home / ".cache"),
            XDG_DATA_HOME=str(home / ".local" / "share"),
            XDG_CONFIG_HOME=str(home / ".config"),
            UV_CACHE_DIR=str(work / "uv-cache"),
            PITSTOP_HOME=str(home / "pitstop"),
            PRE_COMMIT_HOME=str(home / "pre-commit"),
            PIP_DISABLE_PIP_VERSION_CHECK="1",
        )
        self.pip_bin = work / "pitstop-pip" / "bin"
        self.newpip_bin = work / "pitstop-newpip" / "bin"
        self.uv_bin = work / "pitstop-uv" / "bin"
        self.peers_bin = work / "peers" / "bin"

    # -- processes ---------------------------------------------------------------------
    def run(self, argv: Sequence[str], cwd: Path, **extra: str) -> float:
        """Run argv to completion; its wall time in seconds. A failure stops the benchmark."""
        env = {**self.env, **extra}
        start = time.perf_counter()
        proc = subprocess.run(
            list(argv),
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(
                f"failed ({proc.returncode}) in {cwd.name}: {' '.join(argv)}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
            )
        return elapsed

    @property
    def uv(self) -> str:
        return str(self.pip_bin / "uv")

    def install(self) -> None:
        """pitstop with pip, pitstop with uv (each alone in its venv, as a user's ``pipx`` /
        ``uv tool`` install would be), and the peers with pitstop in a third venv (nox must
        import ``pitstop.nox``)."""
        print("installing pitstop with pip, with upgraded pip, with uv, and the peers ...", file=sys.stderr)
        for venv, extra in ((self.pip_bin.parent, []), (self.peers_bin.parent, PEERS)):
            self.run([self.python, "-m", "venv", str(venv)], self.work)
            self.run(
                [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(REPO), *extra], self.work
            )
        # The same with pip upgraded first: pip 25.2+'s console-script launcher imports no `re`.
        python = str(self.newpip_bin / "python")
        self.run([self.python, "-m", "venv", str(self.newpip_bin.parent)], self.work)
        self.run([python, "-m", "pip", "install", "-q", "-U", "pip"], self.work)
        self.run([python, "-m", "pip", "install", "-q", str(REPO)], self.work)
        self.run([self.uv, "venv", "-q", "--python", self.python, str(self.uv_bin.parent)], self.work)
        self.run(
            [self.uv, "pip", "install", "-q", "--python", str(self.uv_bin / "python"), str(REPO)],
            self.work,
        )

    # -- projects ----------------------------------------------------------------------
    def pitstop_project(
        self, name: str, requirements: list[str], extra: str = "", *, sources: str | None = None
    ) -> Path:
        """A project set up with pitstop; ``sources``: its index settings (default: the
        benchmark's index, if any)."""
        root = self.work / name
        root.mkdir()
        index = sources if sources is not None else f'index-url = "{self.index}"\n' if self.index else ""
        (root / "pyproject.toml").write_text(
            f'[project]\nname = "{name}"\nversion = "0.1"\n\n'
            f'[tool.pitstop]\npython = "{self.python}"\n{index}'
            f"requirements = {json.dumps(requirements)}\n{extra}",
            encoding="utf-8",
        )
        self.run([str(self.pip_bin / "pitstop"), "-q", "setup"], root)
        return root

    def uv_project(self, name: str, requirements: list[str]) -> Path:
        root = self.work / name
        root.mkdir()
        index = (
            f'\n[[tool.uv.index]]\nname = "local"\nurl = "{self.index}"\ndefault = true\n'
            if self.index
            else ""
        )
        version = self.short
        (root / "pyproject.toml").write_text(
            f'[project]\nname = "{name}"\nversion = "0.1"\nrequires-python = ">={version}"\n'
            f"dependencies = {json.dumps(requirements)}\n{index}",
            encoding="utf-8",
        )
        self.run([self.uv, "sync", "-q", "--python", self.python], root)
        return root

    @property
    def short(self) -> str:
        out = subprocess.run(
            [self.python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip()

    # -- pairing -----------------------------------------------------------------------
    def pair(self, row: Row, a: Timed, b: Timed) -> Row:
        """Warm-up pair, then ``pairs`` alternating pairs."""
        print(f"  {row.section}: {row.a_label} vs {row.b_label} ...", file=sys.stderr)
        a()
        b()
        for i in range(self.pairs):
            if i % 2 == 0:
                ta, tb = a(), b()
            else:
                tb, ta = b(), a()
            row.a.append(ta)
            row.b.append(tb)
        return row


# -- rows ------------------------------------------------------------------------------
def setup_rows(bench: Bench, size: str, requirements: list[str], installs: Sequence[str]) -> list[Row]:
    """``pitstop setup`` of a fresh env from a fresh lock vs raw ``uv venv`` + ``uv pip sync``
    of the same lock file."""
    root = bench.pitstop_project(f"setup-{size}", requirements)
    raw = bench.work / f"raw-{size}"
    store = root / ".pitstop" / "default"
    rows = []
    # Dev mode reuses what an earlier build verified of the same lock text (pitstop.lockcache);
    # --strict (CI: the lock comes from a pull request) parses and verifies it every time.
    variants = [(installed, False) for installed in installs] + [("pip", True)]
    for installed, strict in variants:
        bindir = bench.pip_bin if installed == "pip" else bench.uv_bin
        flags = ["--strict"] if strict else []

        def a(bindir: Path = bindir, flags: list[str] = flags) -> float:
            shutil.rmtree(store, ignore_errors=True)
            return bench.run([str(bindir / "pitstop"), "-q", "setup", *flags], root)

        def b() -> float:
            shutil.rmtree(raw, ignore_errors=True)
            first = bench.run([bench.uv, "venv", "-q", "--python", bench.python, str(raw)], root)
            return first + bench.run(
                [
                    bench.uv,
                    "pip",
                    "sync",
                    "-q",
                    "--preview-features",
                    "pylock",
                    "--require-hashes",
                    "--python",
                    str(raw / "bin" / "python"),
                    "pylock.toml",
                ],
                root,
            )

        rows.append(
            bench.pair(
                Row(
                    f"setup-{size}",
                    f"`pitstop setup{' --strict' if strict else ''}` ({size}, {installed}-installed)",
                    "`uv venv` + `uv pip sync pylock.toml`",
                    f"--rows setup-{size}",
                    target=1.10,
                ),
                a,
                b,
            )
        )

    # The floor of any tool written in Python: a process of the interpreter pitstop runs on
    # that does nothing but run the same two uv commands (no config, no lock checks, no
    # verification, no swap). Its ratio to raw uv is what a Python program pays to start.
    def floor() -> float:
        shutil.rmtree(raw, ignore_errors=True)
        return bench.run([str(bench.pip_bin / "python"), "-c", FLOOR, bench.uv, bench.python, str(raw)], root)

    rows.append(
        bench.pair(
            Row(
                f"setup-{size}",
                "Python floor: `python -c` running the same two uv commands",
                "`uv venv` + `uv pip sync pylock.toml`",
                f"--rows setup-{size}",
            ),
            floor,
            b,
        )
    )
    rows.append(
        bench.pair(
            Row(
                f"setup-{size}",
                f"`pitstop setup` ({size}, pip-installed)",
                "Python floor",
                f"--rows setup-{size}",
            ),
            partial(a, bench.pip_bin, []),
            floor,
        )
    )
    # uv's own project workflow for the same requirements: `uv sync --frozen` provisions the
    # project's .venv from its uv.lock without resolving, as `pitstop setup` does from its lock.
    uvp = bench.uv_project(f"setup-{size}-uv", requirements)

    def frozen() -> float:
        shutil.rmtree(uvp / ".venv", ignore_errors=True)
        return bench.run([bench.uv, "sync", "-q", "--frozen", "--python", bench.python], uvp)

    rows.append(
        bench.pair(
            Row(
                f"setup-{size}",
                f"`pitstop setup` ({size}, pip-installed)",
                "`uv sync --frozen` (`.venv` deleted)",
                f"--rows setup-{size}",
            ),
            partial(a, bench.pip_bin, []),  # dev mode, not the last variant's --strict
            frozen,
        )
    )
    return rows


def rebuild_row(bench: Bench) -> list[Row]:
    """Add one requirement and provision: ``pitstop setup`` (re-lock + staged rebuild) vs
    ``uv sync`` (re-lock + in-place install) after the same edit."""
    proj = bench.pitstop_project("rebuild-pitstop", SMALL)
    uvp = bench.uv_project("rebuild-uv", SMALL)
    pitstop = str(bench.pip_bin / "pitstop")

    def edit(root: Path, add: bool) -> None:
        path = root / "pyproject.toml"
        text = path.read_text(encoding="utf-8")
        before, after = '"colorama"]', f'"colorama", "{ADDED}"]'
        path.write_text(text.replace(before, after) if add else text.replace(after, before), encoding="utf-8")

    def a() -> float:
        edit(proj, True)
        took = bench.run([pitstop, "-q", "setup"], proj)
        edit(proj, False)
        bench.run([pitstop, "-q", "setup"], proj)
        return took

    def b() -> float:
        edit(uvp, True)
        took = bench.run([bench.uv, "sync", "-q"], uvp)
        edit(uvp, False)
        bench.run([bench.uv, "sync", "-q"], uvp)
        return took

    row = Row(
        "rebuild",
        f"`pitstop setup` after adding {ADDED} (small)",
        "`uv sync` after the same edit",
        "--rows rebuild",
        target=1.5,
    )
    return [bench.pair(row, a, b)]


_SWAP = r"""
import json, os, shutil, sys, time
from pathlib import Path
from pitstop import state, swap
stores = [Path(p) for p in sys.argv[2:]]
pairs = int(sys.argv[1])

def prepare(store):
    for name in ("venv.prev", "venv.new"):
        shutil.rmtree(store / name, ignore_errors=True)
    swap.sweep(store)
    gen = state.generation(store / "venv")
    for name, g in (("venv.prev", gen - 1), ("venv.new", gen + 1)):
        subprocess_cp(store / "venv", store / name)
        marker = state.marker_path(store / name)
        data = json.loads(marker.read_text())
        data["generation"] = g
        marker.unlink()  # a hardlink shared with venv: replace it, never write through it
        marker.write_text(json.dumps(data))
    # A build makes its marker durable (state.write fsyncs it) before the swap, which on ext4
    # commits every pending metadata change of the install too; without this, the timed
    # swap's first fsync would flush the 10,000 links `cp -al` just made.
    os.sync()
    return gen + 1

def subprocess_cp(src, dst):
    import subprocess
    # A hardlink clone: the same files and directories to rename and delete, made quickly.
    subprocess.run(["cp", "-al", str(src), str(dst)], check=True)

def once(store):
    gen = prepare(store)
    start = time.perf_counter()
    swap.commit(store, generation=gen, keep_previous=True)
    took = time.perf_counter() - start
    start = time.perf_counter()
    swap.sweep(store)
    return took, time.perf_counter() - start

big, small = stores
once(big); once(small)
out = {"a": [], "b": [], "sweep_a": [], "sweep_b": []}
for i in range(pairs):
    order = [(big, "a"), (small, "b")] if i % 2 == 0 else [(small, "b"), (big, "a")]
    for store, key in order:
        took, swept = once(store)
        out[key].append(took)
        out["sweep_" + key].append(swept)
print(json.dumps(out))
"""


def swap_row(bench: Bench) -> list[Row]:
    """``swap.commit`` (the swap ``setup`` runs under the env lock) with the old venv.prev
    in place, at 500 vs 5 packages of tiny local wheels (20 files each)."""
    sys.path.insert(0, str(REPO))
    from tests.wheelfactory import build_wheel

    wheels = bench.work / "swap-wheels"
    wheels.mkdir()
    names = [f"pkg{i:03d}" for i in range(500)]
    for name in names:
        files = {f"{name}/mod{j}.py": f"X = {j}\n" for j in range(19)}
        build_wheel(wheels, name, "1.0", extra_files=files)
    stores = []
    for count in (500, 5):
        sources = 'find-links = ["../swap-wheels"]\nno-index = true\n'
        root = bench.pitstop_project(f"swap-{count}", names[:count], sources=sources)
        stores.append(root / ".pitstop" / "default")
    print("  swap: 500 vs 5 packages ...", file=sys.stderr)
    proc = subprocess.run(
        # A swap takes a few milliseconds: at least 20 pairs, or the ratio is noise.
        [str(bench.pip_bin / "python"), "-c", _SWAP, str(max(bench.pairs, 20)), *map(str, stores)],
        env=bench.env,
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(proc.stdout)
    swap = Row(
        "swap",
        "`swap.commit` at 500 packages",
        "`swap.commit` at 5 packages",
        "--rows swap",
        a=data["a"],
        b=data["b"],
        target=1.2,
    )
    sweep = Row(
        "swap",
        "deleting the old venv.prev after the lock is released, 500 packages",
        "the same at 5 packages",
        "--rows swap",
        a=data["sweep_a"],
        b=data["sweep_b"],
    )
    return [swap, sweep]


def check_rows(bench: Bench) -> list[Row]:
    """No-op readiness on a ready env: ``pitstop check`` vs ``uv sync --locked --check --offline``."""
    proj = bench.pitstop_project("check-pitstop", SMALL)
    uvp = bench.uv_project("check-uv", SMALL)
    rows = []
    peer = [bench.uv, "sync", "--locked", "--check", "--offline", "-q"]
    installs = (("pip", bench.pip_bin), ("upgraded-pip", bench.newpip_bin), ("uv", bench.uv_bin))
    for installed, bindir in installs:
        bench.run([str(bindir / "pitstop"), "-q", "setup"], proj)  # this install's fast-path cache
        rows.append(
            bench.pair(
                Row(
                    "check",
                    f"`pitstop check` ({installed}-installed)",
                    "`uv sync --locked --check --offline`",
                    "--rows check",
                    target=1.0,
                ),
                partial(bench.run, [str(bindir / "pitstop"), "check"], proj),
                partial(bench.run, peer, uvp),
            )
        )
    rows.append(
        bench.pair(
            Row(
                "check",
                "`pitstop check` (pip-installed)",
                "`python -c pass`",
                "--rows check",
                target=2.0,
            ),
            lambda: bench.run([str(bench.pip_bin / "pitstop"), "check"], proj),
            lambda: bench.run([bench.python, "-c", "pass"], proj),
        )
    )
    return rows


def nox_rows(bench: Bench) -> list[Row]:
    """A nox session running ``python -c pass`` in the small env: pitstop's session vs nox-uv."""
    proj = bench.pitstop_project("nox-pitstop", SMALL)
    (proj / "noxfile.py").write_text(
        "from pitstop.nox import session\n\n\n"
        '@session(env="default")\n'
        "def smoke(session):\n"
        '    session.run("python", "-c", "pass")\n',
        encoding="utf-8",
    )
    uvp = bench.uv_project("nox-uv", SMALL)
    (uvp / "noxfile.py").write_text(
        "from nox import options\n"
        "from nox_uv import session\n\n"
        'options.default_venv_backend = "uv"\n\n\n'
        f'@session(python="{bench.short}")\n'
        "def smoke(session):\n"
        '    session.run("python", "-c", "pass")\n',
        encoding="utf-8",
    )
    nox = str(bench.peers_bin / "nox")
    store = proj / ".pitstop" / "default"
    path = f"{bench.peers_bin}{os.pathsep}{bench.env.get('PATH', '')}"

    def cold_a() -> float:
        shutil.rmtree(store, ignore_errors=True)
        return bench.run([nox, "-s", "smoke"], proj, PATH=path)

    def cold_b() -> float:
        shutil.rmtree(uvp / ".nox", ignore_errors=True)
        return bench.run([nox, "-s", "smoke"], uvp, PATH=path)

    second = bench.pair(
        Row(
            "nox",
            "pitstop session, second run (`nox -s smoke`)",
            "nox-uv session, second run (`nox -r -s smoke`)",
            "--rows nox",
            target=1.0,
        ),
        lambda: bench.run([nox, "-s", "smoke"], proj, PATH=path),
        lambda: bench.run([nox, "-r", "-s", "smoke"], uvp, PATH=path),
    )
    cold = bench.pair(
        Row(
            "nox",
            "pitstop session, cold (env deleted)",
            "nox-uv session, cold (`.nox` deleted)",
            "--rows nox",
            target=1.5,
        ),
        cold_a,
        cold_b,
    )
    return [second, cold]


def tox_row(bench: Bench) -> list[Row]:
    """Running a command in a ready env: ``pitstop run`` vs ``tox run`` with tox-uv."""
    proj = bench.pitstop_project("tox-pitstop", SMALL)
    uvp = bench.uv_project("tox-uv", SMALL)
    (uvp / "tox.ini").write_text(
        "[tox]\nskipsdist = true\nrequires = tox-uv\n\n[testenv:smoke]\n"
        f"deps =\n{''.join(f'    {r}' + chr(10) for r in SMALL)}commands = python -c pass\n",
        encoding="utf-8",
    )
    tox = str(bench.peers_bin / "tox")
    bench.run([tox, "run", "-e", "smoke"], uvp)
    bench.run([str(bench.pip_bin / "pitstop"), "run", "--", "python", "-c", "pass"], proj)
    return [
        bench.pair(
            Row(
                "tox",
                "`pitstop run -- python -c pass`",
                "`tox run -e smoke` (tox-uv, env exists)",
                "--rows tox",
            ),
            lambda: bench.run([str(bench.pip_bin / "pitstop"), "run", "--", "python", "-c", "pass"], proj),
            lambda: bench.run([tox, "run", "-e", "smoke"], uvp),
        )
    ]


def precommit_row(bench: Bench) -> list[Row]:
    """The lock-freshness hook through pre-commit: ``pitstop lock --check`` vs
    ``uv lock --check --offline``, each as a local system hook of pre-commit."""
    proj = bench.pitstop_project("hook-pitstop", SMALL)
    uvp = bench.uv_project("hook-uv", SMALL)
    for root, entry in (
        (proj, f"{bench.pip_bin / 'pitstop'} lock --check"),
        (uvp, f"{bench.uv} lock --check --offline"),
    ):
        subprocess.run(["git", "init", "-q", str(root)], check=True, env=bench.env)
        (root / ".pre-commit-config.yaml").write_text(
            "repos:\n- repo: local\n  hooks:\n  - id: lock-check\n    name: lock-check\n"
            f"    entry: {entry}\n    language: system\n    pass_filenames: false\n    always_run: true\n",
            encoding="utf-8",
        )
        subprocess.run(["git", "add", "-A"], cwd=root, check=True, env=bench.env)
    pre_commit = str(bench.peers_bin / "pre-commit")
    return [
        bench.pair(
            Row(
                "pre-commit",
                "`pre-commit run lock-check` → `pitstop lock --check`",
                "`pre-commit run lock-check` → `uv lock --check --offline`",
                "--rows pre-commit",
            ),
            lambda: bench.run([pre_commit, "run", "lock-check"], proj),
            lambda: bench.run([pre_commit, "run", "lock-check"], uvp),
        )
    ]


# -- offline index ---------------------------------------------------------------------
def download(target: Path, python: str) -> None:
    """Real wheels for every row, from the real index (run once, with network)."""
    target.mkdir(parents=True, exist_ok=True)
    for reqs in ([*SMALL, ADDED], LARGE):
        subprocess.run(
            [python, "-m", "pip", "download", "-q", "--only-binary", ":all:", "-d", str(target), *reqs],
            check=True,
        )


def serve(wheels: Path, work: Path) -> tuple[str, http.server.ThreadingHTTPServer]:
    """A PEP 503 simple index of ``wheels`` on 127.0.0.1; returns (index URL, server)."""
    root = work / "index"
    simple = root / "simple"
    files = root / "files"
    files.mkdir(parents=True)
    projects: dict[str, list[tuple[str, str]]] = {}
    for wheel in sorted(wheels.glob("*.whl")):
        shutil.copy2(wheel, files / wheel.name)
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        name = wheel.name.split("-")[0].lower().replace("_", "-").replace(".", "-")
        projects.setdefault(name, []).append((wheel.name, digest))
    for name, entries in projects.items():
        page = simple / name
        page.mkdir(parents=True)
        links = "".join(f'<a href="../../files/{f}#sha256={d}">{f}</a>\n' for f, d in entries)
        (page / "index.html").write_text(f"<!DOCTYPE html>\n<html><body>\n{links}</body></html>\n")
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=str(root), **k)  # noqa: E731

    class Quiet(http.server.ThreadingHTTPServer):
        def handle_error(self, request: object, client_address: object) -> None:
            pass

    server = Quiet(("127.0.0.1", 0), handler)
    http.server.SimpleHTTPRequestHandler.log_message = lambda *a: None  # type: ignore[method-assign]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/simple", server


# -- report ----------------------------------------------------------------------------
def _commit() -> str:
    proc = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    )
    dirty = subprocess.run(
        ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no", "--", "src", "benchmarks"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return (proc.stdout.strip() or "unknown") + (" (with local changes)" if dirty else "")


def report(rows: list[Row], bench: Bench, argv: list[str], mode: str) -> str:
    uv_version = subprocess.run(
        [bench.uv, "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = [
        "# Benchmarks",
        "",
        f"Machine: {os.cpu_count()} cores, {platform.machine()} {platform.system()}; shared with other "
        f"work (load average {load:.1f} at the end of the run); CPython {bench.short} for the envs; "
        f"{uv_version}; {mode}.",
        "",
        f"pitstop at commit {_commit()}. Reproduce every row: `python benchmarks/bench.py --pairs {bench.pairs}"
        f" --python PYTHON{bench.short.replace('.', '')}{' ' + ' '.join(argv) if argv else ''}`"
        f" (PYTHON{bench.short.replace('.', '')}: the absolute path of a CPython {bench.short})."
        " Method: see the docstring of `benchmarks/bench.py` — pitstop (A)"
        " and its peer (B) alternate in one process (A B, B A, ...), after one unrecorded warm-up pair;"
        " ratios are A/B per pair. Medians are marked in bold.",
        "",
    ]
    section = None
    for row in rows:
        if row.section != section:
            section = row.section
            lines += [
                "",
                f"### {section}",
                "",
                "| A | B | A median | B median | ratio min | ratio median | ratio max | pairs | target |",
                "|---|---|---:|---:|---:|---:|---:|---:|---|",
            ]
        lines.append(row.line())
    return "\n".join(lines) + "\n"


def write(path: Path, text: str, mode: str) -> None:
    """Replace the ``mode`` results between ``<!-- bench:MODE -->`` and ``<!-- /bench:MODE -->``
    in ``path`` (the prose around them is kept), or write the whole file if it has none."""
    begin, end = f"<!-- bench:{mode} -->", f"<!-- /bench:{mode} -->"
    body = text.split("\n", 2)[2]  # without the "# Benchmarks" title
    try:
        old = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        old = ""
    if begin in old and end in old:
        head, rest = old.split(begin, 1)
        tail = rest.split(end, 1)[1]
        path.write_text(f"{head}{begin}\n{body}{end}{tail}", encoding="utf-8")
    else:
        path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pairs", type=int, default=15, help="measured pairs per row (default 15)")
    parser.add_argument("--rows", default=",".join(ROWS), help=f"comma-separated subset of {','.join(ROWS)}")
    parser.add_argument("--python", default=None, help="interpreter of the envs (default: this one's base)")
    parser.add_argument(
        "--offline", metavar="WHEELS", help="serve these real wheels on 127.0.0.1 instead of the index"
    )
    parser.add_argument("--download", metavar="WHEELS", help="download the wheels --offline needs, then exit")
    parser.add_argument("--write", metavar="FILE", help="also write the report (markdown) to FILE")
    parser.add_argument("--keep", action="store_true", help="keep the temporary workspace")
    args = parser.parse_args(argv)
    python = args.python or os.path.realpath(getattr(sys, "_base_executable", sys.executable))
    if args.download:
        download(Path(args.download), python)
        return 0
    wanted = [r for r in args.rows.split(",") if r]
    unknown = set(wanted) - set(ROWS)
    if unknown:
        parser.error(f"unknown rows: {', '.join(sorted(unknown))}")
    work = Path(tempfile.mkdtemp(prefix="pitstop-bench-"))
    server = None
    try:
        index = None
        if args.offline:
            index, server = serve(Path(args.offline), work)
        bench = Bench(work, python, index, args.pairs)
        bench.install()
        builders: dict[str, Callable[[], list[Row]]] = {
            "setup-small": lambda: setup_rows(bench, "small", SMALL, ("pip", "uv")),
            "setup-large": lambda: setup_rows(bench, "large", LARGE, ("pip",)),
            "rebuild": lambda: rebuild_row(bench),
            "swap": lambda: swap_row(bench),
            "check": lambda: check_rows(bench),
            "nox": lambda: nox_rows(bench),
            "tox": lambda: tox_row(bench),
            "pre-commit": lambda: precommit_row(bench),
        }
        rows: list[Row] = []
        for name in wanted:
            rows += builders[name]()
            for row in rows[-3:]:
                print(row.line(), file=sys.stderr)
        mode = "offline: real wheels from a local simple index" if args.offline else "online: the real index"
        shown = [f"--rows {','.join(wanted)}"] if wanted != list(ROWS) else []
        if args.offline:
            shown.append("--offline WHEELS")
        text = report(rows, bench, shown, mode)
        print(text)
        if args.write:
            write(Path(args.write), text, "offline" if args.offline else "online")
    finally:
        if server is not None:
            server.shutdown()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
