"""Verify a built env before it is promoted: uv alone reports success on envs broken by an
interrupted install, so pitstop checks metadata, RECORD files, the exact set, and imports."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from pitstop.errors import ProvisionError

# Runs inside the env's interpreter: lists distributions, missing RECORD files, import errors.
_SCRIPT = r"""
import json, os, sys
try:
    import importlib.metadata as md
except ImportError:
    import importlib_metadata as md
wanted = set(json.loads(sys.argv[1]))
dists, problems, modules = [], [], {}
for dist in md.distributions():
    name = dist.metadata["Name"]
    if not name:
        problems.append("a distribution in %s has no metadata Name" % dist._path)
        continue
    canon = name.lower().replace("_", "-").replace(".", "-")
    while "--" in canon:
        canon = canon.replace("--", "-")
    dists.append([canon, dist.version])
    files = dist.files
    if files is None:
        problems.append("%s %s has no RECORD" % (name, dist.version))
        continue
    tops = set()
    for f in files:
        parts = f.parts
        if not parts or parts[0] == ".." or "__pycache__" in parts or str(f).endswith(".pyc"):
            pass
        elif len(parts) == 1 and parts[0].endswith(".py"):
            tops.add(parts[0][:-3])
        elif len(parts) > 1 and parts[1] == "__init__.py":
            tops.add(parts[0])
        if str(f).endswith(".pyc"):
            continue
        if not os.path.exists(str(f.locate())):
            problems.append("%s %s: missing file %s" % (name, dist.version, f))
    if canon in wanted:
        modules[canon] = sorted(t for t in tops if not t.startswith("_"))
errors = []
for canon in sorted(modules):
    for mod in modules[canon]:
        try:
            __import__(mod)
        except (ImportError, SyntaxError) as exc:
            errors.append("import %s (%s): %s: %s" % (mod, canon, type(exc).__name__, exc))
        except BaseException:
            pass  # a module that needs a display, a config, ... still installed fine
sys.stdout.write(json.dumps({"dists": dists, "problems": problems, "imports": errors}))
"""


@dataclass(frozen=True, slots=True)
class Report:
    """What verification found."""

    installed: dict[str, str]
    problems: tuple[str, ...]


def parse_report(text: str) -> tuple[dict[str, str], list[str]]:
    """Parse the in-env script's JSON into (installed name -> version, problems)."""
    data = json.loads(text.strip().splitlines()[-1])
    installed = {str(n): str(v) for n, v in data["dists"]}
    problems = [str(p) for p in data["problems"]] + [str(p) for p in data["imports"]]
    return installed, problems


def compare(
    installed: Mapping[str, str], expected: Mapping[str, str | None], ignore: Iterable[str]
) -> list[str]:
    """Differences between what is installed and what the lock selects here."""
    ignored = set(ignore) - set(expected)
    problems = []
    for name, version in sorted(expected.items()):
        if name not in installed:
            problems.append(f"{name} {version or ''} is in the lock but not installed".replace("  ", " "))
        elif version is not None and installed[name] != version:
            problems.append(f"{name} is {installed[name]}, the lock says {version}")
    for name in sorted(set(installed) - set(expected) - ignored):
        problems.append(f"{name} {installed[name]} is installed but not in the lock")
    return problems


def verify(
    venv: Path,
    expected: Mapping[str, str | None],
    *,
    smoke: Iterable[str],
    ignore: Iterable[str] = (),
) -> Report:
    """Run the checks inside ``venv``; a ProvisionError lists every problem found."""
    from pitstop.process import run, scrubbed_env

    python = venv / "bin" / "python"
    proc = run(
        [str(python), "-I", "-c", _SCRIPT, json.dumps(sorted(smoke))],
        env=scrubbed_env(),
        check=False,
    )
    try:
        installed, problems = parse_report(proc.stdout) if proc.returncode == 0 else ({}, [])
    except (ValueError, KeyError, IndexError):
        installed, problems = {}, []
    if proc.returncode != 0 or not proc.stdout:
        problems = [f"the env's python did not run (exit {proc.returncode}): {proc.stdout[-500:]}"]
    else:
        problems += compare(installed, expected, ignore)
    if problems:
        shown = "\n".join(f"  - {p}" for p in problems[:20])
        raise ProvisionError(
            f"the new env failed verification; it was not installed:\n{shown}",
            fix="run: pitstop lock --upgrade  (if a package is broken upstream), then pitstop setup",
        )
    return Report(installed=installed, problems=())
