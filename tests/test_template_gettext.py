"""No interface text escapes gettext: every visible word of every template is inside
{% translate %} / {% blocktranslate %} or comes from a variable. Text that is the same in every
language (the brand, format names, a language's own name on the language switch) is listed."""

import re
from html.parser import HTMLParser
from pathlib import Path

from django.template.base import Lexer, TokenType

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = sorted(
    p
    for p in ROOT.glob("**/templates/**/*.html")
    if ".venv" not in p.parts and "node_modules" not in p.parts
)
# Attributes whose text a user sees or hears.
VISIBLE_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-description", "label"}
# Block tags whose content is translated as a whole or never shown.
SKIPPED_BLOCKS = {"blocktranslate": "endblocktranslate", "blocktrans": "endblocktrans"}
SKIPPED_BLOCKS |= {"comment": "endcomment", "verbatim": "endverbatim"}
# The same in every language.
INVARIANT = {
    "Filière",
    "English",  # the language switch names each language in itself
    "Français",
    "PDF",
    "XLSX",
    "CSV",
    "HTML",
    "CSS",
    "JavaScript",
    "htmx",
    "RGAA",
    "SIRET",
    "INSEE",
    "QR",
    "kg",
    "Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07",
}
HOLE = "\x00"
# Holes stand between spaces so that a tag inside an HTML tag (<tr{% if %} class…>) leaves a
# tag HTMLParser still reads.
SPACED_HOLE = f" {HOLE} "


class TextCollector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts = []
        self.hidden = 0  # inside <script> or <style>

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.hidden += 1
        for name, value in attrs:
            if name in VISIBLE_ATTRIBUTES and value:
                self.texts.append(value)
            if name == "value" and tag == "input" and ("type", "submit") in attrs and value:
                self.texts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.hidden = max(0, self.hidden - 1)

    def handle_data(self, data):
        if not self.hidden:
            self.texts.append(data)


def untranslated(source):
    """The visible text of a template left once tags, variables and translated blocks are
    taken out (each replaced by a hole, so that words on both sides stay apart)."""
    parts, closing = [], None
    for token in Lexer(source).tokenize():
        if closing:
            if token.token_type == TokenType.BLOCK and token.contents.split()[0] == closing:
                closing = None
            continue
        if token.token_type == TokenType.TEXT:
            parts.append(token.contents)
            continue
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0]
            if name in SKIPPED_BLOCKS:
                closing = SKIPPED_BLOCKS[name]
        parts.append(SPACED_HOLE)
    collector = TextCollector()
    collector.feed("".join(parts))
    found = []
    for text in collector.texts:
        for piece in text.split(HOLE):
            piece = " ".join(piece.split())
            if piece in INVARIANT:
                continue
            words = [w for w in re.findall(r"[^\W\d_]{2,}", piece) if w not in INVARIANT]
            if words:
                found.append(piece)
    return found


def test_the_scan_finds_words_outside_gettext():
    source = (
        '{% load i18n %}<h1 title="Batches">Lots {{ n }}</h1><p>{% translate "Hello" %} : 3 €</p>'
        '{% blocktranslate %}Hi {{ name }}{% endblocktranslate %}<script>let x = "y";</script>'
        "<footer>Filière</footer>"
    )
    assert untranslated(source) == ["Batches", "Lots"]


def test_every_template_string_goes_through_gettext():
    assert len(TEMPLATES) > 40
    leaks = {
        str(path.relative_to(ROOT)): found
        for path in TEMPLATES
        if (found := untranslated(path.read_text(encoding="utf-8")))
    }
    assert leaks == {}
