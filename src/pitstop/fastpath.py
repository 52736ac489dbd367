"""A stat-only fast path for no-op ``check``, ``check --json``, ``lock --check``, ``python``
(``--json``, ``--nul``) and ``run``.

The normal path records, after a command found every env managed and ready, the (size,
mtime, inode) of every file that decided it — config, requirement files, locks, markers,
venvs, interpreters — plus the variables that could change the answer. When nothing of that
changed, the next identical command replays the answer (or, for ``run``, execs the command
in the env) without importing TOML, packaging or argparse. Anything unexpected falls back.
"""

from __future__ import annotations

import marshal
import os
import sys

from pitstop.reading import read_text  # bounded: a lock may be a symlink to /dev/zero

TYPE_CHECKING = False  # see pitstop/__init__.py: no typing import on the fast path
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from pathlib import Path

# marshal, not json: it is built in, and json's decoder would import re on every start-up.
CACHE = os.path.join(".pitstop", ".cache", f"fastpath-{sys.version_info[0]}{sys.version_info[1]}.bin")
SCHEMA = 1
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


def _stat(path: str) -> list[int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def snapshot() -> dict[str, str]:
    """The environment variables that can change a command's answer."""
    env = {k: v for k, v in os.environ.items() if k.startswith("PITSTOP_") or k in _VARS}
    env["stdout.encoding"] = str(getattr(sys.stdout, "encoding", ""))
    return env


def command_key(argv: Sequence[str]) -> tuple[str, list[str]] | None:
    """("check" | "check --json" | "lock --check" | "run", CMD) for the forms handled here."""
    args = list(argv)
    if args in (
        ["check"],
        ["check", "--json"],
        ["lock", "--check"],
        ["python"],
        ["python", "--json"],
        ["python", "--nul"],
    ):
        return " ".join(args), []
    if len(args) >= 2 and args[0] == "run":
        cmd = args[2:] if args[1] == "--" else args[1:]
        if cmd and not cmd[0].startswith("-"):
            return "run", cmd
    return None


def find_root(start: str) -> str | None:
    """The directory whose fast-path cache applies (the nearest one holding pitstop config)."""
    from pitstop.discovery import find_config

    found = find_config(start)
    return found[0] if found else None


def try_fast(argv: Sequence[str]) -> int | None:
    """Handle ``argv`` from the cache and return its exit code, or None to take the normal path."""
    if os.environ.get("PITSTOP_NO_FASTPATH"):
        return None
    if list(argv[:2]) == ["lock", "--check"]:
        answer = _lock_check(list(argv[2:]))
        if answer is not None:
            return answer
    parsed = command_key(argv)
    if parsed is None:
        return None
    key, cmd = parsed
    try:
        root = find_root(os.getcwd())
        if root is None:
            return None
        with open(os.path.join(root, CACHE), "rb") as handle:
            cache = marshal.load(handle)  # noqa: S302 - our own cache in the env store; nothing in it is executed
        entry = cache["entries"][key]
    except (OSError, ValueError, KeyError, TypeError, EOFError):
        return None
    if cache.get("schema") != SCHEMA or cache.get("root") != str(root):
        return None
    if entry.get("env") != snapshot():
        return None
    for path, recorded in entry.get("stats", {}).items():
        if _stat(path) != recorded:
            return None
    if key == "run":
        return _exec(cmd, entry)
    sys.stdout.write(entry.get("stdout", ""))
    sys.stderr.write(entry.get("stderr", ""))
    sys.stdout.flush()
    return int(entry.get("code", 0))


def _lock_check(rest: list[str]) -> int | None:
    """``lock --check [--all | -e NAME ...]`` from the config's raw text and the locks' text:
    fresh when each lock's ``sources-hash`` matches (no packaging, no argparse)."""
    names: list[str] = []
    every = False
    while rest:
        flag = rest.pop(0)
        if flag == "--all":
            every = True
        elif flag in ("-e", "--env") and rest:
            names.append(rest.pop(0))
        else:
            return None
    if every and names:
        return None
    root = find_root(os.getcwd())
    if root is None:
        return None
    quick = _lock_check_files(root, names or ["default"], every=every)
    if quick is not None:
        return quick
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    from pitstop._sources import body_hash, recorded, sources_hash, split_content_hash

    try:
        pyproject_path = os.path.join(root, "pyproject.toml")
        pyproject = {}
        if os.path.isfile(pyproject_path):
            pyproject = tomllib.loads(read_text(pyproject_path))
        config = os.path.join(root, "pitstop.toml")
        tool = tomllib.loads(read_text(config)) if os.path.isfile(config) else pyproject["tool"]["pitstop"]
        envs = tool.get("envs") or {}
        if every:
            names = [
                n for n, t in [("default", tool), *envs.items()] if t.get("kind", "managed") == "managed"
            ]
        names = names or ["default"]
        version_file = _python_version_file(root)
        lines = []
        for name in names:
            if name != "default" and name not in envs:
                return None
            lock = os.path.join(root, "pylock.toml" if name == "default" else f"pylock.{name}.toml")
            body, content = split_content_hash(read_text(lock))
            expected = sources_hash(
                root=root, tool=tool, pyproject=pyproject, env=name, python_version_file=version_file
            )
            if content is None or body_hash(body) != content or recorded(body, "sources-hash") != expected:
                return None
            lines.append(f"{os.path.basename(lock)}: fresh\n")
    except (OSError, ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
        return None
    sys.stderr.write("".join(lines))
    return 0


def _lock_check_files(root: str, names: list[str], *, every: bool = False) -> int | None:
    """Tier one: each lock's input files still have the bytes it was made from."""
    from pitstop._sources import body_hash, files_hash, recorded, recorded_list, split_content_hash

    if every:
        try:
            first = sorted(n for n in os.listdir(root) if n.startswith("pylock.") and n.endswith(".toml"))[0]
            names = recorded_list(read_text(os.path.join(root, first)), "managed-envs") or []
        except (OSError, IndexError, UnicodeDecodeError):
            return None
        if not names:
            return None
    lines = []
    for name in names:
        if not name.replace("-", "").replace("_", "").isalnum() or not name.islower():
            return None
        lock = os.path.join(root, "pylock.toml" if name == "default" else f"pylock.{name}.toml")
        try:
            body, content = split_content_hash(read_text(lock))
        except (OSError, UnicodeDecodeError):
            return None
        files = recorded_list(body, "input-files")
        if content is None or not files or body_hash(body) != content:
            return None
        if recorded(body, "files-hash") != files_hash(root, files):
            return None
        lines.append(f"{os.path.basename(lock)}: fresh\n")
    sys.stderr.write("".join(lines))
    return 0


def _python_version_file(root: str) -> str | None:
    from pitstop.discovery import python_version_request
    from pitstop.reading import UnreadableFile

    try:
        return python_version_request(root)
    except UnreadableFile:
        raise ValueError("unreadable .python-version: the normal path reports it") from None


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
        return None  # not found or not executable: the normal path reports it


def record(
    root: Path,
    key: str,
    *,
    files: Iterable[str | os.PathLike[str]],
    stdout: str = "",
    stderr: str = "",
    code: int = 0,
    extra: Mapping[str, str] | None = None,
) -> None:
    """Remember that ``key`` answered this way given these files (best effort)."""
    answer: dict[str, object] = {"stdout": stdout, "stderr": stderr, "code": code, **dict(extra or {})}
    record_all(root, {key: answer}, files=files)


def record_all(
    root: Path,
    answers: Mapping[str, Mapping[str, object]],
    *,
    files: Iterable[str | os.PathLike[str]],
) -> None:
    """Remember several answers (key -> stdout/stderr/code/...) given the same files, with
    one stat pass and one write of the cache (best effort)."""
    import contextlib
    from pathlib import Path

    from pitstop.fsutil import atomic_write_bytes

    path = Path(root) / CACHE
    if not path.parent.parent.is_dir():
        return  # only in the default env store, which exists once an env was built
    try:
        cache = marshal.loads(path.read_bytes())  # noqa: S302 - see try_fast
        if cache.get("schema") != SCHEMA or cache.get("root") != str(root):
            raise ValueError
    except (OSError, ValueError, EOFError, TypeError, AttributeError):
        cache = {"schema": SCHEMA, "root": str(root), "entries": {}}
    stats = {str(f): _stat(str(f)) for f in sorted({str(f) for f in files})}
    env = snapshot()
    for key, answer in answers.items():
        cache["entries"][key] = {
            "env": env,
            "stats": stats,
            "stdout": "",
            "stderr": "",
            "code": 0,
            **dict(answer),
        }
    with contextlib.suppress(OSError):  # a cache: never worth failing a command for
        atomic_write_bytes(path, marshal.dumps(cache))
