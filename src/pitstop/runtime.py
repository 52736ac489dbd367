"""Find interpreters on this machine without running shims: uv-managed, pyenv, then PATH
(SPEC order), and pick the best one for a :class:`~pitstop.python_request.PythonRequest`."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from pitstop.errors import InterpreterNotFound, NotReadyError
from pitstop.identity import IdentityCache, Interpreter, interpreter_from_probe, run_probe
from pitstop.python_request import PythonRequest

_PYENV_NAME = re.compile(
    r"^(?:(?P<impl>pypy|graalpy)(?P<pyver>\d+\.\d+)-\S+|(?P<version>\d+\.\d+\.\d+)(?P<ft>t)?)$"
)
_UV_NAME = re.compile(r"^(?P<impl>cpython|pypy|graalpy)-(?P<version>\d+\.\d+\.\d+)(?P<ft>\+freethreaded)?-")
_PATH_NAME = re.compile(r"^python(?P<version>3(?:\.\d+)?)?(?P<ft>t)?$")


class Candidate(NamedTuple):
    """An interpreter found on disk, with what its location says of it (not yet probed)."""

    path: str
    source: str
    implementation: str | None
    version: str | None
    free_threaded: bool = False


class Runtimes:
    """Interpreter discovery, with probed identities kept in an :class:`IdentityCache`."""

    def __init__(
        self,
        cache_file: Path | None,
        environ: Mapping[str, str] | None = None,
        *,
        store: Path | None = None,
        read_only: bool = False,
    ) -> None:
        self.cache = IdentityCache(cache_file, store=store, read_only=read_only)
        self.environ = os.environ if environ is None else environ

    # -- identity -----------------------------------------------------------------------
    def cached(self, path: str) -> Interpreter | None:
        """The cached probe of ``path`` if nothing about its files changed, else None."""
        return self.cache.interpreter(path)

    def identify(self, path: str) -> Interpreter:
        """Probe ``path`` (or reuse the cache) and return its identity."""
        found = self.cache.interpreter(path)
        if found is not None:
            return found
        interp, files = interpreter_from_probe(path, self.probe(path))
        self.cache.remember(interp, files)
        return interp

    def probe(self, path: str) -> dict[str, object]:
        """Run ``path`` once to read its facts; a broken interpreter is a NotReadyError."""
        return run_probe(path)

    def tool_version(self, path: str, argv: list[str]) -> str:
        """``argv``'s output (e.g. ``uv --version``), cached like identities by ``path``'s stat."""
        return self.cache.tool_version(path, argv)

    # -- discovery ----------------------------------------------------------------------
    def candidates(self) -> Iterator[Candidate]:
        """Interpreters on this machine in SPEC order: uv-managed, pyenv, PATH (no shims)."""
        yield from self._uv_managed()
        yield from self._pyenv()
        yield from self._path()

    def _uv_managed(self) -> Iterator[Candidate]:
        directory = self.environ.get("UV_PYTHON_INSTALL_DIR")
        if not directory:
            data_home = self.environ.get("XDG_DATA_HOME") or os.path.join(
                self.environ.get("HOME", os.path.expanduser("~")), ".local", "share"
            )
            directory = os.path.join(data_home, "uv", "python")
        for name in _sorted_dir(directory):
            match = _UV_NAME.match(name)
            exe = os.path.join(directory, name, "bin", "python3")
            if match and os.path.isfile(exe):
                yield Candidate(exe, "uv", match["impl"], match["version"], bool(match["ft"]))

    def pyenv_root(self) -> str | None:
        """``$PYENV_ROOT``, else ``~/.pyenv`` when it exists."""
        root = self.environ.get("PYENV_ROOT")
        if root:
            return root
        home = self.environ.get("HOME")
        if home and os.path.isdir(os.path.join(home, ".pyenv")):
            return os.path.join(home, ".pyenv")
        return None

    def pyenv_versions(self) -> list[str]:
        """Names of the installed pyenv versions (read from disk; no shim is executed)."""
        root = self.pyenv_root()
        return _sorted_dir(os.path.join(root, "versions")) if root else []

    def _pyenv(self) -> Iterator[Candidate]:
        root = self.pyenv_root()
        if not root:
            return
        for name in self.pyenv_versions():
            match = _PYENV_NAME.match(name)
            if not match:
                continue
            bindir = os.path.join(root, "versions", name, "bin")
            exe = next(
                (
                    os.path.join(bindir, n)
                    for n in ("python3", "python", "pypy3")
                    if os.path.isfile(os.path.join(bindir, n))
                ),
                None,
            )
            if exe is None:
                continue
            if match["version"]:
                yield Candidate(exe, "pyenv", "cpython", match["version"], bool(match["ft"]))
            else:
                yield Candidate(exe, "pyenv", match["impl"], match["pyver"])

    def _path(self) -> Iterator[Candidate]:
        seen: set[str] = set()
        for directory in self.environ.get("PATH", "").split(os.pathsep):
            if not directory or "shims" in Path(directory).parts:
                continue
            for name in _sorted_dir(directory):
                match = _PATH_NAME.match(name)
                exe = os.path.join(directory, name)
                if not match or not os.access(exe, os.X_OK) or os.path.isdir(exe):
                    continue
                real = os.path.realpath(exe)
                if real in seen or is_script(real):
                    continue  # shims and wrappers are scripts; only real binaries count
                seen.add(real)
                version = match["version"] if match["version"] and "." in match["version"] else None
                yield Candidate(exe, "PATH", None, version, bool(match["ft"]))

    def find(self, request: PythonRequest) -> Interpreter:
        """Resolve ``request`` to a probed interpreter, or raise InterpreterNotFound."""
        if request.path:
            from pitstop.python_request import PATH_FIX, require_interpreter

            require_interpreter(
                request.path,
                where="python",
                fix=PATH_FIX,
            )
            return self.identify(request.path)
        seen: list[Candidate] = []
        probed: dict[str, str] = {}  # path -> the version its probe reported ("" if it failed)
        sources = (("uv", self._uv_managed), ("pyenv", self._pyenv), ("PATH", self._path))
        for _source, scan in sources:  # a later source is only scanned when needed
            group = list(scan())
            seen += group
            best: Interpreter | None = None
            for cand in sorted(group, key=_version_key, reverse=True):
                if cand.version is not None and not request.matches(
                    cand.implementation or "cpython", cand.version, free_threaded=cand.free_threaded
                ):
                    continue
                try:
                    interp = self.identify(cand.path)
                except NotReadyError:
                    probed[cand.path] = ""
                    continue
                ident = interp.identity
                probed[cand.path] = ident.version
                if request.matches(ident.implementation, ident.version, free_threaded=ident.free_threading):
                    if best is None or _vkey(ident.version) > _vkey(best.identity.version):
                        best = interp
                    if cand.version is not None:
                        break
            if best is not None:
                return best
        listing = _found_listing(seen, probed)
        raise InterpreterNotFound(
            f"no interpreter satisfies python = {request.raw!r}; found: {listing}",
            fix=f"uv python install {request.raw}  (or pyenv install, or set PITSTOP_PYTHON)",
        )


def is_script(path: str) -> bool:
    """True when ``path`` starts with ``#!`` (a shim or wrapper, not an interpreter binary)."""
    try:
        with open(path, "rb") as handle:
            return handle.read(2) == b"#!"
    except OSError:
        return True


def _sorted_dir(directory: str) -> list[str]:
    try:
        return sorted(os.listdir(directory))
    except OSError:
        return []


def _found_listing(seen: Sequence[Candidate], probed: Mapping[str, str]) -> str:
    """What ``find`` looked at, highest version first: ``3.12.1 (pyenv), 3.11.2 (/usr/bin/python3)``.

    A PATH entry is labelled with its path (the version its probe reported); one that could
    not be run says so instead of showing a bare question mark.
    """
    labels: dict[str, tuple[int, ...]] = {}
    for cand in seen:
        version = cand.version or probed.get(cand.path) or ""
        where = cand.source if cand.source != "PATH" else cand.path
        if cand.implementation and cand.implementation != "cpython":
            version = f"{cand.implementation} {version}".strip()
        label = f"{version} ({where})" if version else f"{where}: does not run"
        labels[label] = _vkey(version) if version else ()
    return ", ".join(sorted(labels, key=lambda lab: (labels[lab], lab), reverse=True)) or "none"


def _vkey(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", version)[:3])


def _version_key(cand: Candidate) -> tuple[int, ...]:
    return _vkey(cand.version) if cand.version else (0,)
