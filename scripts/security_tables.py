"""Rewrite docs/security.md's generated tables (the access matrix and the named actions)
between their markers: `python scripts/security_tables.py`."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "security.md"
TABLES = {"matrix": [], "actions": ["--actions"]}


def main() -> None:
    text = DOC.read_text()
    for marker, args in TABLES.items():
        table = subprocess.run(
            [sys.executable, "-m", "tests.security.permissions_matrix", *args],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        start, end = f"<!-- {marker}:start -->\n", f"<!-- {marker}:end -->"
        text = text[: text.index(start) + len(start)] + table + text[text.index(end) :]
    DOC.write_text(text)


if __name__ == "__main__":
    main()
