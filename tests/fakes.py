"""Clearly fake ``docker`` and ``conda`` executables.

conda cannot be installed here, so a fake stands in for it (the docker fake covers states
a real engine makes hard to stage, such as an unreachable daemon; tests/test_adopted.py runs
the real engine when one answers). Each records its argv (one JSON list per line in
``$FAKE_LOG``) and then behaves per ``$FAKE_DOCKER_STATE`` / ``$FAKE_CONDA_ROOT``: a
"running container" or "conda env" is the test's own interpreter (``$FAKE_PYTHON``), so the
probe really runs.
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
# FAKE conda for tests: records argv; keeps its envs on disk under $FAKE_CONDA_ROOT (the
# install root is the "base" env, named envs live in envs/NAME); an env's "python" is a
# symlink to $FAKE_PYTHON, so the probe really runs. Supports what pitstop and its fixes use:
# info --base, env list --json, create -n/-p NAME python, install -n NAME python, run.
import json, os, sys
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
args = sys.argv[1:]
root = os.environ["FAKE_CONDA_ROOT"]
envs_dir = os.path.join(root, "envs")

def prefixes():
    named = sorted(os.listdir(envs_dir)) if os.path.isdir(envs_dir) else []
    return [root] + [os.path.join(envs_dir, n) for n in named]

def prefix_of(rest):
    if "-p" in rest:
        return os.path.abspath(rest[rest.index("-p") + 1])
    name = rest[rest.index("-n") + 1]
    return root if name == "base" else os.path.join(envs_dir, name)

def add_python(prefix):
    os.makedirs(os.path.join(prefix, "bin"), exist_ok=True)
    link = os.path.join(prefix, "bin", "python")
    if not os.path.lexists(link):
        os.symlink(os.environ["FAKE_PYTHON"], link)

if args[:2] == ["info", "--base"]:
    print(root)
    sys.exit(0)
if args[:3] == ["env", "list", "--json"]:
    print(json.dumps({{"envs": prefixes()}}))
    sys.exit(0)
if args[:1] in (["create"], ["install"]):
    prefix = prefix_of(args)
    if args[0] == "install" and not os.path.isdir(os.path.join(prefix, "conda-meta")):
        sys.stderr.write("EnvironmentLocationNotFound: Not a conda environment: %s\\n" % prefix)
        sys.exit(1)
    os.makedirs(os.path.join(prefix, "conda-meta"), exist_ok=True)
    if "python" in args:
        add_python(prefix)
    sys.exit(0)
if args[:1] == ["run"]:
    rest = [a for a in args[1:] if a != "--no-capture-output"]
    prefix = prefix_of(rest)
    if prefix not in prefixes():
        sys.stderr.write("EnvironmentLocationNotFound: Not a conda environment: %s\\n" % prefix)
        sys.exit(1)
    cmd = rest[2:]
    if cmd and cmd[0] == "python":
        cmd = [os.path.join(prefix, "bin", "python")] + cmd[1:]
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
