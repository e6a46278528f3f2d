"""Labels for thermal printers, besides the A4 PDF sheets of inventory/labels.py.

- ZPL for Zebra printers (and compatibles), 203 dpi, 50.8 × 25.4 mm labels: ZPL is a short
  text language, written here with its field data hex-escaped (no library kept up to date
  does more than this).
- Brother QL raster (brother-ql-next), 62 × 29 mm die-cut labels (DK-11209): a picture of the
  label, drawn with Pillow, converted to the printer's instructions.

Each workstation chooses its printer (a cookie: the station, not the user, owns the printer);
the file is sent to the printer by the station (`lp -d zebra -o raw`, `brother_ql print`, or
the vendor's print helper)."""

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import barcode
import segno
from barcode.writer import ImageWriter
from brother_ql.conversion import convert
from brother_ql.raster import BrotherQLRaster
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageDraw, ImageFont

from .labels import qr_payload
from .models import Device, Location

PRINTERS = {
    "pdf": gettext_lazy("A4 sheet of labels (PDF, Avery L7160)"),
    "zpl": gettext_lazy("Zebra printer (ZPL, 50.8 × 25.4 mm)"),
    "brother": gettext_lazy("Brother QL printer (62 × 29 mm)"),
}
PRINTER_COOKIE = "filiere_printer"
PRINT_ON_INTAKE_COOKIE = "filiere_print_on_intake"
BROTHER_MODEL = "QL-800"
BROTHER_LABEL = "62x29"


@dataclass(frozen=True)
class Label:
    code: str  # what the Code 128 holds and the scan box reads back
    qr: str
    title: str
    lines: tuple[str, ...]


def device_label(device: Device) -> Label:
    title = " ".join(p for p in (device.manufacturer, device.model) if p)
    lines = [str(device.get_device_type_display()), title]
    if device.serial_number:
        lines.append(f"{_('S/N')} {device.serial_number}")
    return Label(device.asset_tag, qr_payload(device), device.asset_tag, tuple(lines))


def shelf_label(location: Location) -> Label:
    return Label(
        location.code, location.code, location.code, (str(location), str(location.workshop))
    )


def printer_of(request) -> str:
    """The station's printer: ?fmt= if given, else its cookie, else the PDF sheet."""
    chosen = request.GET.get("fmt") or request.COOKIES.get(PRINTER_COOKIE, "")
    return chosen if chosen in PRINTERS else "pdf"


# ZPL


def _zpl_text(text: str) -> str:
    """Field data with ^, ~ and \\ hex-escaped (^FH\\), so a model name cannot end the field."""
    return "".join(f"\\{ord(c):02X}" if c in "^~\\" else c for c in text)


def zpl(labels: Sequence[Label]) -> bytes:
    out = []
    for label in labels:
        lines = [_zpl_text(line[:34]) for line in label.lines[:3]]
        out.append(
            "\n".join(
                [
                    "^XA",
                    "^CI28",  # UTF-8 field data
                    "^PW406^LL203",
                    f"^FO8,8^BQN,2,3^FH\\^FDMA,{_zpl_text(label.qr)}^FS",
                    f"^FO130,12^A0N,34,34^FH\\^FD{_zpl_text(label.title)}^FS",
                    *(
                        f"^FO130,{52 + 24 * i}^A0N,20,20^FH\\^FD{line}^FS"
                        for i, line in enumerate(lines)
                    ),
                    f"^FO16,138^BY2^BCN,56,N,N,N^FH\\^FD{_zpl_text(label.code)}^FS",
                    "^XZ",
                ]
            )
        )
    return ("\n".join(out) + "\n").encode("utf-8")


# Brother QL


@cache
def _font(size: int, bold: bool = False):
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    try:
        return ImageFont.truetype(name, size)
    except OSError:
        return ImageFont.load_default(size=size)


def label_image(label: Label) -> Image.Image:
    """The label as the Brother QL prints it: 696 × 271 dots (62 × 29 mm at 300 dpi)."""
    width, height = 696, 271
    image = Image.new("L", (width, height), 255)
    qr = segno.make_qr(label.qr, error="m")
    # Whole dots per module and a quiet zone: a resized QR no longer scans.
    scale = max(1, 180 // (qr.symbol_size(scale=1, border=2)[0]))
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=scale, border=2)
    image.paste(Image.open(io.BytesIO(buffer.getvalue())).convert("L"), (0, 0))
    draw = ImageDraw.Draw(image)
    draw.text((195, 8), label.title, font=_font(40, bold=True), fill=0)
    for i, line in enumerate(label.lines[:3]):
        draw.text((195, 58 + 30 * i), line[:32], font=_font(24), fill=0)
    code = barcode.get("code128", label.code, writer=ImageWriter()).render(
        writer_options={
            "module_width": 0.25,
            "module_height": 7.0,
            "quiet_zone": 2.0,
            "write_text": False,
            "dpi": 300,
        }
    )
    code = code.convert("L")
    if code.width > width - 16:
        code = code.resize((width - 16, code.height), Image.NEAREST)
    image.paste(code, (8, height - code.height - 4))
    return image


def brother(labels: Sequence[Label]) -> bytes:
    raster = BrotherQLRaster(BROTHER_MODEL)
    raster.exception_on_warning = True
    convert(
        qlr=raster,
        images=[label_image(label) for label in labels],
        label=BROTHER_LABEL,
        rotate="0",
        threshold=70.0,
        dither=False,
        compress=True,
        red=False,
        dpi_600=False,
        hq=True,
        cut=True,
    )
    return bytes(raster.data)


RENDERERS = {
    "zpl": (zpl, "text/plain; charset=utf-8", "zpl"),
    "brother": (brother, "application/octet-stream", "bin"),
}
