"""pip-style requirements files (``requirements-files``, ``-r``/``-c`` includes) read into
requirement strings: the one include walk, confined to the project (SPEC §5).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from packaging.utils import canonicalize_name

from pitstop.errors import ConfigError
from pitstop.requirements import check_text, parse_requirement, quote

#: Nested ``-r``/``-c`` includes deeper than this are a config error, not a RecursionError.
MAX_INCLUDE_DEPTH = 32

_SELF_LINE = re.compile(r"^(?P<path>[^\[\]\s]+)\s*(?:\[(?P<extras>[^\]]*)\])?$")
_EXTRA_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$")


def _self_install(arg: str, *, base: Path, root: Path, where: str, fix: str) -> tuple[str, ...] | None:
    """The extras of ``arg`` when it names the project itself (``.``, ``./``, ``.[a,b]``, the
    root's path relative to ``base``), else None."""
    match = _SELF_LINE.match(arg.strip().strip("'\""))
    if not match or "://" in match["path"] or match["path"].startswith(("git+", "hg+", "svn+", "bzr+")):
        return None
    if (base / match["path"]).resolve() != root.resolve():
        return None
    extras = [e.strip() for e in (match["extras"] or "").split(",") if e.strip()]
    for extra in extras:
        if not _EXTRA_NAME.match(extra):
            raise ConfigError(f"{where}: invalid extra name {quote(extra)}", fix=fix)
    return tuple(canonicalize_name(e) for e in extras)


def read_requirements_file(
    path: Path,
    *,
    root: Path,
    _seen: frozenset[Path] = frozenset(),
    files: list[Path] | None = None,
    project: list[tuple[str, ...]] | None = None,
    named: str | None = None,
) -> tuple[list[str], list[str]]:
    """Read a pip-style requirements file into (requirements, constraints).

    Supports comments, line continuations, ``-r``/``--requirement`` and
    ``-c``/``--constraint`` (relative to the including file). Any other option line is an
    error rather than silently ignored, because pitstop owns index and install options.

    ``-e .`` / ``-e .[a,b]`` (or ``.`` / ``.[a,b]``) naming the project root itself means
    "install this project with these extras": with a ``project`` list each such line appends
    its extras there (the caller turns them into ``install-project`` + ``extras``); without
    one it is an error. An editable install of anything else stays an error with the fix.

    The file is untrusted: only a regular file of bounded size is read, includes nest at most
    :data:`MAX_INCLUDE_DEPTH` deep, and a control character on any line is an error. Every
    file, includes too, must resolve (symlinks followed) inside ``root`` and outside its
    ``.git``: anything else is an error that names the path and never shows the file's
    contents (in CI the path comes from a pull request; SPEC §5). ``named`` says how the file
    was named (``pitstop.toml: requirements-files``, ``reqs.txt:3: -r ../x.txt``).
    """
    from pitstop.reading import UnreadableFile, boundary, escapes, read_text

    shown = _display(path, root)
    fix = f"remove the line from {shown}; index options belong in [tool.pitstop]"
    if len(_seen) >= MAX_INCLUDE_DEPTH:
        raise ConfigError(
            f"{shown}: -r/-c includes nest more than {MAX_INCLUDE_DEPTH} deep",
            fix=f"flatten the chain of -r includes that leads to {shown}",
        )
    try:
        real = path.resolve()
    except (OSError, RuntimeError, ValueError):  # a symlink loop on older Pythons
        real = path
    allowed = boundary(root)  # the project, or the git work tree holding it (a monorepo)
    target = escapes(path, allowed)
    if target is not None:
        inside = _display(Path(target), Path(allowed)) != target
        place = "inside .git" if inside else "outside the project and its git work tree"
        raise ConfigError(
            f"{named or shown}: the requirements file resolves {place} ({target}); pitstop reads "
            "requirement files only inside the project or the git work tree holding it, outside .git",
            fix="copy the file into the repository (a copy, not a symlink) and name it by that path",
        )
    if files is not None:
        files.append(real)
    if real in _seen:
        raise ConfigError(f"{shown}: includes itself", fix=f"remove the cyclic -r from {shown}")
    try:
        text = read_text(path)
    except UnreadableFile as exc:
        raise ConfigError(
            f"requirements file {shown} cannot be read: {exc.reason}",
            fix=f"create {shown} as a regular text file, or remove it from requirements-files",
        ) from None
    reqs: list[str] = []
    constraints: list[str] = []
    for lineno, line in _logical_lines(text):
        where = f"{shown}:{lineno}"
        check_text(line, where=where, fix=f"remove the control character from line {lineno} of {shown}")
        if line.startswith("-"):
            option, _, arg = _split_option(line)
            if option in ("-r", "--requirement", "-c", "--constraint"):
                if not arg:
                    raise ConfigError(f"{where}: {option} needs a file name", fix=fix)
                constraint = option in ("-c", "--constraint")
                sub_project: list[tuple[str, ...]] | None = [] if constraint else project
                sub_r, sub_c = read_requirements_file(
                    path.parent / arg,
                    root=root,
                    _seen=_seen | {real},
                    files=files,
                    project=sub_project,
                    named=f"{where}: {option} {quote(arg)}",
                )
                if constraint and sub_project:
                    raise ConfigError(
                        f"{where}: {option} {quote(arg)}: a constraints file cannot install this "
                        "project ('-e .')",
                        fix=f"move the '-e .' line from {arg} into a file included with -r",
                    )
                if option in ("-r", "--requirement"):
                    reqs += sub_r
                    constraints += sub_c
                else:
                    constraints += sub_r + sub_c
                continue
            if option in ("-e", "--editable"):
                extras = _self_install(arg, base=path.parent, root=root, where=where, fix=fix)
                if extras is not None and project is not None:
                    project.append(extras)
                    continue
                raise ConfigError(
                    f"{where}: {option} {quote(arg)}: pitstop installs only this project editable",
                    fix=f"in {shown}, write '-e .' (or '-e .[extra]') for this project, and a plain "
                    "requirement ('name', or 'name @ git+https://...') for anything else",
                )
            raise ConfigError(f"{where}: option {quote(option)} is not supported here", fix=fix)
        if " -" in line or "\t-" in line:
            if "--hash" in line:  # pip-compile --generate-hashes output: the lock pins hashes
                raise ConfigError(
                    f"{where}: --hash options are not needed: pitstop's lock pins the hash of "
                    "every file it installs",
                    fix=f"in {shown}, keep the requirement and delete its --hash options "
                    "(e.g. with pip-compile, drop --generate-hashes)",
                )
            raise ConfigError(f"{where}: per-requirement options are not supported", fix=fix)
        if project is not None and line.startswith((".", "/")):
            extras = _self_install(line, base=path.parent, root=root, where=where, fix=fix)
            if extras is not None:
                project.append(extras)
                continue
        parse_requirement(line, where=where, fix=f"correct line {lineno} of {shown}")
        reqs.append(line)
    return reqs, constraints


def _display(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except (OSError, RuntimeError, ValueError):  # outside the root, or a symlink loop
        return str(path)


def _split_option(line: str) -> tuple[str, str, str]:
    if line.startswith("--") and "=" in line.split()[0]:
        option, _, arg = line.partition("=")
        return option, "=", arg.strip()
    option, sep, arg = line.partition(" ")
    if not sep and len(option) > 2 and not option.startswith("--"):
        return option[:2], "", option[2:].strip()  # -rfile.txt
    return option, sep, arg.strip()


def _logical_lines(text: str) -> Iterable[tuple[int, str]]:
    buffer = ""
    start = 0
    # Lines end at LF only (a CRLF file is fine): str.splitlines() would also split at \x1c,
    # \x85 or \u2028 and hide a control character from the check, and misnumber lines.
    for number, raw in enumerate(text.split("\n"), start=1):
        if raw.endswith("\r"):
            raw = raw[:-1]
        if not buffer:
            start = number
        line = re.sub(r"(^|\s)#.*$", "", raw)
        if line.endswith("\\"):
            buffer += line[:-1]
            continue
        line = (buffer + line).strip()
        buffer = ""
        if line:
            yield start, line
    if buffer.strip():
        yield start, buffer.strip()
