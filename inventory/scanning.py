"""What a scanner typed into the scan box: an asset tag (Code 128 or typed), the QR's device
URL (with or without its #tag), a shelf label (LOC000012), or a serial. Read once, here, for
every box that takes scans."""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from .models import LOCATION_PREFIX
from .services import ASSET_TAG_PREFIX

TAG = re.compile(rf"(?<![A-Z0-9]){ASSET_TAG_PREFIX}\d{{7}}(?![0-9])", re.IGNORECASE)
DEVICE_PATH = re.compile(r"/appareils/(\d{1,12})/?$")
SHELF = re.compile(rf"^{LOCATION_PREFIX}(\d{{6,9}})$", re.IGNORECASE)
SHELF_PATH = re.compile(r"/emplacements/(\d{1,12})/?$")


@dataclass(frozen=True)
class Scan:
    kind: str  # "tag", "pk", "location" (a location's pk) or "text"
    value: str


def read_scan(typed: str) -> Scan | None:
    text = " ".join(typed.split())
    if not text:
        return None
    shelf = SHELF.match(text)
    if shelf:
        return Scan("location", str(int(shelf.group(1))))
    match = TAG.search(text)
    if match:
        return Scan("tag", match.group(0).upper())
    parts = urlsplit(text)
    if parts.scheme in ("http", "https"):
        path = DEVICE_PATH.search(parts.path)
        if path:
            return Scan("pk", path.group(1))
        path = SHELF_PATH.search(parts.path)
        if path:
            return Scan("location", path.group(1))
    return Scan("text", text)
