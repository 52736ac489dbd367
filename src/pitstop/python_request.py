"""The ``python`` setting parsed: a version, a specifier, an implementation or a path."""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass

from pitstop.errors import ConfigError

_VERSION_REQUEST = re.compile(
    r"^(?:(?P<impl>cpython|pypy|graalpy)[@-]?)?(?P<version>\d+(?:\.\d+){0,2})?(?P<ft>t)?$"
)


@dataclass(frozen=True, slots=True)
class PythonRequest:
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
