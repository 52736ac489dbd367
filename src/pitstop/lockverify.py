"""Verify a lock before anything is installed from it, and the result after.

In CI the lock comes from a pull request: its ``content-hash`` is only a checksum anyone can
recompute, so it proves nothing. Before installing, :func:`verify_lock` checks every entry's
name, version and sources (the source rules are :mod:`pitstop.lock_sources`), and that the
packages selected for the target interpreter satisfy every requirement. After installing,
:func:`verify_installed` checks every requirement, and every dependency the installed
metadata declares, against the version installed, and that every installed distribution is
reachable from the requirements through that metadata. Any failure is exit 1 naming the entry, fix
``run: pitstop lock``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from pitstop.errors import NotReadyError
from pitstop.lock_sources import Trusted, check_sources, direct_urls, fail, trusted

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pitstop.config import EnvSpec
    from pitstop.config import Project as ProjectConfig
    from pitstop.identity import Interpreter
    from pitstop.inputs import Inputs
    from pitstop.lockfile import LockFile


def verify_lock(
    packages: Sequence[Mapping[str, Any]],
    *,
    lock: Path,
    trust: Trusted,
    requirements: Sequence[str],
    markers: Mapping[str, str],
    selected: Mapping[str, str | None] | None,
) -> None:
    """Check the lock's entries and that ``selected`` (what the lock installs for the target
    interpreter) satisfies every requirement (``None``: the entries only, for a lock that is
    not the one the env is built from: :mod:`pitstop.seed`). Raises :class:`NotReadyError`
    (exit 1)."""
    from packaging.utils import InvalidName, canonicalize_name
    from packaging.version import InvalidVersion, Version

    from pitstop.requirements import control_character

    direct = direct_urls(requirements)
    for package in packages:
        raw_name = package.get("name")
        label = f"package {raw_name!r}"
        bad = _control_anywhere(package, control_character)
        if bad:
            raise fail(lock, f"{label} holds a control character in {bad}")
        try:
            name = canonicalize_name(str(raw_name), validate=True)
        except InvalidName:
            raise fail(lock, f"{label}: not a valid project name") from None
        version = package.get("version")
        if version is not None:
            try:
                Version(str(version))
            except InvalidVersion:
                raise fail(lock, f"{label}: invalid version {version!r}") from None
        label = f"package {name} {version or ''}".rstrip()
        _check_file_names(package, label=label, name=name, version=version, lock=lock)
        check_sources(package, label=label, name=name, lock=lock, trust=trust, direct=direct.get(name))
    if selected is not None:
        _check_requirements(requirements, lock=lock, markers=markers, selected=selected)


def _check_file_names(
    package: Mapping[str, Any], *, label: str, name: str, version: object, lock: Path
) -> None:
    """A package with ``wheels`` or an ``sdist`` states its ``version`` (PEP 751: SHOULD when
    known; pitstop's locks always do), and no file of it names another project or version:
    its ``name`` (or, without one, its path's or URL's last part) must be a wheel or sdist
    file name of that name and version, and so must the last part of its ``path`` or ``url``
    when that is a distribution file name at all (an index URL need not end in one). The
    requirement check reads the version, so a lock can neither leave it out nor point it
    at another file; what is installed is checked again after the install."""
    from urllib.parse import unquote, urlsplit

    from packaging.utils import (
        InvalidSdistFilename,
        InvalidWheelFilename,
        parse_sdist_filename,
        parse_wheel_filename,
    )
    from packaging.version import Version

    wheels, sdist = package.get("wheels"), package.get("sdist")
    if not wheels and sdist is None:
        return  # an archive or directory entry: checked after the install
    if version is None:
        raise fail(lock, f"{label}: wheels or sdist without a version")
    want = Version(str(version))
    files = [(w, True) for w in (wheels if isinstance(wheels, list) else [])]
    files += [(sdist, False)] if isinstance(sdist, Mapping) else []
    for entry, is_wheel in files:
        if not isinstance(entry, Mapping):
            continue  # check_sources() refuses it
        path, url, own = entry.get("path"), entry.get("url"), entry.get("name")
        last: list[str] = []
        if isinstance(path, str):
            last.append(path.rsplit("/", 1)[-1].rsplit("\\", 1)[-1])
        if isinstance(url, str):
            try:
                last.append(unquote(urlsplit(url).path.rsplit("/", 1)[-1]))
            except ValueError:
                raise fail(lock, f"{label}: file URL {url!r} cannot be parsed") from None
        # (filename, must it parse): the file's own name, else the first path/URL part
        names = [(own, True)] if isinstance(own, str) else [(last.pop(0), True)] if last else []
        names += [(part, False) for part in last]
        for filename, required in names:
            try:
                if is_wheel:
                    file_name, file_version, _, _ = parse_wheel_filename(filename)
                else:
                    file_name, file_version = parse_sdist_filename(filename)
            except (InvalidWheelFilename, InvalidSdistFilename):
                if not required:
                    continue
                kind = "wheel" if is_wheel else "sdist"
                raise fail(lock, f"{label}: {filename!r} is not a valid {kind} file name") from None
            if file_name != name or file_version != want:
                raise fail(lock, f"{label}: file {filename!r} is not {name} {version}")


def _control_anywhere(value: object, find: Any, where: str = "") -> str | None:
    if isinstance(value, str):
        return where or "a value" if find(value) else None
    if isinstance(value, Mapping):
        for key, item in value.items():
            found = _control_anywhere(str(key), find, where) or _control_anywhere(
                item, find, f"{where}.{key}" if where else str(key)
            )
            if found:
                return found
    elif isinstance(value, list):
        for item in value:
            found = _control_anywhere(item, find, where)
            if found:
                return found
    return None


def _check_requirements(
    requirements: Sequence[str],
    *,
    lock: Path,
    markers: Mapping[str, str],
    selected: Mapping[str, str | None],
) -> None:
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    environment = {**markers, "extra": ""}
    for text in requirements:
        req = Requirement(text)
        if req.marker is not None and markers and not req.marker.evaluate(environment):
            continue
        name = canonicalize_name(req.name)
        if name not in selected:
            raise fail(lock, f"it installs nothing for the requirement {text!r}")
        version = selected[name]
        if version is not None and req.specifier and not req.specifier.contains(version, prereleases=True):
            raise fail(lock, f"it pins {name} {version}, which does not satisfy {text!r}")


# -- after the install ------------------------------------------------------------------
def verify_installed(
    venv: Path,
    *,
    lock: Path,
    requirements: Sequence[str],
    markers: Mapping[str, str],
    roots: Iterable[str] = (),
    ignore: Iterable[str] = (),
) -> None:
    """Every requirement is installed at a version it allows (the version actually installed:
    an entry without ``version`` is covered too); walking the installed ``Requires-Dist``
    metadata from ``requirements`` (plus ``roots``, e.g. the project itself), so is every
    dependency whose marker applies, extras included (what ``uv pip check`` checks: a lock
    cannot downgrade or drop a transitive dependency); and every installed distribution
    must be reachable on that walk. With no target markers known, dependencies are walked
    but not checked."""
    from packaging.markers import UndefinedComparison, UndefinedEnvironmentName
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    installed = _installed(venv)
    pending: list[tuple[str, frozenset[str]]] = [(canonicalize_name(r), frozenset()) for r in roots]
    environment = {**markers, "extra": ""}
    for text in requirements:
        req = Requirement(text)
        if req.marker is None or not markers or req.marker.evaluate(environment):
            wanted = canonicalize_name(req.name)
            _check_installed(req, wanted, installed, lock=lock, needed_by=f"the requirement {text!r}")
            pending.append((wanted, frozenset(canonicalize_name(e) for e in req.extras)))
    seen: dict[str, set[str]] = {}
    while pending:
        name, extras = pending.pop()
        done = seen.get(name)
        if done is not None and extras <= done:
            continue
        seen.setdefault(name, set()).update(extras)
        dist = installed.get(name)
        for line in dist.requires if dist is not None else ():
            try:
                dep = Requirement(line)
            except InvalidRequirement:
                continue
            who = f"{name} {dist.version if dist is not None else ''}".rstrip()
            if dep.marker is not None and markers:
                try:
                    active = any(dep.marker.evaluate({**markers, "extra": e}) for e in ("", *sorted(extras)))
                except (UndefinedComparison, UndefinedEnvironmentName, TypeError, ValueError):
                    raise fail(lock, f"{who}: its Requires-Dist {line!r} cannot be evaluated") from None
                if not active:
                    continue
            wanted = canonicalize_name(dep.name)
            if markers:
                _check_installed(dep, wanted, installed, lock=lock, needed_by=f"{who}'s requirement {line!r}")
            pending.append((wanted, frozenset(canonicalize_name(e) for e in dep.extras)))
    extra = sorted(set(installed) - set(seen) - set(ignore))
    if extra:
        raise fail(
            lock, f"it installs {', '.join(extra)}, which no requirement needs (nothing depends on it)"
        )


def _check_installed(
    req: Any, name: str, installed: Mapping[str, _Installed], *, lock: Path, needed_by: str
) -> None:
    """``name`` (what the parsed requirement ``req`` names) is installed at a version its
    specifier allows (pre-releases allowed, as uv does)."""
    dist = installed.get(name)
    if dist is None:
        raise fail(lock, f"{name} is not installed, yet {needed_by} needs it")
    if req.specifier and not (
        dist.version is not None and req.specifier.contains(dist.version, prereleases=True)
    ):
        raise fail(lock, f"it installs {name} {dist.version}, which does not satisfy {needed_by}")


class _Installed(NamedTuple):
    """One installed distribution, as its METADATA says."""

    version: str | None
    requires: list[str]


def _installed(venv: Path) -> dict[str, _Installed]:
    """name -> version and Requires-Dist lines of every distribution installed in ``venv``."""
    from packaging.utils import canonicalize_name

    from pitstop.reading import UnreadableFile, read_text
    from pitstop.verify import metadata_fields, site_packages

    out: dict[str, _Installed] = {}
    for site in site_packages(venv):
        for info in sorted(site.glob("*.dist-info")):
            try:
                text = read_text(info / "METADATA", limit=16 * 1024 * 1024)
            except UnreadableFile:
                continue  # verify() reports a dist-info without METADATA
            fields = metadata_fields(text)
            name = next((value for key, value in fields if key == "name" and value), None)
            version = next((value for key, value in fields if key == "version" and value), None)
            requires = [value for key, value in fields if key == "requires-dist"]
            if name:
                out.setdefault(canonicalize_name(name), _Installed(version, [])).requires.extend(requires)
    return out


# -- the two calls the build makes --------------------------------------------------------
def before_install(
    project: ProjectConfig,
    env: EnvSpec,
    inputs: Inputs,
    lock: LockFile,
    selected: Mapping[str, str | None] | None,
    markers: Mapping[str, str],
) -> None:
    """:func:`verify_lock` for ``env`` with the trust its config grants (``selected=None``:
    the entries only, not that they satisfy the requirements)."""
    settings = env.settings
    verify_lock(
        lock.packages,
        lock=lock.path,
        trust=trusted(
            project=project.root,
            lock_dir=lock.path.parent,
            index_url=settings.index_url,
            extra_index_urls=settings.extra_index_urls,
            find_links=settings.find_links,
            no_index=settings.no_index,
            install_project=inputs.install_project,
            project_name=_project_name(project),
            allow_build=settings.allow_build,
        ),
        requirements=inputs.requirements,
        markers=markers,
        selected=selected,
    )


def after_install(
    venv: Path,
    project: ProjectConfig,
    inputs: Inputs,
    lock: Path,
    markers: Mapping[str, str],
    ignore: Iterable[str],
) -> None:
    """:func:`verify_installed` for the env just built in ``venv`` from the lock at ``lock``."""
    name = _project_name(project)
    verify_installed(
        venv,
        lock=lock,
        requirements=inputs.requirements,
        markers=markers,
        roots=[name] if inputs.install_project and name else [],
        ignore=ignore,
    )


def _project_name(project: ProjectConfig) -> str | None:
    from packaging.utils import canonicalize_name

    name = (project.pyproject.get("project") or {}).get("name")
    return canonicalize_name(name) if isinstance(name, str) and name else None


def select(lock: LockFile, interp: Interpreter) -> dict[str, str | None]:
    """The packages (name -> version) the lock installs for ``interp``. A package's
    ``marker`` is evaluated as PEP 751 says, in the lock-file context: ``extras`` and
    ``dependency_groups`` are the sets installed, both empty (pitstop installs no lock
    extras or groups); one that cannot be evaluated fails verification (exit 1), and so do
    two entries of one name that both apply."""
    from packaging.specifiers import SpecifierSet
    from packaging.utils import canonicalize_name

    version = interp.identity.version
    requires = lock.data.get("requires-python")
    if requires and not SpecifierSet(str(requires)).contains(version, prereleases=True):
        raise NotReadyError(
            f"{interp.identity.label} does not satisfy the lock's requires-python {requires}",
            fix="run: pitstop lock  (or point python / PITSTOP_PYTHON at a matching interpreter)",
        )
    environment = dict(interp.markers)
    chosen: dict[str, str | None] = {}
    for package in lock.packages:
        marker = package.get("marker")
        if marker and environment and not applies(str(marker), environment, lock=lock.path, package=package):
            continue
        pkg_requires = package.get("requires-python")
        if pkg_requires and not SpecifierSet(str(pkg_requires)).contains(version, prereleases=True):
            continue
        raw_version = package.get("version")
        name = canonicalize_name(str(package["name"]))
        if name in chosen:
            # PEP 751: an installer MUST refuse such an ambiguity; refused here, before uv
            raise fail(
                lock.path,
                f"package {name}: two entries apply to {interp.identity.label} "
                f"({chosen[name] or 'no version'} and {raw_version or 'no version'})",
            )
        chosen[name] = str(raw_version) if raw_version else None
    return chosen


def applies(marker: str, environment: Mapping[str, str], *, lock: Path, package: Mapping[str, Any]) -> bool:
    """Does the lock entry ``package``'s ``marker`` hold in ``environment`` (a target's marker
    values)? Evaluated in packaging's lock-file context with no extras and no dependency
    groups; a marker that cannot be evaluated there is exit 1 naming the entry."""
    from packaging.markers import InvalidMarker, Marker, UndefinedComparison, UndefinedEnvironmentName

    context: dict[str, str | frozenset[str]] = {
        **environment,
        "extras": frozenset(),
        "dependency_groups": frozenset(),
    }
    try:
        return Marker(marker).evaluate(context, context="lock_file")
    except UndefinedEnvironmentName as exc:
        why = f"{exc} is not a marker variable of a lock"
    except (InvalidMarker, UndefinedComparison, TypeError, ValueError) as exc:
        why = str(exc)
    label = f"package {package.get('name')} {package.get('version') or ''}".rstrip()
    raise fail(lock, f"{label}: its marker {marker!r} cannot be evaluated: {why}")
