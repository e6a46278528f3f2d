"""Text from uploaded files.

Domain-free: each reader (donor spreadsheets, hardware reports, nwipe logs, mednum files)
decides what to refuse and how to say it; this module only decodes."""

import codecs

__all__ = ["UTF16_BOMS", "decode_text"]

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
