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
    own_command = " ".join([mine["entry"], *mine.get("args", [])])
    assert own_command == " ".join([manifest["entry"], *manifest.get("args", [])])
    assert not mine.get("always_run")
    for name in ("pitstop-lock-check", "pitstop-lock"):
        hook = hooks[name]
        # Every lock input counts (.python-version, nested -r files): no `files` pattern. No
        # always_run either: with no files to check, the hook stays out of post-checkout,
        # where a stale lock is pitstop-sync's warning, not a failed checkout.
        assert "files" not in hook and not hook.get("always_run") and "stages" not in hook, name
    assert "--frozen" in hooks["pitstop-sync"]["entry"].split(), "the sync hook never writes a lock"
    assert hooks["pitstop-lock-check"]["pass_filenames"] is False
    assert set(hooks["pitstop-sync"]["stages"]) == {"post-checkout", "post-merge", "post-rewrite"}
    assert hooks["pitstop-sync"]["always_run"] is True
