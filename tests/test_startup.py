"""What a command pays for before it does anything: the modules each command path imports,
pinned by name (benchmarks time them; tests never do)."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pytest

from pitstop.main import COMMANDS, _parser, command_of
from tests.conftest import ProjectFactory
from tests.helpers import PY, imported, store


@pytest.fixture
def ready(make_project: ProjectFactory) -> Path:
    root = make_project('requirements = ["beta"]\n', python=PY)
    assert imported(root, "setup")
    return root


# Each full-path form (the fast path is off: a cache miss) and the modules it must not import.
PATHS = {
    ("setup",): {"pitstop.commands.ci"},
    # On a ready env: nothing of the build (the staged build, its lock cache, the installers).
    ("check",): {"pitstop.commands.ci", "pitstop.build", "pitstop.lockcache", "pitstop.installers"},
    ("check", "--json"): {"pitstop.commands.ci", "pitstop.build", "pitstop.installers"},
    ("run", "--", "python", "-c", "pass"): {"pitstop.commands.ci", "pitstop.build", "pitstop.installers"},
    ("lock",): {"pitstop.commands.ci"},
    # The pre-commit hook's path: config and the lock's text; no interpreter, no policy.
    ("lock", "--check"): {"pitstop.commands.ci", "pitstop.runtime", "pitstop.identity", "pitstop.policy"},
}


@pytest.mark.parametrize("argv", list(PATHS))
def test_a_command_imports_only_what_its_path_needs(ready: Path, argv: tuple[str, ...]) -> None:
    if argv == ("setup",):  # a build: the env is gone, the lock is fresh
        shutil.rmtree(store(ready))
    modules = imported(ready, *argv, PITSTOP_NO_FASTPATH="1")
    assert "pitstop.config" in modules, "the full path ran"
    assert not modules & PATHS[argv], sorted(modules & PATHS[argv])


# A frozen dataclass compiles its methods when its module is imported (~0.5 ms a class, every
# start); pitstop's internal records are NamedTuples. These stay dataclasses: the public API's
# records (what ensure/resolve/check/lock return, what a third-party kind builds), Interpreter
# (pitstop.identity is imported by ensure()'s fast path, which imports no typing), and the lock
# and verification engine's own.
DATACLASSES_ON_THE_BUILD_PATH = {
    "pitstop.identity.RuntimeIdentity",
    "pitstop.identity.Interpreter",
    "pitstop.kinds.base.PythonCommand",
    "pitstop.kinds.base.Report",
    "pitstop.lockfile.LockStatus",
    "pitstop.lockfile.LockFile",
    "pitstop.lockcache.Verified",
    "pitstop.verify.Distribution",
}


def test_the_build_path_defines_no_new_dataclass(ready: Path) -> None:
    """A new record on the setup path is a NamedTuple, or is added above with its reason."""
    shutil.rmtree(store(ready))
    modules = imported(ready, "setup")
    found = {m.removeprefix("dataclass:") for m in modules if m.startswith("dataclass:")}
    new = sorted(found - DATACLASSES_ON_THE_BUILD_PATH)
    assert not new, f"make {new} NamedTuples, or list them in DATACLASSES_ON_THE_BUILD_PATH with the reason"
    assert "pitstop.config" in modules, "the full path ran"
    assert "pitstop.installers.base" in modules and "tempfile" not in modules, (
        "scratch makes its own directory"
    )


def test_command_of_names_what_argparse_picks() -> None:
    assert command_of(["setup"]) == "setup"
    assert command_of(["-v", "--project", "check", "run", "-e", "lock"]) == "run"
    assert command_of(["--pro", "ci", "lock"]) == "lock"  # an abbreviated --project
    assert command_of(["--project=setup", "-qv", "clean"]) == "clean"
    for unsure in ([], ["frobnicate", "setup"], ["-h", "setup"], ["-vh", "setup"], ["--he", "setup"], ["--"]):
        assert command_of(unsure) is None, unsure


ARGVS = [
    *([name] for name in COMMANDS),
    ["ci", "github", "--python", "3.12", "--nox", "true"],
    ["setup", "--frozen", "--skip-unavailable", "-e", "a", "--all"],
    ["check", "--json", "--strict"],
    ["lock", "--upgrade", "a", "b", "--check"],
    ["run", "--no-strict", "--", "python", "-c", "pass", "setup"],
    ["python", "--json", "--nul"],
    ["detect", "sub", "--json"],
    ["-v", "--project", "ci", "rollback", "-q"],
    ["--pro", "run", "clean"],
    ["--project=x", "setup", "--bogus"],
    ["setup", "--json"],
    ["clean", "--frozen"],
    ["ci", "bogus"],
    ["frobnicate", "setup"],
    ["--project"],
    [],
]


@pytest.mark.parametrize("argv", ARGVS, ids=" ".join)
def test_the_parser_for_one_command_parses_as_the_whole_one(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """The parser built for ``argv`` defines only the command it names, and gives the same
    namespace, or the same usage error, as the parser with every command."""

    def parse(parser: object) -> tuple[object, str, str]:
        assert isinstance(parser, argparse.ArgumentParser)
        try:
            result: object = vars(parser.parse_args(argv))
        except SystemExit as exc:
            result = exc.code
        out, err = capsys.readouterr()
        return result, out, err

    one, whole = _parser(argv), _parser()
    assert parse(one) == parse(whole)
    assert isinstance(one, argparse.ArgumentParser)
    chosen = command_of(argv)
    sub = next(a for a in one._actions if isinstance(a, argparse._SubParsersAction))
    assert list(sub.choices) == ([chosen] if chosen else list(COMMANDS))
