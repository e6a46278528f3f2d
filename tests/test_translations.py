"""The interface speaks French: every message of the catalogue is translated."""

import re
from pathlib import Path

PO = Path(__file__).resolve().parents[1] / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def entries():
    for block in PO.read_text(encoding="utf-8").split("\n\n")[1:]:
        if block.strip().startswith("#~"):
            continue
        msgid = "".join(re.findall(r'"(.*)"', block.split("msgid_plural")[0].split("msgstr")[0]))
        strs = re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', block, re.M)
        values = ["".join(re.findall(r'"(.*)"', s)) for s in strs]
        yield msgid, values, "#, fuzzy" in block or ", fuzzy" in block


def test_every_message_is_translated_and_none_fuzzy():
    missing = [m for m, values, _f in entries() if not values or not all(values)]
    fuzzy = [m for m, _v, is_fuzzy in entries() if is_fuzzy]
    assert missing == [] and fuzzy == []


def test_placeholders_are_kept():
    pattern = re.compile(r"%\(\w+\)s|\{\{ ?\w+ ?\}\}")
    for msgid, values, _f in entries():
        for value in values:
            assert set(pattern.findall(msgid)) <= set(pattern.findall(value)), msgid
