"""What an interpreter is: its probe (run once, parsed apart from the process call), its
:class:`RuntimeIdentity`, and the on-disk cache that keeps a no-op from spawning Python.

The cache maps an interpreter path to its identity, keyed by (size, mtime, inode) of the path,
the real executable and libpython; it also keeps tools' ``--version`` output keyed the same way.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from pitstop.errors import NotReadyError
from pitstop.reading import stat_key

#: Python text, run inside a probed interpreter (any version from 2.7 on, after ``import os,
#: platform, sys``), that sets ``markers``: its PEP 508 marker environment. The identity probe
#: here and the adopted kinds' probe (``kinds.base.PROBE``) both run it.
MARKERS_CODE = r"""
impl = getattr(sys, "implementation", None)
iv = impl.version if impl is not None else sys.version_info
iver = "%d.%d.%d" % (iv[0], iv[1], iv[2])
if iv[3] != "final":
    iver += iv[3][0] + str(iv[4])
markers = {
    "implementation_name": impl.name if impl is not None else platform.python_implementation().lower(),
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
"""

# Runs inside the probed interpreter; written to work on Python 2.7 too.
_PROBE = (
    r"""
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
"""
    + MARKERS_CODE
    + r"""
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
)


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


def run_probe(path: str) -> dict[str, object]:
    """Run ``path`` once to read its facts; a broken interpreter is a NotReadyError."""
    import subprocess

    from pitstop.errors import ProvisionError
    from pitstop.process import run, scrubbed_env
    from pitstop.python_request import interpreter_problem

    problem = interpreter_problem(path)
    if problem is not None:  # never execute what is not a Python interpreter (e.g. /bin/sh)
        raise NotReadyError(
            f"{path} is not a Python interpreter: {problem}",
            fix="point python / PITSTOP_PYTHON at a working interpreter",
        )
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


def parse_probe(text: str) -> dict[str, object]:
    """Parse the probe's JSON output; ValueError when it is not what the probe prints."""
    data = json.loads(text.strip().splitlines()[-1] if text.strip() else "")
    required = ("implementation", "version", "platform", "executable", "prefix", "base_prefix")
    if not isinstance(data, dict) or any(k not in data for k in required):
        raise ValueError("incomplete probe output")
    return data


def interpreter_from_probe(path: str, info: dict[str, object]) -> tuple[Interpreter, list[str]]:
    """The Interpreter a probe describes, and the files its identity depends on (the path,
    the real executable, libpython): the runtime hash covers the last two."""
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
    return interp, files


class IdentityCache:
    """Probed interpreters and tool versions, cached in one JSON file under the env store
    (``read_only``: used but never written, for commands that must not write)."""

    def __init__(
        self, cache_file: Path | None, *, store: Path | None = None, read_only: bool = False
    ) -> None:
        self.cache_file = cache_file
        self.store = store
        self.read_only = read_only
        self._entries: dict[str, dict[str, object]] | None = None

    def interpreter(self, path: str) -> Interpreter | None:
        """The cached probe of ``path`` if nothing about its files changed, else None."""
        entry = self._load().get(path)
        if not entry:
            return None
        stats = entry.get("stats")
        if not isinstance(stats, dict):
            return None
        for file, key in stats.items():
            if stat_key(file) != key:
                return None
        try:
            return _interpreter_from_json(entry["interpreter"])  # type: ignore[arg-type]
        except (KeyError, TypeError):
            return None

    def remember(self, interp: Interpreter, files: list[str]) -> None:
        """Cache ``interp`` keyed by the stat of ``files``."""
        stats = {f: stat_key(f) for f in files}
        self._store(interp.path, {"stats": stats, "interpreter": _interpreter_to_json(interp)})

    def tool_version(self, path: str, argv: list[str]) -> str:
        """``argv``'s output (e.g. ``uv --version``), cached by ``path``'s stat."""
        key = f"tool:{path}"
        entry = self._load().get(key)
        stat = stat_key(path)
        if entry and entry.get("stat") == stat and isinstance(entry.get("output"), str):
            return str(entry["output"])
        from pitstop.process import run, scrubbed_env

        output = run(argv, env=scrubbed_env()).stdout.strip()
        self._store(key, {"stat": stat, "output": output})
        return output

    def _load(self) -> dict[str, dict[str, object]]:
        if self._entries is None:
            self._entries = {}
            if self.cache_file is not None:
                try:
                    data = json.loads(self.cache_file.read_text(encoding="utf-8"))
                    if isinstance(data, dict) and data.get("schema") == 2:
                        self._entries = data.get("interpreters", {})
                except (OSError, ValueError):
                    pass
        return self._entries

    def _store(self, key: str, entry: dict[str, object]) -> None:
        cache = self._load()
        cache[key] = entry
        if self.cache_file is None or self.read_only or self.cache_file.parent.is_symlink():
            return  # (a .cache symlinked out of the project is never written: SPEC §5)
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


def _file_hash(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _is_py2(path: str) -> bool:
    return bool(re.search(r"python2(\.\d+)?$|/2\.\d+\.\d+/", path))


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
