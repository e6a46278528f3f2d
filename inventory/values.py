"""Parsing of the device facts people type, on the intake screen or in a donor's spreadsheet.

Each ``parse_*`` function turns one cell into a Python value or raises ``ValueError`` with a
translated, concrete message; the form adds the field, the importer the line and the column.

Lenient on purpose: cells such as "-", "N/A", "NC" or "?" parse like empty cells, and
"Sans disque" is an empty storage list.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.text import fold, match_key

__all__ = [
    "KEYBOARD_LAYOUTS",
    "parse_date",
    "parse_device_type",
    "parse_keyboard_layout",
    "parse_money",
    "parse_percent",
    "parse_ram_mb",
    "parse_screen_size",
    "parse_storage",
    "parse_weight_kg",
]

# Cell contents meaning "nothing to say" (compared folded): parsed like an empty cell.
_EMPTY_MARKERS = frozenset(
    (
        "-|/|?|–|—|--|??|na|nc|nr|---|n.c|n/a|n/c|n.a.|n.c.|none|null|sans|aucun|aucune|"
        "inconnu|unknown|inconnue|non renseigne|non communique"
    ).split("|")
)
_NO_STORAGE = frozenset(
    (
        "no|non|absent|retire|no disk|removed|no drive|sans disque|disk removed|"
        "disque absent|disque retire|pas de disque"
    ).split("|")
)

_SPACES_RE = re.compile(r"\s+")


def _clean(text: str | None) -> str:
    """Folded (lowercase, no accents), spaces collapsed; "" for empty markers."""
    if text is None:
        return ""
    folded = _SPACES_RE.sub(" ", fold(text)).strip()
    if folded in _EMPTY_MARKERS:
        return ""
    return folded


def _number(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


# RAM --------------------------------------------------------------------------------------

_UNIT = r"(?P<unit>tib|tio|tb|to|t|gib|gio|gb|go|g|mib|mio|mb|mo|m)"
_RAM_TERM_RE = re.compile(
    r"\s*(?:(?P<mult>\d+)\s*[x×*]\s*)?(?P<num>\d+(?:[.,]\d+)?)\s*" + _UNIT + r"?\s*"
)
_RAM_NOISE_RE = re.compile(
    r"^(?:memoire|ram|memory)\s*:?\s*|"
    r"(?:\s*\b(?:ram|de ram|memoire|ddr\d?l?|lpddr\d?x?|sdram|so-?dimm|dimm|ecc|\d+\s*mhz)\b)+$"
)
_RAM_FACTORS = {
    None: None,
    "m": 1, "mb": 1, "mo": 1, "mib": 1, "mio": 1,
    "g": 1024, "gb": 1024, "go": 1024, "gib": 1024, "gio": 1024,
    "t": 1024 * 1024, "tb": 1024 * 1024, "to": 1024 * 1024, "tib": 1024 * 1024,
    "tio": 1024 * 1024,
}  # fmt: skip
_MAX_RAM_MB = 2**31 - 1


def _ram_error(text: str) -> ValueError:
    return ValueError(
        _("“%(value)s” is not a memory size: write for example 8 Go, 512 Mo or 1 To.")
        % {"value": text.strip()}
    )


@lru_cache(maxsize=4096)
def _parse_ram_mb(cleaned: str) -> int:
    body = _RAM_NOISE_RE.sub("", cleaned)
    if not body:
        raise LookupError
    total = Decimal(0)
    for part in body.split("+"):
        match = _RAM_TERM_RE.fullmatch(part)
        if match is None:
            raise LookupError
        amount = _number(match["num"])
        factor = _RAM_FACTORS[match["unit"]]
        if factor is None:  # bare number: megabytes from 256 up, gigabytes below
            factor = 1 if amount >= 256 else 1024
        total += amount * factor * int(match["mult"] or 1)
    megabytes = int(total.to_integral_value(ROUND_HALF_UP))
    if megabytes <= 0 or megabytes > _MAX_RAM_MB:
        raise LookupError
    return megabytes


def gigabytes(mb: int) -> int | float:
    """Megabytes of memory as the screens say them in GB: whole, or to one decimal."""
    gb = mb / 1024
    return int(gb) if gb.is_integer() else round(gb, 1)


def parse_ram_mb(text: str) -> int | None:
    """Memory in megabytes (1 Go = 1024 Mo); a bare number is Mo from 256 up, Go below."""
    cleaned = _clean(text)
    if not cleaned:
        return None
    try:
        return _parse_ram_mb(cleaned)
    except (LookupError, InvalidOperation):
        raise _ram_error(text) from None


# Storage ----------------------------------------------------------------------------------

_KIND_WORD = (
    r"(?:nvme|pcie|pci-?e|m\.?2|e[-.]?mmc|sshd|ssd|hdd|hd|disque\s+dur|disque|flash|sata|"
    r"mecanique|dur|mmc)"
)
_KIND_SEQ = _KIND_WORD + r"(?:[\s\-]*" + _KIND_WORD + r")*\b"
_STORAGE_ITEM_RE = re.compile(
    r"\s*(?:(?P<pre>" + _KIND_SEQ + r")\s*:?\s*)?"
    r"(?:(?P<mult>\d+)\s*[x×*]\s*)?"
    r"(?P<num>\d+(?:[.,]\d+)?)\s*"
    r"(?P<unit>tib|tio|tb|to|t|gib|gio|gb|go|g|mib|mio|mb|mo|m)?\b\s*"
    r"(?:(?P<post>" + _KIND_SEQ + r"))?\s*"
)
_STORAGE_SEP_RE = re.compile(r"\s*(?:\+|/|&|;|,|\||\bet\b|\band\b)\s*")
_STORAGE_FACTORS = {
    None: Decimal(1),
    "g": Decimal(1), "gb": Decimal(1), "go": Decimal(1), "gib": Decimal(1), "gio": Decimal(1),
    "t": Decimal(1000), "tb": Decimal(1000), "to": Decimal(1000), "tib": Decimal(1000),
    "tio": Decimal(1000),
    "m": Decimal("0.001"), "mb": Decimal("0.001"), "mo": Decimal("0.001"),
    "mib": Decimal("0.001"), "mio": Decimal("0.001"),
}  # fmt: skip
_MAX_STORAGE_GB = 2**31 - 1


def _storage_kind(words: str) -> str:
    if not words:
        return "other"
    if "nvme" in words or "pci" in words:
        return "nvme"
    if "mmc" in words:
        return "emmc"
    hybrid = "sshd" in words  # solid-state hybrid drive: a hard disk with a cache
    if not hybrid and ("ssd" in words or "flash" in words or "m2" in words.replace(".", "")):
        return "ssd"
    if hybrid or "hd" in words or "dur" in words or "mecanique" in words:
        return "hdd"
    return "other"


def _storage_error(text: str) -> ValueError:
    return ValueError(
        _(
            "“%(value)s” is not a storage size: write for example 256 Go SSD, 1 To HDD or "
            "256 Go SSD + 1 To HDD."
        )
        % {"value": text.strip()}
    )


@lru_cache(maxsize=4096)
def _parse_storage(cleaned: str) -> tuple[tuple[int, str], ...]:
    drives: list[tuple[int, str]] = []
    position, end = 0, len(cleaned)
    while True:
        match = _STORAGE_ITEM_RE.match(cleaned, position)
        if match is None:
            raise LookupError
        item_end = match.end()
        post = match["post"]
        if post and match["pre"] and item_end < end:
            # "SSD 256 Go HDD 1 To": the kind after the size introduces the next drive.
            if not _STORAGE_SEP_RE.match(cleaned, item_end):
                item_end = match.start("post")
                post = None
        kind = _storage_kind(" ".join(filter(None, (match["pre"], post))))
        amount = _number(match["num"]) * _STORAGE_FACTORS[match["unit"]]
        if amount <= 0:
            raise LookupError
        gigabytes = int(amount.to_integral_value(ROUND_HALF_UP)) or 1  # Mo below 1 Go -> 1
        if gigabytes > _MAX_STORAGE_GB:
            raise LookupError
        drives.extend([(gigabytes, kind)] * int(match["mult"] or 1))
        position = item_end
        if position >= end:
            break
        separator = _STORAGE_SEP_RE.match(cleaned, position)
        if separator is not None:
            position = separator.end()
    if len(drives) > 64:
        raise LookupError
    return tuple(drives)


def parse_storage(text: str) -> list[tuple[int, str]]:
    """Drives as (capacity in Go, kind), kind in hdd, ssd, nvme, emmc, other; decimal units."""
    cleaned = _clean(text)
    if not cleaned or cleaned in _NO_STORAGE:
        return []
    try:
        return list(_parse_storage(cleaned))
    except (LookupError, InvalidOperation):
        raise _storage_error(text) from None


# Dates ------------------------------------------------------------------------------------

_TIME_SUFFIX = r"(?:[ t]+\d{1,2}[:h]\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_DMY_RE = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4}|\d{2})" + _TIME_SUFFIX)
_YMD_RE = re.compile(r"(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})" + _TIME_SUFFIX)
_WORDS_DATE_RE = re.compile(r"(?:1er|(\d{1,2}))\s+([a-z]+)\.?\s+(\d{4})")
_MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "mar": 3,
    "avril": 4, "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8,
    "septembre": 9, "sept": 9, "sep": 9, "octobre": 10, "oct": 10, "novembre": 11, "nov": 11,
    "decembre": 12, "dec": 12,
}  # fmt: skip


def _date_error(text: str) -> ValueError:
    return ValueError(
        _("“%(value)s” is not a valid date: write it as dd/mm/yyyy, for example 15/03/2021.")
        % {"value": text.strip()}
    )


def _impossible_date_error(text: str) -> ValueError:
    return ValueError(
        _(
            "“%(value)s” is not a valid date: this day does not exist. Dates are read day "
            "first, as dd/mm/yyyy."
        )
        % {"value": text.strip()}
    )


def parse_date(text: str) -> date | None:
    """dd/mm/yyyy (also d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy, dd/mm/yy) or yyyy-mm-dd; never mm/dd."""
    cleaned = _clean(text)
    if not cleaned:
        return None
    match = _DMY_RE.fullmatch(cleaned)
    if match:
        day, month, year = int(match[1]), int(match[2]), match[3]
        if len(year) == 2:
            year = 2000 + int(year)
            if year > date.today().year + 1:  # "15/03/98" is 1998, not 2098
                year -= 100
        else:
            year = int(year)
    else:
        match = _YMD_RE.fullmatch(cleaned)
        if match:
            year, month, day = int(match[1]), int(match[2]), int(match[3])
        else:
            match = _WORDS_DATE_RE.fullmatch(cleaned)
            if match is None or match[2] not in _MONTHS:
                raise _date_error(text)
            day, month, year = int(match[1] or 1), _MONTHS[match[2]], int(match[3])
    if not 1900 <= year <= 2200:
        raise _date_error(text)
    try:
        return date(year, month, day)
    except ValueError:
        raise _impossible_date_error(text) from None


# Device type ------------------------------------------------------------------------------

_DEVICE_TYPES: dict[str, str] = {
    "laptop": (
        "pc portable|portable|ordinateur portable|laptop|notebook|netbook|ultraportable|"
        "ultrabook|chromebook|macbook|macbook air|macbook pro|pc portable reconditionne|"
        "ordinateur portable reconditionne|portable pc|laptop pc|2 en 1|2 in 1|convertible"
    ),
    "desktop": (
        "pc fixe|fixe|unite centrale|uc|tour|desktop|tower|mini pc|all in one|all-in-one|"
        "tout en un|tout-en-un|aio|ordinateur fixe|ordinateur de bureau|pc de bureau|"
        "poste fixe|station de travail|workstation|imac|mac mini|sff|desktop pc|pc tour|"
        "micro ordinateur|client leger|thin client"
    ),
    "tablet": "tablette|tablet|ipad|tablette tactile|tablette android",
    "smartphone": (
        "smartphone|telephone|telephone mobile|telephone portable|mobile|phone|iphone|"
        "mobile phone|gsm|portable telephone"
    ),
    "monitor": "ecran|moniteur|monitor|screen|display|ecran plat",
    "other": "autre|other|imprimante|printer|autres|divers",
}
_DEVICE_LOOKUP = {
    match_key(name): code for code, names in _DEVICE_TYPES.items() for name in names.split("|")
}
# Fallback on words inside a longer text ("PC portable Dell", "Écran 24 pouces"), in order.
_DEVICE_KEYWORDS = (
    ("smartphone", re.compile(r"\b(?:telephone|smartphone|iphone|gsm)\b")),
    ("tablet", re.compile(r"\b(?:tablette|tablet|ipad)\b")),
    (
        "laptop",
        re.compile(
            r"\b(?:portable|laptop|notebook|netbook|ultraportable|ultrabook|chromebook|macbook)\b"
        ),
    ),
    (
        "desktop",
        re.compile(
            r"\b(?:pc fixe|fixe|unite centrale|desktop|tower|mini pc|all in one|tout en un"
            r"|ordinateur de bureau|station de travail|workstation|imac|mac mini)\b"
        ),
    ),
    ("monitor", re.compile(r"\b(?:ecran|moniteur|monitor)\b")),
    ("other", re.compile(r"\b(?:imprimante|printer)\b")),
)


@lru_cache(maxsize=1024)
def _parse_device_type(key: str) -> str:
    code = _DEVICE_LOOKUP.get(key)
    if code:
        return code
    singular = " ".join(word[:-1] if word.endswith("s") else word for word in key.split())
    code = _DEVICE_LOOKUP.get(singular)
    if code:
        return code
    for code, pattern in _DEVICE_KEYWORDS:
        if pattern.search(singular):
            return code
    raise LookupError


def parse_device_type(text: str) -> str | None:
    """One of laptop, desktop, tablet, smartphone, monitor, other."""
    key = match_key(_clean(text))
    if not key:
        return None
    try:
        return _parse_device_type(key)
    except LookupError:
        raise ValueError(
            _(
                "“%(value)s” is not a known device type: write laptop, desktop, tablet, "
                "smartphone, monitor or other."
            )
            % {"value": text.strip()}
        ) from None


# Battery ----------------------------------------------------------------------------------

_PERCENT_RE = re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:%|pct|pourcents?|percent)?")


def parse_percent(text: str) -> int | None:
    """Whole percentage 0..100 ("85", "85 %"); fractions such as 0,85 are refused."""
    cleaned = _clean(text)
    if not cleaned:
        return None
    match = _PERCENT_RE.fullmatch(cleaned)
    if match:
        value = _number(match[1])
        if 0 <= value <= 100 and (value >= 1 or value == value.to_integral()):
            return int(value.to_integral_value(ROUND_HALF_UP))
    raise ValueError(
        _("“%(value)s” is not a percentage: write a whole number between 0 and 100, such as 85.")
        % {"value": text.strip()}
    )


# Screen -----------------------------------------------------------------------------------

_SCREEN_RE = re.compile(
    r"(\d+(?:[.,]\d+)?)\s*"
    r"(?P<unit>\"|''|″|′′|“|”|inches|inch|in|pouces?|po|p|cm)?\.?"
    r"(?:\s*(?:fhd|full hd|hd\+?|uhd|4k|qhd|wuxga|wxga|ips|tactile|touch|mat|brillant|"
    r"retina|led|lcd|oled)\b)*"
)
_CM_PER_INCH = Decimal("2.54")
_TENTH = Decimal("0.1")


def parse_screen_size(text: str) -> Decimal | None:
    """Diagonal in inches, one decimal ("15,6", "15.6\"", "14 in", "39,6 cm" -> 15.6)."""
    cleaned = _clean(text)
    if not cleaned:
        return None
    match = _SCREEN_RE.fullmatch(cleaned)
    if match:
        size = _number(match[1])
        if match["unit"] == "cm":
            size /= _CM_PER_INCH
        size = size.quantize(_TENTH, ROUND_HALF_UP)
        if Decimal(1) <= size <= Decimal(150):
            return size
    raise ValueError(
        _(
            "“%(value)s” is not a screen size: write the diagonal in inches, for example 15,6 "
            "or 14 pouces (or in cm: 39,6 cm)."
        )
        % {"value": text.strip()}
    )


# Weight -----------------------------------------------------------------------------------

# Below a SIM card or above a rack server is a typing slip (5000 typed for 5 kg): refused
# rather than counted in the tonnes the reports give.
WEIGHT_MIN_KG = Decimal("0.01")
WEIGHT_MAX_KG = Decimal("150")
_WEIGHT_RE = re.compile(r"(-?\s*\d+(?:[.,]\d+)?)\s*(?P<unit>kg|kilos?|kilogrammes?|g|grammes?)?\.?")
_CENTI = Decimal("0.01")


def parse_weight_kg(text: str) -> Decimal | None:
    """Weight in kg, two decimals ("2,3", "2.3 kg", "850 g" -> 0.85), between 0,01 and 150."""
    cleaned = _clean(text)
    if not cleaned:
        return None
    match = _WEIGHT_RE.fullmatch(cleaned)
    if match:
        kg = _number(match[1].replace(" ", ""))
        if match["unit"] and match["unit"].startswith("g"):
            kg /= 1000
        kg = kg.quantize(_CENTI, ROUND_HALF_UP)
        if WEIGHT_MIN_KG <= kg <= WEIGHT_MAX_KG:
            return kg
    raise ValueError(
        _(
            "“%(value)s” is not a plausible weight: write it in kg, between 0,01 and 150, for "
            "example 2,3 (or in grams: 850 g)."
        )
        % {"value": text.strip()}
    )


# Keyboard ---------------------------------------------------------------------------------

KEYBOARD_LAYOUTS: list[tuple[str, str]] = [
    ("azerty_fr", gettext_lazy("AZERTY (French)")),
    ("azerty_be", gettext_lazy("AZERTY (Belgian)")),
    ("qwerty_us", gettext_lazy("QWERTY (US)")),
    ("qwerty_uk", gettext_lazy("QWERTY (UK)")),
    ("qwertz_de", gettext_lazy("QWERTZ (German)")),
    ("qwertz_ch", gettext_lazy("QWERTZ (Swiss)")),
    ("other", gettext_lazy("Other")),
]

_KEYBOARD_NAMES: dict[str, str] = {
    "azerty_fr": (
        "azerty|fr|francais|azerty fr|azerty francais|fr fr|french|france|azerty france|fra|"
        "azerty fra"
    ),
    "azerty_be": "be|belge|azerty be|azerty belge|belgian|belgique|fr be|azerty bel",
    "qwerty_us": (
        "qwerty|us|en us|anglais|english|qwerty us|us international|us intl|"
        "qwerty us international|americain|en|qwerty en|qwerty anglais|international|usa"
    ),
    "qwerty_uk": (
        "uk|gb|qwerty uk|qwerty gb|en gb|british|britannique|anglais uk|royaume uni|"
        "anglais britannique"
    ),
    "qwertz_de": "qwertz|de|allemand|german|qwertz de|de de|deutsch|allemagne|qwertz allemand",
    "qwertz_ch": (
        "ch|suisse|swiss|qwertz ch|fr ch|de ch|qwertz suisse|suisse romand|suisse francais"
    ),
    "other": "autre|other|autres",
}
_KEYBOARD_LOOKUP = {
    match_key(name): code for code, names in _KEYBOARD_NAMES.items() for name in names.split("|")
}
_KEYBOARD_NOISE_RE = re.compile(r"^(?:clavier|keyboard|disposition)\s+|\s+(?:layout|keyboard)$")


def parse_keyboard_layout(text: str) -> str | None:
    """azerty_fr, azerty_be, qwerty_us, qwerty_uk, qwertz_de, qwertz_ch or other."""
    key = match_key(_clean(text))
    if not key:
        return None
    code = _KEYBOARD_LOOKUP.get(key) or _KEYBOARD_LOOKUP.get(_KEYBOARD_NOISE_RE.sub("", key))
    if code:
        return code
    raise ValueError(
        _(
            "“%(value)s” is not a known keyboard layout: write AZERTY, BE (Belgian AZERTY), "
            "QWERTY, UK, QWERTZ, CH (Swiss) or other."
        )
        % {"value": text.strip()}
    )


# Money ------------------------------------------------------------------------------------

_MONEY_NOISE_RE = re.compile(r"€|\beur(?:os?)?\b|\bht\b|\bttc\b|[\s'’]")
_MONEY_RE = re.compile(r"(-)?(\d[\d.,]*)(-)?")
# "1.200" or "1,200": a thousands separator or three decimals? Refused rather than guessed.
_AMBIGUOUS_THOUSANDS_RE = re.compile(r"[1-9]\d{0,2}[.,]\d{3}")
_THOUSANDS_RE = re.compile(r"\d{1,3}(?:([.,])\d{3})(?:\1\d{3})*")
_CENT = Decimal("0.01")
_MAX_MONEY = Decimal("99999999.99")


def _money_error(text: str) -> ValueError:
    return ValueError(
        _("“%(value)s” is not an amount: write for example 120 or 120,50 €.")
        % {"value": text.strip()}
    )


def parse_money(text: str) -> Decimal | None:
    """Amount in euros with two decimals; comma or dot decimals, spaces as thousands."""
    cleaned = _clean(text)
    if not cleaned:
        return None
    if cleaned.isdigit() and cleaned.isascii() and len(cleaned) < 9:
        return Decimal(cleaned).quantize(_CENT)
    compact = _MONEY_NOISE_RE.sub("", cleaned)
    negative = compact.startswith("(") and compact.endswith(")")
    if negative:
        compact = compact[1:-1]
    match = _MONEY_RE.fullmatch(compact)
    if match is None:
        raise _money_error(text)
    digits = match[2]
    dots, commas = digits.count("."), digits.count(",")
    if _AMBIGUOUS_THOUSANDS_RE.fullmatch(digits):
        raise ValueError(
            _(
                "“%(value)s” is ambiguous: write the amount without a thousands separator and "
                "with a comma before the cents, for example 1200 or 1200,50."
            )
            % {"value": text.strip()}
        )
    if dots and commas:  # 1.234,56 or 1,234.56: the last one is the decimal separator
        decimal_sep = "." if digits.rfind(".") > digits.rfind(",") else ","
        whole, _sep, cents = digits.rpartition(decimal_sep)
        if not _THOUSANDS_RE.fullmatch(whole) or not cents.isdigit():
            raise _money_error(text)
        digits = f"{re.sub(r'[.,]', '', whole)}.{cents}"
    elif commas > 1 or dots > 1:  # 1.200.000 or 1,200,000
        if not _THOUSANDS_RE.fullmatch(digits):
            raise _money_error(text)
        digits = re.sub(r"[.,]", "", digits)
    else:
        digits = digits.replace(",", ".")
    if digits.endswith(".") or digits.startswith("."):
        raise _money_error(text)
    try:
        amount = Decimal(digits)
    except InvalidOperation:
        raise _money_error(text) from None
    if negative or match[1] or match[3]:
        if amount:
            raise ValueError(
                _("“%(value)s” is negative: a declared value cannot be below zero.")
                % {"value": text.strip()}
            )
    amount = amount.quantize(_CENT, ROUND_HALF_UP)
    if amount > _MAX_MONEY:
        raise ValueError(
            _("“%(value)s” is too large for a declared value.") % {"value": text.strip()}
        )
    return amount
