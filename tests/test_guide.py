"""The user guide's pictures are the ones the end-to-end suite takes: every picture the guide
shows exists and is taken by a journey (FILIERE_GUIDE_SCREENSHOTS=1 retakes them all), and no
picture is left that no journey takes any more."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "guide"


def taken_by_the_journeys() -> set[str]:
    names = set()
    for path in (ROOT / "tests" / "e2e").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        names |= set(re.findall(r'shot\(\s*\w+,\s*f?"([^"]+)"', text))
    return names


def test_every_picture_of_the_guide_is_taken_by_a_journey():
    shown = set()
    for page in GUIDE.glob("*.md"):
        shown |= set(re.findall(r"\(img/([^)\s]+)\.png\)", page.read_text(encoding="utf-8")))
    assert shown, "the guide shows no picture"
    taken = taken_by_the_journeys()
    dynamic = {n for n in taken if "{" in n}
    missing_files = sorted(n for n in shown if not (GUIDE / "img" / f"{n}.png").exists())
    assert not missing_files, missing_files
    untaken = sorted(
        n for n in shown if n not in taken and not any(_matches(d, n) for d in dynamic)
    )
    assert not untaken, f"shown in the guide but taken by no journey: {untaken}"


def test_no_stale_picture_is_left():
    taken = taken_by_the_journeys()
    dynamic = {n for n in taken if "{" in n}
    stale = sorted(
        p.stem
        for p in (GUIDE / "img").glob("*.png")
        if p.stem not in taken and not any(_matches(d, p.stem) for d in dynamic)
    )
    assert not stale, f"pictures no journey takes any more: {stale}"


def _matches(pattern: str, name: str) -> bool:
    regex = re.escape(pattern)
    regex = re.sub(r"\\\{[^}]*\\\}", ".+", regex)
    return re.fullmatch(regex, name) is not None
