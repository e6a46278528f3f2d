"""Values that firmware and tools print where a real one is missing (DMI's "To be filled by
O.E.M.", "SN 123456789ABC", "0000000000"...): one rule for every reader of machine reports
(lshw, dmidecode, smartctl, nwipe), so a placeholder never becomes a serial number."""

import re

__all__ = ["is_placeholder"]

# Compared squashed: lower-cased, without spaces or punctuation ("To Be Filled By O.E.M" and
# "to be filled by o.e.m." are one value).
_SQUASHED = frozenset(
    {
        "", "0", "none", "null", "na", "nd", "notspecified", "notapplicable", "notavailable",
        "unknown", "empty", "invalid", "default", "defaultstring", "tbd", "type1tbd", "type2tbd",
        "tobefilledbyoem", "tobefilledbyo", "tobefilled", "oem", "filledbyoem",
        "serial", "serialnumber", "sn", "systemserialnumber", "chassisserialnumber",
        "baseboardserialnumber", "boardserialnumber", "systemmanufacturer", "systemproductname",
        "systemversion", "chassismanufacturer", "chassisversion", "basebordmanufacturer",
        "productname", "productversion", "manufacturer", "vendor", "xxxxxxxxxx",
        "0123456789", "123456789", "1234567890", "123456789abc", "abcdefghij",
    }
)  # fmt: skip
# An ascending run of digits from 0 or 1 (at least six), maybe followed by "abc…": the
# "123456789ABC" that board makers copy from their templates.
_SEQUENCE_RE = re.compile(r"0?123456(?:7(?:8(?:9(?:0)?)?)?)?(?:a(?:b(?:c(?:d(?:e(?:f)?)?)?)?)?)?")
# Labels some firmwares write before the (placeholder) value: "SN 123456789ABC", "S/N: 0000".
_LABEL_RE = re.compile(r"(?:serialnumber|serialno|serial|sn)")


def _squash(value: str) -> str:
    return re.sub(r"[\W_]+", "", value.lower())


def _is_squashed_placeholder(squashed: str) -> bool:
    return (
        squashed in _SQUASHED
        or len(set(squashed)) == 1  # "00000000", "XXXXXXXX", "FFFFFFFF", "1111"
        or bool(_SEQUENCE_RE.fullmatch(squashed))
    )


def is_placeholder(value: str | None) -> bool:
    """True when `value` stands for "no value": empty, a DMI default, only one repeated
    character or punctuation, a counting sequence, or one of these behind an "SN" label."""
    squashed = _squash(value or "")
    if _is_squashed_placeholder(squashed):
        return True
    label = _LABEL_RE.match(squashed)
    return bool(label) and _is_squashed_placeholder(squashed[label.end() :])
