"""Hostile files for the upload tests: zip bombs, billion laughs, files of the wrong type."""

import io
import zipfile
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
SPREADSHEET_SAMPLES = TESTS / "inventory" / "samples"
HARDWARE_SAMPLES = TESTS / "inventory" / "hardware_samples"
NWIPE_SAMPLES = TESTS / "reconditioning" / "nwipe_samples"
MEDNUM_SAMPLES = TESTS / "beneficiaries" / "mednum_samples"
XLSX_SAMPLE = SPREADSHEET_SAMPLES / "donor_with_title.xlsx"

BILLION_LAUGHS_DTD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    "<!DOCTYPE lolz [\n"
    '<!ENTITY lol "lol">\n'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">\n' for i in range(1, 10)
    )
    + "]>\n"
)


def xlsx_members(path: Path = XLSX_SAMPLE) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def billion_laughs_xlsx(padding: int = 0) -> bytes:
    """The real sample whose shared strings (or first sheet) expand &lol9; a billion times.

    padding puts an XML comment before the DTD, to push it past the cheap pre-scan."""
    members = xlsx_members()
    target = "xl/sharedStrings.xml" if "xl/sharedStrings.xml" in members else None
    target = target or next(n for n in members if n.startswith("xl/worksheets/sheet"))
    body = members[target].decode("utf-8")
    body = body.split("?>", 1)[1] if body.startswith("<?xml") else body
    comment = f"<!-- {'x' * padding} -->\n" if padding else ""
    dtd = BILLION_LAUGHS_DTD.replace("<!DOCTYPE", comment + "<!DOCTYPE", 1)
    # One cell holds the bomb: openpyxl would expand it when it reads the strings/sheet.
    body = body.replace("<t>", "<t>&lol9;", 1) if "<t>" in body else body
    members[target] = (dtd + body).encode("utf-8")
    return rezip(members)


def zip_bomb_xlsx(inflated_mb: int = 100) -> bytes:
    """The real sample plus a sheet of zeros inflating to `inflated_mb` MB (ratio ~1000)."""
    members = xlsx_members()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        with archive.open("xl/worksheets/sheet2.xml", "w", force_zip64=True) as part:
            chunk = b"0" * (1024 * 1024)
            for _ in range(inflated_mb):
                part.write(chunk)
    return buffer.getvalue()


def ods_file() -> bytes:
    return rezip(
        {
            "mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
            "content.xml": b"<office:document-content/>",
        },
        zipfile.ZIP_STORED,
    )


def plain_zip() -> bytes:
    return rezip({"inventaire.csv": (SPREADSHEET_SAMPLES / "donor_english.csv").read_bytes()})


PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00\x00\x01\x00" * 64
