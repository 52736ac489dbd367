"""``Environment``: what :func:`pitstop.ensure` returns for a ready managed env."""

from __future__ import annotations

TYPE_CHECKING = False  # see pitstop/__init__.py: ensure()'s fast path imports this module
if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from pitstop.identity import RuntimeIdentity


class Environment:
    """A ready managed env: its ``path`` (the venv), ``python``, ``bin_dir``, runtime
    ``identity`` and marker ``generation``. Immutable.

    A plain slotted class rather than a dataclass: ``ensure()`` builds it on its fast path,
    where importing ``dataclasses`` would cost more than the whole answer. ``identity`` is
    made from the marker's runtime record when first read, for the same reason.
    """

    __slots__ = ("_identity", "bin_dir", "generation", "name", "path", "python")

    _identity: RuntimeIdentity | Mapping[str, object] | None
    name: str
    path: Path
    python: Path
    bin_dir: Path
    generation: int

    def __init__(
        self,
        *,
        name: str,
        path: Path,
        python: Path,
        bin_dir: Path,
        identity: RuntimeIdentity | Mapping[str, object] | None,
        generation: int,
    ) -> None:
        for field, value in (
            ("name", name),
            ("path", path),
            ("python", python),
            ("bin_dir", bin_dir),
            ("_identity", identity),
            ("generation", generation),
        ):
            object.__setattr__(self, field, value)

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
        return (self.name, self.path, self.python, self.bin_dir, self.identity, self.generation)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Environment) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash((self.name, self.path, self.generation))

    def __repr__(self) -> str:
        return (
            f"Environment(name={self.name!r}, path={self.path!r}, python={self.python!r}, "
            f"bin_dir={self.bin_dir!r}, identity={self.identity!r}, generation={self.generation!r})"
        )
