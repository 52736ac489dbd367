"""The env store directory (``location``): created with a .gitignore and CACHEDIR.TAG."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pitstop.config import EnvSpec, Project

_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by pitstop.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)


def ensure_location(location: Path) -> None:
    """Create the env store with ``.gitignore`` (``*``) and ``CACHEDIR.TAG`` if missing."""
    from pitstop.fsutil import create_new

    location.mkdir(parents=True, exist_ok=True)
    # created only where nothing is: a symlink committed there is never written through
    for name, text in ((".gitignore", "*\n"), ("CACHEDIR.TAG", _TAG)):
        if not os.path.lexists(location / name):
            create_new(location / name, text.encode("utf-8"))


def confined(project: Project, env: EnvSpec) -> Path:
    """``env``'s store, checked to resolve inside the project (or, for ``location = "user"``,
    inside the user location): a symlinked ``.pitstop`` or ``.pitstop/<env>`` pointing out
    is a config error (exit 2), so nothing is ever built in or deleted from its target."""
    from pitstop.config import user_store
    from pitstop.errors import ConfigError

    name = project.store(env).name  # the env's directory (``<env>@<python>`` for a nox variant)
    if env.settings.location == "user":
        literal = user_store(project.root) / name
        base = literal.parent.parent.parent
        where = "the user location"
    else:
        literal = project.root / env.settings.location / name
        base = project.root
        where = "the project"
    real_base = base.resolve()
    real = literal.resolve()
    if real_base not in real.parents:
        link = next((p for p in [literal, *literal.parents] if p.is_symlink()), literal)
        raise ConfigError(
            f"env {env.name!r} would live in {real}, outside {where} ({link} is a symlink out)",
            fix=f"remove the symlink {link} (pitstop recreates the directory), or set location",
        )
    return project.store(env)


def require_directories(store: Path, env: EnvSpec) -> None:
    """Before a build: pitstop renames whole directories in and out of ``venv``, ``venv.prev``
    and ``venv.new``; a symlink or a file there (a dangling ``venv -> /elsewhere``) would be
    swapped and journaled, and wedge every later build. A config error (exit 2) instead;
    ``pitstop clean`` removes such a link, never its target."""
    from pitstop.errors import ConfigError, env_flag

    for slot in ("venv", "venv.prev", "venv.new"):
        path = store / slot
        if path.is_symlink() or (path.exists() and not path.is_dir()):
            what = "a symlink" if path.is_symlink() else "not a directory"
            flag = env_flag(env.name)
            raise ConfigError(
                f"env {env.name!r}: {path} is {what}; pitstop builds that directory itself",
                fix=f"run: pitstop clean{flag} && pitstop setup{flag}  (clean removes a link only)",
            )
