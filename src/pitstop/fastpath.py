"""The fast path: one record/replay cache for no-op answers, kept under the env store.

After a command has done the full work and found nothing to do, it :func:`record` s its
answer with the files that decided it (their size, mtime and inode) and the environment
variables that could change it. :func:`replay` returns that answer while none of it changed,
without importing TOML, packaging or argparse. Lock answers (``lock``, ``lock --check``)
also survive a re-stat (a checkout, an unrelated pyproject edit): they are replayed when the
raw values the lock depends on still hash the same. Anything unexpected falls back to the
full path. Nothing here is ever written into a lock or any other file users commit.

Users: :func:`try_fast` (the console script: ``check``, ``lock``, ``lock --check``,
``python`` and ``run`` with ``-e``/``--all``/``--json``) and :func:`pitstop.api.ensure`.
"""

from __future__ import annotations

import marshal
import os
import sys

from pitstop.reading import stat_key

TYPE_CHECKING = False  # see pitstop/__init__.py: no typing import on the fast path
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

# marshal, not json: it is built in, and json's decoder would import re on every start-up.
CACHE = os.path.join(".pitstop", ".cache", f"fastpath-{sys.version_info[0]}{sys.version_info[1]}.bin")
SCHEMA = 2
_VARS = (
    "CI",
    "GITHUB_ACTIONS",
    "GITLAB_CI",
    "BUILDKITE",
    "TF_BUILD",
    "JENKINS_URL",
    "NO_COLOR",
    "FORCE_COLOR",
)


def snapshot() -> dict[str, str]:
    """The environment variables that can change a command's answer."""
    env = {k: v for k, v in os.environ.items() if k.startswith("PITSTOP_") or k in _VARS}
    env["stdout.encoding"] = str(getattr(sys.stdout, "encoding", ""))
    return env


# -- keys -------------------------------------------------------------------------------
def key(command: str, *, envs: Sequence[str] = (), every: bool = False, flags: Sequence[str] = ()) -> str:
    """The canonical key of a command form: ``check --json -e docs``, ``lock --all``, ...
    (``python``, ``run`` and ``ensure`` act on one env, ``default`` unless named)."""
    if command in ("python", "run", "ensure") and list(envs) == ["default"]:
        envs = ()
    parts = [command, *sorted(flags)]
    if every:
        parts.append("--all")
    for name in envs:
        parts += ["-e", name]
    return " ".join(parts)


def command_key(argv: Sequence[str]) -> tuple[str, list[str]] | None:
    """(canonical key, CMD) for the command forms the fast path answers, else None."""
    args = list(argv)
    if not args or args[0] not in ("check", "lock", "python", "run"):
        return None
    command, rest = args[0], args[1:]
    allowed = {"check": ("--json",), "lock": ("--check",), "python": ("--json", "--nul"), "run": ()}[command]
    envs: list[str] = []
    flags: list[str] = []
    every = False
    cmd: list[str] = []
    while rest:
        arg = rest.pop(0)
        if arg in ("-e", "--env") and rest:
            envs.append(rest.pop(0))
        elif arg == "--all" and command in ("check", "lock"):
            every = True
        elif arg in allowed and arg not in flags:
            flags.append(arg)
        elif command == "run" and (arg == "--" or not arg.startswith("-")):
            cmd = rest if arg == "--" else [arg, *rest]
            break
        else:
            return None
    if (
        (every and envs)
        or (command in ("python", "run") and len(envs) > 1)
        or (len(flags) > 1 and command == "python")
    ):
        return None
    if command == "run":
        if not cmd or cmd[0].startswith("-"):
            return None
        envs = envs or ["default"]
    if command == "python":
        envs = envs or ["default"]
    return key(command, envs=envs, every=every, flags=flags), cmd


def find_root(start: str) -> str | None:
    """The directory whose fast-path cache applies (the nearest one holding pitstop config)."""
    from pitstop.discovery import find_config

    found = find_config(start)
    return found[0] if found else None


# -- replay -----------------------------------------------------------------------------
def _load(root: str) -> dict[str, object] | None:
    try:
        with open(os.path.join(root, CACHE), "rb") as handle:
            cache = marshal.load(handle)  # noqa: S302 - our own cache in the env store; nothing in it is executed
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if not isinstance(cache, dict) or cache.get("schema") != SCHEMA or cache.get("root") != str(root):
        return None
    return cache


def replay(root: str, name: str) -> dict[str, object] | None:
    """The recorded answer of ``name`` if nothing it depended on changed, else None."""
    if os.environ.get("PITSTOP_NO_FASTPATH"):
        return None
    cache = _load(root)
    if cache is None:
        return None
    try:
        entry = cache["entries"][name]  # type: ignore[index]
        if entry.get("env") != snapshot():
            return None
        stats = entry.get("stats", {})
    except (KeyError, TypeError, AttributeError):
        return None
    if all(stat_key(path) == recorded for path, recorded in stats.items()):
        return dict(entry)
    inputs = entry.get("inputs")
    if isinstance(inputs, dict) and _inputs_digest(root, inputs) == entry.get("digest"):
        return dict(entry)
    return None


def try_fast(argv: Sequence[str]) -> int | None:
    """Answer ``argv`` from the cache and return its exit code, or None for the full path."""
    parsed = command_key(argv)
    if parsed is None:
        return None
    name, cmd = parsed
    root = find_root(os.getcwd())
    if root is None:
        return None
    entry = replay(root, name)
    if entry is None:
        return None
    if argv[0] == "run":
        return _exec(cmd, entry)
    sys.stdout.write(str(entry.get("stdout", "")))
    sys.stderr.write(str(entry.get("stderr", "")))
    sys.stdout.flush()
    code = entry.get("code", 0)
    return code if isinstance(code, int) else None


def _exec(cmd: list[str], entry: Mapping[str, object]) -> int | None:
    bin_dir, venv = str(entry["bin_dir"]), str(entry["venv"])
    env = dict(os.environ)
    env.pop("PYTHONHOME", None)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env["VIRTUAL_ENV"] = venv
    argv = [os.path.join(bin_dir, "python"), *cmd[1:]] if cmd[0] in ("python", "python3") else cmd
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execvpe(argv[0], argv, env)  # noqa: S606 - an argv list, no shell
    except OSError:
        return None  # not found or not executable: the full path reports it


# -- the lock's raw inputs ----------------------------------------------------------------
def _inputs_digest(root: str, inputs: Mapping[str, object]) -> str | None:
    """``sha256`` over the raw values the selected locks depend on: the env tables and the
    top-level settings (not other envs' tables, nor unrelated pyproject tables), the
    project's dependency metadata, ``.python-version``, the requirement files (every nested
    include was listed when recorded: a new include changes its includer's bytes) and the
    locks' bytes. None when anything cannot be read (the full path decides)."""
    import hashlib

    from pitstop.reading import read_bytes  # bounded: a lock may be a symlink to /dev/zero

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        pyproject: dict[str, object] = {}
        path = os.path.join(root, "pyproject.toml")
        if os.path.isfile(path):
            pyproject = tomllib.loads(read_bytes(path).decode("utf-8"))
        config = os.path.join(root, "pitstop.toml")
        if os.path.isfile(config):
            tool = tomllib.loads(read_bytes(config).decode("utf-8"))
        else:
            tool = pyproject["tool"]["pitstop"]  # type: ignore[index]
        envs = dict(tool.get("envs") or {})
        project = dict(pyproject.get("project") or {})  # type: ignore[call-overload]
        data: list[object] = [
            {k: v for k, v in tool.items() if k != "envs"},
            [envs.get(n) for n in inputs["envs"]],  # type: ignore[attr-defined]
            sorted((n, str(t.get("kind", "managed"))) for n, t in envs.items())
            if inputs.get("all")
            else None,
            [project.get(k) for k in ("name", "dependencies", "optional-dependencies", "requires-python")],
            pyproject.get("dependency-groups"),
        ]
        digest = hashlib.sha256(_canon(data).encode("utf-8"))
        for name in [os.path.join(root, ".python-version"), *inputs["files"]]:  # type: ignore[misc]
            digest.update(b"\0" + name.encode("utf-8") + b"\0")
            if os.path.lexists(name):
                digest.update(read_bytes(name))
            else:
                digest.update(b"\0missing")
    except (OSError, ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
        return None
    return digest.hexdigest()


def _canon(value: object) -> str:
    if isinstance(value, dict):
        return "{" + ",".join(f"{k!r}:{_canon(value[k])}" for k in sorted(value)) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_canon(v) for v in value) + "]"
    return repr(value)


# -- record -----------------------------------------------------------------------------
def record(
    root: str | os.PathLike[str],
    answers: Mapping[str, Mapping[str, object]],
    *,
    files: Iterable[str | os.PathLike[str]] = (),
    create: bool = False,
) -> None:
    """Remember answers (key -> ``stdout``/``stderr``/``code`` and extra data) given the files
    that decided them (best effort), with one stat pass and one write of the cache.

    An answer may carry its own ``files`` (else ``files`` is used) and ``lock_inputs``
    (``{"envs": [...], "all": bool, "files": [...]}``), which lets a lock answer outlive a
    re-stat while the raw inputs hash the same. The cache lives in the default env store
    (``.pitstop``) and is only created there with ``create`` (commands that write)."""
    import contextlib

    if not answers:
        return
    root = str(root)
    path = os.path.join(root, CACHE)
    store = os.path.dirname(os.path.dirname(path))
    if not os.path.isdir(store):
        if not create:
            return
        from pathlib import Path

        from pitstop.store import ensure_location  # .gitignore "*" and CACHEDIR.TAG

        try:
            ensure_location(Path(store))
        except OSError:
            return
    cache = _load(root) or {"schema": SCHEMA, "root": root, "entries": {}}
    env = snapshot()
    stats: dict[str, list[int] | None] = {}
    digests: dict[str, str | None] = {}
    shared = [str(f) for f in files]
    for name, answer in answers.items():
        entry: dict[str, object] = {"stdout": "", "stderr": "", "code": 0, **dict(answer)}
        own = entry.pop("files", None)
        names = sorted({str(f) for f in (own if isinstance(own, (list, tuple)) else shared)})
        for f in names:
            if f not in stats:
                stats[f] = stat_key(f)
        entry["env"] = env
        entry["stats"] = {f: stats[f] for f in names}
        spec = entry.pop("lock_inputs", None)
        if isinstance(spec, dict):
            inputs = {
                "envs": list(spec.get("envs", ())),
                "all": bool(spec.get("all")),
                "files": sorted({str(f) for f in spec.get("files", ())}),
            }
            token = _canon(inputs)
            if token not in digests:
                digests[token] = _inputs_digest(root, inputs)
            if digests[token] is not None:
                entry["inputs"], entry["digest"] = inputs, digests[token]
        cache["entries"][name] = entry  # type: ignore[index]
    from pathlib import Path

    from pitstop.fsutil import atomic_write_bytes

    if os.path.islink(os.path.dirname(path)):
        return  # a .cache symlinked out of the project is never written (SPEC §5 confinement)
    with contextlib.suppress(OSError):  # a cache: never worth failing a command for
        # No fsync: after a crash an empty or torn cache fails _load() (marshal, schema,
        # root) and the full path answers; nothing depends on this file surviving.
        atomic_write_bytes(Path(path), marshal.dumps(cache), durable=False)
