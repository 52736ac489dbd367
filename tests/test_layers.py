"""The README's "Architecture" layers, checked: every import in ``src/pitstop`` (module level,
inside a function, or only for type checking) points to the importing module's own layer or a
lower one, no library module imports the CLI, and no set of modules imports itself in a circle.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pitstop

SRC = Path(pitstop.__file__).parent

FRONT, ENGINE, INPUTS, FOUNDATIONS = 4, 3, 2, 1
# Every module of the package, by layer; a new module must be placed here (and in the README).
LAYERS: dict[str, int] = {
    **dict.fromkeys(
        (
            "pitstop",
            "pitstop.__main__",
            "pitstop.main",
            "pitstop.commands",
            "pitstop.api",
            "pitstop.nox",
            "pitstop._nox_session",
            "pitstop._nox_target",
            "pitstop.session",
            "pitstop.fastpath",
            "pitstop._testing.__main__",
        ),
        FRONT,
    ),
    **dict.fromkeys(
        (
            "pitstop.provision",
            "pitstop.build",
            "pitstop.seed",
            "pitstop.locking",
            "pitstop.resolution",
            "pitstop.index_options",
            "pitstop.index_origins",
            "pitstop.lockfile",
            "pitstop.lockcache",
            "pitstop.installers",
            "pitstop.lockverify",
            "pitstop.lock_sources",
            "pitstop.verify",
            "pitstop.swap",
            "pitstop.state",
            "pitstop.environment",
            "pitstop.kinds",
        ),
        ENGINE,
    ),
    **dict.fromkeys(
        (
            "pitstop.config",
            "pitstop.config_parse",
            "pitstop.config_load",
            "pitstop.requirements",
            "pitstop.requirement_files",
            "pitstop.inputs",
            "pitstop.policy",
            "pitstop.python_request",
            "pitstop.runtime",
            "pitstop.identity",
            "pitstop.store",
            "pitstop.uvbin",
        ),
        INPUTS,
    ),
    **dict.fromkeys(
        (
            "pitstop.errors",
            "pitstop.process",
            "pitstop.discovery",
            "pitstop.reading",
            "pitstop._toml",
            "pitstop.fsutil",
            "pitstop.output",
            "pitstop.flock",
            "pitstop._testing",
        ),
        FOUNDATIONS,
    ),
}


def module_name(path: Path) -> str:
    parts = ["pitstop", *path.relative_to(SRC).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.cache
def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def imports(name: str, path: Path) -> set[str]:
    """The pitstop modules ``name`` imports, anywhere in its text."""
    known = modules()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join([*parts[: len(parts) - node.level + 1], *([base] if base else [])])
            # ``from pitstop import config`` imports the module pitstop.config; the package's
            # ``__version__`` is a constant (its __init__ imports the API only lazily).
            names = [a.name for a in node.names if (base, a.name) != ("pitstop", "__version__")]
            targets = [f"{base}.{n}" if f"{base}.{n}" in known else base for n in names]
        found |= {t for t in targets if t.split(".")[0] == "pitstop" and t in known and t != name}
    return found


def layer(name: str) -> int:
    """The layer of ``name``: its own entry, else its package's (``pitstop.kinds.docker``)."""
    while name not in LAYERS:
        assert "." in name, f"{name} is in no layer: add it to LAYERS and the README's Architecture"
        name = name.rpartition(".")[0]
    return LAYERS[name]


@functools.cache
def graph() -> dict[str, set[str]]:
    return {name: imports(name, path) for name, path in modules().items()}


def test_no_module_is_over_400_lines() -> None:
    """Small modules with one job each: one that grows past 400 lines is split by job (see the
    README's Architecture for how the others were)."""
    long = {
        name: n
        for name, path in modules().items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert long == {}


def test_every_module_has_a_layer() -> None:
    for name in modules():
        layer(name)


def test_every_import_points_down() -> None:
    upwards = sorted(
        f"{importer} (layer {layer(importer)}) imports {imported} (layer {layer(imported)})"
        for importer, targets in graph().items()
        for imported in targets
        if layer(imported) > layer(importer)
    )
    assert upwards == []


def is_cli(name: str) -> bool:
    return name in ("pitstop.main", "pitstop.__main__") or name.split(".")[:2] == ["pitstop", "commands"]


# Front ends that run the command line on purpose: the ready-made nox sessions are ``pitstop
# check``/``lock``/``setup`` run inside nox, and ``python -m pitstop._testing`` is the command
# line with test hooks set.
RUN_THE_CLI = {"pitstop.nox", "pitstop._testing.__main__"}


def test_no_library_module_imports_the_cli() -> None:
    offenders = sorted(
        f"{m} imports {t}"
        for m, ts in graph().items()
        if not is_cli(m) and m not in RUN_THE_CLI
        for t in ts
        if is_cli(t)
    )
    assert offenders == []
    assert all("pitstop.main" in graph()[m] for m in RUN_THE_CLI), "RUN_THE_CLI lists a module too many"


def test_no_helper_reads_the_argparse_namespace_with_getattr() -> None:
    """Shared helpers take typed parameters (``commands.Options``); ``getattr(args, ...)``
    would hide a missing option until run time."""
    offenders = [
        f"{name}:{node.lineno}"
        for name, path in modules().items()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "getattr"
        and isinstance(node.args[0], ast.Name)
        and node.args[0].id == "args"
    ]
    assert offenders == []


def test_config_does_not_ask_the_kinds() -> None:
    """Third-party kinds are checked after loading (kinds.plugins), not while parsing config."""
    for name in ("pitstop.config", "pitstop.config_parse", "pitstop.config_load", "pitstop.discovery"):
        assert not {m for m in imports(name, modules()[name]) if m.startswith("pitstop.kinds")}, name


def cycles(edges: dict[str, set[str]]) -> list[str]:
    """Each import circle found by a depth-first walk, as ``a -> b -> a``."""
    found: list[str] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                found.append(" -> ".join([*path[path.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    return found


def test_no_import_cycle() -> None:
    assert cycles(graph()) == []


def test_the_checks_see_a_violation(tmp_path: Path) -> None:
    """The walker finds function-level and relative imports (a check that cannot fail is none)."""
    fake = SRC / "errors.py"
    text = "def f():\n    from pitstop.commands import context\n    from .kinds import registry\n"
    (tmp_path / "errors.py").write_text(text, encoding="utf-8")
    assert fake.exists()
    found = imports("pitstop.errors", tmp_path / "errors.py")
    assert {"pitstop.commands", "pitstop.kinds.registry"} <= found
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a -> b -> c -> a"]
