"""Strict (CI) or dev, and which rule decided it (SPEC §4)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import NamedTuple

from pitstop.errors import ConfigError

TYPE_CHECKING = False  # not typing's: the no-op path does not import it
if TYPE_CHECKING:
    from pitstop.config import Project

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
CI_VARIABLES = ("GITHUB_ACTIONS", "GITLAB_CI", "BUILDKITE", "TF_BUILD", "JENKINS_URL")


class Policy(NamedTuple):
    """Whether pitstop may resolve and rebuild (dev) or must only verify (strict)."""

    strict: bool
    reason: str

    def describe(self) -> str:
        """e.g. ``strict: CI=true``."""
        return f"{'strict' if self.strict else 'dev'}: {self.reason}"


def in_ci(environ: Mapping[str, str]) -> str | None:
    """The variable that says we run in CI (``CI=true``), or None."""
    value = environ.get("CI")
    if value is not None and value.strip().lower() not in _FALSE | {""}:
        return f"CI={value}"
    for name in CI_VARIABLES:
        if environ.get(name):
            return f"{name} is set"
    return None


def decide(
    *,
    flag: bool | None,
    auto_install: str,
    environ: Mapping[str, str] | None = None,
    auto_install_from_env: bool = False,
) -> Policy:
    """Apply SPEC §4: ``--strict/--no-strict``, ``PITSTOP_STRICT``, then ``auto-install``."""
    env = os.environ if environ is None else environ
    if flag is not None:
        return Policy(flag, "--strict" if flag else "--no-strict")
    raw = env.get("PITSTOP_STRICT")
    if raw is not None and raw.strip() != "":
        value = raw.strip().lower()
        if value in _TRUE:
            return Policy(True, f"PITSTOP_STRICT={raw}")
        if value in _FALSE:
            return Policy(False, f"PITSTOP_STRICT={raw}")
        raise ConfigError(
            f"PITSTOP_STRICT={raw!r} is not a yes/no value",
            fix="set PITSTOP_STRICT to 1/true/yes or 0/false/no, or unset it",
        )
    source = "PITSTOP_AUTO_INSTALL" if auto_install_from_env else "auto-install"
    if auto_install == "never":
        return Policy(True, f'{source} = "never"')
    if auto_install == "always":
        return Policy(False, f'{source} = "always"')
    ci = in_ci(env)
    if ci:
        return Policy(True, ci)
    return Policy(False, "not in CI")


def for_project(project: Project, *, strict: bool | None = None) -> Policy:
    """The policy of ``project``: ``strict`` (``--strict``/``--no-strict``, or None), then the
    environment, then the default env's ``auto-install`` (the one place the policy is built)."""
    auto = project.auto_install_override or project.envs["default"].settings.auto_install
    return decide(
        flag=strict, auto_install=auto, auto_install_from_env=project.auto_install_override is not None
    )
