"""Write .github/workflows/ci.yml from pitstop's own GitHub template (dogfooding).

    python .github/generate_ci.py           # regenerate
    python .github/generate_ci.py --check   # exit 1 if ci.yml is out of date

Two changes to the template: pitstop is installed from this checkout, and pitstop may lock
here, because this repository does not commit its own pylock.toml (locks resolved against the
package index carry its URLs).
"""

from __future__ import annotations

import sys
from pathlib import Path

TARGET = Path(__file__).resolve().parent / "workflows" / "ci.yml"


def render() -> str:
    """The template with this repository's two substitutions."""
    from pitstop.commands.ci import template

    text = template("github")
    text = text.replace('PITSTOP_INSTALL: "pitstop==0.1.0"', 'PITSTOP_INSTALL: "."')
    text = text.replace(
        '  FORCE_COLOR: "1"\n',
        '  FORCE_COLOR: "1"\n'
        "  # This repository does not commit its own lock (it would carry index URLs).\n"
        '  PITSTOP_STRICT: "0"\n',
    )
    return text


def main(argv: list[str]) -> int:
    """Write (or with --check compare) the workflow."""
    text = render()
    if "--check" in argv:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET} is out of date; run: python .github/generate_ci.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
