"""``pitstop ci github|gitlab``: print a ready-to-commit CI job template."""

from __future__ import annotations

import argparse
import sys

from pitstop.errors import READY

TEMPLATES = {"github": "github-actions.yml", "gitlab": "gitlab-ci.yml"}


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


def spec_from_direct_url(text: str | None) -> str | None:
    """``pitstop @ git+URL@COMMIT`` when pitstop was installed from a remote git repository
    (PEP 610 ``direct_url.json``), else None. Credentials in the URL are dropped; a local
    ``file:`` URL is useless on a CI runner, so it gives None too."""
    import json
    import re

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


def render(provider: str, direct_url: str | None) -> str:
    """The template, with ``PITSTOP_INSTALL`` pinned to the commit pitstop was installed
    from when that was a git repository (pitstop is not on the package index yet)."""
    text = template(provider)
    spec = spec_from_direct_url(direct_url)
    if spec is None:
        return text
    from pitstop import __version__

    return text.replace(f'PITSTOP_INSTALL: "pitstop=={__version__}"', f'PITSTOP_INSTALL: "{spec}"')


def run(args: argparse.Namespace) -> int:
    """Write the template to stdout."""
    sys.stdout.write(render(args.provider, _direct_url()))
    return READY
