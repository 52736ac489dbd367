"""The index options of an env (``index-url``, ``extra-index-urls``, ``find-links``,
``no-index``, ``allow-build``) for uv and pip: on their command lines, or, when a value carries
credentials, in their own environment variables."""

from __future__ import annotations

from collections.abc import Sequence

from pitstop.config import EnvSpec, Project

# Where each index option goes when a value carries credentials (SPEC §5: never on a command
# line). A group moves as a whole: uv ignores the variable when the option is also given.
_CREDENTIAL_VARS = {
    "uv": {
        "--index-url": ("UV_INDEX_URL", " "),
        "--extra-index-url": ("UV_EXTRA_INDEX_URL", " "),
        "--find-links": ("UV_FIND_LINKS", ","),
    },
    "pip": {
        "--index-url": ("PIP_INDEX_URL", " "),
        "--extra-index-url": ("PIP_EXTRA_INDEX_URL", " "),
        "--find-links": ("PIP_FIND_LINKS", " "),
    },
}


def _index_groups(project: Project, env: EnvSpec, extra_links: Sequence[str]) -> list[tuple[str, list[str]]]:
    settings = env.settings
    links = [str(project.root / link) if "://" not in link else link for link in settings.find_links]
    return [
        ("--index-url", [settings.index_url] if settings.index_url else []),
        ("--extra-index-url", list(settings.extra_index_urls)),
        ("--find-links", links + list(extra_links)),
    ]


def _has_credentials(values: Sequence[str]) -> bool:
    from pitstop.requirements import redact_url

    return any(redact_url(v) != v for v in values)


def index_args(project: Project, env: EnvSpec, *, extra_links: Sequence[str] = ()) -> list[str]:
    """Index options for the env, spelled the same by uv and pip (relative find-links are
    resolved against the project root). Options whose values carry credentials are left out:
    :func:`index_environ` passes them in the environment instead."""
    args: list[str] = []
    for option, values in _index_groups(project, env, extra_links):
        if not _has_credentials(values):
            args += [f"{option}={value}" for value in values]
    if env.settings.no_index:
        args.append("--no-index")
    return args


def index_environ(
    project: Project, env: EnvSpec, *, tool: str, extra_links: Sequence[str] = ()
) -> dict[str, str]:
    """The index options that carry credentials, as ``tool``'s (``uv`` or ``pip``) own
    environment variables: the installer reads them and ties the credentials to the index's
    host for its downloads; no command line (``/proc/PID/cmdline``) or file ever holds them."""
    out: dict[str, str] = {}
    for option, values in _index_groups(project, env, extra_links):
        if values and _has_credentials(values):
            name, separator = _CREDENTIAL_VARS[tool][option]
            out[name] = separator.join(values)
    return out


def uv_index_args(project: Project, env: EnvSpec) -> list[str]:
    """uv options for the env's index settings and ``allow-build``."""
    return index_args(project, env) + ([] if env.settings.allow_build else ["--no-build"])
