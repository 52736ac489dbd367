"""Adopted environments tell the truth (issue #16): readiness from each tool's own source of
truth, one verdict for python/run/check, fixes that lead to ✅, and the launcher contract
(``pitstop python --json`` / ``--nul``) validated against the shipped JSON Schema."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ProjectFactory, pyenv_python
from tests.fakes import install_fake
from tests.helpers import PY, pitstop_process, run_prefix, store

Cli = Callable[..., tuple[int, str, str]]
ROOT = Path(__file__).resolve().parents[1]
SCHEMA_FILE = ROOT / "src" / "pitstop" / "python-command.schema.json"


def write(root: Path, text: str, name: str = "pyproject.toml") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(text)
    return root


def contract(cli: Cli, root: Path, *args: str) -> tuple[int, dict[str, Any]]:
    """``pitstop python --json`` in ``root``: exactly one JSON document, valid per the schema."""
    import jsonschema  # type: ignore[import-untyped]

    code, out, _ = cli("python", *args, "--json", cwd=root)
    data = json.loads(out)  # exactly one document: json.loads refuses trailing data
    jsonschema.validate(data, json.loads(SCHEMA_FILE.read_text()))
    assert (code == 0) is data["ok"], (code, data)
    return code, data


def verdicts(cli: Cli, root: Path, *env: str) -> tuple[int, int, int, str]:
    """(check, python, run) exit codes and check's output for one env: they must agree."""
    check = cli("check", *env, cwd=root)
    python = cli("python", *env, "--json", cwd=root)
    run = cli("run", *env, "--", "python", "-c", "pass", cwd=root)
    return check[0], python[0], run[0], check[1]


def fix_of(out: str) -> str:
    return out.split("fix: ", 1)[1].splitlines()[0].split("  (")[0].strip()


def sh(argv: list[str], cwd: Path | None = None, **env: str) -> None:
    subprocess.run(argv, cwd=cwd, check=True, capture_output=True, env={**os.environ, **env})


def pip_install(venv: Path, wheels: Path, *requirements: str) -> None:
    """Install from the local wheels into a venv by hand, as a user would with ``uv pip``
    (the venvs are made ``--without-pip``: seeding pip would cost more than the test)."""
    import uv

    python = str(venv / "bin" / "python")
    sh(
        [
            uv.find_uv_bin(),
            "pip",
            "install",
            "-q",
            "--python",
            python,
            "--no-index",
            "-f",
            str(wheels),
            *requirements,
        ]
    )


# -- uv: lock vs env, as uv sync --locked --check decides --------------------------------
@pytest.fixture
def uv_project(tmp_path: Path, wheels: Path) -> Path:
    from pitstop.uvbin import find_uv

    root = write(
        tmp_path / "uvproj",
        '[project]\nname = "uvproj"\nversion = "0.1"\nrequires-python = ">=3.11"\ndependencies = ["alpha"]\n'
        f'[tool.uv]\nno-index = true\nfind-links = ["{wheels}"]\npackage = false\n',
    )
    sh([find_uv(), "lock", "-q", "--python", pyenv_python("3.12")], cwd=root)
    sh([find_uv(), "sync", "-q", "--locked", "--python", pyenv_python("3.12")], cwd=root)
    return root


def test_a_stale_uv_env_is_not_ready_and_the_fix_makes_it_ready(uv_project: Path, cli: Cli) -> None:
    """Item 1: a dependency added and locked but not synced is ❌ for check, python and run."""
    from pitstop.uvbin import find_uv

    assert verdicts(cli, uv_project)[:3] == (0, 0, 0)
    text = (uv_project / "pyproject.toml").read_text().replace('["alpha"]', '["alpha", "gamma"]')
    (uv_project / "pyproject.toml").write_text(text)
    sh([find_uv(), "lock", "-q"], cwd=uv_project)
    check, python, run, out = verdicts(cli, uv_project)
    assert (check, python, run) == (1, 1, 1)
    assert "does not match uv.lock" in out
    _code, data = contract(cli, uv_project)
    assert data["error"]["fix"] == fix_of(out) == "uv sync --locked"
    sh([find_uv(), *fix_of(out).split()[1:], "-q"], cwd=uv_project)
    assert verdicts(cli, uv_project)[:3] == (0, 0, 0)


def test_a_uv_lock_behind_pyproject_is_not_ready(uv_project: Path, cli: Cli) -> None:
    from pitstop.uvbin import find_uv

    text = (uv_project / "pyproject.toml").read_text().replace('["alpha"]', '["alpha", "gamma"]')
    (uv_project / "pyproject.toml").write_text(text)
    check, python, run, out = verdicts(cli, uv_project)
    assert (check, python, run) == (1, 1, 1) and "uv.lock is out of date" in out
    assert fix_of(out) == "uv sync"
    sh([find_uv(), "sync", "-q"], cwd=uv_project)
    assert verdicts(cli, uv_project)[:3] == (0, 0, 0)


def follow_fix(fix: str, cwd: Path) -> None:
    """Run a printed fix as a shell would (``a && b``), with the real uv for ``uv``."""
    import shlex

    from pitstop.uvbin import find_uv

    for part in fix.split(" && "):
        argv = shlex.split(part)
        sh([find_uv() if argv[0] == "uv" else argv[0], *argv[1:]], cwd=cwd)


@pytest.mark.parametrize("damage", ["hand-edited", "garbage", "garbage-in-git"])
def test_a_damaged_uv_lock_shows_uvs_error_and_a_fix_that_works(
    uv_project: Path, cli: Cli, damage: str, git_repo: Callable[[Path], None]
) -> None:
    """uv's error (exit 2) is not "out of date": its words are shown, and the fix repairs it."""
    lock = uv_project / "uv.lock"
    if damage == "garbage-in-git":
        git_repo(uv_project)
    if damage == "hand-edited":  # the wheel's file name no longer matches the version
        text = lock.read_text()
        assert 'name = "alpha"\nversion = "2.0"' in text
        lock.write_text(text.replace('name = "alpha"\nversion = "2.0"', 'name = "alpha"\nversion = "1.0"'))
    else:
        lock.write_text("garbage = [\n")
    check, python, run, out = verdicts(cli, uv_project)
    assert (check, python, run) == (1, 1, 1), out
    assert "Failed to parse `uv.lock`" in out and "out of date" not in out
    _code, data = contract(cli, uv_project)
    fix = fix_of(out)
    assert data["error"]["fix"] == fix
    assert fix == ("git checkout -- uv.lock" if damage == "garbage-in-git" else "rm uv.lock && uv lock")
    follow_fix(fix, uv_project)
    assert verdicts(cli, uv_project)[:3] == (0, 0, 0)


def test_a_python_version_that_is_not_installed_names_uvs_error(uv_project: Path, cli: Cli) -> None:
    (uv_project / ".python-version").write_text("3.99\n")
    check, python, run, out = verdicts(cli, uv_project)
    assert (check, python, run) == (1, 1, 1)
    assert "No interpreter found for Python 3.99" in out and "out of date" not in out
    assert fix_of(out) == "uv python install 3.99"


def test_a_python_version_outside_requires_python_gets_a_pin_that_works(
    uv_project: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """.python-version 3.12 with requires-python >=3.13: uv's words, and a pin of an installed
    3.13 (with no such Python, its install, shell-quoted); following the fixes makes it ready."""
    py313 = pyenv_python("3.13")
    monkeypatch.setenv("PATH", f"{Path(py313).parent}{os.pathsep}{os.environ['PATH']}")
    (uv_project / ".python-version").write_text("3.12\n")
    pyproject = uv_project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('">=3.11"', '">=3.99"'))
    out = verdicts(cli, uv_project)[3]
    assert "incompatible with the project's Python requirement" in out
    assert fix_of(out) == "uv python install '>=3.99'"
    pyproject.write_text(pyproject.read_text().replace('">=3.99"', '">=3.13"'))
    check, python, run, out = verdicts(cli, uv_project)
    assert (check, python, run) == (1, 1, 1) and "out of date" not in out
    assert fix_of(out) == "uv python pin 3.13"
    for _ in range(3):  # the pin, then whatever uv.lock and the env need
        follow_fix(fix_of(out), uv_project)
        check, python, run, out = verdicts(cli, uv_project)
        if check == 0:
            break
    assert (check, python, run) == (0, 0, 0), out
    assert run_prefix(uv_project) == str(uv_project / ".venv")


def test_run_in_a_subdirectory_of_a_uv_project_uses_its_env(uv_project: Path) -> None:
    """Item 2: from uvproj/src/pkg/ pitstop finds the uv project (not pitstop's own venv)."""
    inner = uv_project / "src" / "pkg"
    inner.mkdir(parents=True)
    assert run_prefix(inner) == str(uv_project / ".venv")


def test_uv_project_environment_is_honoured(
    uv_project: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Item 5: UV_PROJECT_ENVIRONMENT (relative to the project) is the env; its fix works."""
    from pitstop.uvbin import find_uv

    monkeypatch.setenv("UV_PROJECT_ENVIRONMENT", "build/env")
    check, python, run, out = verdicts(cli, uv_project)
    assert (check, python, run) == (1, 1, 1) and "not created yet  (build/env)" in out
    sh([find_uv(), *fix_of(out).split()[1:], "-q", "--python", pyenv_python("3.12")], cwd=uv_project)
    code, data = contract(cli, uv_project / "src" if (uv_project / "src").is_dir() else uv_project)
    assert code == 0 and data["kind"] == "uv" and data["prefix"] == str(uv_project / "build" / "env")
    assert data["argv"] == [str(uv_project / "build" / "env" / "bin" / "python")]


def test_project_dir_is_relative_to_the_project_root(uv_project: Path, tmp_path: Path, cli: Cli) -> None:
    """Item 5: project-dir = "svc" means <root>/svc from any working directory."""
    root = write(tmp_path / "mono", '[tool.pitstop.envs.svc]\nkind = "uv"\nproject-dir = "svc"\n')
    shutil.move(str(uv_project), root / "svc")
    shutil.rmtree(root / "svc" / ".venv")
    from pitstop.uvbin import find_uv

    sh([find_uv(), "sync", "-q", "--locked", "--python", pyenv_python("3.12")], cwd=root / "svc")
    (root / "docs").mkdir()
    code, data = contract(cli, root / "docs", "-e", "svc")
    assert code == 0 and data["prefix"] == str(root / "svc" / ".venv")


# -- settings a kind does not use are not inherited --------------------------------------
def test_top_level_python_never_becomes_a_docker_command(tmp_path: Path, cli: Cli, fake_bin: Path) -> None:
    """Items 3 and 4: python = "3.12" stays the managed request; docker runs python3."""
    install_fake(fake_bin, "docker", sys.executable)
    root = write(
        tmp_path / "a",
        '[tool.pitstop]\npython = "3.12"\n[tool.pitstop.envs.w]\nkind = "docker"\ncontainer = "c"\n',
    )
    code, data = contract(cli, root, "-e", "w")
    assert code == 0 and data["argv"][1:] == ["exec", "-i", "c", "python3"] and data["kind"] == "docker"
    # A command name inside the container is not a config error.
    write(root, '[tool.pitstop.envs.w]\nkind = "docker"\ncontainer = "c"\npython = "python3"\n')
    assert contract(cli, root, "-e", "w")[1]["argv"][-1] == "python3"


@pytest.mark.parametrize("kind", ["uv", "venv", "poetry", "conda"])
def test_python_in_an_env_that_cannot_use_it_is_a_config_error(tmp_path: Path, cli: Cli, kind: str) -> None:
    root = write(tmp_path / "a", f'[tool.pitstop.envs.x]\nkind = "{kind}"\npython = "3.12"\n')
    code, data = contract(cli, root, "-e", "x")
    assert code == 2 and data["error"]["code"] == "config"
    assert "does not take python" in data["error"]["message"]
    assert data["error"]["fix"] == "remove python from [tool.pitstop.envs.x]"


def test_inherited_python_is_ignored_by_a_venv_env(tmp_path: Path, cli: Cli) -> None:
    root = write(tmp_path / "a", '[tool.pitstop]\npython = "3.99"\n[tool.pitstop.envs.v]\nkind = "venv"\n')
    sh([pyenv_python("3.11"), "-m", "venv", "--without-pip", str(root / ".venv")])
    code, data = contract(cli, root, "-e", "v")
    assert code == 0 and data["python"]["version"].startswith("3.11")


# -- .python-version as pyenv reads it ----------------------------------------------------
def test_python_version_with_a_comment_and_several_versions(tmp_path: Path, cli: Cli) -> None:
    """Item 6."""
    exe = pyenv_python("3.11")
    pyenv_python("3.12")
    root = write(tmp_path / "a", "# the workers need 3.11\n3.11\n3.12\n", ".python-version")
    code, data = contract(cli, root)
    assert code == 0 and data["kind"] == "pyenv" and data["argv"] == [exe]
    assert data["python"]["version"].startswith("3.11")


def test_python_version_system_is_the_system_interpreter(tmp_path: Path, cli: Cli) -> None:
    root = write(tmp_path / "a", "system\n", ".python-version")
    code, data = contract(cli, root)
    assert code == 0 and data["kind"] == "pyenv"
    assert "shims" not in data["argv"][0] and os.path.isabs(data["argv"][0])


def test_a_missing_pyenv_version_names_every_missing_one(tmp_path: Path, cli: Cli) -> None:
    pyenv_python("3.12")
    root = write(tmp_path / "a", "3.12\n3.4.1\n", ".python-version")
    check, python, run, out = verdicts(cli, root)
    assert (check, python, run) == (1, 1, 1)
    assert "pyenv version 3.4.1 (from .python-version) is not installed" in out
    assert fix_of(out) == "pyenv install 3.4.1"


# -- fixes that lead to ✅ -----------------------------------------------------------------
def test_a_venv_whose_base_interpreter_is_gone(tmp_path: Path, cli: Cli) -> None:
    """Item 7: python/run/check agree, and the fix (venv --clear) works as printed."""
    base = tmp_path / "base" / "bin"
    base.mkdir(parents=True)
    os.symlink(pyenv_python("3.11"), base / "python3")
    root = tmp_path / "app"
    sh([str(base / "python3"), "-m", "venv", "--without-pip", str(root / ".venv")])
    shutil.rmtree(tmp_path / "base")
    check, python, run, out = verdicts(cli, root)
    assert (check, python, run) == (1, 1, 1) and "is gone" in out
    fix = fix_of(out)
    assert fix.endswith(" -m venv --clear .venv")
    sh([*fix.split(), "--without-pip"], cwd=root)
    assert verdicts(cli, root)[:3] == (0, 0, 0)


def test_conda_base_is_the_install_root(
    tmp_path: Path, cli: Cli, fake_bin: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Item 7 (conda through a FAKE conda executable: conda cannot be installed here)."""
    conda = install_fake(fake_bin, "conda", sys.executable)
    monkeypatch.setenv("FAKE_CONDA_ROOT", str(tmp_path / "miniforge"))
    sh([str(conda), "create", "-p", str(tmp_path / "miniforge"), "python"])
    root = write(tmp_path / "a", '[tool.pitstop]\nkind = "conda"\nname = "base"\n')
    code, data = contract(cli, root)
    assert code == 0 and data["prefix"] == str(tmp_path / "miniforge"), data


def test_unknown_conda_name_is_exit_1_everywhere_and_its_fix_works(
    tmp_path: Path, cli: Cli, fake_bin: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Item 8: an unknown conda name is ❌ for check, python and run alike (not exit 0)."""
    install_fake(fake_bin, "conda", sys.executable)
    monkeypatch.setenv("FAKE_CONDA_ROOT", str(tmp_path / "miniforge"))
    root = write(tmp_path / "a", '[tool.pitstop]\nkind = "conda"\nname = "ml"\n')
    check, python, run, out = verdicts(cli, root)
    assert (check, python, run) == (1, 1, 1)
    assert fix_of(out) == "conda create -n ml python"
    sh([str(fake_bin / "conda"), *fix_of(out).split()[1:]])
    assert verdicts(cli, root)[:3] == (0, 0, 0)
    _code, data = contract(cli, root)
    assert data["prefix"] == str(tmp_path / "miniforge" / "envs" / "ml")
    assert data["python"]["version"].startswith("3.12")


# -- the launcher contract ----------------------------------------------------------------
def test_contract_success_has_the_detected_kind_prefix_unset_and_interpreter(
    tmp_path: Path, cli: Cli
) -> None:
    root = tmp_path / "app"
    sh([pyenv_python("3.11"), "-m", "venv", "--without-pip", str(root / ".venv")])
    _code, data = contract(cli, root)
    assert data["kind"] == "venv" and data["prefix"] == str(root / ".venv")
    assert "PYTHONHOME" in data["unset"] and data["env"] == {"VIRTUAL_ENV": str(root / ".venv")}
    assert data["python"]["path"] == str(root / ".venv" / "bin" / "python")
    assert data["python"]["version"].startswith("3.11") and data["python"]["implementation"] == "cpython"


def test_contract_failure_is_one_json_error_document(tmp_path: Path, cli: Cli) -> None:
    root = write(tmp_path / "a", '[tool.pitstop]\nkind = "venv"\npath = "env"\n')
    code, data = contract(cli, root)
    assert code == 1 and data["error"]["code"] == "not-ready" and data["error"]["exit"] == 1
    assert "no virtual environment at env" in data["error"]["message"]
    assert data["error"]["fix"].endswith(" -m venv env")
    # A config error and an unknown env are documents too (exit 2).
    write(root, "[tool.pitstop]\nbogus = 1\n")
    code, data = contract(cli, root)
    assert code == 2 and data["error"]["code"] == "config" and "bogus" in data["error"]["message"]
    write(root, "[tool.pitstop]\n")
    code, data = contract(cli, root, "-e", "nope")
    assert code == 2 and "no env named 'nope'" in data["error"]["message"]


def test_contract_usage_error_is_a_document(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pitstop", "python", "--json", "--bogus"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert json.loads(proc.stdout)["error"]["code"] == "config"


def test_the_schema_ships_in_the_package_and_the_docs() -> None:
    import importlib.resources

    import jsonschema

    shipped = importlib.resources.files("pitstop").joinpath("python-command.schema.json").read_text()
    assert json.loads(shipped) == json.loads(
        (ROOT / "docs" / "kinds" / "python-command.schema.json").read_text()
    )
    jsonschema.Draft202012Validator.check_schema(json.loads(shipped))
    # It rejects what a launcher must never see: "auto" as the kind, an error without a fix key.
    validator = jsonschema.Draft202012Validator(json.loads(shipped))
    bad = {"schema": 2, "ok": False, "name": None, "error": {"code": "config", "exit": 2, "message": "x"}}
    assert not validator.is_valid(bad)


def test_nul_form_without_a_json_parser(tmp_path: Path) -> None:
    root = tmp_path / "app"
    sh([pyenv_python("3.11"), "-m", "venv", "--without-pip", str(root / ".venv")])
    out = subprocess.run(
        [sys.executable, "-m", "pitstop", "python", "--nul"], cwd=root, capture_output=True, check=True
    ).stdout
    records = [r.decode().split("=", 1) for r in out.split(b"\0")[:-1]]
    assert ["argv", str(root / ".venv" / "bin" / "python")] in records
    assert ["unset", "PYTHONHOME"] in records and ["kind", "venv"] in records
    assert out.endswith(b"\0")


def test_pitstop_python_that_is_only_a_shim_is_an_error(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Item 9: PITSTOP_PYTHON=python3 never resolves to a (broken) shim with exit 0."""
    shims = tmp_path / "pyenv" / "shims"
    shims.mkdir(parents=True)
    (shims / "python3").write_text("#!/bin/sh\necho 'pyenv: python3: command not found' >&2\nexit 127\n")
    (shims / "python3").chmod(0o755)
    monkeypatch.setenv("PATH", f"{shims}{os.pathsep}/nonexistent")
    monkeypatch.setenv("PITSTOP_PYTHON", "python3")
    root = write(tmp_path / "a", '[tool.pitstop]\nkind = "system"\n')
    code, data = contract(cli, root)
    assert code == 2 and "never runs pyenv shims" in data["error"]["message"]
    monkeypatch.setenv("PITSTOP_PYTHON", pyenv_python("3.12"))  # the fix: an absolute path
    assert contract(cli, root)[0] == 0


def test_launcher_following_the_json_unsets_pythonhome(tmp_path: Path) -> None:
    """A launcher whose own environment has PYTHONHOME set starts the worker anyway."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    root = tmp_path / "app"
    sh([pyenv_python("3.11"), "-m", "venv", "--without-pip", str(root / ".venv")])
    env = {
        **os.environ,
        "PYTHONHOME": str(tmp_path / "elsewhere"),
        "PITSTOP": f"env -u PYTHONHOME {sys.executable} -m pitstop",
    }
    proc = subprocess.run(
        [node, str(ROOT / "docs" / "kinds" / "examples" / "worker.mjs")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"worker says: prefix={root / '.venv'}"


def test_elixir_launcher_example(tmp_path: Path) -> None:
    """docs/kinds/examples/worker.exs (no JSON library: the --nul form), when elixir is here."""
    elixir = shutil.which("elixir")
    if elixir is None:
        pytest.skip("elixir is not installed")
    root = tmp_path / "app"
    sh([pyenv_python("3.12"), "-m", "venv", "--without-pip", str(root / ".venv")])
    example = str(ROOT / "docs" / "kinds" / "examples" / "worker.exs")
    env = {
        **os.environ,
        "PYTHONHOME": str(tmp_path / "elsewhere"),
        "PITSTOP": f"env -u PYTHONHOME {sys.executable} -m pitstop",
    }
    proc = subprocess.run([elixir, example], cwd=root, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"worker says: prefix={root / '.venv'}"
    # Not ready: the launcher reports pitstop's message and fix and exits 1.
    shutil.rmtree(root / ".venv" / "bin")
    proc = subprocess.run([elixir, example], cwd=root, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 1 and "fix: " in proc.stderr and "venv --clear .venv" in proc.stderr


# -- plugins ------------------------------------------------------------------------------
def _plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, module: str = "lxckind_mod") -> None:
    from pitstop.kinds import plugins

    site = tmp_path / "site"
    info = site / "lxckind-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: lxckind\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[pitstop.kinds]\nlxc = {module}:LxcKind\n")
    (site / f"{module}.py").write_text(body)
    monkeypatch.syspath_prepend(str(site))
    plugins.load.cache_clear()


PLUGIN = """
import sys
from pitstop.kinds.base import PythonCommand, describe

class LxcKind:
    name = "lxc"
    config_keys = {"machine": str, "ephemeral": bool}
    markers = ("lxc.yaml",)

    def resolve(self, ctx):
        return PythonCommand(argv=(sys.executable,))

    def validate(self, ctx):
        where = "machine " + (ctx.spec.option("machine") or "auto") + " ephemeral=" + str(ctx.spec.option("ephemeral"))
        return describe(ctx, self.resolve(ctx), location=where, fix="lxc start")
"""


def test_plugin_declares_config_keys_and_markers(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pitstop.kinds import plugins

    _plugin(tmp_path, monkeypatch, PLUGIN)
    try:
        root = write(tmp_path / "a", '[tool.pitstop]\nkind = "lxc"\nmachine = "m1"\nephemeral = true\n')
        code, out, _ = cli("check", cwd=root)
        assert code == 0 and "(machine m1 ephemeral=true)" in out
        write(root, '[tool.pitstop]\nkind = "lxc"\nmachine = 3\n')
        code, _, err = cli("check", cwd=root)
        assert code == 2 and "machine must be a string" in err
        write(root, '[tool.pitstop]\nkind = "lxc"\nmachin = "m1"\n')
        code, _, err = cli("check", cwd=root)
        assert code == 2 and "tool.pitstop.machin: unknown key (did you mean 'machine'?)" in err
        plain = write(tmp_path / "b", "image: x\n", "lxc.yaml")
        (plain / "sub").mkdir()
        code, data = contract(cli, plain / "sub")
        assert code == 0 and data["kind"] == "lxc" and data["project"] == str(plain)
    finally:
        plugins.load.cache_clear()


def test_a_plugin_that_fails_to_import_is_an_error_naming_it(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pitstop.kinds import plugins

    _plugin(tmp_path, monkeypatch, "import lxc_sdk_that_is_not_installed\n", module="lxckind_broken")
    try:
        root = write(tmp_path / "a", '[tool.pitstop]\nkind = "lxc"\n')
        code, _out, err = cli("check", cwd=root)
        assert code == 2 and "Traceback" not in err
        assert "the kind plugin 'lxc' (lxckind_broken:LxcKind, from lxckind) failed to load" in err
        assert "run: pip install --force-reinstall lxckind" in err
        code, data = contract(cli, root)
        assert code == 2 and "lxckind" in data["error"]["message"]
    finally:
        plugins.load.cache_clear()


# -- poetry without poetry ----------------------------------------------------------------
POETRY_LOCK = """# This file is automatically @generated by Poetry 2.1.3 and should not be changed by hand.

[[package]]
name = "gamma"
version = "1.0"
description = ""
optional = false
python-versions = "*"
groups = ["main"]
files = []

[[package]]
name = "winonly"
version = "1.0"
description = ""
optional = false
python-versions = "*"
groups = ["main"]
markers = "sys_platform == 'win32'"
files = []

[metadata]
lock-version = "2.1"
python-versions = ">=3.10"
content-hash = "0"
"""


def test_poetry_in_project_venv_without_poetry(
    tmp_path: Path, cli: Cli, wheels: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Item 9: the in-project .venv is used without poetry; it is checked against poetry.lock."""
    root = write(tmp_path / "p", '[project]\nname = "p"\nversion = "0"\ndependencies = ["gamma"]\n')
    (root / "poetry.lock").write_text(POETRY_LOCK)
    sh([pyenv_python("3.12"), "-m", "venv", "--without-pip", str(root / ".venv")])
    monkeypatch.setenv("PATH", f"{root / '.venv' / 'bin'}{os.pathsep}/usr/bin:/bin")
    check, python, run, out = verdicts(cli, root)
    assert (check, python, run) == (1, 1, 1)
    assert "does not match poetry.lock: gamma 1.0 is missing" in out and fix_of(out) == "poetry install"
    # What `poetry install` would do (poetry itself is tested with the index in test_kinds).
    pip_install(root / ".venv", wheels, "gamma==1.0")
    check, python, run, out = verdicts(cli, root)
    assert (check, python, run) == (0, 0, 0)
    assert "poetry is not installed: poetry.lock was not checked against pyproject.toml" in out


# -- free-threading -----------------------------------------------------------------------
def test_free_threading_warning(tmp_path: Path, cli: Cli) -> None:
    """SPEC §6: an env that asks for free-threading and has a GIL build shows ⚠️."""
    root = tmp_path / "app"
    sh([pyenv_python("3.11"), "-m", "venv", "--without-pip", str(root / ".venv")])
    write(root, "3.13t\n", ".python-version")
    write(root, '[tool.pitstop]\nkind = "venv"\n')
    code, out, _ = cli("check", cwd=root)
    assert code == 0 and out.startswith("⚠️") and "warning: Python 3.11 has no free-threaded build" in out
    assert contract(cli, root)[1]["warnings"] == ["Python 3.11 has no free-threaded build"]


# -- docker: a real engine when one answers -----------------------------------------------
def _docker() -> str:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("docker is not installed")
    try:
        proc = subprocess.run([docker, "info"], capture_output=True, timeout=20, check=False)
    except subprocess.TimeoutExpired:
        pytest.skip("the Docker engine does not answer")
    if proc.returncode != 0:
        pytest.skip("no Docker engine answers here")
    return docker


@pytest.fixture(scope="session")
def python_image() -> Iterator[str]:
    """A tiny image made with ``docker import``: a CPython 3.12 tree at /opt/python (only
    /opt/python/bin/python3 — no python3 on PATH, like many slim images), libc and /bin/sh."""
    docker = _docker()
    exe = Path(pyenv_python("3.12")).resolve()
    home = exe.parents[1]
    tag = f"pitstop-test-python:{uuid.uuid4().hex[:8]}"
    libs = [
        "/lib/x86_64-linux-gnu/libc.so.6",
        "/lib/x86_64-linux-gnu/libm.so.6",
        "/lib64/ld-linux-x86-64.so.2",
    ]
    if not all(os.path.exists(lib) for lib in libs) or not os.path.exists("/bin/dash"):
        pytest.skip("this test image recipe needs x86-64 Debian-style libraries")
    skip = {
        "test",
        "site-packages",
        "idlelib",
        "tkinter",
        "ensurepip",
        "lib2to3",
        "__pycache__",
        "turtledemo",
    }
    proc = subprocess.Popen(
        [docker, "import", "-c", "ENV LD_LIBRARY_PATH=/opt/python/lib", "-", tag], stdin=subprocess.PIPE
    )
    assert proc.stdin is not None
    with tarfile.open(fileobj=proc.stdin, mode="w|") as tar:
        for lib in libs:
            tar.add(os.path.realpath(lib), arcname=lib.lstrip("/"))
        tar.add("/bin/dash", arcname="bin/sh")
        for name in ("tmp", "etc"):
            info = tarfile.TarInfo(name)
            info.type = tarfile.DIRTYPE
            info.mode = 0o1777
            tar.addfile(info)
        tar.add(str(exe), arcname="opt/python/bin/python3")
        for shared in (home / "lib").glob("libpython3*.so*"):
            tar.add(str(shared.resolve()), arcname=f"opt/python/lib/{shared.name}")

        def keep(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
            return None if set(Path(info.name).parts) & skip else info

        tar.add(str(home / "lib" / "python3.12"), arcname="opt/python/lib/python3.12", filter=keep)
    proc.stdin.close()
    assert proc.wait() == 0
    yield tag
    subprocess.run([docker, "rmi", "-f", tag], capture_output=True, check=False)


@pytest.fixture
def container(python_image: str) -> Iterator[str]:
    docker = _docker()
    name = f"pitstop-test-{uuid.uuid4().hex[:8]}"
    sh(
        [
            docker,
            "run",
            "-d",
            "--name",
            name,
            python_image,
            "/opt/python/bin/python3",
            "-c",
            "import time; time.sleep(3600)",
        ]
    )
    yield name
    subprocess.run([docker, "rm", "-f", name], capture_output=True, check=False)


def test_docker_container_with_no_python3_then_the_fix(container: str, tmp_path: Path, cli: Cli) -> None:
    """Items 4 and 7 with a real engine: python3 is not in the container; the fix names the
    python that is, and following it gives ✅ with the interpreter described."""
    root = write(tmp_path / "a", f'[tool.pitstop.envs.w]\nkind = "docker"\ncontainer = "{container}"\n')
    check, python, run, out = verdicts(cli, root, "-e", "w")
    assert (check, python, run) == (1, 1, 1)
    assert "python = 'python3' does not start" in out
    fix = fix_of(out)
    assert fix == 'set python = "/opt/python/bin/python3" in [tool.pitstop.envs.w]'
    write(root, (root / "pyproject.toml").read_text() + 'python = "/opt/python/bin/python3"\n')
    assert verdicts(cli, root, "-e", "w")[:3] == (0, 0, 0)
    _code, data = contract(cli, root, "-e", "w")
    assert data["kind"] == "docker" and data["argv"][1:] == [
        "exec",
        "-i",
        container,
        "/opt/python/bin/python3",
    ]
    assert data["python"]["version"].startswith("3.12") and data["prefix"] == "/opt/python"
    assert data["unset"] == []


def test_docker_stopped_container_is_exit_1_everywhere_and_docker_start_fixes_it(
    container: str, tmp_path: Path, cli: Cli
) -> None:
    """Item 8: a stopped container is ❌ for python and run too (not exit 0)."""
    docker = _docker()
    root = write(
        tmp_path / "a",
        f'[tool.pitstop.envs.w]\nkind = "docker"\ncontainer = "{container}"\npython = "/opt/python/bin/python3"\n',
    )
    sh([docker, "stop", "-t", "1", container])
    check, python, run, out = verdicts(cli, root, "-e", "w")
    assert (check, python, run) == (1, 1, 1) and f"container {container} is not running" in out
    assert fix_of(out) == f"docker start {container}"
    sh([docker, *fix_of(out).split()[1:]])
    assert verdicts(cli, root, "-e", "w")[:3] == (0, 0, 0)


def test_docker_image_runs_a_fresh_container(python_image: str, tmp_path: Path, cli: Cli) -> None:
    root = write(
        tmp_path / "a",
        f'[tool.pitstop]\npython = "3.12"\n[tool.pitstop.envs.w]\nkind = "docker"\nimage = "{python_image}"\n'
        'python = "/opt/python/bin/python3"\n',
    )
    code, data = contract(cli, root, "-e", "w")
    assert code == 0, data
    assert data["argv"][1:] == ["run", "--rm", "-i", python_image, "/opt/python/bin/python3"]
    proc = subprocess.run([*data["argv"], "-c", "print(6 * 7)"], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "42"
    code, out, _ = cli("run", "-e", "w", "--", "python", "-c", "raise SystemExit(3)", cwd=root)
    assert code == 3
    write(root, '[tool.pitstop.envs.w]\nkind = "docker"\nimage = "pitstop-test-no-such-image:1"\n')
    check, python, run, out = verdicts(cli, root, "-e", "w")
    assert (check, python, run) == (1, 1, 1) and "does not exist" in out


# -- a ready managed env answers on the fast path -----------------------------------------
def test_managed_python_answers_from_the_fast_path(make_project: ProjectFactory) -> None:
    import marshal

    import jsonschema

    root = make_project('requirements = ["beta"]\n', python=PY)
    assert pitstop_process(root, "setup").returncode == 0
    for form in ((), ("--json",), ("--nul",)):
        slow = pitstop_process(root, "python", *form, PITSTOP_NO_FASTPATH="1")
        assert slow.returncode == 0, slow.stderr
        cache = next((root / ".pitstop" / ".cache").glob("fastpath-*.bin"))
        key = " ".join(("python", *form))
        entry = marshal.loads(cache.read_bytes())["entries"][key]  # noqa: S302 - our own cache
        assert entry["stdout"] == slow.stdout
        fast = pitstop_process(root, "python", *form)
        assert (fast.returncode, fast.stdout) == (0, slow.stdout)
    data = json.loads(pitstop_process(root, "python", "--json").stdout)
    jsonschema.validate(data, json.loads(SCHEMA_FILE.read_text()))
    assert data["kind"] == "managed" and data["prefix"] == str(store(root) / "venv")
    # Anything that changes the answer falls back to the full path.
    (store(root) / "venv" / "bin" / "python").unlink()
    code = pitstop_process(root, "python", "--json", "--strict")
    assert code.returncode == 1 and json.loads(code.stdout)["error"]["code"] == "not-ready"


# -- what is safe to cache ----------------------------------------------------------------
def test_a_ready_local_env_is_remembered_until_a_deciding_file_changes(
    tmp_path: Path, cli: Cli, wheels: Path
) -> None:
    from pitstop.kinds import cache

    root = tmp_path / "app"
    sh([pyenv_python("3.12"), "-m", "venv", "--without-pip", str(root / ".venv")])
    assert cli("check", cwd=root)[0] == 0
    assert not cache._dir().exists()  # check never writes
    assert contract(cli, root)[0] == 0  # python remembers
    (entry,) = cache._dir().glob("*.json")
    data = json.loads(entry.read_text())
    data["report"]["version"] = "3.12.99"  # only the cache could say this
    entry.write_text(json.dumps(data))
    assert "CPython 3.12.99" in cli("check", cwd=root)[1]
    # A package installed by hand changes site-packages: the env is validated again.
    pip_install(root / ".venv", wheels, "gamma")
    out = cli("check", cwd=root)[1]
    assert "3.12.99" not in out and "CPython 3.12." in out
    # Containers are never cached (their state is not in files).
    assert cache.CACHEABLE == ("system", "venv", "uv", "poetry", "pyenv", "conda")
