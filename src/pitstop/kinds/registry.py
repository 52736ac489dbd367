"""Built-in kinds in a plain dict; third-party kinds from the ``pitstop.kinds`` entry points."""

from __future__ import annotations


def third_party_names() -> set[str]:
    """Names registered under the ``pitstop.kinds`` entry-point group."""
    from importlib.metadata import entry_points

    return {ep.name for ep in entry_points(group="pitstop.kinds")}
