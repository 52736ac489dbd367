"""Adopted environments: resolution, validation with fixes, detection, run/python for every kind."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from pitstop.kinds.detect import detect
from tests.conftest import pyenv_python
from tests.fakes import install_fake
from tests.helpers import run_prefix

Cli = Callable[..., tuple[int, str, str]]


def write(root: Path, text: str, name: str = "pyproject.toml") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(text)
    return root


# -- venv ---------------------------------------------------------------------------------
def test_venv_kind_detect_run_and_json(tmp_path: Path, cli: Cli) -> None:
    root = tmp_path / "app"
    root.mkdir()
    subprocess.run([pyenv_python("3.11"), "-m", "venv", "--without-pip", str(root / ".venv")], check=True)
    assert detect(root).kind == "venv"
    code, out, _ = cli("detect", "--json", str(root), cwd=tmp_path)
    assert code == 0
    data = json.loads(out)
    assert data["kind"] == "venv" and data["reason"] == "found .venv/pyvenv.cfg"
    assert data["command"]["argv"] == [str(root / ".venv" / "bin" / "python")]
    assert run_prefix(root) == str(root / ".venv")


def test_venv_with_a_vanished_base_interpreter(tmp_path: Path, cli: Cli) -> None:
    base = tmp_path / "base" / "bin"
    base.mkdir(parents=True)
    os.symlink(pyenv_python("3.11"), base / "python3")
    root = write(tmp_path / "app", '[tool.pitstop]\nkind = "venv"\n')
    subprocess.run([str(base / "python3"), "-m", "venv", "--without-pip", str(root / ".venv")], check=True)
    shutil.rmtree(tmp_path / "base")
    code, out, _ = cli("check", cwd=root)
    assert code == 1
    assert "❌ default" in out and "base interpreter" in out and "is gone" in out
    fix = out.split("fix: ", 1)[1].split("  (")[0].strip()
    assert fix.endswith(" -m venv --clear .venv") and "3.11" in fix  # the venv's own version
    # Following the fix (with a working python3) makes it valid again.
    subprocess.run(
        [pyenv_python("3.11"), "-m", "venv", "--clear", "--without-pip", ".venv"], cwd=root, check=True
    )
    assert cli("check", cwd=root)[0] == 0


def test_venv_missing_has_the_create_fix(tmp_path: Path, cli: Cli) -> None:
    root = write(tmp_path / "app", '[tool.pitstop]\nkind = "venv"\npath = "env"\n')
    code, out, _ = cli("check", cwd=root)
    assert code == 1 and "no virtual environment at env" in out and "fix: python3 -m venv env" in out
    code, _, err = cli("run", "--", "python", "-c", "pass", cwd=root)
    assert code == 1 and "run: python3 -m venv env" in err


# -- uv -----------------------------------------------------------------------------------
@pytest.fixture
def uv_project(tmp_path: Path, wheels: Path) -> Path:
    from pitstop.uvbin import find_uv

    root = tmp_path / "uvapp"
    root.mkdir()
    (root / "pyproject.toml").write_text(
        '[project]\nname = "uvapp"\nversion = "0.1"\nrequires-python = ">=3.11"\ndependencies = ["beta"]\n'
        f'[tool.uv]\nno-index = true\nfind-links = ["{wheels}"]\n'
    )
    subprocess.run([find_uv(), "lock", "-q", "--python", pyenv_python("3.12")], cwd=root, check=True)
    return root


def test_uv_project(uv_project: Path, cli: Cli) -> None:
    from pitstop.uvbin import find_uv

    assert detect(uv_project).kind == "uv"
    code, out, _ = cli("check", cwd=uv_project)
    assert code == 1 and "is not created yet" in out
    fix = out.split("fix: ", 1)[1].strip()
    assert fix == "uv sync --locked"
    subprocess.run(
        [find_uv(), *fix.split()[1:], "-q", "--python", pyenv_python("3.12")], cwd=uv_project, check=True
    )
    code, out, _ = cli("check", cwd=uv_project)
    assert code == 0 and "✅ default  uv" in out and "CPython 3.12" in out
    assert run_prefix(uv_project) == str(uv_project / ".venv")


def test_uv_without_lock(tmp_path: Path, cli: Cli) -> None:
    root = write(tmp_path / "a", '[tool.pitstop]\nkind = "uv"\n')
    code, out, _ = cli("check", cwd=root)
    assert code == 1 and "no uv.lock in ." in out and "fix: uv lock" in out


# -- pyenv --------------------------------------------------------------------------------
def test_python_version_file_means_pyenv(tmp_path: Path, cli: Cli) -> None:
    exe = pyenv_python("3.10")
    root = tmp_path / "app"
    root.mkdir()
    (root / ".python-version").write_text("3.10\n")
    assert detect(root).kind == "pyenv"
    prefix = run_prefix(root)
    assert prefix == str(Path(exe).resolve().parents[1])
    code, out, _ = cli("check", cwd=root)
    assert code == 0 and "pyenv" in out and "CPython 3.10" in out


def test_pyenv_version_not_installed_lists_installed(tmp_path: Path, cli: Cli) -> None:
    pyenv_python("3.12")
    root = write(tmp_path / "a", '[tool.pitstop.envs.old]\nkind = "pyenv"\npython = "3.4"\n')
    code, out, _ = cli("check", "-e", "old", cwd=root)
    assert code == 1 and "pyenv version 3.4 (from python in [tool.pitstop.envs.old]) is not installed" in out
    assert "3.12." in out and "fix: pyenv install 3.4" in out
    listed = out.split("(installed: ", 1)[1].split(")", 1)[0].split(", ")
    numbers = [[int(p) for p in v.split(".")] for v in listed if v.replace(".", "").isdigit()]
    assert len(numbers) > 1 and numbers == sorted(numbers)  # by version: 3.9 before 3.10


def test_end_of_life_python_is_a_warning(tmp_path: Path, cli: Cli) -> None:
    pyenv_python("3.8")
    root = write(tmp_path / "a", '[tool.pitstop]\nkind = "pyenv"\npython = "3.8"\n')
    code, out, _ = cli("check", cwd=root)
    assert code == 0 and out.startswith("⚠️") and "warning: Python 3.8 is end-of-life" in out


# -- system -------------------------------------------------------------------------------
def test_nothing_found_means_system(tmp_path: Path, cli: Cli) -> None:
    root = tmp_path / "plain"
    root.mkdir()
    found = detect(root)
    assert found.kind == "system" and found.reason == "nothing project-specific found"
    code, out, _ = cli("python", "--json", cwd=root)
    assert code == 0
    argv = json.loads(out)["argv"]
    assert len(argv) == 1 and os.path.isabs(argv[0]) and "shims" not in argv[0]


def test_externally_managed_system_python_is_read_only(tmp_path: Path, cli: Cli) -> None:
    system = "/usr/bin/python3"
    if not os.path.exists(system):
        pytest.skip("no /usr/bin/python3")
    marker = subprocess.run(
        [
            system,
            "-c",
            "import sysconfig, os; print(os.path.isfile(os.path.join(sysconfig.get_paths()['stdlib'], 'EXTERNALLY-MANAGED')))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if marker != "True":
        pytest.skip("the system python is not marked EXTERNALLY-MANAGED here")
    root = write(tmp_path / "a", f'[tool.pitstop]\nkind = "system"\npython = "{system}"\n')
    code, out, _ = cli("check", cwd=root)
    assert code == 0 and "read-only" in out
    code, out, err = cli("setup", cwd=root)
    assert code == 0 and "valid default (system)" in err


def test_pitstop_python_overrides_system(tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    exe = pyenv_python("3.12")
    monkeypatch.setenv("PITSTOP_PYTHON", exe)
    root = write(tmp_path / "a", '[tool.pitstop]\nkind = "system"\n')
    code, out, _ = cli("python", cwd=root)
    assert code == 0 and out.strip() == exe


# -- docker (fake) ------------------------------------------------------------------------
def fake_calls(tmp_path: Path) -> list[list[str]]:
    log = tmp_path / "fake.log"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


DOCKER_ENV = '[tool.pitstop.envs.worker]\nkind = "docker"\ncontainer = "python-worker-1"\npython = "/usr/local/bin/python3.13"\n'


@pytest.mark.parametrize(
    ("state", "message", "fix"),
    [
        ("stopped", "container python-worker-1 is not running", "docker start python-worker-1"),
        ("missing", "container python-worker-1 does not exist", "docker run -d --name python-worker-1"),
        ("daemon", "the Docker daemon is not reachable", "start the Docker daemon"),
    ],
)
def test_docker_failures(
    tmp_path: Path,
    cli: Cli,
    fake_bin: Path,
    monkeypatch: pytest.MonkeyPatch,
    state: str,
    message: str,
    fix: str,
) -> None:
    install_fake(fake_bin, "docker", sys.executable)
    monkeypatch.setenv("FAKE_DOCKER_STATE", state)
    root = write(tmp_path / "a", DOCKER_ENV)
    code, out, _ = cli("check", "-e", "worker", cwd=root)
    assert code == 1
    assert f"❌ worker  docker    {message}" in out
    assert f"fix: {fix}" in out
    assert fake_calls(tmp_path)[0] == ["inspect", "-f", "{{.State.Running}}", "python-worker-1"]


def test_docker_running_resolves_runs_and_validates(tmp_path: Path, cli: Cli, fake_bin: Path) -> None:
    install_fake(fake_bin, "docker", sys.executable)
    root = write(tmp_path / "a", DOCKER_ENV)
    code, out, _ = cli("check", "-e", "worker", cwd=root)
    assert code == 0 and "✅ worker" in out and "CPython 3.12" in out and "(container python-worker-1)" in out
    probe = fake_calls(tmp_path)[1]
    assert probe[:5] == ["exec", "-i", "python-worker-1", "/usr/local/bin/python3.13", "-c"]
    code, out, _ = cli("python", "-e", "worker", "--json", cwd=root)
    data = json.loads(out)
    assert data["argv"] == [
        str(fake_bin / "docker"),
        "exec",
        "-i",
        "python-worker-1",
        "/usr/local/bin/python3.13",
    ]
    code, _, _ = cli("run", "-e", "worker", "--", "python", "-c", "raise SystemExit(4)", cwd=root)
    assert code == 4
    assert fake_calls(tmp_path)[-1] == [
        "exec",
        "-i",
        "python-worker-1",
        "/usr/local/bin/python3.13",
        "-c",
        "raise SystemExit(4)",
    ]
    cli("run", "-e", "worker", "--", "true", cwd=root)
    assert fake_calls(tmp_path)[-1] == ["exec", "-i", "python-worker-1", "true"]


def test_docker_not_installed(tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    root = write(tmp_path / "a", DOCKER_ENV)
    code, out, _ = cli("check", "-e", "worker", cwd=root)
    assert code == 1 and "docker is not installed" in out


# -- conda (fake) -------------------------------------------------------------------------
def test_conda_by_name(tmp_path: Path, cli: Cli, fake_bin: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_fake(fake_bin, "conda", sys.executable)
    monkeypatch.setenv("FAKE_CONDA_ROOT", str(tmp_path / "miniforge"))
    subprocess.run([str(fake_bin / "conda"), "create", "-n", "science", "python"], check=True)
    (tmp_path / "fake.log").unlink()
    root = write(tmp_path / "a", '[tool.pitstop]\nkind = "conda"\nname = "science"\n')
    code, out, _ = cli("check", cwd=root)
    assert code == 0, out
    assert fake_calls(tmp_path)[0] == ["env", "list", "--json"]
    assert fake_calls(tmp_path)[1][:5] == ["run", "--no-capture-output", "-n", "science", "python"]
    code, out, _ = cli("python", "--json", cwd=root)
    assert json.loads(out)["argv"] == [
        str(fake_bin / "conda"),
        "run",
        "--no-capture-output",
        "-n",
        "science",
        "python",
    ]


def test_conda_env_not_found_and_conda_missing(
    tmp_path: Path, cli: Cli, fake_bin: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_fake(fake_bin, "conda", sys.executable)
    monkeypatch.setenv("FAKE_CONDA_ROOT", str(tmp_path / "miniforge"))
    root = write(tmp_path / "a", '[tool.pitstop]\nkind = "conda"\nname = "ml"\n')
    code, out, _ = cli("check", cwd=root)
    assert code == 1 and "conda env 'ml' not found" in out and "fix: conda create -n ml python" in out
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    code, out, _ = cli("check", cwd=root)
    assert code == 1 and "conda is not installed" in out


def test_conda_prefix_and_conda_meta_detection(tmp_path: Path, cli: Cli) -> None:
    env = tmp_path / "condaenv"
    (env / "conda-meta").mkdir(parents=True)
    (env / "bin").mkdir()
    os.symlink(pyenv_python("3.12"), env / "bin" / "python")
    found = detect(env)
    assert found.kind == "conda" and dict(found.options) == {"prefix": str(env.resolve())}
    root = write(tmp_path / "a", f'[tool.pitstop]\nkind = "conda"\nprefix = "{env}"\n')
    code, out, _ = cli("python", cwd=root)
    assert code == 0 and out.strip() == str(env / "bin" / "python")
    assert cli("check", cwd=root)[0] == 0


# -- detection matrix ---------------------------------------------------------------------
def _touch(name: str, text: str = "") -> Callable[[Path], None]:
    def make(directory: Path) -> None:
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if name.endswith("/"):
            path.mkdir(exist_ok=True)
        else:
            path.write_text(text)

    return make


MARKERS: dict[str, Callable[[Path], None]] = {
    "managed": _touch("pitstop.toml"),
    "uv": _touch("uv.lock", "version = 1\n"),
    "poetry": _touch("poetry.lock"),
    "venv": _touch(".venv/pyvenv.cfg", "home = /x\n"),
    "conda": _touch("environment.yml", "name: sci\n"),
    "pyenv": _touch(".python-version", "3.12\n"),
}
ORDER = list(MARKERS)


@pytest.mark.parametrize(("high", "low"), list(itertools.combinations(ORDER, 2)))
def test_detection_priority(tmp_path: Path, high: str, low: str) -> None:
    MARKERS[low](tmp_path)
    assert detect(tmp_path).kind == low
    MARKERS[high](tmp_path)
    assert detect(tmp_path).kind == high


@pytest.mark.parametrize("kind", ORDER)
def test_each_marker_beats_system(tmp_path: Path, kind: str) -> None:
    assert detect(tmp_path).kind == "system"
    MARKERS[kind](tmp_path)
    assert detect(tmp_path).kind == kind


def test_pyproject_with_tool_pitstop_is_managed(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    (tmp_path / "uv.lock").write_text("")
    assert detect(tmp_path).kind == "uv"
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n[tool.pitstop]\n")
    assert detect(tmp_path).kind == "managed"


# -- plugins and API ----------------------------------------------------------------------
def test_third_party_kind_through_entry_points(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    (site / "echokind-1.0.dist-info").mkdir(parents=True)
    (site / "echokind-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: echokind\nVersion: 1.0\n"
    )
    (site / "echokind-1.0.dist-info" / "entry_points.txt").write_text(
        "[pitstop.kinds]\necho = echokind_mod:EchoKind\n"
    )
    (site / "echokind_mod.py").write_text(
        "import sys\nfrom pitstop.kinds.base import PythonCommand, describe\n"
        "class EchoKind:\n    name = 'echo'\n"
        "    def resolve(self, ctx):\n        return PythonCommand(argv=(sys.executable,))\n"
        "    def validate(self, ctx):\n        return describe(ctx, self.resolve(ctx), location='plugin', fix='reinstall')\n"
    )
    monkeypatch.syspath_prepend(str(site))
    root = write(tmp_path / "a", '[tool.pitstop]\nkind = "echo"\n')
    code, out, _ = cli("check", cwd=root)
    assert code == 0 and "echo" in out and "(plugin)" in out
    code, out, _ = cli("python", cwd=root)
    assert out.strip() == sys.executable


def test_api_resolve_kind_config(tmp_path: Path, fake_bin: Path) -> None:
    import pitstop

    install_fake(fake_bin, "docker", sys.executable)
    command = pitstop.resolve({"kind": "docker", "container": "w", "python": "python3"}, project=tmp_path)
    assert command.argv[1:] == ("exec", "-i", "w", "python3")
    with pytest.raises(pitstop.PitstopError):
        pitstop.resolve({"kind": "docker", "bogus": 1}, project=tmp_path)
    assert pitstop.detect(tmp_path).kind == "system"


def test_node_program_starts_a_worker_with_pitstop_python_json(tmp_path: Path, cli: Cli) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    root = tmp_path / "app"
    root.mkdir()
    subprocess.run([pyenv_python("3.11"), "-m", "venv", "--without-pip", str(root / ".venv")], check=True)
    example = Path(__file__).resolve().parents[1] / "docs" / "kinds" / "examples" / "worker.mjs"
    env = {**os.environ, "PITSTOP": f"{sys.executable} -m pitstop"}
    out = subprocess.run([node, str(example)], cwd=root, env=env, capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"worker says: prefix={root / '.venv'}"


# -- poetry (real poetry, installed from the index) ---------------------------------------
@pytest.fixture(scope="session")
def poetry_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("poetry-venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {k: v for k, v in os.environ.items() if k != "PIP_CONFIG_FILE"}
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "poetry"],
        check=True,
        env=env,
        capture_output=True,
    )
    return venv / "bin"


def _poetry_app(tmp_path: Path, poetry_bin: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A poetry project without a package, its venv in-project, poetry and a 3.12 on PATH."""
    root = write(
        tmp_path / "poetryapp",
        '[project]\nname = "poetryapp"\nversion = "0.1"\nrequires-python = ">=3.10"\ndependencies = []\n'
        "[tool.poetry]\npackage-mode = false\n",
    )
    monkeypatch.setenv("POETRY_VIRTUALENVS_IN_PROJECT", "true")
    monkeypatch.setenv(
        "PATH", f"{poetry_bin}{os.pathsep}{Path(pyenv_python('3.12')).parent}{os.pathsep}/usr/bin:/bin"
    )
    return root


@pytest.mark.index
def test_poetry_project(tmp_path: Path, cli: Cli, poetry_bin: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write(
        tmp_path / "poetryapp",
        '[project]\nname = "poetryapp"\nversion = "0.1"\nrequires-python = ">=3.10"\ndependencies = []\n'
        "[tool.poetry]\npackage-mode = false\n",
    )
    monkeypatch.setenv("POETRY_VIRTUALENVS_IN_PROJECT", "true")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    code, out, _ = cli("check", cwd=root)  # no poetry.lock yet: this is no poetry project
    assert "poetry" not in out.split("\n")[0] or code == 1
    poetry = str(poetry_bin / "poetry")
    subprocess.run([poetry, "lock", "--no-interaction"], cwd=root, check=True, capture_output=True)
    shutil.rmtree(root / ".venv", ignore_errors=True)  # poetry 2 may create the env while locking
    assert detect(root).kind == "poetry"
    code, out, _ = cli("check", cwd=root)
    assert code == 1 and "poetry is not installed" in out and "fix: pipx install poetry" in out
    monkeypatch.setenv(
        "PATH", f"{poetry_bin}{os.pathsep}{Path(pyenv_python('3.12')).parent}{os.pathsep}/usr/bin:/bin"
    )
    code, out, _ = cli("check", cwd=root)
    assert code == 1 and "is not created yet" in out
    fix = out.split("fix: ", 1)[1].strip()
    assert fix == "poetry install"
    subprocess.run([poetry, *fix.split()[1:], "--no-interaction"], cwd=root, check=True, capture_output=True)
    code, out, _ = cli("check", cwd=root)
    assert code == 0 and "✅ default  poetry" in out
    assert run_prefix(root) == str(root / ".venv")


def test_a_project_that_merely_depends_on_pitstop_is_auto_detected(tmp_path: Path, cli: Cli) -> None:
    root = write(
        tmp_path / "app", '[project]\nname = "app"\nversion = "0"\n[dependency-groups]\ndev = ["pitstop"]\n'
    )
    subprocess.run([pyenv_python("3.11"), "-m", "venv", "--without-pip", str(root / ".venv")], check=True)
    assert run_prefix(root) == str(root / ".venv")


def test_a_broken_pitstop_config_is_not_silently_auto_detected(tmp_path: Path, cli: Cli) -> None:
    root = write(tmp_path / "app", "[tool.pitstop]\nbogus = 1\n")
    subprocess.run([pyenv_python("3.11"), "-m", "venv", "--without-pip", str(root / ".venv")], check=True)
    code, _, err = cli("run", "--", "python", "-c", "pass", cwd=root)
    assert code == 2 and "bogus" in err


@pytest.mark.index
def test_poetry_readiness_follows_the_lock(
    tmp_path: Path, cli: Cli, poetry_bin: Path, wheels: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A dependency added to pyproject.toml: ❌ "poetry lock"; locked: ❌ "poetry install"
    (python, run and check agree); installed: ✅. Each fix is run as printed."""
    root = _poetry_app(tmp_path, poetry_bin, monkeypatch)
    poetry = str(poetry_bin / "poetry")

    def follow(out: str) -> None:
        fix = out.split("fix: ", 1)[1].split("\n")[0].strip()
        assert fix in ("poetry lock", "poetry install", "poetry sync"), fix
        subprocess.run(
            [poetry, *fix.split()[1:], "--no-interaction"], cwd=root, check=True, capture_output=True
        )

    subprocess.run([poetry, "install", "--no-interaction"], cwd=root, check=True, capture_output=True)
    assert cli("check", cwd=root)[0] == 0
    pyproject = root / "pyproject.toml"
    gamma = next(wheels.glob("gamma-1.0-*.whl")).as_uri()  # a local wheel: no index needed
    pyproject.write_text(
        pyproject.read_text().replace("dependencies = []", f'dependencies = ["gamma @ {gamma}"]')
    )
    code, out, _ = cli("check", cwd=root)
    assert code == 1 and "poetry.lock does not match pyproject.toml" in out and "fix: poetry lock" in out
    assert cli("python", "--json", cwd=root)[0] == 1
    follow(out)
    code, out, _ = cli("check", cwd=root)
    assert code == 1 and "does not match poetry.lock: gamma 1.0 is missing" in out
    assert cli("run", "--", "python", "-c", "pass", cwd=root)[0] == 1
    follow(out)
    code, out, _ = cli("check", cwd=root)
    assert code == 0, out
    assert cli("run", "--", "python", "-c", "import gamma", cwd=root)[0] == 0
    # a package installed by hand (not in the lock): drift, and poetry sync removes it
    import uv

    alpha = next(wheels.glob("alpha-2.0-*.whl"))
    python = str(root / ".venv" / "bin" / "python")
    subprocess.run([uv.find_uv_bin(), "pip", "install", "-q", "--python", python, str(alpha)], check=True)
    code, out, _ = cli("check", cwd=root)
    assert code == 1 and "alpha 2.0 is not in the lock" in out and "fix: poetry sync" in out
    follow(out)
    code, out, _ = cli("check", cwd=root)
    assert code == 0, out
    assert cli("run", "--", "python", "-c", "import alpha", cwd=root)[0] == 1


@pytest.mark.index
@pytest.mark.parametrize("damage", ["", "garbage = [\n"])
def test_a_damaged_poetry_lock_gets_a_fix_poetry_accepts(
    tmp_path: Path, cli: Cli, poetry_bin: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    """An empty or unparseable poetry.lock: ``poetry lock`` alone refuses it ("does not have a
    metadata entry"), so the fix removes it first; followed as printed, it makes the env ready."""
    import shlex

    root = _poetry_app(tmp_path, poetry_bin, monkeypatch)
    subprocess.run(
        [poetry_bin / "poetry", "install", "--no-interaction"], cwd=root, check=True, capture_output=True
    )
    assert cli("check", cwd=root)[0] == 0
    (root / "poetry.lock").write_text(damage)
    code, out, _ = cli("check", cwd=root)
    assert code == 1 and "poetry.lock is damaged" in out, out
    assert cli("python", "--json", cwd=root)[0] == cli("run", "--", "python", "-c", "pass", cwd=root)[0] == 1
    fix = out.split("fix: ", 1)[1].split("\n")[0].strip()
    assert fix == "rm poetry.lock && poetry lock"
    for part in fix.split(" && "):
        subprocess.run(shlex.split(part), cwd=root, check=True, capture_output=True)
    code, out, _ = cli("check", cwd=root)
    assert code == 0, out
