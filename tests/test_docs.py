"""Every runnable example in README.md and docs/ runs as written, and its output keeps its shape.

How to mark a block (README.md or any docs/**/*.md): put an HTML comment on the line right
before its opening fence::

    <!-- docs-test: SCENARIO -->          runs in the default (offline) test run
    <!-- docs-test: SCENARIO index -->    needs the real package index: runs only in the
                                          `index`-marked test (CI runs it too)
    <!-- docs-test: SCENARIO file=PATH --> (optional) the file a non-shell block is written to

Blocks of one file that share a SCENARIO run in order, in one fresh temporary directory:

- ``sh``/``bash``: run with ``bash -euo pipefail``; it must exit 0.
- ``console``: each ``$ CMD`` line runs with bash; the lines after it (until the next ``$``)
  are its expected output (stdout and stderr together). The output must keep that *shape*:
  lines compare after collapsing whitespace and turning every run of digits into one ``N``
  (versions and counts differ between machines), ``...`` inside a line matches anything,
  and a line that is just ``...`` stands for any number of lines (without it, lines must be
  consecutive and nothing may follow the last one). A command must exit 0 unless its expected
  output shows an ``error:`` line or a pre-commit ``Failed``.
- any other language (toml, python, yaml, ...): written to ``file=PATH``, else to the path
  named by its first line when that is a comment such as ``# pyproject.toml``.

So the examples need no network in the default run, the default run (1) puts this test
environment's ``pitstop``, ``nox``, ``pre-commit`` and ``uv`` first on PATH, (2) adds
``find-links`` (a directory of tiny wheels, tests/wheelfactory.py) and ``no-index = true``
under every ``[tool.pitstop]`` header of a written file and builds one tiny wheel, with a
console script and ``python -m`` entry of its own name, for every requirement that file names.
The ``index`` run uses the real index and real packages; the README's walk-through installs
pitstop, nox and pre-commit exactly as it says (into ``~/.local/bin``, first on PATH), other
scenarios fall back to this test environment's tools. In both, ``https://example.invalid/pitstop.git``
(or ``.../pitstop``) means a local clone of this repository's HEAD tagged ``v<version>``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.wheelfactory import build_wheel

ROOT = Path(__file__).resolve().parent.parent
DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
MARKER = re.compile(r"^<!--\s*docs-test:\s*(?P<args>[^>]*?)\s*-->\s*$")
FENCE = re.compile(r"^(?P<fence>```+|~~~+)\s*(?P<lang>[\w+-]*)")
PLACEHOLDER = re.compile(r"https://example\.invalid/pitstop(?:\.git)?(?![\w.-])")
SHELLS = ("sh", "bash", "shell")


@dataclass
class Block:
    """One marked fenced block."""

    source: str
    line: int
    lang: str
    text: str
    index: bool
    file: str | None = None


@dataclass
class Scenario:
    """The marked blocks of one doc file sharing a scenario name, in order."""

    doc: str
    name: str
    blocks: list[Block] = field(default_factory=list)

    @property
    def needs_index(self) -> bool:
        return any(b.index for b in self.blocks)


def extract(path: Path, root: Path = ROOT) -> list[Scenario]:
    """The marked blocks of one markdown file, grouped into scenarios."""
    rel = path.relative_to(root).as_posix()
    lines = path.read_text(encoding="utf-8").splitlines()
    scenarios: dict[str, Scenario] = {}
    i = 0
    while i < len(lines):
        match = MARKER.match(lines[i].strip())
        if not match:
            i += 1
            continue
        args = match["args"].split()
        if not args:
            raise AssertionError(f"{rel}:{i + 1}: docs-test marker without a scenario name")
        name, flags = args[0], args[1:]
        unknown = [f for f in flags if f != "index" and not f.startswith("file=")]
        if unknown:
            raise AssertionError(f"{rel}:{i + 1}: unknown docs-test flag(s) {unknown}")
        fence = FENCE.match(lines[i + 1]) if i + 1 < len(lines) else None
        if not fence:
            raise AssertionError(f"{rel}:{i + 1}: a docs-test marker must be right before a fenced block")
        body: list[str] = []
        j = i + 2
        while j < len(lines) and not lines[j].startswith(fence["fence"]):
            body.append(lines[j])
            j += 1
        files = [f.split("=", 1)[1] for f in flags if f.startswith("file=")]
        block = Block(
            source=f"{rel}:{i + 2}",
            line=i + 2,
            lang=fence["lang"] or "text",
            text="\n".join(body) + "\n",
            index="index" in flags,
            file=files[0] if files else None,
        )
        scenarios.setdefault(name, Scenario(rel, name)).blocks.append(block)
        i = j + 1
    return list(scenarios.values())


def all_scenarios() -> list[Scenario]:
    return [s for doc in DOC_FILES for s in extract(doc)]


def target_file(block: Block) -> str:
    """Where a non-shell block is written."""
    if block.file:
        return block.file
    first = block.text.splitlines()[0] if block.text.strip() else ""
    match = re.match(r"^\s*(?:#|//|--)\s*([\w./-]+\.[\w]+)\s*$", first)
    if not match:
        raise AssertionError(f"{block.source}: a {block.lang} block needs file=PATH or a first line '# PATH'")
    return match[1]


# -- output shape --------------------------------------------------------------------------
def _norm(line: str) -> str:
    return re.sub(r"\d+", "N", " ".join(line.split()))


def _line_matches(expected: str, actual: str) -> bool:
    pattern = ".*".join(re.escape(part) for part in _norm(expected).split("..."))
    return re.fullmatch(pattern, _norm(actual)) is not None


def shape_matches(expected: list[str], actual: list[str]) -> bool:
    """True when ``actual`` has the shape of ``expected`` (see the module docstring)."""
    exp = [e for e in expected if e.strip()]
    act = [a for a in actual if a.strip()]

    def match(e: int, a: int) -> bool:
        if e == len(exp):
            return a == len(act)
        if exp[e].strip() == "...":
            return any(match(e + 1, k) for k in range(a, len(act) + 1))
        return a < len(act) and _line_matches(exp[e], act[a]) and match(e + 1, a + 1)

    return match(0, 0)


def console_steps(block: Block) -> list[tuple[str, list[str]]]:
    """(command, expected output lines) for each ``$`` line of a console block."""
    steps: list[tuple[str, list[str]]] = []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif steps:
            steps[-1][1].append(line)
        elif line.strip():
            raise AssertionError(f"{block.source}: output before the first '$ ' command")
    return steps


# -- the local stand-ins -------------------------------------------------------------------
def _requirements_of(text: str) -> list[str]:
    """Every requirement string a pyproject/pitstop.toml names."""
    from pitstop import _toml

    data = _toml.loads(text, source=Path("pyproject.toml"))
    tool = data.get("tool", {}).get("pitstop", data if "tool" not in data else {})
    found: list[str] = []
    tables = [tool, *dict(tool.get("envs") or {}).values()]
    from pitstop.requirements import library_requirement

    for table in tables:
        found += [r for r in table.get("requirements", []) if isinstance(r, str)]
        for import_name, value in dict(table.get("libraries") or {}).items():
            req = library_requirement(import_name, value, where="libraries")
            found += [req] if req else []
    project = data.get("project", {})
    found += project.get("dependencies", [])
    for reqs in dict(project.get("optional-dependencies") or {}).values():
        found += reqs
    for group in dict(data.get("dependency-groups") or {}).values():
        found += [r for r in group if isinstance(r, str)]
    return found


def _satisfying_version(spec: object) -> str:
    from packaging.specifiers import SpecifierSet

    assert isinstance(spec, SpecifierSet)
    bases = [s.version.replace(".*", "") for s in spec] + ["1.0", "0.1"]
    for base in bases:
        for candidate in (base, f"{base}.1", f"{base}.0.1", f"{base.split('.')[0]}.99"):
            if spec.contains(candidate, prereleases=True):
                return candidate
    raise AssertionError(f"cannot pick a version for {spec}")


def build_stand_ins(requirements: list[str], wheels: Path) -> None:
    """A tiny wheel for every requirement (own console script + __main__)."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    for raw in requirements:
        req = Requirement(raw)
        name = canonicalize_name(req.name)
        version = _satisfying_version(req.specifier)
        module = name.replace("-", "_")
        if not list(wheels.glob(f"{module}-{version}-*.whl")):
            build_wheel(
                wheels,
                name,
                version,
                script=name,
                extra_files={f"{module}/__main__.py": "from . import main\n\nmain()\n"},
            )


def inject_local_index(text: str, wheels: Path, *, top_level: bool = False) -> str:
    """Point every ``[tool.pitstop]`` (with ``top_level``: a pitstop.toml) at the tiny wheels."""
    lines = f'find-links = ["{wheels.as_posix()}"]\nno-index = true\n'
    if top_level:
        return lines + text
    out, n = re.subn(r"(?m)^\[tool\.pitstop\]\s*(#.*)?$", lambda m: m[0] + "\n" + lines.rstrip(), text)
    return out if n else text


def requirements_file_lines(text: str) -> list[str]:
    """The plain requirement lines of a pip-style requirements file (no options, no ``.``)."""
    out = []
    for line in text.splitlines():
        line = line.split(" #", 1)[0].strip()
        if line and not line.startswith(("#", "-", ".")):
            out.append(line)
    return out


# -- running -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pitstop_clone(tmp_path_factory: pytest.TempPathFactory) -> str:
    """``file://`` URL of a clone of this repository's HEAD, tagged ``v<version>``."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: no local clone to stand in for the pitstop repository")
    from pitstop import _toml

    version = _toml.loads(
        (ROOT / "pyproject.toml").read_text(encoding="utf-8"), source=ROOT / "pyproject.toml"
    )["project"]["version"]
    clone = tmp_path_factory.mktemp("pitstop-repo") / "pitstop"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, env=_git_env(os.environ))
    subprocess.run(["git", "-C", str(clone), "tag", f"v{version}"], check=True, env=_git_env(os.environ))
    return f"file://{clone}"


def _git_env(base: os._Environ[str] | dict[str, str]) -> dict[str, str]:
    return {
        **base,
        "GIT_AUTHOR_NAME": "docs test",
        "GIT_AUTHOR_EMAIL": "docs@example.invalid",
        "GIT_COMMITTER_NAME": "docs test",
        "GIT_COMMITTER_EMAIL": "docs@example.invalid",
        "GIT_CONFIG_NOSYSTEM": "1",
    }


def run_scenario(scenario: Scenario, work: Path, *, clone: str | None, offline: bool) -> None:
    """Run the scenario's blocks in ``work`` and fail with the block's location on a mismatch."""
    home = Path(os.environ["HOME"])
    wheels = work.parent / "stand-in-wheels"
    wheels.mkdir(exist_ok=True)
    bindir = Path(sys.executable).parent
    outer = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and Path(p) != bindir]
    if offline:
        path = [str(bindir), *outer]
    else:
        # ~/.local/bin (where `uv tool install` puts the commands the README installs) comes
        # first, then what the README presupposes (uv, git, python3); this test env's tools
        # come last, for scenarios that do not install pitstop themselves.
        uv_only = work.parent / "uv-only"
        uv_only.mkdir(exist_ok=True)
        if not (uv_only / "uv").exists():
            (uv_only / "uv").symlink_to(bindir / "uv")
        path = [str(home / ".local" / "bin"), str(uv_only), *outer, str(bindir)]
    env = _git_env(dict(os.environ))
    env.update(PATH=os.pathsep.join(path), PYTHONUNBUFFERED="1", NO_COLOR="1", LC_ALL="C.UTF-8")
    env.pop("VIRTUAL_ENV", None)
    for block in scenario.blocks:
        if block.index and offline:
            continue
        text = PLACEHOLDER.sub(clone, block.text) if clone else block.text
        if block.lang in SHELLS:
            proc = _bash(text, work, env)
            assert proc.returncode == 0, f"{block.source}: exit {proc.returncode}\n{proc.stdout}"
        elif block.lang == "console":
            for command, expected in console_steps(Block(**{**block.__dict__, "text": text})):
                proc = _bash(command, work, env)
                out = proc.stdout.splitlines()
                failing = any(e.startswith("error:") or re.search(r"\.Failed$", e.strip()) for e in expected)
                where = f"{block.source}: $ {command}"
                assert (proc.returncode != 0) == failing, f"{where}: exit {proc.returncode}\n{proc.stdout}"
                assert shape_matches(expected, out), (
                    f"{where}: output does not have the documented shape\n--- documented\n"
                    + "\n".join(expected)
                    + "\n--- actual\n"
                    + proc.stdout
                )
        else:
            target = work / target_file(block)
            target.parent.mkdir(parents=True, exist_ok=True)
            if offline and target.suffix == ".toml":
                build_stand_ins(_requirements_of(text), wheels)
                text = inject_local_index(text, wheels, top_level=target.name == "pitstop.toml")
            elif offline and target.suffix in (".txt", ".in"):
                build_stand_ins(requirements_file_lines(text), wheels)
            target.write_text(text, encoding="utf-8")


def _bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=900,
        check=False,
    )


SCENARIOS = all_scenarios()
_IDS = [f"{s.doc}:{s.name}" for s in SCENARIOS]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=_IDS)
def test_docs_example_offline(scenario: Scenario, tmp_path: Path) -> None:
    """Every marked block that needs no index, with local stand-in wheels."""
    if all(b.index for b in scenario.blocks):
        pytest.skip("every block of this scenario needs the package index")
    work = tmp_path / "work"
    work.mkdir()
    run_scenario(scenario, work, clone=None, offline=True)


@pytest.mark.index
@pytest.mark.parametrize(
    "scenario",
    [s for s in SCENARIOS if s.needs_index],
    ids=[f"{s.doc}:{s.name}" for s in SCENARIOS if s.needs_index],
)
def test_docs_example_with_the_index(scenario: Scenario, tmp_path: Path, pitstop_clone: str) -> None:
    """The whole scenario, as a newcomer runs it: real index, tools installed as documented."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    work = tmp_path / "work"
    work.mkdir()
    run_scenario(scenario, work, clone=pitstop_clone, offline=False)


def test_the_readme_has_runnable_examples() -> None:
    """The quick start is marked, so the README cannot drift unnoticed."""
    names = {(s.doc, s.name) for s in SCENARIOS}
    assert ("README.md", "newcomer") in names
    newcomer = next(s for s in SCENARIOS if (s.doc, s.name) == ("README.md", "newcomer"))
    langs = {b.lang for b in newcomer.blocks}
    assert {"toml", "console", "sh", "python", "yaml"} <= langs


def test_the_contributor_commands_open_the_readme() -> None:
    """The two commands a contributor runs stay the README's first lines (CI runs them)."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    block = lines[lines.index("```sh") + 1 : lines.index("```")]
    assert [line.split("#")[0].strip() for line in block] == [
        "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/pitstop setup",
        ".venv/bin/pitstop run -- python -m pytest -m '' -n0",
    ]
    assert lines.index("```sh") <= 2


@pytest.mark.parametrize(
    ("expected", "actual", "ok"),
    [
        (["a 1", "b"], ["a 22", "b"], True),
        (["a", "b"], ["a", "x", "b"], False),
        (["a", "...", "b"], ["a", "x", "y", "b"], True),
        (["a"], ["a", "tail"], False),
        (["a", "..."], ["a", "tail"], True),
        (["x ... z"], ["x yyy z"], True),
        (["✅ default  managed   CPython 3.12.1"], ["✅ default managed CPython 3.13.0"], True),
        (["wrote 3 packages"], ["wrote three packages"], False),
        ([], [], True),
        (["..."], [], True),
    ],
)
def test_shape_matching(expected: list[str], actual: list[str], ok: bool) -> None:
    assert shape_matches(expected, actual) is ok


def test_markers_are_parsed(tmp_path: Path) -> None:
    doc = tmp_path / "x.md"
    doc.write_text(
        "<!-- docs-test: s -->\n```toml\n# pyproject.toml\n[tool.pitstop]\n```\n\n"
        "<!-- docs-test: s index file=a/b.py -->\n```python\nprint(1)\n```\n"
        "```sh\nnot marked\n```\n",
        encoding="utf-8",
    )
    (scenario,) = extract(doc, tmp_path)
    assert [(b.lang, b.index, b.file) for b in scenario.blocks] == [
        ("toml", False, None),
        ("python", True, "a/b.py"),
    ]
    assert target_file(scenario.blocks[0]) == "pyproject.toml"
    assert scenario.needs_index
    injected = inject_local_index(scenario.blocks[0].text, Path("/w"))
    assert 'find-links = ["/w"]\nno-index = true' in injected
    assert inject_local_index("python = '3.12'\n", Path("/w"), top_level=True).startswith("find-links")
    assert requirements_file_lines("-e .[x]\n# c\nalpha>=1  # why\n-r more.txt\nbeta\n") == [
        "alpha>=1",
        "beta",
    ]


def test_a_pitstop_toml_scenario_with_a_requirements_file_runs_offline(tmp_path: Path) -> None:
    """The machinery itself: stand-ins for a requirements file, pitstop.toml injection, and a
    mismatching output that fails with the block's location."""
    doc = tmp_path / "doc.md"
    doc.write_text(
        "<!-- docs-test: s -->\n```toml\n# pitstop.toml\nrequirements-files = ['requirements.txt']\n```\n"
        "<!-- docs-test: s file=requirements.txt -->\n```text\nalpha-tool>=1.2\n```\n"
        "<!-- docs-test: s -->\n```console\n$ pitstop setup\nlocking default: 1 requirement (no lock yet)\n"
        "...\n$ pitstop run -- alpha-tool\nalpha-tool 1.2\n$ pitstop lock --check\npylock.toml: fresh\n```\n",
        encoding="utf-8",
    )
    (scenario,) = extract(doc, tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    run_scenario(scenario, work, clone=None, offline=True)
    assert (work / "pylock.toml").is_file()
    wrong = Scenario(scenario.doc, "s", [scenario.blocks[-1]])
    wrong.blocks[0] = Block(**{**wrong.blocks[0].__dict__, "text": "$ pitstop check\nnothing like this\n"})
    with pytest.raises(AssertionError, match=r"doc\.md:\d+: \$ pitstop check: output does not have"):
        run_scenario(wrong, work, clone=None, offline=True)
