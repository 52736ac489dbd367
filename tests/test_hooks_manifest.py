"""The pre-commit hook manifest and pitstop's own pre-commit config (no index needed)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_own_config_uses_the_same_lock_check_entry() -> None:
    import yaml

    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    own = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"]
    mine = next(h for h in own if h["id"] == "pitstop-lock-check")
    manifest = hooks["pitstop-lock-check"]
    # The manifest's default args (which a user's `args:` replaces) are part of the command.
    assert mine["entry"] == " ".join([manifest["entry"], *manifest.get("args", [])])
    assert mine.get("always_run") is hooks["pitstop-lock-check"]["always_run"] is True
    assert "files" not in hooks["pitstop-lock-check"], "every lock input counts: .python-version, nested -r"
    assert hooks["pitstop-lock-check"]["pass_filenames"] is False
    assert set(hooks["pitstop-sync"]["stages"]) == {"post-checkout", "post-merge", "post-rewrite"}
    assert hooks["pitstop-sync"]["always_run"] is True
