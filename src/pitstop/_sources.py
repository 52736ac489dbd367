"""The ``sources-hash``: a hash of an env's *raw* inputs, as written, computable with only
the standard library.

``inputs-hash`` (normalized requirements, via ``packaging``) decides freshness; this one lets
``lock --check`` say "fresh" without importing ``packaging`` when nothing was even re-spelled.
When it differs, the normalized comparison decides. Credentials are stripped before hashing.
"""

from __future__ import annotations

import hashlib
import os
import sys

from pitstop.reading import read_bytes, read_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping


def _redact(text: str) -> str:
    scheme, sep, rest = text.partition("://")
    if not sep:
        return text
    host, slash, path = rest.partition("/")
    return f"{scheme}://{host.rsplit('@', 1)[-1]}{slash}{path}"


def _canon(value: object) -> str:
    if isinstance(value, dict):
        return "{" + ",".join(f"{_canon(k)}:{_canon(value[k])}" for k in sorted(value)) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_canon(v) for v in value) + "]"
    if isinstance(value, str):
        return repr(_redact(value))
    return repr(value)


def _requirement_files(root: str, names: list[str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pending = [os.path.join(root, n) for n in names]
    seen: set[str] = set()
    while pending:
        path = os.path.normpath(pending.pop(0))
        if path in seen:
            continue
        seen.add(path)
        try:
            # Bounded (a FIFO or /dev/zero is "missing"); newlines as open() would give them.
            text = read_text(path).replace("\r\n", "\n").replace("\r", "\n")
        except (OSError, UnicodeDecodeError):
            out.append((os.path.relpath(path, root), "\0missing"))
            continue
        out.append((os.path.relpath(path, root), text))
        for line in text.splitlines():
            parts = line.split("#", 1)[0].split()
            if len(parts) >= 2 and parts[0] in ("-r", "-c", "--requirement", "--constraint"):
                pending.append(os.path.join(os.path.dirname(path), parts[1]))
            elif parts and parts[0].startswith(("--requirement=", "--constraint=")):
                pending.append(os.path.join(os.path.dirname(path), parts[0].split("=", 1)[1]))
    return out


def sources_hash(
    *,
    root: str,
    tool: Mapping[str, object],
    pyproject: Mapping[str, object],
    env: str,
    python_version_file: str | None,
) -> str:
    """``sha256:`` over everything an env's lock depends on, as written."""
    table = tool if env == "default" else dict(tool.get("envs") or {}).get(env) or {}  # type: ignore[call-overload]
    project = dict(pyproject.get("project") or {})  # type: ignore[call-overload]
    names = table.get("requirements-files") if isinstance(table, dict) else None
    files = _requirement_files(
        root, [n for n in names if isinstance(n, str)] if isinstance(names, list) else []
    )
    python = (
        (table.get("python") if isinstance(table, dict) else None)
        or tool.get("python")
        or python_version_file
        or project.get("requires-python")
        or f"running:{sys.version_info[0]}.{sys.version_info[1]}"
    )
    data = {
        "env": env,
        "tool": dict(tool),
        "project": {
            k: project.get(k) for k in ("name", "dependencies", "optional-dependencies", "requires-python")
        },
        "groups": pyproject.get("dependency-groups"),
        "python": python,
        "files": files,
    }
    return "sha256:" + hashlib.sha256(_canon(data).encode("utf-8")).hexdigest()


def split_content_hash(text: str) -> tuple[str, str | None]:
    """(body without the ``content-hash`` line, the recorded hash or None)."""
    marker = '\ncontent-hash = "'
    at = text.rfind(marker)
    if at < 0:
        return text, None
    end = text.find("\n", at + 1)
    line = text[at + 1 : end if end >= 0 else len(text)]
    value = line[len('content-hash = "') : -1] if line.endswith('"') else ""
    if not value.startswith("sha256:") or len(value) != 71:
        return text, None
    return text[: at + 1] + (text[end + 1 :] if end >= 0 else ""), value


def body_hash(body: str) -> str:
    """``sha256:`` of a lock body (what ``content-hash`` records)."""
    return "sha256:" + hashlib.sha256(body.encode("utf-8")).hexdigest()


def recorded(body: str, key: str) -> str | None:
    """The value of a top-level ``key = "..."`` line of ``[tool.pitstop]`` in a lock body."""
    marker = f'\n{key} = "'
    at = body.rfind(marker)
    if at < 0:
        return None
    start = at + len(marker)
    end = body.find('"', start)
    return body[start:end] if end > start else None


def files_hash(root: str, names: list[str]) -> str:
    """``sha256:`` over the bytes of the files an env's inputs were read from."""
    digest = hashlib.sha256()
    for name in names:
        digest.update(name.encode("utf-8") + b"\0")
        try:
            digest.update(read_bytes(os.path.join(root, name)))
        except OSError:
            digest.update(b"\0missing")
        digest.update(b"\0")
    return "sha256:" + digest.hexdigest()


def recorded_list(body: str, key: str) -> list[str] | None:
    """A list of plain strings written by pitstop's lock renderer under ``key``."""
    marker = f"\n{key} = ["
    at = body.rfind(marker)
    if at < 0:
        return None
    end = body.find("]", at + len(marker))
    if end < 0:
        return None
    chunk = body[at + len(marker) : end]
    if "\\" in chunk:
        return None
    return chunk.split('"')[1::2]
