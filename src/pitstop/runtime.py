"""Find interpreters without running shims, and probe and cache their runtime identity."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from pitstop.errors import ConfigError, InterpreterNotFound, NotReadyError

_IMPLS = ("cpython", "pypy", "graalpy")
_VERSION_REQUEST = re.compile(
    r"^(?:(?P<impl>cpython|pypy|graalpy)[@-]?)?(?P<version>\d+(?:\.\d+){0,2})?(?P<ft>t)?$"
)
_PYENV_NAME = re.compile(
    r"^(?:(?P<impl>pypy|graalpy)(?P<pyver>\d+\.\d+)-\S+|(?P<version>\d+\.\d+\.\d+)(?P<ft>t)?)$"
)
_UV_NAME = re.compile(r"^(?P<impl>cpython|pypy|graalpy)-(?P<version>\d+\.\d+\.\d+)(?P<ft>\+freethreaded)?-")
_PATH_NAME = re.compile(r"^python(?P<version>3(?:\.\d+)?)?(?P<ft>t)?$")

# Runs inside the probed interpreter; written to work on Python 2.7 too.
_PROBE = r"""
import json, os, platform, sys, sysconfig
cv = sysconfig.get_config_var
lib = None
if cv("Py_ENABLE_SHARED"):
    for d in (cv("LIBDIR"), os.path.dirname(sys.executable)):
        p = os.path.join(d or "", cv("LDLIBRARY") or "")
        if d and cv("LDLIBRARY") and os.path.isfile(p):
            lib = os.path.realpath(p)
            break
base = getattr(sys, "base_prefix", getattr(sys, "real_prefix", sys.prefix))
impl = getattr(sys, "implementation", None)
iv = impl.version if impl is not None else sys.version_info
iver = "%d.%d.%d" % (iv[0], iv[1], iv[2])
if iv[3] != "final":
    iver += iv[3][0] + str(iv[4])
markers = {
    "implementation_name": impl.name if impl is not None else "cpython",
    "implementation_version": iver,
    "os_name": os.name,
    "platform_machine": platform.machine(),
    "platform_release": platform.release(),
    "platform_system": platform.system(),
    "platform_version": platform.version(),
    "python_full_version": platform.python_version(),
    "platform_python_implementation": platform.python_implementation(),
    "python_version": ".".join(platform.python_version_tuple()[:2]),
    "sys_platform": sys.platform,
}
sys.stdout.write(json.dumps({
    "implementation": platform.python_implementation().lower(),
    "version": platform.python_version(),
    "platform": sysconfig.get_platform(),
    "abi": cv("SOABI") or "",
    "free_threading": bool(cv("Py_GIL_DISABLED")),
    "executable": os.path.realpath(sys.executable),
    "libpython": lib,
    "prefix": sys.prefix,
    "base_prefix": base,
    "markers": markers,
}))
"""


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


@dataclass(frozen=True, slots=True)
class RuntimeIdentity:
    """What makes an interpreter the same interpreter (SPEC §5 Runtime)."""

    implementation: str
    version: str
    platform: str
    abi: str
    free_threading: bool
    executable: str
    runtime_hash: str

    @property
    def label(self) -> str:
        """e.g. ``CPython 3.12.1``."""
        names = {"cpython": "CPython", "pypy": "PyPy", "graalpy": "GraalPy"}
        return f"{names.get(self.implementation, self.implementation)} {self.version}"

    def portable(self) -> dict[str, object]:
        """The identity without the machine-specific executable path (for locks)."""
        data = asdict(self)
        del data["executable"]
        return data


@dataclass(frozen=True, slots=True)
class Interpreter:
    """A probed interpreter: its identity plus facts used for validation."""

    path: str
    identity: RuntimeIdentity
    prefix: str
    base_prefix: str
    libpython: str | None
    markers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Candidate:
    """An interpreter found on disk, with what its location says of it (not yet probed)."""

    path: str
    source: str
    implementation: str | None
    version: str | None
    free_threaded: bool = False


def _stat_key(path: str) -> list[int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def _file_hash(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Runtimes:
    """Interpreter discovery and identity probing, with an on-disk cache.

    The cache maps an interpreter path to its identity, keyed by (size, mtime, inode) of the
    path, the real executable and libpython, so a no-op never spawns Python.
    """

    def __init__(
        self,
        cache_file: Path | None,
        environ: Mapping[str, str] | None = None,
        *,
        store: Path | None = None,
        read_only: bool = False,
    ) -> None:
        self.cache_file = cache_file
        self.store = store
        self.read_only = read_only
        self.environ = os.environ if environ is None else environ
        self._cache: dict[str, dict[str, object]] | None = None

    # -- identity -----------------------------------------------------------------------
    def cached(self, path: str) -> Interpreter | None:
        """The cached probe of ``path`` if nothing about its files changed, else None."""
        entry = self._load().get(path)
        if not entry:
            return None
        stats = entry.get("stats")
        if not isinstance(stats, dict):
            return None
        for file, key in stats.items():
            if _stat_key(file) != key:
                return None
        try:
            return _interpreter_from_json(entry["interpreter"])  # type: ignore[arg-type]
        except (KeyError, TypeError):
            return None

    def identify(self, path: str) -> Interpreter:
        """Probe ``path`` (or reuse the cache) and return its identity."""
        found = self.cached(path)
        if found is not None:
            return found
        info = self.probe(path)
        files = [path, str(info["executable"])]
        if info.get("libpython"):
            files.append(str(info["libpython"]))
        runtime_hash = hashlib.sha256()
        for file in files[1:]:
            runtime_hash.update(_file_hash(file).encode())
        identity = RuntimeIdentity(
            implementation=str(info["implementation"]),
            version=str(info["version"]),
            platform=str(info["platform"]),
            abi=str(info["abi"]),
            free_threading=bool(info["free_threading"]),
            executable=str(info["executable"]),
            runtime_hash="sha256:" + runtime_hash.hexdigest(),
        )
        interp = Interpreter(
            path=path,
            identity=identity,
            prefix=str(info["prefix"]),
            base_prefix=str(info["base_prefix"]),
            libpython=str(info["libpython"]) if info.get("libpython") else None,
            markers=tuple(sorted(dict(info.get("markers") or {}).items())),  # type: ignore[call-overload]
        )
        stats = {f: _stat_key(f) for f in files}
        self._store(path, {"stats": stats, "interpreter": _interpreter_to_json(interp)})
        return interp

    def tool_version(self, path: str, argv: list[str]) -> str:
        """``argv``'s output (e.g. ``uv --version``), cached like identities by ``path``'s stat."""
        key = f"tool:{path}"
        entry = self._load().get(key)
        stat = _stat_key(path)
        if entry and entry.get("stat") == stat and isinstance(entry.get("output"), str):
            return str(entry["output"])
        from pitstop.process import run, scrubbed_env

        output = run(argv, env=scrubbed_env()).stdout.strip()
        self._store(key, {"stat": stat, "output": output})
        return output

    def probe(self, path: str) -> dict[str, object]:
        """Run ``path`` once to read its facts; a broken interpreter is a NotReadyError."""
        import subprocess

        from pitstop.errors import ProvisionError
        from pitstop.process import run, scrubbed_env

        try:
            proc = run(
                (path, "-I", "-c", _PROBE) if not _is_py2(path) else (path, "-E", "-s", "-c", _PROBE),
                env=scrubbed_env(),
                check=False,
                timeout=60,
            )
        except (OSError, ProvisionError, subprocess.TimeoutExpired) as exc:
            reason = exc.message if isinstance(exc, ProvisionError) else str(exc)
            raise NotReadyError(
                f"{path} does not run as a Python interpreter: {reason}",
                fix="point python / PITSTOP_PYTHON at a working interpreter",
            ) from None
        try:
            data = parse_probe(proc.stdout) if proc.returncode == 0 else None
        except ValueError:
            data = None
        if data is None:
            raise NotReadyError(
                f"{path} does not run as a Python interpreter (exit {proc.returncode}): "
                f"{(proc.stdout or '').strip()[:300]}",
                fix="point python / PITSTOP_PYTHON at a working interpreter",
            )
        return data

    def _load(self) -> dict[str, dict[str, object]]:
        if self._cache is None:
            self._cache = {}
            if self.cache_file is not None:
                try:
                    data = json.loads(self.cache_file.read_text(encoding="utf-8"))
                    if isinstance(data, dict) and data.get("schema") == 2:
                        self._cache = data.get("interpreters", {})
                except (OSError, ValueError):
                    pass
        return self._cache

    def _store(self, path: str, entry: dict[str, object]) -> None:
        cache = self._load()
        cache[path] = entry
        if self.cache_file is None or self.read_only:
            return
        from pitstop.fsutil import atomic_write
        from pitstop.store import ensure_location

        try:
            if self.store is not None:
                ensure_location(self.store)
            atomic_write(
                self.cache_file,
                json.dumps({"schema": 2, "interpreters": cache}, indent=1, sort_keys=True),
            )
        except OSError:
            pass  # the cache is an optimisation; a read-only store must not break commands

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
            if not os.path.isfile(request.path):
                raise InterpreterNotFound(
                    f"python = {request.raw!r} does not exist", fix="install it or fix the path"
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


def _is_py2(path: str) -> bool:
    return bool(re.search(r"python2(\.\d+)?$|/2\.\d+\.\d+/", path))


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


def parse_probe(text: str) -> dict[str, object]:
    """Parse the probe's JSON output; ValueError when it is not what the probe prints."""
    data = json.loads(text.strip().splitlines()[-1] if text.strip() else "")
    required = ("implementation", "version", "platform", "executable", "prefix", "base_prefix")
    if not isinstance(data, dict) or any(k not in data for k in required):
        raise ValueError("incomplete probe output")
    return data


def _interpreter_to_json(interp: Interpreter) -> dict[str, object]:
    data = asdict(interp)
    return data


def _interpreter_from_json(data: dict[str, object]) -> Interpreter:
    ident = RuntimeIdentity(**data["identity"])  # type: ignore[arg-type]
    return Interpreter(
        path=str(data["path"]),
        identity=ident,
        prefix=str(data["prefix"]),
        base_prefix=str(data["base_prefix"]),
        libpython=data["libpython"] if isinstance(data["libpython"], str) else None,
        markers=tuple(tuple(pair) for pair in data.get("markers") or ()),  # type: ignore[attr-defined]
    )


def running_version() -> str:
    """``X.Y`` of the interpreter running pitstop (the last-resort default request)."""
    return f"{sys.version_info[0]}.{sys.version_info[1]}"
