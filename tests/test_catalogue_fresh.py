"""The committed French catalogue covers every string in the code as it is now: a string added
to Python or a template without running `make messages` and translating it fails here (the
other translation tests read only the committed .po files)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [
    "accounts",
    "beneficiaries",
    "config",
    "core",
    "demo",
    "inventory",
    "maps",
    "notices",
    "reconditioning",
    "reports",
    "templates",
]

pytestmark = pytest.mark.skipif(
    not shutil.which("xgettext") or not shutil.which("msgattrib"),
    reason="gettext is not installed (apt-get install gettext)",
)


def test_every_string_of_the_code_is_in_the_french_catalogue(tmp_path):
    copy = tmp_path / "src"
    for name in SOURCES:
        shutil.copytree(
            ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo")
        )
    shutil.copy(ROOT / "manage.py", copy / "manage.py")
    po = Path("locale/fr/LC_MESSAGES/django.po")
    (copy / po).parent.mkdir(parents=True)
    shutil.copy(ROOT / po, copy / po)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-obsolete", "-v", "0"],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    missing = []
    for flag in ("--untranslated", "--only-fuzzy"):
        out = subprocess.run(
            ["msgattrib", flag, "--no-wrap", str(copy / po)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        missing += [
            line[len('msgid "') : -1]
            for line in out.splitlines()
            if line.startswith('msgid "') and line != 'msgid ""'
        ]
    assert not missing, "not translated in locale/fr (run make messages): " + "; ".join(missing)
