"""Asset labels: a QR code (asset tag + device URL) and a Code 128 barcode of the asset tag
(the cheap laser scanners most workshops own read only 1D codes), with the tag, type and model
in text.

One label as a PDF sized for a 62 mm label printer, or A4 sheets of 3 x 7 labels for a batch."""

from collections.abc import Sequence

import barcode
import segno
from barcode.writer import SVGWriter
from django.conf import settings
from django.urls import reverse

from core.images import data_uri
from core.pdf import render_pdf

from .models import Device, Location


def device_public_url(device: Device) -> str:
    return settings.SITE_URL + reverse("inventory:device_detail", args=[device.pk])


def qr_payload(device: Device) -> str:
    # The tag first so a phone scanner shows it even offline; the URL opens the device page.
    return f"{device_public_url(device)}#{device.asset_tag}"


def qr_svg_data_uri(device: Device) -> str:
    return segno.make(qr_payload(device), error="m").svg_data_uri(border=0, scale=4)


# The narrowest bar, printed at its own size (the labels' CSS never scales the image): 0.33 mm
# is 2 dots of a 150 dpi print and 2.6 of a 203 dpi thermal printer, and a 9-character tag
# with its quiet zones of 10 bars stays 48 mm wide, within the 62 mm label.
BAR_MM = 0.33
BAR_HEIGHT_MM = 5.0


def code128_svg_data_uri(text: str) -> str:
    """Code 128 of the text, without its human-readable line (the label prints the tag)."""
    svg = barcode.get("code128", text, writer=SVGWriter()).render(
        writer_options={
            "module_width": BAR_MM,
            "module_height": BAR_HEIGHT_MM,
            "quiet_zone": 10 * BAR_MM,
            "margin_top": 0,
            "margin_bottom": 0,
            "write_text": False,
        }
    )
    return data_uri(svg, "image/svg+xml")


def _label_context(devices: Sequence[Device]) -> list[dict]:
    return [
        {
            "device": d,
            "qr": qr_svg_data_uri(d),
            "barcode": code128_svg_data_uri(d.asset_tag),
            "type": d.get_device_type_display(),
            "title": " ".join(p for p in [d.manufacturer, d.model] if p),
        }
        for d in devices
    ]


def label_pdf(device: Device) -> bytes:
    return render_pdf("inventory/labels/single.html", {"labels": _label_context([device])})


LABELS_PER_SHEET = 21


def _sheet(labels: list[dict], template: str) -> bytes:
    pages = [labels[i : i + LABELS_PER_SHEET] for i in range(0, len(labels), LABELS_PER_SHEET)]
    return render_pdf("inventory/labels/sheet.html", {"pages": pages, "label_template": template})


def label_sheet_pdf(devices: Sequence[Device]) -> bytes:
    return _sheet(_label_context(devices), "inventory/labels/_label.html")


def shelf_label_sheet_pdf(locations: Sequence[Location]) -> bytes:
    """One label per location: its code as QR and Code 128, which the scan box reads back."""
    labels = [
        {
            "location": loc,
            "qr": segno.make_qr(loc.code, error="m").svg_data_uri(border=0, scale=4),
            "barcode": code128_svg_data_uri(loc.code),
        }
        for loc in locations
    ]
    return _sheet(labels, "inventory/labels/_shelf.html")
