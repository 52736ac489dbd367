"""Verify a built env before it is promoted: uv alone reports success on envs broken by an
interrupted install, so pitstop checks every distribution's metadata and RECORD files and the
exact installed set by reading ``*.dist-info`` itself, then has the env's own interpreter
find (not import) the top-level modules of the direct requirements: no package code runs."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from pitstop.errors import ProvisionError

# Runs inside the env (one short process; site runs as in any start, so .pth files and
# editable finders count): the import system's finders must resolve each top-level name.
# ``find_spec`` of a top-level name imports nothing, so no package code runs. (Compiling the
# sources too was measured: ~150 ms for a 20-package env, a tenth of the whole install.)
_SMOKE = r"""
import sys
from importlib.util import find_spec
for name in sys.argv[1:]:
    try:
        if find_spec(name) is None:
            raise ImportError("no module spec found in the env")
    except Exception as exc:
        sys.stdout.write("import %s: %s: %s\n" % (name, type(exc).__name__, exc))
"""


@dataclass(frozen=True, slots=True)
class Distribution:
    """One installed distribution, as its dist-info describes it."""

    name: str
    version: str
    #: Top-level import names: ``top_level.txt`` (setuptools writes it from what it built),
    #: else the top-level modules and packages (with ``__init__.py``) the RECORD lists.
    modules: tuple[str, ...]


def metadata_fields(text: str) -> list[tuple[str, str]]:
    """(lower-case field name, value) of every header of a METADATA text, in order.

    Core metadata is RFC 822 headers up to the first empty line, then the description: only
    that header block is read (a long README is never parsed), field names are matched
    case-insensitively, folded lines are unfolded, and a line that is not a header ends the
    block — what ``email.parser.HeaderParser`` does, without importing the email package."""
    fields: list[list[str]] = []
    # Only the lines up to the first empty one are headers: cut there before splitting (a
    # description or license text runs to tens of kilobytes in numpy's or scipy's METADATA).
    ends = [at for at in (text.find("\n\n"), text.find("\n\r\n")) if at >= 0]
    for line in (text[: min(ends) + 1] if ends else text).split("\n"):
        line = line.rstrip("\r")
        if not line:
            break
        if line[0] in " \t":
            if fields:
                fields[-1][1] = f"{fields[-1][1]} {line.strip()}".strip()
            continue
        key, colon, value = line.partition(":")
        if not colon or not key or key != key.strip():
            break
        fields.append([key.lower(), value.strip()])
    return [(key, value) for key, value in fields]


def parse_metadata(text: str) -> tuple[str | None, str | None]:
    """(Name, Version) from a METADATA header block (the first non-empty one of each)."""
    name = version = None
    for key, value in metadata_fields(text):
        if key == "name" and name is None and value:
            name = value
        elif key == "version" and version is None and value:
            version = value
    return name, version


def site_packages(venv: Path) -> list[Path]:
    """The env's site-packages directories."""
    found: dict[str, Path] = {}
    for path in [*venv.glob("lib*/python*/site-packages"), venv / "Lib" / "site-packages"]:
        if path.is_dir():
            found.setdefault(os.path.realpath(path), path)
    return list(found.values())


def scan(venv: Path) -> tuple[list[Distribution], list[str]]:
    """Read every dist-info of the env: (distributions, problems)."""
    dists: list[Distribution] = []
    problems: list[str] = []
    for site in site_packages(venv):
        present = _listing(site)
        base = str(site)
        for info in sorted(site.glob("*.dist-info")):
            try:
                name, version = parse_metadata(
                    (info / "METADATA").read_text(encoding="utf-8", errors="replace")
                )
            except OSError:
                problems.append(f"{info.name} has no METADATA")
                continue
            if not name or not version:
                problems.append(f"{info.name}: METADATA lacks Name or Version")
                continue
            try:
                with open(info / "RECORD", encoding="utf-8", newline="") as handle:
                    rows = [row[0] for row in csv.reader(handle) if row]
            except OSError:
                problems.append(f"{name} {version} has no RECORD")
                continue
            # Set lookups first: only the entries the listing lacks (scripts in ../../bin, a
            # path below a symlinked directory, a missing file) cost a Python step each.
            for entry in [entry for entry in rows if entry not in present]:
                parts = entry.split("/")
                if parts[-1].endswith(".pyc") or "__pycache__" in parts:
                    continue
                if not os.path.lexists(os.path.normpath(os.path.join(base, entry))):
                    problems.append(f"{name} {version}: missing file {entry}")
            names = _shipped(_top_level(info), rows) or _record_modules(rows)
            public = tuple(sorted(m for m in names if m.isidentifier()))
            dists.append(Distribution(canonicalize_name(name), version, public))
    return dists, problems


def _shipped(names: set[str], rows: list[str]) -> set[str]:
    """The ``top_level.txt`` names the RECORD ships: ruamel.yaml.clib's lists ``ruamel``, which
    only ruamel.yaml installs, and importing it is no check of this wheel. Names none of which
    the RECORD ships (an editable install's finder) are kept as they are."""
    tops = {entry.split("/", 1)[0].split(".", 1)[0] for entry in rows}
    return (names & tops) or names


def _record_modules(rows: list[str]) -> set[str]:
    """The top-level modules and regular packages a RECORD lists: ``x.py``/``x.so``/``x.pyd``
    at the top, or ``x/__init__.py``."""
    modules: set[str] = set()
    for entry in rows:
        slash = entry.find("/")
        if slash < 0:
            if entry.endswith((".py", ".so", ".pyd")):
                modules.add(entry.split(".", 1)[0])
        elif entry.endswith("/__init__.py") and slash == len(entry) - len("/__init__.py"):
            modules.add(entry[:slash])
    modules.discard("__pycache__")
    return modules


def _listing(site: Path) -> set[str]:
    """Every file below ``site`` as a ``/``-separated relative path: one directory read per
    directory instead of one ``lstat`` per RECORD entry (a 6,000-file env checks in a third of
    the time). A RECORD entry not found here (``../../bin/x``, a path below a symlinked
    directory) is checked with ``lstat`` as before. The walk is ``os.walk``'s (a symlink to a
    directory is neither listed nor entered) without its per-directory overhead: half the time
    on numpy, pandas, scipy and matplotlib."""
    found: set[str] = set()
    pending = [(str(site), "")]
    while pending:
        directory, prefix = pending.pop()
        try:
            entries = os.scandir(directory)
        except OSError:
            continue
        with entries:
            for entry in entries:
                try:
                    is_dir = entry.is_dir()
                except OSError:  # a symlink loop, an unreadable target: a file, as for os.walk
                    is_dir = False
                if not is_dir:
                    found.add(prefix + entry.name)
                elif not entry.is_symlink():
                    pending.append((entry.path, f"{prefix}{entry.name}/"))
    return found


def _plain(sites: list[Path], name: str) -> bool:
    """``name`` is a regular package or a ``.py`` module directly in one of ``sites``."""
    return any((site / name / "__init__.py").is_file() or (site / f"{name}.py").is_file() for site in sites)


def _top_level(info: Path) -> set[str]:
    """Names in ``top_level.txt`` (setuptools), without nested namespace paths."""
    try:
        text = (info / "top_level.txt").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return set()
    return {line.strip() for line in text.splitlines() if line.strip() and "/" not in line}


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
) -> dict[str, str]:
    """Check the env at ``venv``; a ProvisionError lists every problem found.

    Returns the installed distributions (name -> version).
    """
    from pitstop.process import run, scrubbed_env

    dists, problems = scan(venv)
    installed = {d.name: d.version for d in dists}
    problems += compare(installed, expected, ignore)
    wanted = set(smoke)
    sites = site_packages(venv)
    # A plain package or module file in site-packages is what find_spec would find (nothing
    # earlier on sys.path can hide it and still leave the name unimportable), and scan() has
    # just proved its file exists: only the other names need the env's interpreter.
    modules = sorted(
        m for m in {m for d in dists if d.name in wanted for m in d.modules} if not _plain(sites, m)
    )
    python = venv / "bin" / "python"
    if modules:
        proc = run([str(python), "-I", "-c", _SMOKE, *modules], env=scrubbed_env(), check=False)
        if proc.returncode != 0:
            problems.append(f"the env's python did not run (exit {proc.returncode}): {proc.stdout[-500:]}")
        else:
            problems += [line for line in proc.stdout.splitlines() if line.startswith("import ")]
    if problems:
        shown = "\n".join(f"  - {p}" for p in problems[:20])
        raise ProvisionError(
            f"the new env failed verification; it was not installed:\n{shown}",
            fix="run: pitstop lock --upgrade  (if a package is broken upstream), then pitstop setup",
        )
    return installed
