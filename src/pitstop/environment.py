"""``Environment``: what :func:`pitstop.ensure` returns for a ready managed env."""

from __future__ import annotations

import os

TYPE_CHECKING = False  # see pitstop/__init__.py: ensure()'s fast path imports this module
if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from pitstop.identity import RuntimeIdentity


class Environment:
    """A ready managed env: its ``path`` (the venv), ``python``, ``bin_dir``, runtime
    ``identity`` and marker ``generation``. Immutable.

    A plain slotted class rather than a dataclass: ``ensure()`` builds it on its fast path,
    where importing ``dataclasses`` (or even ``pathlib``) would cost more than the whole
    answer. The paths become ``Path`` objects and ``identity`` a ``RuntimeIdentity`` when
    first read, for the same reason.
    """

    __slots__ = ("_bin_dir", "_identity", "_path", "_python", "generation", "name")

    _identity: RuntimeIdentity | Mapping[str, object] | None
    _path: str
    _python: str
    _bin_dir: str
    name: str
    generation: int

    def __init__(
        self,
        *,
        name: str,
        path: str | os.PathLike[str],
        python: str | os.PathLike[str],
        bin_dir: str | os.PathLike[str],
        identity: RuntimeIdentity | Mapping[str, object] | None,
        generation: int,
    ) -> None:
        for field, value in (
            ("name", name),
            ("_path", os.fspath(path)),
            ("_python", os.fspath(python)),
            ("_bin_dir", os.fspath(bin_dir)),
            ("_identity", identity),
            ("generation", generation),
        ):
            object.__setattr__(self, field, value)

    @property
    def path(self) -> Path:
        """The env's directory (``<location>/<env>/venv``)."""
        from pathlib import Path

        return Path(self._path)

    @property
    def python(self) -> Path:
        """The env's interpreter."""
        from pathlib import Path

        return Path(self._python)

    @property
    def bin_dir(self) -> Path:
        """The env's scripts directory."""
        from pathlib import Path

        return Path(self._bin_dir)

    @property
    def identity(self) -> RuntimeIdentity | None:
        """The runtime identity recorded when the env was built (None if unreadable)."""
        from pitstop.identity import RuntimeIdentity

        value = self._identity
        if value is None or isinstance(value, RuntimeIdentity):
            return value
        try:
            return RuntimeIdentity(**value)  # type: ignore[arg-type]
        except TypeError:
            return None

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Environment is immutable; cannot set {name!r}")

    def _key(self) -> tuple[object, ...]:
        return (self.name, self._path, self._python, self._bin_dir, self.identity, self.generation)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Environment) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash((self.name, self._path, self.generation))

    def __repr__(self) -> str:
        return (
            f"Environment(name={self.name!r}, path={self.path!r}, python={self.python!r}, "
            f"bin_dir={self.bin_dir!r}, identity={self.identity!r}, generation={self.generation!r})"
        )
