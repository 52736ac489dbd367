"""``pitstop ci github|gitlab``: print a ready-to-commit CI job template, its knobs set."""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass

from pitstop.errors import READY, UsageError

TEMPLATES = {"github": "github-actions.yml", "gitlab": "gitlab-ci.yml"}
_PYTHON = re.compile(r"(?:\d+\.\d+(?:\.\d+)?t?|pypy\d+\.\d+)")
_NOX = ("auto", "true", "false")


@dataclass(frozen=True, slots=True)
class Knobs:
    """The settings at the top of a template (``None``: keep the template's default)."""

    install: str | None = None
    pythons: tuple[str, ...] = ()
    nox: str | None = None


def template(provider: str) -> str:
    """The text of the template shipped in ``pitstop/_hooks`` (``hooks/`` in the repo)."""
    from importlib.resources import files
    from pathlib import Path

    name = TEMPLATES[provider]
    shipped = files("pitstop").joinpath("_hooks").joinpath(name)
    if shipped.is_file():
        return shipped.read_text(encoding="utf-8")
    # Running from a source checkout (editable install): read hooks/ at the repo root.
    repo = Path(__file__).resolve().parents[3] / "hooks" / name
    return repo.read_text(encoding="utf-8")


def render(provider: str, direct_url: str | None, knobs: Knobs | None = None) -> str:
    """The template with ``knobs`` written into its knob lines; without an ``install`` knob,
    ``PITSTOP_INSTALL`` pins the git commit pitstop was installed from, when it was (pitstop
    is not on the package index yet)."""
    knobs = knobs or Knobs()
    text = template(provider)
    install = knobs.install or spec_from_direct_url(direct_url)
    if install is not None:
        text = _set(text, "PITSTOP_INSTALL", json.dumps(install))
    if knobs.nox is not None:
        text = _set(text, "RUN_NOX", json.dumps(knobs.nox))
    if knobs.pythons:
        if provider == "github":  # a block scalar: one version per line
            block = re.compile(r"^(  PYTHON_VERSIONS: \|\n)((?:    .*\n)+)", re.MULTILINE)
            lines = "".join(f"    {v}\n" for v in knobs.pythons)
            text, count = block.subn(lambda m: m.group(1) + lines, text)
            assert count == 1, "the GitHub template lost its PYTHON_VERSIONS block"
        else:
            text = _set(text, "PYTHON_VERSIONS", json.dumps(" ".join(knobs.pythons)))
    return text


def _set(text: str, key: str, value: str) -> str:
    line = re.compile(rf"^(  {key}: ).*$", re.MULTILINE)
    text, count = line.subn(lambda m: m.group(1) + value, text, count=1)
    assert count == 1, f"the template lost its {key} line"
    return text


def install_spec(spec: str) -> str:
    """A validated pitstop requirement, rendered by packaging (never the raw text)."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    fix = 'use e.g. --install "pitstop==0.1.0" or --install "pitstop @ git+https://HOST/OWNER/pitstop@REV"'
    if any(ord(c) < 32 or c in '"\\' for c in spec):
        raise UsageError("--install: control characters, quotes and backslashes are not allowed", fix=fix)
    try:
        req = Requirement(spec)
    except InvalidRequirement as exc:
        raise UsageError(f"--install {spec!r} is not a requirement: {exc}", fix=fix) from None
    if canonicalize_name(req.name) != "pitstop":
        raise UsageError(f"--install {spec!r} does not install pitstop", fix=fix)
    if req.url and "@" in req.url.split("://", 1)[-1].split("/", 1)[0]:
        raise UsageError("--install: the URL holds credentials; CI templates never carry them", fix=fix)
    return str(req)


def spec_from_direct_url(text: str | None) -> str | None:
    """``pitstop @ git+URL@COMMIT`` when pitstop was installed from a remote git repository
    (PEP 610 ``direct_url.json``), else None. Credentials in the URL are dropped; a local
    ``file:`` URL is useless on a CI runner, so it gives None too."""
    from pitstop.requirements import redact_url

    try:
        data = json.loads(text or "")
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    url, vcs = data.get("url"), data.get("vcs_info")
    if not isinstance(url, str) or not isinstance(vcs, dict) or vcs.get("vcs") != "git":
        return None
    commit = vcs.get("commit_id")
    if not isinstance(commit, str) or not re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", commit):
        return None
    url = redact_url(url)
    if not re.fullmatch(r"(https|ssh)://[^\s\"'@]+", url):
        return None  # file:, or anything that could break out of the YAML string
    return f"pitstop @ git+{url}@{commit}"


def _direct_url() -> str | None:
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        return distribution("pitstop").read_text("direct_url.json")
    except PackageNotFoundError:
        return None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``pitstop ci``."""
    parser.add_argument("provider", choices=sorted(TEMPLATES))
    parser.add_argument(
        "--install",
        metavar="REQUIREMENT",
        help="how CI installs pitstop (default: where this pitstop was installed from)",
    )
    parser.add_argument(
        "--python",
        action="append",
        metavar="VERSION",
        help="an interpreter CI installs (repeatable; default: 3.10 to 3.14)",
    )
    parser.add_argument(
        "--nox", choices=_NOX, help="run nox after setup (default: auto, when noxfile.py exists)"
    )


def run(args: argparse.Namespace) -> int:
    """Write the template, its knobs set from the options, to stdout."""
    pythons = tuple(args.python or ())
    for version in pythons:
        if not _PYTHON.fullmatch(version):
            raise UsageError(
                f"--python {version!r} is not a version", fix="use e.g. --python 3.12 --python 3.13"
            )
    install = install_spec(args.install) if args.install else None
    direct_url = _direct_url()
    knobs = Knobs(install=install, pythons=pythons, nox=args.nox)
    if install is None and spec_from_direct_url(direct_url) is None and direct_url:
        sys.stderr.write(
            "warning: this pitstop was installed from a local path, which a CI runner cannot "
            "reach; the template keeps PITSTOP_INSTALL as shipped\n"
            f"run: pitstop ci {args.provider} --install "
            '"pitstop @ git+https://HOST/OWNER/pitstop@REV"\n'
        )
    sys.stdout.write(render(args.provider, direct_url, knobs))
    return READY
