"""Build tiny real wheels (zip + METADATA + RECORD) for hermetic, offline tests."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from collections.abc import Sequence
from pathlib import Path


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def build_wheel(
    directory: Path,
    name: str,
    version: str,
    *,
    requires: Sequence[str] = (),
    script: str | None = None,
    corrupt_record: bool = False,
    extra_files: dict[str, str] | None = None,
) -> Path:
    """Write ``name-version-py3-none-any.whl`` into ``directory`` and return its path.

    The package ``name`` exposes ``__version__``; with ``script`` it has a console script of
    that name printing ``name version``. ``corrupt_record`` writes a wrong RECORD hash, which
    installers reject.
    """
    module = name.replace("-", "_")
    dist = f"{module}-{version}.dist-info"
    init = f"__version__ = {version!r}\n\ndef main():\n    print({name!r}, __version__)\n"
    files: dict[str, str] = {
        f"{module}/__init__.py": init,
        f"{dist}/METADATA": "Metadata-Version: 2.1\n"
        f"Name: {name}\nVersion: {version}\n" + "".join(f"Requires-Dist: {r}\n" for r in requires),
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: pitstop-tests\n"
        "Root-Is-Purelib: true\nTag: py3-none-any\n",
    }
    if script:
        files[f"{dist}/entry_points.txt"] = f"[console_scripts]\n{script} = {module}:main\n"
    files.update(extra_files or {})
    path = directory / f"{module}-{version}-py3-none-any.whl"
    record = []
    with zipfile.ZipFile(path, "w") as archive:
        for member, text in sorted(files.items()):
            data = text.encode()
            info = zipfile.ZipInfo(member, date_time=(2020, 1, 1, 0, 0, 0))
            archive.writestr(info, data)
            digest = "0" * 43 if corrupt_record else _digest(data)
            record.append(f"{member},sha256={digest},{len(data)}")
        record.append(f"{dist}/RECORD,,")
        info = zipfile.ZipInfo(f"{dist}/RECORD", date_time=(2020, 1, 1, 0, 0, 0))
        archive.writestr(info, "\n".join(record) + "\n")
    return path


def build_catalogue(directory: Path) -> Path:
    """The wheels most tests use: alpha 1.0/2.0, beta (needs alpha, script ``beta``), gamma,
    and ``broken`` (corrupt RECORD)."""
    directory.mkdir(parents=True, exist_ok=True)
    build_wheel(directory, "alpha", "1.0")
    build_wheel(directory, "alpha", "2.0")
    build_wheel(directory, "beta", "1.0", requires=["alpha>=1"], script="beta")
    build_wheel(directory, "gamma", "1.0", script="gamma")
    build_wheel(directory, "gamma", "1.1", script="gamma")
    build_wheel(
        directory,
        "broken",
        "1.0",
        extra_files={
            "broken-1.0.dist-info/top_level.txt": "broken\nbroken_native\n",
            "broken_native.cpython-20-x86_64-linux-gnu.so": "\x7fELF",
        },
    )  # installs, but one of its top-level modules is built for no Python here: verification must catch it
    return directory
