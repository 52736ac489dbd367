"""Where the project is, and what its ``.python-version`` says (SPEC §1, §6).

Standard library only and cheap: the fast path, the config loader and every kind use these
functions, so that they all agree on the project root and on the version file.

Project root: the nearest directory from the start upwards holding pitstop config
(``pitstop.toml``, or ``pyproject.toml`` with a ``[tool.pitstop]`` table); without one, the
nearest directory upwards holding an adopted kind's marker (``uv.lock``, ``poetry.lock``,
``.venv/pyvenv.cfg``, ...), the way uv looks for its project from a subdirectory.

``.python-version`` follows pyenv's reader (``pyenv-version-file-read``): each line's first
word is a version; blank lines and lines starting with ``#`` are skipped, and so are ``..``,
anything holding a ``/`` and anything that is not a version name (letters, digits, ``._+-``);
several lines are several versions, in order; ``system`` means the interpreter outside pyenv;
a ``python-`` prefix is allowed (``python-3.12``).
"""

from __future__ import annotations

import os
import sys

from pitstop.reading import UnreadableFile, boundary, escapes, read_bytes

TYPE_CHECKING = False  # see pitstop/__init__.py: no typing import on the fast path
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    PluginMarkers = Callable[[], Iterable[tuple[str, Sequence[str]]]]

CONFIG_FILE = "pitstop.toml"
# Compiled on first use: the fast path finds the usual ``[tool.pitstop]`` without importing re.
_TOOL_TABLE = r"^[ \t]*\[[ \t]*tool[ \t]*\.[ \t]*(\"pitstop\"|'pitstop'|pitstop)[ \t]*[\].\n]"

# Built-in adopted kinds' markers, in detection order (SPEC §6). A marker ending in "/" is a
# directory; "a/b" is a file inside a directory.
BUILTIN_MARKERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("uv", ("uv.lock",)),
    ("poetry", ("poetry.lock",)),
    ("venv", (".venv/pyvenv.cfg", "venv/pyvenv.cfg")),
    ("conda", ("environment.yml", "environment.yaml", "conda-meta/")),
    ("pyenv", (".python-version",)),
)


def pitstop_config(directory: str) -> str | None:
    """The pitstop config file in ``directory`` (``pitstop.toml`` first), or None."""
    candidate = os.path.join(directory, CONFIG_FILE)
    if os.path.isfile(candidate):
        return candidate
    pyproject = os.path.join(directory, "pyproject.toml")
    try:
        text = read_bytes(pyproject).decode("utf-8", errors="replace")
    except UnreadableFile:
        return None
    return pyproject if _has_tool_table(text) else None


def _has_tool_table(text: str) -> bool:
    if "pitstop" not in text:
        return False
    for line in text.splitlines():
        if line.lstrip(" \t").startswith(("[tool.pitstop]", "[tool.pitstop.")):
            return True
    import re

    if re.search(_TOOL_TABLE, text, re.M):
        return True
    if "tool" not in text:
        return False
    # Rare spellings (``[tool]`` with ``pitstop = {...}``, dotted keys): ask the TOML parser.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    try:
        tool = tomllib.loads(text).get("tool")
    except tomllib.TOMLDecodeError:
        return True  # mentions pitstop but does not parse: the config loader says where
    return isinstance(tool, dict) and "pitstop" in tool


def find_config(start: str) -> tuple[str, str] | None:
    """(root, config file) of the nearest directory from ``start`` up with pitstop config."""
    for directory in _upwards(start):
        found = pitstop_config(directory)
        if found is not None:
            return directory, found
    return None


def marker_in(
    directory: str, markers: Iterable[tuple[str, Sequence[str]]] | None = None
) -> tuple[str, str] | None:
    """(kind, marker) of the first adopted-kind marker present in ``directory``."""
    for kind, names in BUILTIN_MARKERS if markers is None else markers:
        for name in names:
            path = os.path.join(directory, name.rstrip("/"))
            if os.path.isdir(path) if name.endswith("/") else os.path.isfile(path):
                return kind, name
    return None


def find_marker(start: str, plugin_markers: PluginMarkers | None = None) -> tuple[str, str, str] | None:
    """(root, kind, marker) of the nearest directory from ``start`` up holding a built-in
    marker or one of those ``plugin_markers()`` returns (third-party kinds' markers, which
    ``pitstop.kinds.plugins.declared_markers`` reads from the entry points)."""
    # Built-in markers come first in a directory: found in ``start`` itself, no plugin can be
    # nearer, so the entry points (importlib.metadata) are not even read.
    found = marker_in(os.path.abspath(start))
    if found is not None:
        return os.path.abspath(start), *found
    listed = [*BUILTIN_MARKERS, *(plugin_markers() if plugin_markers is not None else ())]
    for directory in _upwards(start):
        found = marker_in(directory, listed)
        if found is not None:
            return directory, *found
    return None


def find_project(start: str, plugin_markers: PluginMarkers | None = None) -> tuple[str, str | None]:
    """(root, config file or None): pitstop config first, then adopted-kind markers (see
    :func:`find_marker`), else ``start`` itself (nothing project-specific: the ``system`` kind)."""
    config = find_config(start)
    if config is not None:
        return config
    marker = find_marker(start, plugin_markers)
    return (marker[0] if marker else os.path.abspath(start)), None


def _upwards(start: str) -> list[str]:
    directory = os.path.abspath(start)
    out = [directory]
    while True:
        parent = os.path.dirname(directory)
        if parent == directory:
            return out
        directory = parent
        out.append(directory)


def read_python_version(path: str) -> tuple[str, ...] | None:
    """The versions a ``.python-version`` file names, read as pyenv does; None without one
    (:class:`~pitstop.reading.UnreadableFile` when it is there but not a readable file)."""
    target = escapes(path, boundary(os.path.dirname(os.path.abspath(path))))
    if target is not None and os.path.lexists(path):  # a committed symlink to a secret
        raise UnreadableFile(path, f"it resolves outside the project, to {target}")
    try:
        text = read_bytes(path, limit=1 << 20).decode("utf-8", errors="replace")
    except UnreadableFile as exc:
        if exc.missing:
            return None
        raise
    versions: list[str] = []
    for line in text.replace("\r", "\n").split("\n"):
        words = line.split()
        if not words:
            continue
        word = words[0][:1024]
        if word.startswith("#") or not is_pyenv_name(word):
            continue  # not a version name (binary junk, control characters): never echoed
        versions.append(word)
    return tuple(versions)


PYENV_NAME_FIX = (
    'set python to a pyenv version name, as in .python-version ("3.12", "3.12.1", '
    '"pypy3.10-7.3.12", "system"); for a version range use kind = "system"'
)


def is_pyenv_name(word: str) -> bool:
    """Whether ``word`` is a pyenv version name (a directory of ``$PYENV_ROOT/versions``, or
    ``system``): ASCII letters, digits and ``._+-``, starting with a letter or digit. A
    specifier (``>=3.12``) or a path is not one, and nothing in one needs shell quoting."""
    return word.isascii() and word[:1].isalnum() and all(c.isalnum() or c in "._+-" for c in word)


def python_version_request(root: str) -> str | None:
    """The interpreter request of ``root/.python-version`` for pitstop's own interpreter
    choice: the first named version, ``python-`` prefix dropped; ``system`` (pyenv's "not
    a pyenv version") makes no request."""
    versions = read_python_version(os.path.join(root, ".python-version"))
    if not versions:
        return None
    first = versions[0]
    if first == "system":
        return None
    return first[len("python-") :] if first.startswith("python-") else first
