"""Clearly fake ``docker`` and ``conda`` executables.

No Docker engine runs here and conda is not installed, so these stand in for them. Each
records its argv (one JSON list per line in ``$FAKE_LOG``) and then behaves per
``$FAKE_DOCKER_STATE`` / ``$FAKE_CONDA_ENVS``: a "running container" or "conda env" is the
test's own interpreter (``$FAKE_PYTHON``), so the probe really runs.
"""

from __future__ import annotations

import stat
from pathlib import Path

FAKE_DOCKER = """#!{python}
# FAKE docker for tests: records argv, simulates container states.
import json, os, sys
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
state = os.environ.get("FAKE_DOCKER_STATE", "running")
args = sys.argv[1:]
if state == "daemon":
    sys.stderr.write("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\\n")
    sys.exit(1)
if args[:1] == ["inspect"]:
    if state == "missing":
        sys.stderr.write("Error: No such object: %s\\n" % args[-1])
        sys.exit(1)
    print("true" if state == "running" else "false")
    sys.exit(0)
if args[:2] == ["exec", "-i"]:
    if state != "running":
        sys.stderr.write("Error response from daemon: container is not running\\n")
        sys.exit(1)
    cmd = args[3:]
    if cmd and cmd[0].startswith(("python", "/usr/local/bin/python")):
        cmd = [os.environ["FAKE_PYTHON"]] + cmd[1:]
    os.execvp(cmd[0], cmd)
sys.exit(2)
"""

FAKE_CONDA = """#!{python}
# FAKE conda for tests: records argv, lists envs, runs commands "in" them.
import json, os, sys
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
args = sys.argv[1:]
envs = [e for e in os.environ.get("FAKE_CONDA_ENVS", "").split(os.pathsep) if e]
if args[:3] == ["env", "list", "--json"]:
    print(json.dumps({{"envs": envs}}))
    sys.exit(0)
if args[:1] == ["run"]:
    rest = args[1:]
    if "--no-capture-output" in rest:
        rest.remove("--no-capture-output")
    name = rest[1]
    if not any(os.path.basename(e) == name for e in envs):
        sys.stderr.write("EnvironmentLocationNotFound: Not a conda environment: %s\\n" % name)
        sys.exit(1)
    cmd = rest[2:]
    if cmd and cmd[0] == "python":
        cmd = [os.environ["FAKE_PYTHON"]] + cmd[1:]
    os.execvp(cmd[0], cmd)
sys.exit(2)
"""


def install_fake(directory: Path, name: str, python: str) -> Path:
    """Write the fake ``name`` (docker or conda) into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    text = {"docker": FAKE_DOCKER, "conda": FAKE_CONDA}[name].format(python=python)
    path = directory / name
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IEXEC | stat.S_IXGRP | stat.S_IXOTH)
    return path
