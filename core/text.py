"""Text from uploaded files, and the folded form of text that lookups compare.

Domain-free: each reader (donor spreadsheets, hardware reports, nwipe logs, mednum files)
decides what to refuse and how to say it; these functions only decode and fold."""

import codecs
import re
import unicodedata

__all__ = ["UTF16_BOMS", "decode_text", "fold", "match_key"]

UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def decode_text(
    data: bytes, *, utf16: bool = False, fallback: str | None = None
) -> tuple[str, str]:
    """(text, encoding read) of uploaded bytes.

    UTF-16 when ``utf16`` is set and the bytes start with its BOM; otherwise UTF-8 with or
    without BOM, else ``fallback`` with the bytes it cannot decode as U+FFFD ("cp1252" for
    files saved by Windows software, "utf-8" to keep the valid text and replace the rest).
    Raises UnicodeDecodeError when nothing fits: broken UTF-16, or no fallback."""
    if utf16 and data.startswith(UTF16_BOMS):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        if fallback is None:
            raise
    return data.decode(fallback, errors="replace"), fallback


_COMBINING_RE = re.compile(r"[\u0300-\u036f]+")
_NON_ALNUM_RE = re.compile(r"[^a-z0-9]+")
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ł": "l", "đ": "d"})


def fold(text: str) -> str:
    """Lowercase without accents (NFKD also turns º into o and no-break spaces into spaces)."""
    text = text.lower()
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    return _COMBINING_RE.sub("", text)


def match_key(text: str) -> str:
    """Lowercase, accents removed, punctuation and ° replaced by spaces, spaces collapsed."""
    return _NON_ALNUM_RE.sub(" ", fold(text)).strip()
