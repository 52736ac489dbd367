"""Find the project and read ``[tool.pitstop]`` / ``pitstop.toml`` (plus the ``PITSTOP_PYTHON``
and ``PITSTOP_AUTO_INSTALL`` overrides and ``.python-version``) into a :class:`Project`.

Every problem is a :class:`ConfigError` (exit 2) naming the file, the key and the fix.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pitstop import _toml
from pitstop.config import CHOICES, Project
from pitstop.config_parse import Where, parse_envs
from pitstop.errors import ConfigError, NoConfigError


def find_root(start: Path) -> tuple[Path, Path]:
    """The nearest directory from ``start`` up that holds pitstop config, and that file."""
    from pitstop.discovery import find_config

    found = find_config(str(start.resolve()))
    if found is not None:
        return Path(found[0]), Path(found[1])
    raise NoConfigError(
        f"no pitstop configuration in {start.resolve()} or any parent directory",
        fix="add a [tool.pitstop] table to pyproject.toml (or create pitstop.toml), or pass --project DIR",
    )


def load(project: Path | None = None, *, environ: Mapping[str, str] | None = None) -> Project:
    """Find and read the project configuration.

    ``project`` is ``--project DIR`` (that directory must itself hold the config); without it
    the search starts at the working directory.
    """
    env_vars = os.environ if environ is None else environ
    if project is not None:
        root = Path(project).resolve()
        if not root.is_dir():
            raise ConfigError(f"--project {project}: no such directory", fix="pass a directory")
        from pitstop.discovery import pitstop_config

        found = pitstop_config(str(root))
        if found is None:
            raise NoConfigError(
                f"{root} has no pitstop.toml and no [tool.pitstop] in pyproject.toml",
                fix="add a [tool.pitstop] table to pyproject.toml or create pitstop.toml",
            )
        config_file = Path(found)
    else:
        root, config_file = find_root(Path.cwd())
    pyproject_path = root / "pyproject.toml"
    _check_inside(pyproject_path, root)
    _check_inside(config_file, root)
    pyproject = _toml.load(pyproject_path) if pyproject_path.is_file() else {}
    for key in ("project", "tool", "dependency-groups"):
        if key in pyproject and not isinstance(pyproject[key], Mapping):
            raise ConfigError(
                f"{pyproject_path.name}: {key} must be a table, not {type(pyproject[key]).__name__}",
                fix=f"write it as a [{key}] table in pyproject.toml",
                file=os.path.relpath(pyproject_path),
            )
    if config_file.name == "pitstop.toml":
        table: Any = _toml.load(config_file)
        if "pitstop" in (pyproject.get("tool") or {}):
            raise ConfigError(
                f"{root} has both pitstop.toml and [tool.pitstop] in pyproject.toml",
                fix="keep one of them",
            )
        prefix = ""
    else:
        table = (pyproject.get("tool") or {}).get("pitstop")
        if table is None:
            raise ConfigError(f"{config_file} has no [tool.pitstop] table", fix="add a [tool.pitstop] table")
        prefix = "tool.pitstop."
    where = Where(config_file, prefix)
    try:
        if not isinstance(table, Mapping):
            raise ConfigError(f"{config_file}: [{prefix[:-1]}] must be a table", fix="make it a table")
        envs = parse_envs(table, root=root, where=where)
    except ConfigError as exc:
        exc.file = exc.file or os.path.relpath(config_file)
        raise
    version_file = python_version_file(root)
    return Project(
        root=root,
        config_file=config_file,
        envs=envs,
        pyproject=pyproject,
        python_version_file=version_file,
        python_override=python_override(env_vars),
        auto_install_override=_auto_install_override(env_vars),
        tool=table,
    )


def _check_inside(path: Path, root: Path) -> None:
    """Refuse a config file that is a symlink out of the project: in CI it comes from a pull
    request, and errors quote its keys and values (SPEC §5)."""
    from pitstop.reading import escapes

    target = escapes(path, root)
    if target is not None and path.is_symlink():
        raise ConfigError(
            f"{path.name} is a symlink out of the project (to {target}); pitstop reads its "
            "configuration only inside the project",
            fix=f"replace the symlink {path.name} with a copy of the file",
        )


def python_version_file(root: Path) -> str | None:
    """The interpreter request of ``root/.python-version``, read as pyenv does (see
    :mod:`pitstop.discovery`)."""
    from pitstop.discovery import python_version_request
    from pitstop.reading import UnreadableFile

    try:
        return python_version_request(str(root))
    except UnreadableFile as exc:
        outside = "outside the project" in exc.reason  # a symlink out: replace it with a copy
        raise ConfigError(
            f"{exc.path}: cannot be read: {exc.reason}",
            fix="replace the symlink .python-version with a file naming the version (e.g. 3.12)"
            if outside
            else "make .python-version a regular UTF-8 text file",
        ) from None


def python_override(environ: Mapping[str, str]) -> str | None:
    value = environ.get("PITSTOP_PYTHON")
    if value is None or value == "":
        return None
    path = Path(value)
    if not path.is_absolute():
        found = _which_interpreter(value, environ.get("PATH", ""))
        if found is None:
            raise ConfigError(
                f"PITSTOP_PYTHON={value!r} is not an absolute path and not a real interpreter on PATH"
                " (pitstop never runs pyenv shims or wrapper scripts)",
                fix="set PITSTOP_PYTHON to an interpreter's absolute path, or unset it",
            )
        path = Path(found)
    from pitstop.python_request import interpreter_problem

    problem = interpreter_problem(str(path))
    if problem is not None:
        raise ConfigError(
            f"PITSTOP_PYTHON={value!r} is not a Python interpreter: {problem}",
            fix="set PITSTOP_PYTHON to an interpreter's absolute path, or unset it",
        )
    return str(path)


def _which_interpreter(name: str, path: str) -> str | None:
    """``name`` on ``path`` skipping shim directories and scripts (a shim is not a Python)."""
    from pitstop.runtime import is_script

    if os.sep in name:
        return None
    for directory in path.split(os.pathsep):
        if not directory or "shims" in Path(directory).parts:
            continue
        candidate = os.path.join(directory, name)
        usable = os.path.isfile(candidate) and os.access(candidate, os.X_OK)
        if usable and not is_script(os.path.realpath(candidate)):
            return candidate
    return None


def _auto_install_override(environ: Mapping[str, str]) -> str | None:
    value = environ.get("PITSTOP_AUTO_INSTALL")
    if not value:
        return None
    if value not in CHOICES["auto-install"]:
        raise ConfigError(
            f"PITSTOP_AUTO_INSTALL={value!r} is not one of dev, always, never",
            fix="set PITSTOP_AUTO_INSTALL to dev, always or never, or unset it",
        )
    return value
