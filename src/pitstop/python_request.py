"""The ``python`` setting parsed: a version, a specifier, an implementation or a path."""

from __future__ import annotations

import os
import re
import sys
from typing import NamedTuple

from pitstop.errors import ConfigError, InterpreterNotFound

_VERSION_REQUEST = re.compile(
    r"^(?:(?P<impl>cpython|pypy|graalpy)[@-]?)?(?P<version>\d+(?:\.\d+){0,2})?(?P<ft>t)?$"
)

# What a Python interpreter's file name looks like (the names uv searches for, plus ABI flags
# and PyPy's ``-c`` binary): python, python3, python3.12, python3.13t, python3.6m, pypy3,
# pypy3.10-c, graalpy, each with an optional ``.exe``. Checked on the path as given and as
# resolved before pitstop executes it, so a config can never make it run ``/bin/sh``.
_INTERPRETER_NAME = re.compile(
    r"^(?:python|pypy|graalpy)(?:\d+(?:\.\d+){0,2})?[tdmu]{0,3}(?:-c)?(?:\.exe)?$", re.I
)
INTERPRETER_NAMES = "python, python3, python3.12, python3.13t, pypy3, graalpy"
PATH_FIX = 'set python to an interpreter\'s absolute path (e.g. /usr/bin/python3.12) or a version ("3.12")'


class PythonRequest(NamedTuple):
    """A parsed ``python`` setting."""

    raw: str
    path: str | None = None
    implementation: str | None = None
    specifier: str = ""
    free_threaded: bool = False

    def requires_python(self, version: str | None = None) -> str:
        """The PEP 440 range written as the lock's ``requires-python``."""
        if self.specifier:
            return self.specifier
        if version:
            return f"=={'.'.join(version.split('.')[:2])}.*"
        return ""

    def matches(self, implementation: str, version: str, *, free_threaded: bool = False) -> bool:
        """Whether an interpreter with these facts satisfies the request."""
        from packaging.specifiers import SpecifierSet

        if self.implementation and implementation != self.implementation:
            return False
        if self.free_threaded and not free_threaded:
            return False
        return not self.specifier or SpecifierSet(self.specifier).contains(version, prereleases=True)


def parse_request(text: str, *, where: str = "python") -> PythonRequest:
    """Parse a version, specifier, implementation request or absolute path (SPEC §2)."""
    text = text.strip()
    fix = 'use a version ("3.12"), a specifier (">=3.11,<3.13"), "cpython@3.12" or an absolute path'
    if not text:
        raise ConfigError(f"{where}: empty python request", fix=fix)
    if os.path.isabs(text):
        if not looks_like_python(text):
            raise ConfigError(
                f"{where}: {text!r} is not named like a Python interpreter ({INTERPRETER_NAMES}, ...)",
                fix=PATH_FIX,
            )
        return PythonRequest(raw=text, path=text)
    match = _VERSION_REQUEST.match(text.lower())
    if match and (match["impl"] or match["version"]):
        spec = ""
        if match["version"]:
            parts = match["version"].split(".")
            spec = f"=={match['version']}" if len(parts) == 3 else f"=={match['version']}.*"
        return PythonRequest(
            raw=text,
            implementation=match["impl"],
            specifier=spec,
            free_threaded=bool(match["ft"]),
        )
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        spec_set = SpecifierSet(text)
    except InvalidSpecifier:
        raise ConfigError(f"{where}: cannot understand python = {text!r}", fix=fix) from None
    if not str(spec_set):
        raise ConfigError(f"{where}: cannot understand python = {text!r}", fix=fix)
    return PythonRequest(raw=text, specifier=str(spec_set))


def running_version() -> str:
    """``X.Y`` of the interpreter running pitstop (the last-resort default request)."""
    return f"{sys.version_info[0]}.{sys.version_info[1]}"


def looks_like_python(path: str) -> bool:
    """Whether ``path``'s file name is a Python interpreter's (no file system access)."""
    return bool(_INTERPRETER_NAME.match(os.path.basename(path)))


def interpreter_problem(path: str) -> str | None:
    """Why ``path`` must not be executed as a Python interpreter, or None (SPEC §5 Runtime:
    checked before pitstop runs anything). A Python interpreter is a regular, executable,
    non-script file whose name, as given and with every symlink resolved, looks like one."""
    import stat

    if not looks_like_python(path):
        return f"its name is not a Python interpreter's ({INTERPRETER_NAMES}, ...)"
    try:
        info = os.stat(path)
    except OSError as exc:
        return (
            "it does not exist"
            if isinstance(exc, FileNotFoundError)
            else f"it cannot be read ({exc.strerror})"
        )
    if not stat.S_ISREG(info.st_mode):
        return "it is not a regular file"
    if not os.access(path, os.X_OK):
        return "it is not executable"
    real = os.path.realpath(path)
    if not looks_like_python(real):
        return f"it resolves to {real}, whose name is not a Python interpreter's"
    try:
        with open(real, "rb") as handle:
            if handle.read(2) == b"#!":
                return "it is a script (a shim or wrapper), not an interpreter binary"
    except OSError as exc:
        return f"it cannot be read ({exc.strerror})"
    return None


def refuse_non_interpreter(request: PythonRequest) -> None:
    """A ``python`` path that exists but is not an interpreter is a config error (exit 2),
    found without running it, before anything else is decided; a missing one is left to
    discovery ("not found", exit 1)."""
    if request.path and os.path.lexists(request.path):
        require_interpreter(request.path, where="python", fix=PATH_FIX)


def require_interpreter(path: str, *, where: str, fix: str) -> None:
    """Raise unless ``path`` may be run as an interpreter: InterpreterNotFound (exit 1) when it
    does not exist, ConfigError (exit 2) when it is something else (a file, a directory, a
    device, a script, another program)."""
    problem = interpreter_problem(path)
    if problem is None:
        return
    if problem == "it does not exist" and not os.path.lexists(path):
        raise InterpreterNotFound(f"{where} = {path!r} does not exist", fix="install it or fix the path")
    raise ConfigError(f"{where} = {path!r} is not a Python interpreter: {problem}", fix=fix)
