"""`pitstop lock` with real uv against local wheels: standard, portable, deterministic."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from packaging.pylock import Pylock

from pitstop import _toml
from pitstop.errors import NotReadyError
from pitstop.uvbin import find_uv
from tests.conftest import ProjectFactory, pyenv_python
from tests.helpers import BUILD_SYSTEM, with_backend

Cli = Callable[..., tuple[int, str, str]]


def test_lock_writes_a_standard_portable_lock(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements = ["beta"]\n', python="3.12")
    code, _, err = cli("lock", cwd=root)
    assert code == 0, err
    assert "locking default: 1 requirement" in err
    text = (root / "pylock.toml").read_text()
    data = _toml.loads(text, source=root / "pylock.toml")
    Pylock.from_dict(data)  # validates against PEP 751
    names = {p["name"]: p["version"] for p in data["packages"]}
    assert names == {"alpha": "2.0", "beta": "1.0"}
    assert data["requires-python"] == "==3.12.*"
    assert data["tool"]["pitstop"]["requirements"] == ["beta"]
    assert str(root.parent) not in text, "no absolute paths in a lock"
    assert "file://" not in text
    assert "../wheels/alpha-2.0-py3-none-any.whl" in text
    assert "\r" not in text


def test_lock_is_byte_identical_across_runs(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements = ["beta", "gamma"]\n', python="3.12")
    assert cli("lock", cwd=root)[0] == 0
    first = (root / "pylock.toml").read_bytes()
    (root / "pylock.toml").unlink()
    assert cli("lock", cwd=root)[0] == 0
    assert (root / "pylock.toml").read_bytes() == first
    code, _, err = cli("lock", cwd=root)
    assert code == 0 and "pylock.toml: fresh, nothing to resolve" in err


def uv_install_lock(root: Path, venv: Path) -> Path:
    """uv itself (not pitstop) installs ``root``'s pylock.toml, hash-checked, into a new
    Python 3.12 venv: the lock is a standard one other tools can use."""
    uv = find_uv()
    subprocess.run([uv, "venv", "-q", "--python", pyenv_python("3.12"), str(venv)], check=True)
    python = str(venv / "bin" / "python")
    lock = str(root / "pylock.toml")
    argv = [uv, "pip", "install", "-q", "--python", python, "--require-hashes", "-r", lock]
    subprocess.run([*argv, "--preview-features", "pylock"], check=True, cwd=root)
    return venv


def test_uv_installs_from_the_lock(make_project: ProjectFactory, cli: Cli, tmp_path: Path) -> None:
    root = make_project('requirements = ["beta"]\n', python="3.12")
    assert cli("lock", cwd=root)[0] == 0
    venv = uv_install_lock(root, tmp_path / "check-venv")
    out = subprocess.run([str(venv / "bin" / "beta")], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "beta 1.0"


def test_lock_check_states(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements = ["beta"]\n', python="3.12")
    code, _, err = cli("lock", "--check", cwd=root)
    assert code == 1 and "pylock.toml is missing" in err and err.rstrip().endswith("run: pitstop lock")
    assert cli("lock", cwd=root)[0] == 0
    assert cli("lock", "--check", cwd=root)[0] == 0
    lock = root / "pylock.toml"
    original = lock.read_text()
    lock.write_text(original.replace('version = "2.0"', 'version = "2.1"'))
    code, _, err = cli("lock", "--check", cwd=root)
    assert code == 1 and "edited by hand" in err
    lock.write_text(original)
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('["beta"]', '["beta", "gamma"]'))
    code, _, err = cli("lock", "--check", cwd=root)
    assert code == 1 and "stale" in err
    assert lock.read_text() == original, "lock --check never writes"


def test_lock_keeps_pins_until_upgrade(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements = ["gamma<1.1"]\n', python="3.12")
    assert cli("lock", cwd=root)[0] == 0
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"gamma<1.1"', '"gamma"'))
    assert cli("lock", cwd=root)[0] == 0
    assert 'version = "1.0"' in (root / "pylock.toml").read_text()
    code, _, err = cli("lock", "--upgrade", "gamma", cwd=root)
    assert code == 0 and "gamma 1.0 → 1.1" in err, err
    assert 'version = "1.1"' in (root / "pylock.toml").read_text()


def test_upgrade_of_an_unknown_package_is_a_usage_error(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements = ["beta"]\n', python="3.12")
    assert cli("lock", cwd=root)[0] == 0
    before = (root / "pylock.toml").read_bytes()
    code, _, err = cli("lock", "--upgrade", "nosuch", cwd=root)
    assert code == 2 and "'nosuch': no such package in pylock.toml" in err
    assert err.rstrip().splitlines()[-1].startswith("run: pitstop lock --upgrade")
    assert (root / "pylock.toml").read_bytes() == before
    # A dependency that is only in the lock (not a direct requirement) can be upgraded.
    assert cli("lock", "--upgrade", "Alpha", cwd=root)[0] == 0


def test_a_fresh_lock_is_not_resolved_again(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project('requirements = ["beta"]\n', python="3.12")
    assert cli("lock", cwd=root)[0] == 0
    monkeypatch.setenv("PITSTOP_UV", str(root / "no-uv-here"))  # running uv now would fail
    code, _, err = cli("lock", "--all", cwd=root)
    assert code == 0 and err == "pylock.toml: fresh, nothing to resolve\n"


def test_unrelated_edits_and_other_envs_never_rewrite_the_lock(
    make_project: ProjectFactory, cli: Cli
) -> None:
    root = make_project('requirements = ["beta"]\n', python="3.12")
    lock = root / "pylock.toml"
    assert cli("lock", cwd=root)[0] == 0
    first = lock.read_bytes()
    pyproject = root / "pyproject.toml"
    original = pyproject.read_text()
    pyproject.write_text(
        original + '\n[tool.ruff]\nline-length = 100\n\n[tool.pitstop.envs.docs]\nrequirements = ["gamma"]\n'
    )
    assert cli("lock", "--all", cwd=root)[0] == 0
    assert lock.read_bytes() == first
    assert (root / "pylock.docs.toml").is_file()
    lock.unlink()  # resolved again from scratch with the other env present: the same bytes
    assert cli("lock", "-e", "default", cwd=root)[0] == 0
    assert lock.read_bytes() == first
    pyproject.write_text(original)  # the other env removed again
    lock.unlink()
    assert cli("lock", cwd=root)[0] == 0
    assert lock.read_bytes() == first
    tool = _toml.loads(lock.read_text(), source=lock)["tool"]["pitstop"]
    assert sorted(tool) == ["content-hash", "inputs-hash", "python", "requirements"]


def test_the_lock_does_not_depend_on_the_interpreter_running_pitstop(
    make_project: ProjectFactory, tmp_path: Path
) -> None:
    import sysconfig

    pythons = [pyenv_python("3.11"), pyenv_python("3.12")]
    root = make_project('requirements = ["beta"]\n')  # no python key, no requires-python
    src = Path(__file__).resolve().parents[1] / "src"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(src), sysconfig.get_paths()["purelib"]]),
        "PITSTOP_UV": find_uv(),
        "PITSTOP_NO_FASTPATH": "1",
    }
    locks = []
    for python in pythons:
        (root / "pylock.toml").unlink(missing_ok=True)
        result = subprocess.run(
            [python, "-m", "pitstop", "lock"], cwd=root, env=env, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stderr
        locks.append((root / "pylock.toml").read_bytes())
        check = subprocess.run(
            [pythons[0], "-m", "pitstop", "lock", "--check"],
            cwd=root,
            env=env,
            capture_output=True,
            check=False,
        )
        assert check.returncode == 0, check.stderr
    assert locks[0] == locks[1]
    assert b'requires-python = ">=3.10"' in locks[0] and b'python = ">=3.10"' in locks[0]


def test_the_message_names_the_python_range_as_the_reason(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements = ["beta"]\n')
    assert cli("lock", cwd=root)[0] == 0
    (root / ".python-version").write_text("3.12\n")
    code, _, err = cli("lock", "--check", cwd=root)
    assert code == 1 and "stale" in err
    code, _, err = cli("lock", cwd=root)
    assert code == 0 and "python >=3.10 → 3.12 (from .python-version)" in err, err
    assert 'requires-python = "==3.12.*"' in (root / "pylock.toml").read_text()


def test_named_env_lock_and_all(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project(
        'requirements = ["alpha"]\n[tool.pitstop.envs.docs]\nrequirements = ["gamma"]\n'
        '[tool.pitstop.envs.side]\nkind = "venv"\n',
        python="3.12",
    )
    assert cli("lock", "--all", cwd=root)[0] == 0
    assert (root / "pylock.docs.toml").is_file()
    assert not (root / "pylock.side.toml").exists()
    assert cli("lock", "--check", "--all", cwd=root)[0] == 0
    code, _, err = cli("lock", "-e", "side", cwd=root)
    assert code == 2 and "only locks managed envs" in err


def test_credentials_never_reach_the_lock(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project(
        'requirements = ["beta"]\nextra-index-urls = ["https://user:SENTINEL-SECRET@example.invalid/simple"]\n',
        python="3.12",
    )
    code, _, err = cli("lock", cwd=root)
    assert code == 0, err
    assert "SENTINEL-SECRET" not in (root / "pylock.toml").read_text()
    assert "SENTINEL-SECRET" not in err


def test_unresolvable_requirements_exit_3_and_write_nothing(make_project: ProjectFactory, cli: Cli) -> None:
    root = make_project('requirements = ["does-not-exist"]\n', python="3.12")
    code, _, err = cli("lock", cwd=root)
    assert code == 3
    assert "does-not-exist" in err
    assert not (root / "pylock.toml").exists()


def test_install_project_is_locked_as_a_relative_editable(
    make_project: ProjectFactory, cli: Cli, tmp_path: Path
) -> None:
    root = make_project(
        "install-project = true\n",
        python="3.12",
        project='dependencies = ["alpha<2"]\n' + BUILD_SYSTEM,
    )
    with_backend(root)
    code, _, err = cli("lock", cwd=root)
    assert code == 0, err
    text = (root / "pylock.toml").read_text()
    assert 'directory = { path = ".", editable = true }' in text
    assert str(tmp_path) not in text


def test_an_extra_the_package_does_not_define_is_a_warning(make_project: ProjectFactory, cli: Cli) -> None:
    """As with uv: the rest is locked, but the user hears about the typo."""
    root = make_project('requirements = ["alpha[nope]"]\n', python="3.12")
    code, _, err = cli("lock", cwd=root)
    assert code == 0, err
    assert "warning: default: The package `alpha==2.0` does not have an extra named `nope`" in err
    assert (root / "pylock.toml").is_file()


def test_uv_warnings_are_extracted_once_without_colour() -> None:
    from pitstop.resolution import uv_warnings

    output = 'lock-version = "1.0"\n\x1b[33mwarning\x1b[0m: \x1b[1mx\x1b[0m\nwarning: y\nwarning: y\nResolved 1 package\n'
    assert uv_warnings(output) == ["x", "y"]
    assert uv_warnings("Resolved 3 packages in 2ms\n") == []
    empty = "warning: Requirements file `/tmp/x/requirements.in` does not contain any dependencies\n"
    assert uv_warnings(empty) == []  # pitstop's temporary file is no business of the user's


@pytest.mark.index
def test_lock_against_the_real_index(tmp_path: Path, cli: Cli) -> None:
    root = tmp_path / "p"
    root.mkdir()
    (root / "pyproject.toml").write_text('[tool.pitstop]\npython = "3.12"\nrequirements = ["six==1.16.0"]\n')
    code, _, err = cli("lock", cwd=root)
    assert code == 0, err
    data = _toml.loads((root / "pylock.toml").read_text(), source=root / "pylock.toml")
    assert [p["name"] for p in data["packages"]] == ["six"]
    assert all("url" in w and "hashes" in w for w in data["packages"][0]["wheels"])


class _Index:
    """A PEP 503 simple index of the test wheels served from 127.0.0.1, logging requests."""

    def __init__(self, root: Path, wheels: Path) -> None:
        import functools
        import hashlib
        import http.server
        import threading

        files = root / "files"
        shutil.copytree(wheels, files)
        projects: dict[str, list[Path]] = {}
        for wheel in sorted(files.glob("*.whl")):
            projects.setdefault(wheel.name.split("-")[0].lower(), []).append(wheel)
        for name, found in projects.items():
            page = root / "simple" / name
            page.mkdir(parents=True)
            links = "".join(
                f'<a href="../../files/{w.name}#sha256={hashlib.sha256(w.read_bytes()).hexdigest()}">{w.name}</a>\n'
                for w in found
            )
            (page / "index.html").write_text(f"<!DOCTYPE html><html><body>\n{links}</body></html>\n")
        self.requests: list[str] = []
        log = self.requests

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                log.append(self.path)

            def end_headers(self) -> None:
                if not self.path.endswith(".whl"):  # like real indexes: revalidate every page
                    self.send_header("Cache-Control", "max-age=0, must-revalidate")
                super().end_headers()

        self.server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Handler, directory=str(root))
        )
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/simple"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wheel_downloads(self) -> list[str]:
        return [r for r in self.requests if r.endswith(".whl")]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def simple_index(tmp_path: Path, wheels: Path) -> Iterator[_Index]:
    index = _Index(tmp_path / "index", wheels)
    yield index
    index.close()


def test_index_packages_record_their_index_and_uv_reuses_its_cache(
    tmp_path: Path, simple_index: _Index, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))  # cold: this test counts downloads
    root = tmp_path / "p"
    root.mkdir()
    (root / "pyproject.toml").write_text(
        f'[tool.pitstop]\npython = "3.12"\nindex-url = "{simple_index.url}"\nrequirements = ["beta"]\n'
    )
    code, _, err = cli("lock", cwd=root)
    assert code == 0, err
    data = _toml.loads((root / "pylock.toml").read_text(), source=root / "pylock.toml")
    assert {p["name"]: p.get("index") for p in data["packages"]} == {
        "alpha": simple_index.url,
        "beta": simple_index.url,
    }
    Pylock.from_dict(data)
    venvs = []
    for n in range(2):
        before = len(simple_index.wheel_downloads())
        uv_install_lock(root, tmp_path / f"venv{n}")
        venvs.append(len(simple_index.wheel_downloads()) - before)
    assert venvs[0] == 2, simple_index.requests
    assert venvs[1] == 0, "with `index` recorded, uv installs the second env from its cache"


def _lock_from_index(cli: Cli, root: Path, index: str) -> bytes:
    """``pitstop lock`` of beta and gamma from ``index`` in a new project at ``root``."""
    root.mkdir()
    (root / "pyproject.toml").write_text(
        f'[tool.pitstop]\npython = "3.12"\nindex-url = "{index}"\nrequirements = ["beta", "gamma"]\n'
    )
    code, _, err = cli("lock", cwd=root)
    assert code == 0, err
    return (root / "pylock.toml").read_bytes()


def test_index_annotation_run_is_offline_with_one_index_and_the_lock_is_the_same(
    tmp_path: Path, simple_index: _Index, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With one index, the run that learns each package's index reads uv's cache (no request
    reaches the index) and writes byte for byte the lock the online run writes."""
    import pitstop.index_origins

    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))
    annotation_runs = _count_annotation_runs(monkeypatch, simple_index)  # (offline, requests)
    locks = []
    for name, one_index in (("offline", True), ("online", False)):
        monkeypatch.setattr(pitstop.index_origins, "single_index", lambda env, one=one_index: one)
        locks.append(_lock_from_index(cli, tmp_path / name, simple_index.url))
    assert annotation_runs[0] == (True, 0), "offline: the index saw no request"
    assert annotation_runs[1][0] is False and annotation_runs[1][1] > 0, "online: uv asked the index again"
    assert len(annotation_runs) == 2
    assert locks[0] == locks[1]
    data = _toml.loads(locks[0].decode(), source=tmp_path / "pylock.toml")
    assert {p.get("index") for p in data["packages"]} == {simple_index.url}


def _count_annotation_runs(monkeypatch: pytest.MonkeyPatch, index: _Index) -> list[tuple[bool, int]]:
    """Record each annotation run pitstop waits for: (offline, requests the index saw while
    it ran). A run started and then killed unused is not recorded."""
    import pitstop.process

    real_start, real_finish = pitstop.process.start, pitstop.process.finish
    started: dict[int, int] = {}
    runs: list[tuple[bool, int]] = []

    def start(argv: list[str], **kwargs: Any) -> subprocess.Popen[str]:
        proc = real_start(argv, **kwargs)
        started[id(proc)] = len(index.requests)
        return proc

    def finish(proc: subprocess.Popen[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        try:
            return real_finish(proc, **kwargs)
        finally:
            argv = [str(a) for a in proc.args]  # type: ignore[union-attr]
            if "--emit-index-annotation" in argv:
                runs.append(("--offline" in argv, len(index.requests) - started[id(proc)]))

    monkeypatch.setattr(pitstop.process, "start", start)
    monkeypatch.setattr(pitstop.process, "finish", finish)
    return runs


def test_the_annotation_run_started_from_uv_s_text_is_used_only_with_the_same_pins(
    tmp_path: Path, simple_index: _Index, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The annotation run starts from the first lines of uv's pylock, before pitstop parses
    it; when those lines give other pins than the parsed lock (here: forged), that run is
    killed and run again with the parsed pins, and the lock is byte for byte the same."""
    import pitstop.index_origins
    import pitstop.process

    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))
    runs = _count_annotation_runs(monkeypatch, simple_index)
    real_start = pitstop.process.start
    annotation_starts: list[str] = []

    def start(argv: list[str], **kwargs: Any) -> subprocess.Popen[str]:
        if "--emit-index-annotation" in argv:
            annotation_starts.append((Path(argv[argv.index("--constraint") + 1])).read_text())
        return real_start(argv, **kwargs)

    monkeypatch.setattr(pitstop.process, "start", start)
    locks = []
    for name in ("same", "forged"):
        if name == "forged":
            monkeypatch.setattr(
                pitstop.index_origins, "heads", lambda text: [{"name": "beta", "version": "0.1"}]
            )
        locks.append(_lock_from_index(cli, tmp_path / name, simple_index.url))
    assert annotation_starts[0] == annotation_starts[2], "the run started early had the parsed pins"
    assert annotation_starts[1] == "beta==0.1\n", "the forged pins were started early..."
    assert len(annotation_starts) == 3 and len(runs) == 2, "...and that run killed, not used"
    assert locks[0] == locks[1]
    assert b'index = "' in locks[0]


def test_the_old_lock_is_read_while_uv_resolves_and_a_broken_one_is_not_handed_to_uv(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The resolution starts before pitstop parses the old lock (uv reads it as the pins to
    keep); a lock that does not parse is then not uv's input: that run is killed and started
    again without it, and the lock is re-resolved as if there had been none."""
    import pitstop.process
    from pitstop import lockfile

    root = make_project('requirements = ["beta"]\n', python="3.12")
    assert cli("lock", cwd=root)[0] == 0
    fresh = (root / "pylock.toml").read_bytes()
    running_compiles: list[subprocess.Popen[str]] = []
    real_start, real_parse = pitstop.process.start, lockfile.parse
    seen_while_resolving: list[bool] = []

    def start(argv: list[str], **kwargs: Any) -> subprocess.Popen[str]:
        proc = real_start(argv, **kwargs)
        if "compile" in argv and "--format" in argv:
            running_compiles.append(proc)
        return proc

    def parse(path: Path, text: str) -> lockfile.LockFile:
        seen_while_resolving.append(any(p.poll() is None for p in running_compiles))
        return real_parse(path, text)

    monkeypatch.setattr(pitstop.process, "start", start)
    monkeypatch.setattr(lockfile, "parse", parse)
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('["beta"]', '["beta", "gamma"]'))
    code, _, err = cli("lock", cwd=root)
    assert code == 0, err
    assert seen_while_resolving and all(seen_while_resolving), "the old lock was parsed while uv ran"
    assert len(running_compiles) == 1
    with_gamma = (root / "pylock.toml").read_bytes()
    for broken in ("junk [\n", 'lock-version = "9.0"\ncreated-by = "x"\npackages = []\n'):
        running_compiles.clear()
        (root / "pylock.toml").write_text(broken)
        code, _, err = cli("lock", cwd=root)
        assert code == 0, err
        assert len(running_compiles) == 2, "the run given the broken lock was started again"
        assert running_compiles[0].returncode not in (0, None), "...after it was killed"
        assert (root / "pylock.toml").read_bytes() == with_gamma
    assert fresh != with_gamma
    # A lock too big to read (bounded, as every untrusted file) is never copied for uv.
    running_compiles.clear()
    with open(root / "pylock.toml", "wb") as handle:
        handle.truncate(33 * 1024 * 1024)  # sparse: over reading.MAX_BYTES
    code, _, err = cli("lock", cwd=root)
    assert code == 0, err
    assert len(running_compiles) == 1, "started once, without the lock as uv's input"
    assert (root / "pylock.toml").read_bytes() == with_gamma


def test_several_sources_keep_the_annotation_run_online(make_project: ProjectFactory) -> None:
    from pitstop.config_load import load
    from pitstop.index_origins import single_index

    cases = {
        'index-url = "https://example.invalid/simple"\n': True,
        "": True,  # the default index alone
        'extra-index-urls = ["https://example.invalid/b/simple"]\n': False,
        'find-links = ["https://example.invalid/links/"]\n': False,
    }
    for n, (settings, expected) in enumerate(cases.items()):
        root = make_project(f'requirements = ["beta"]\n{settings}', name=f"p{n}")
        text = (
            (root / "pyproject.toml").read_text().replace('find-links = ["../wheels"]\nno-index = true\n', "")
        )
        (root / "pyproject.toml").write_text(text)
        env = load(root).envs["default"]
        assert single_index(env) is expected, settings


_SPELLINGS = ("-r {}", "-r{}", "--requirement={}", "--requirement {}", "-c {}", "--constraint={}")


def _include_tree(root: Path, seed: int) -> list[Path]:
    """A random tree of requirement files under ``root`` (the first is listed in
    requirements-files), with ``-r``/``-c`` includes in every spelling, relative to the
    including file (a file under ``-c`` is read as constraints: still a lock input)."""
    import random

    rng = random.Random(seed)  # noqa: S311 - a reproducible test corpus, not a secret
    names = ["requirements.txt"] + [
        rng.choice(["req/", "req/sub/", "", "other/"]) + f"f{i}.{rng.choice(['txt', 'in'])}"
        for i in range(1, rng.randint(3, 7))
    ]
    paths = [root / n for n in names]
    lines: dict[Path, list[str]] = {p: [rng.choice(["alpha", "beta", "# a comment", ""])] for p in paths}
    for i, path in enumerate(paths[1:], start=1):
        parent = paths[rng.randrange(i)]
        spelling = rng.choice(_SPELLINGS)
        rel = os.path.relpath(path, parent.parent)
        lines[parent].append(spelling.format(rel))
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines[path]) + "\n")
    return paths


@pytest.mark.parametrize("seed", range(8))
def test_lock_check_follows_every_include_like_the_full_check(
    make_project: ProjectFactory, cli: Cli, seed: int
) -> None:
    """The fast path (only a whole process takes it: a real ``python -m pitstop``) answers
    ``lock --check`` exactly as the full check (``main()`` in-process, which never takes it)."""
    import random

    from tests.helpers import pitstop_process

    root = make_project('requirements-files = ["requirements.txt"]\n', python="3.12")
    paths = _include_tree(root, seed)
    assert cli("lock", cwd=root)[0] == 0
    rng = random.Random(seed)  # noqa: S311 - a reproducible test corpus, not a secret
    for _ in range(3):
        path = rng.choice(paths)
        change = rng.choice(["comment", "touch", "add", "respell"])
        text = path.read_text()
        if change == "comment":
            path.write_text(text + "# just a note\n")
        elif change == "touch":
            path.write_text(text)
            os.utime(path, ns=(1, 1))
        elif change == "add":
            path.write_text(text + "gamma>=1.0\n")
        else:  # the same requirement spelled differently: the normalized inputs are equal
            path.write_text(text + ("Alpha\n" if "alpha" in text else "# Alpha\n"))
        fast = pitstop_process(root, "lock", "--check")
        full_code, _, full_err = cli("lock", "--check", cwd=root)
        assert (fast.returncode, fast.stderr) == (full_code, full_err), (seed, path, change)
        # A new requirement in any file of the tree, however deep, makes the lock stale.
        assert full_code == (1 if change == "add" else 0), (seed, path, change, full_err)
        if full_code:
            assert cli("lock", cwd=root)[0] == 0


def test_a_lock_read_again_is_parsed_again_only_when_its_text_changed(
    make_project: ProjectFactory, cli: Cli
) -> None:
    from pitstop import lockfile

    root = make_project('requirements = ["beta"]\n', python="3.12")
    assert cli("lock", cwd=root)[0] == 0
    path = root / "pylock.toml"
    first, second = lockfile.read(path), lockfile.read(path)
    assert first.data is second.data, "the same text is validated once per process"
    path.write_text(path.read_text().replace('requires-python = "==3.12.*"', 'requires-python = ">=3.12"'))
    assert lockfile.read(path).data["requires-python"] == ">=3.12"
    path.write_text(path.read_text().replace('lock-version = "1.0"', 'lock-version = "9.0"'))
    with pytest.raises(NotReadyError, match="not a valid PEP 751 lock"):
        lockfile.read(path)  # a changed text is validated again


@pytest.mark.parametrize(
    "body",
    [
        'requirements = ["beta", "gamma<1.1"]\n',
        'requirements-files = ["req.txt"]\nenvironments = ["sys_platform == \'linux\'"]\n',
        'requirements = ["beta ; python_version >= \'3.8\'"]\nlock-runtime = "exact"\n',
        "install-project = true\n",
        "requirements = []\n",
    ],
)
def test_a_written_lock_is_known_parsed_and_the_build_does_not_parse_it_again(
    make_project: ProjectFactory, cli: Cli, monkeypatch: pytest.MonkeyPatch, body: str
) -> None:
    """The lock just rendered is recorded with the data its text parses to (the same as
    tomllib's, validated), so the setup that re-locked builds without parsing it again."""
    import pitstop._toml
    from pitstop import lockfile

    install_project = "install-project" in body
    root = make_project(
        body,
        python="3.12",
        project=('dependencies = ["alpha<2"]\n' + BUILD_SYSTEM) if install_project else "",
    )
    if install_project:
        with_backend(root)
    (root / "req.txt").write_text("beta\n-c cons.txt\n")
    (root / "cons.txt").write_text("alpha<2\n")
    parsed: list[str] = []
    real_loads = pitstop._toml.loads

    def loads(text: str, *, source: Path) -> dict[str, Any]:
        parsed.append(source.name)
        return real_loads(text, source=source)

    monkeypatch.setattr(pitstop._toml, "loads", loads)
    code, _, err = cli("setup", cwd=root)
    assert code == 0, err
    text = (root / "pylock.toml").read_text()
    assert lockfile._PARSED[text] == real_loads(text, source=root / "pylock.toml")
    assert parsed.count("pylock.toml") == 1, "uv's output (in its temp dir) is parsed, the lock is not"
    if "req.txt" in body:
        assert 'constraints = ["alpha<2"]' in text and "environments = [" in text
    lockfile._PARSED.clear()
    assert lockfile.read(root / "pylock.toml").data == real_loads(text, source=root / "pylock.toml")


def test_lock_alone_does_not_keep_the_written_lock_parsed(make_project: ProjectFactory, cli: Cli) -> None:
    """Only a build reads the lock back in the same process: `pitstop lock` alone does not
    spend the validation on it."""
    from pitstop import lockfile

    root = make_project('requirements = ["beta"]\n', python="3.12")
    assert cli("lock", cwd=root)[0] == 0
    assert (root / "pylock.toml").read_text() not in lockfile._PARSED


def test_data_that_is_not_a_valid_lock_is_not_recorded() -> None:
    from pitstop import lockfile

    text, data = lockfile.render_with_data(packages=[], requires_python=">=3.10", environments=[], tool={})
    lockfile.remember(text, {**data, "lock-version": "9.0"})
    assert text not in lockfile._PARSED
    lockfile.remember(text, data)
    assert lockfile._PARSED[text] is data


def test_setup_reads_a_lock_that_is_not_a_regular_file_as_an_error(
    make_project: ProjectFactory, cli: Cli
) -> None:
    from pitstop.build import _snapshot

    root = make_project('requirements = ["beta"]\n', python="3.12")
    fifo = root / "fifo.toml"
    os.mkfifo(fifo)
    with pytest.raises(NotReadyError, match="not a regular file"):
        _snapshot(fifo, "sha256:0")  # bounded, non-blocking read: never hangs on a FIFO


def test_an_empty_env_in_a_project_with_dependencies_is_a_warning(
    make_project: ProjectFactory, cli: Cli
) -> None:
    """`uv sync` installs [project] dependencies; pitstop does so only with install-project.
    An env that ends up empty because of that says so, with the fix, and still locks."""
    root = make_project("", python="3.12", project='dependencies = ["alpha"]\n')
    code, _, err = cli("lock", cwd=root)
    assert code == 0, err
    assert "warning: env 'default' has no requirements" in err
    assert "install-project = true (set it in [tool.pitstop]" in err
    assert "requirements.in" not in err  # not uv's remark about pitstop's temporary file
    (root / "pyproject.toml").write_text((root / "pyproject.toml").read_text() + 'requirements = ["beta"]\n')
    code, _, err = cli("lock", cwd=root)
    assert code == 0, err
    assert "has no requirements" not in err
