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


def run(args: argparse.Namespace) -> int:
    """Write the template to stdout."""
    sys.stdout.write(template(args.provider))
    return READY
