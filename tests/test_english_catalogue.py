"""English is complete: the msgids are the English text, so the English catalogue (what
`make messages` writes with `makemessages -l en`) must hold the same messages as the French one
and may leave them untranslated; any English text it does set keeps the placeholders, and no
page shown in English carries French interface text."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

LOCALE = Path(__file__).resolve().parents[1] / "locale"


def entries(language):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    for block in po.read_text(encoding="utf-8").split("\n\n")[1:]:
        if block.strip().startswith("#~"):
            continue
        msgid = "".join(re.findall(r'"(.*)"', block.split("msgid_plural")[0].split("msgstr")[0]))
        strs = re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', block, re.M)
        values = ["".join(re.findall(r'"(.*)"', s)) for s in strs]
        yield msgid, values, ", fuzzy" in block


def test_english_catalogue_has_every_message_of_the_french_one():
    english = {msgid for msgid, _v, _f in entries("en")}
    french = {msgid for msgid, _v, _f in entries("fr")}
    assert len(english) > 1000
    assert english == french


def test_english_texts_set_keep_placeholders_and_none_is_fuzzy():
    pattern = re.compile(r"%\(\w+\)s")
    for msgid, values, fuzzy in entries("en"):
        assert not fuzzy, msgid
        for value in values:
            if value:  # empty: the English msgid itself is shown
                assert set(pattern.findall(msgid)) == set(pattern.findall(value)), msgid


@pytest.mark.django_db
def test_pages_in_english_show_no_french(client, technician):
    client.cookies["django_language"] = "en"
    login = client.get(reverse("login")).content.decode()
    assert 'lang="en"' in login and "Log in" in login and "Connexion" not in login
    client.force_login(technician)
    home = client.get(reverse("home")).content.decode()
    assert "Batches" in home and "Lots" not in home and "Accueil" not in home
