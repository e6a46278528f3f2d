"""Read nwipe's text log (ShredOS, or nwipe 0.30–0.42 run with ``-l FILE``) into erasure facts,
without the database.

What the log looks like (checked against nwipe's sources, src/logging.c, method.c, nwipe.c,
device.c, options.c, and against logs posted in nwipe's and ShredOS's issue trackers):

* every line written by ``nwipe_log`` starts with ``[YYYY/MM/DD HH:MM:SS]`` in the machine's local
  time, then a level padded to 7 characters (``   info:``, `` notice:``, ``warning:``,
  ``  error:``, ``  fatal:``); nwipe < 0.29 wrote ``nwipe: notice:`` unpadded;
* start of run: ``info: nwipe 0.34`` (banner), the kernel version folded on several lines,
  ``notice: Found /dev/sda,  ATA, ST500DM002-1BD142, 500 GB, S/N=Z3T8KX4M`` for each drive,
  dmidecode facts (``info: system-manufacturer = Dell Inc.``), then when the wipe starts the
  options (``notice:   method   = DoD Short``, ``rounds   = 1``, ``verify   = 1 (last pass)``,
  ``do not perform a final blank pass`` only with --noblank), and per selected drive
  ``/dev/sda has serial number …`` and ``/dev/sda, sect/blk/dev 512/4096/500107862016``;
* per drive: ``Invoking method 'DoD Short' on /dev/sda``, ``Starting round 1 of 1 on …``,
  ``Starting pass 1/3, round 1/1, on …``, ``Finished final round 1 of 1 on …``,
  ``Blanking device …``, ``Verifying that /dev/sda is empty.``, ``[SUCCESS] Blanked device …``
  or ``[FAILURE] /dev/sda Verification errors, not empty``, ``error: 12 verification errors on
  '/dev/sda'.``, and at the end ``fatal: Nwipe exited with errors on device = /dev/sdb, …``;
  ``nwipe_perror`` lines (``error: nwipe_random_pass: fdatasync: Input/output error``) name no
  drive and come just before the line that does;
* at exit, without timestamps: an "Error Summary" table (0.31+) with pass / verification /
  fdatasync error counts, then the "Drive Status" table
  ``!      sdb |-FAILED-|  97 MB/s | 00:12:37 | WDC WD2500AAJS-6/WD-WCAT1E123456`` (status
  `` Erased ``, ``-FAILED-``, ``UABORTED`` or ``INSANITY``; model cut to 17 characters; duration
  is end − start of that drive) and the footer ``[…] Total Throughput 139 MB/s, DoD Short,
  1R+B+VL`` (rounds, B/NB blanking, NV/VL/VA verification).

Newer versions (0.35–0.42) add methods ("Bruce Schneier 7-Pass", "BMB21-2019", and the drive's
own secure erase and sanitize commands) and may print an "Erasure Summary" table instead of, or
beside, "Drive Status"; its columns are read by their header's names (Device, Status, Method,
Start, End, …), so that an added or moved column does not shift the others. A method label this
module does not know is reported as unknown, under its own name, never taken for another.

The summary table is nwipe's own verdict and wins; without it (log cut by a power loss, a full USB
stick…) a drive's result is deduced from its own lines, and is "aborted" unless the end of the
erasure is in the log. A log that cannot be read raises NwipeLogError (translated message); odd
details only become warnings. Never raises anything else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import AppRegistryNotReady, ImproperlyConfigured
from django.utils.translation import gettext

from core.placeholders import is_placeholder
from core.text import decode_text

__all__ = [
    "FIRMWARE_METHODS",
    "NIST_LEVEL",
    "NwipeDrive",
    "NwipeLog",
    "NwipeLogError",
    "NwipeMethod",
    "method_passes",
    "nist_level",
    "nwipe_method",
    "parse_nwipe_log",
]

_MAX_BYTES = 64 * 1024 * 1024  # --verbose logs of a week-long Gutmann stay far below this
_MAX_ERRORS_PER_DRIVE = 100  # a dying disk can log thousands of "Partial read" lines
_MAX_LINE = 2048  # nwipe_log cuts its lines at 512 characters; longer ones are not nwipe's


def _(message: str) -> str:
    # Translated under Django; plain English when settings/apps are not ready (scripts, bare tests).
    try:
        return gettext(message)
    except (ImproperlyConfigured, AppRegistryNotReady):
        return message


class NwipeLogError(ValueError):
    """A log that cannot be read. str(exc) is a user-facing translated message (gettext)."""


def _error(text: str, /, **params: object) -> NwipeLogError:
    return NwipeLogError(text % params if params else text)


@dataclass
class NwipeDrive:
    device: str  # "/dev/sda"
    model: str = ""  # "" if unknown
    serial: str = ""  # "" if unknown, placeholder or anonymised by nwipe -q; stripped
    size_bytes: int | None = None
    method: str = ""  # nwipe's label as logged, e.g. "DoD Short", "Fill With Zeros"
    rounds: int | None = None
    passes: int | None = None  # overwrite passes, all rounds, final blanking pass not counted
    verification: str = "none"  # "none", "last", "all" ("none" also when the log does not say)
    blank: bool | None = None  # final zero blanking pass
    started_at: datetime | None = None  # naive, local time of the wiping machine
    ended_at: datetime | None = None
    result: str = "aborted"  # "passed" | "failed" | "aborted"
    errors: list[str] = field(default_factory=list)  # nwipe's error lines for this drive
    throughput: str = ""  # as printed in the summary table, e.g. "139 MB/s"


@dataclass
class NwipeLog:
    nwipe_version: str = ""  # "0.34", or "" when the banner is not in the log
    host: str = ""  # the wiping machine from dmidecode: "Dell Inc. OptiPlex 7010 (S/N 8KX3QW1)"
    drives: list[NwipeDrive] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # translated, user-facing


# NIST SP 800-88 Rev. 2 (September 2025, techniques per IEEE 2883): overwriting user-addressable
# storage through write commands, with one pass or many, is "Clear" on magnetic and flash media
# alike; more passes do not make it "Purge" (spare and remapped blocks stay out of reach, which
# only the drive's own sanitize or cryptographic erase reach). nwipe's overwrite methods are
# therefore all "clear". The verify-only methods ("Verify Zeros", "Verify Ones") write nothing
# and are deliberately absent: they sanitize nothing.
NIST_LEVEL: dict[str, str] = {
    "Fill With Zeros": "clear",  # nwipe >= 0.29
    "Zero Fill": "clear",  # nwipe 0.2x label of the same method
    "Quick Erase": "clear",  # older label of the same method
    "Fill With Ones": "clear",
    "PRNG Stream": "clear",
    "DoD Short": "clear",
    "DoD 5220.22-M": "clear",
    "Gutmann Wipe": "clear",
    "RCMP TSSIT OPS-II": "clear",
    "HMG IS5 Enhanced": "clear",
    "Bruce Schneier 7-Pass": "clear",  # nwipe >= 0.38
    "BMB21-2019": "clear",  # Chinese standard, nwipe >= 0.38
}

# Methods of nwipe >= 0.40 that run the drive's own commands (hdparm, nvme-cli, sg_sanitize):
# label -> (IEEE 2883 technique, NIST SP 800-88 Rev. 2 category). The SANITIZE commands are
# Purge; ATA Security Erase / NVMe Format are not sanitize commands and are claimed as Clear.
FIRMWARE_METHODS: dict[str, tuple[str, str]] = {
    "Secure Erase (ATA/NVMe)": ("secure_erase", "clear"),
    "Secure Erase + PRNG + Verify": ("secure_erase", "clear"),
    "Sanitize Crypto Erase (ATA/SCSI/NVMe)": ("crypto_erase", "purge"),
    "Sanitize Block Erase (ATA/SCSI/NVMe)": ("block_erase", "purge"),
    "Sanitize Overwrite (ATA/SCSI/NVMe)": ("sanitize_overwrite", "purge"),
}

# Overwrite passes per round, plus passes run once after the last round, per method.c (0.30–0.42):
# zeros/ones/PRNG 1 pattern; DoD short = passes 1, 2, 7 of the DoD method (3); DoD 5220.22-M 7;
# Gutmann 35; OPS-II 8 alternating patterns per round and a mandatory final random pass (no
# blanking); HMG IS5 enhanced zeros, ones, then a verified random pass (3); Schneier ones, zeros,
# five random (7); BMB21-2019 ones, zeros, three random, ones (6).
_METHOD_PASSES: dict[str, tuple[int, int]] = {
    "fill with zeros": (1, 0),
    "zero fill": (1, 0),
    "quick erase": (1, 0),
    "fill with ones": (1, 0),
    "prng stream": (1, 0),
    "dod short": (3, 0),
    "dod 5220.22-m": (7, 0),
    "gutmann wipe": (35, 0),
    "rcmp tssit ops-ii": (8, 1),
    "hmg is5 enhanced": (3, 0),
    "bruce schneier 7-pass": (7, 0),
    "bmb21-2019": (6, 0),
}


def _method_key(method: str) -> str:
    return " ".join(method.split()).lower()


def _is_verify_only(method: str) -> bool:
    return _method_key(method).startswith("verify")


def _is_ops2(method: str) -> bool:
    return "ops-ii" in _method_key(method) or "ops2" in _method_key(method)


@dataclass(frozen=True)
class NwipeMethod:
    label: str
    sanitization: str  # IEEE 2883 technique: "overwrite", "crypto_erase", …
    level: str | None  # NIST SP 800-88 Rev. 2 category; None for the verify-only methods
    verify_only: bool = False


def nwipe_method(method: str) -> NwipeMethod | None:
    """What an nwipe method label does, or None when the label is unknown (a newer nwipe, a
    fork): an unknown method is never taken for a known one (case and spacing insensitive)."""
    key = _method_key(method)
    if not key:
        return None
    if _is_verify_only(method) and key.startswith(("verify zeros", "verify ones")):
        return NwipeMethod(method, "overwrite", None, verify_only=True)
    for label, level in NIST_LEVEL.items():
        if label.lower() == key:
            return NwipeMethod(label, "overwrite", level)
    for label, (sanitization, level) in FIRMWARE_METHODS.items():
        if _method_key(label) == key:
            return NwipeMethod(label, sanitization, level)
    return None


def nist_level(method: str) -> str | None:
    """NIST SP 800-88 category of an nwipe method label (case and spacing insensitive)."""
    known = nwipe_method(method)
    return known.level if known else None


def method_passes(method: str, rounds: int | None) -> int | None:
    """Overwrite passes of `rounds` rounds of `method` (blanking not counted), None if unknown."""
    if _is_verify_only(method):
        return 0
    known = _METHOD_PASSES.get(_method_key(method))
    if known is None or rounds is None:
        return None
    return known[0] * rounds + known[1]


# ----------------------------------------------------------------------------- line patterns

_TS_RE = re.compile(r"^\[(\d{4})/(\d{1,2})/(\d{1,2}) (\d{1,2}):(\d{1,2}):(\d{1,2})\] ?(.*)$")
_LEVEL_RE = re.compile(
    r"^(?:nwipe: )?\s*(debug|info|notice|warning|error|fatal|sanity|level -?\d+): ?(.*)$"
)
_DEV = r"(/dev/[\w.+\-/:]*\w)"
_DEV_RE = re.compile(_DEV)
_BANNER_RE = re.compile(r"^nwipe (?:version )?v?(\d+\.\d+[\w.\-]*)\s*$", re.I)
_OPTION_RE = re.compile(r"^\s*(banner|method|rounds|verify|prng|blank)\s*[=:]\s*(.*?)\s*$", re.I)
_DMI_RE = re.compile(r"^(system-manufacturer|system-product-name|system-serial-number) = (.*)$")
_FOUND_RE = re.compile(rf"^Found {_DEV},(.*)$")
_SERIAL_RE = re.compile(rf"^{_DEV} has serial number (.*)$")
_GEOMETRY_RE = re.compile(rf"^{_DEV}, sect/blk/dev (\d+)/(\d+)/(\d+)")
_OLD_SIZE_RE = re.compile(rf"^Device '?{_DEV}'? is size (\d+)")
_INVOKE_RE = re.compile(rf"^Invoking method '(.+?)' on (?:device )?'?{_DEV}")
_ROUND_RE = re.compile(rf"^Starting round (\d+) of (\d+) on (?:device )?'?{_DEV}")
_PASS_RE = re.compile(
    rf"^Starting pass (\d+)(?:/| of )(\d+), round (\d+)(?:/| of )(\d+), on (?:device )?'?{_DEV}"
)
_VERIFY_PASS_RE = re.compile(
    rf"^Verifying pass (\d+) of (\d+), round (\d+) of (\d+), on (?:device )?'?{_DEV}"
)
_FINAL_ROUND_RE = re.compile(
    rf"^Finished (?:final )?round (\d+) of (\d+) on (?:device )?'?{_DEV}"
)  # "Finished round 1 of 1" before 0.29
_BLANKING_RE = re.compile(rf"^Blanking device '?{_DEV}")
_VERIFYING_RE = re.compile(rf"^Verifying (?:that '?{_DEV}'? is|final random pattern FRP on {_DEV})")
_COMPLETE_RE = re.compile(
    rf"^(?:\[SUCCESS\] )?(?:Blanked device '?{_DEV}|Verified that '?{_DEV}'? is "
    rf"(?:zeroed|full of ones)|Verified FRP on '?{_DEV}'? matches)",
    re.I,
)  # the last line of a successful erasure ("Verified that … is empty" precedes "Blanked")
_OPS2_FINAL_RE = re.compile(rf"^Writing final random pattern to '?{_DEV}")
_WRITTEN_RE = re.compile(rf"^\d+ bytes written to (?:device )?'?{_DEV}")
_FAILURE_WARNING_RE = re.compile(
    r"Buffer flush failure|Partial (?:write|read)|Unable to (?:read|write|open|seek)|"
    r"I/O error|Input/output error",
    re.I,
)
_FOOTER_RE = re.compile(
    r"Total Throughput\s+([^,]{0,40}?)/s,\s*([^,]{1,80}),\s*(\d{1,9})R\+(N?B)\+(NV|VL|VA)\s*$", re.I
)
_ERROR_TABLE_RE = re.compile(r"^\*+ ?Error Summary ?\*+$")
_STATUS_TABLE_RE = re.compile(r"^\*+ ?Drive Status ?\*+$")
_ERASURE_TABLE_RE = re.compile(r"^\*+ ?Erasure Summary ?\*+$", re.I)
_TABLE_DATE_RE = re.compile(r"(\d{4})[/-](\d{1,2})[/-](\d{1,2})[ T](\d{1,2}):(\d{1,2}):(\d{1,2})")
_DURATION_RE = re.compile(r"^(\d{1,7}):(\d{2}):(\d{2})$")
_STARS_RE = re.compile(r"^\*{10,}$")
_ERROR_ROW_RE = re.compile(r"^\s*(!?)\s*([^\s|!]+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(\d*)\s*$")
_STATUS_ROW_RE = re.compile(
    r"^\s*(!?)\s*([^\s|!]+)\s*\|([^|]{1,12})\|\s*([^|]*?)\s*\|\s*(\d{1,7}):(\d{2}):(\d{2})\s*\|"
    r" ?(.*)$"
)
_SIZE_TEXT_RE = re.compile(r"^\d+(?:\.\d+)?\s*[KMGTPE]?i?B$", re.I)
_BUS_TYPES = frozenset(
    "ATA USB NVME SCSI IDE CPQ UNK IEEE1394 1394 VIRT SAS MMC LOOP".split()
)  # device.c device_type_str, with and without the "-SSD" suffix of later versions
_SIGNATURES = (
    "Found /dev/",
    "Invoking method '",
    "sect/blk/dev",
    "Program options are set as follows",
    "Opened entropy source",
    "Automatically enumerated",
    "Blanking device",
)

# ----------------------------------------------------------------------------- working state


@dataclass
class _Drive:
    device: str
    found_model: str = ""
    summary_model_serial: str = ""
    serial_line: str | None = None  # "/dev/sda has serial number …"
    found_serial: str | None = None
    size_bytes: int | None = None
    method: str = ""
    rounds: int | None = None
    pass_count: int | None = None  # per round, from "Starting pass x/N"
    started_at: datetime | None = None
    last_at: datetime | None = None
    completed_at: datetime | None = None  # the line that ends a successful erasure
    final_round_at: datetime | None = None
    ops2_final_written: bool = False
    ops2_final_started: bool = False
    blanking_seen: bool = False
    verify_seen: bool = False  # "Verifying that … is empty." and the like
    verify_pass_not_last: bool = False  # a pass verified before the last one: --verify=all
    failure_marker: bool = False
    errors: list[str] = field(default_factory=list)
    errors_dropped: int = 0
    status: str | None = None  # Drive Status / Erasure Summary column, stripped
    table_method: str = ""  # Erasure Summary columns (nwipe >= 0.35)
    table_started_at: datetime | None = None
    table_ended_at: datetime | None = None
    duration: timedelta | None = None
    throughput: str = ""
    error_counts: tuple[int, int, int] | None = None

    def add_error(self, message: str) -> None:
        message = message.strip()
        if not message or message in self.errors:
            return
        if len(self.errors) >= _MAX_ERRORS_PER_DRIVE:
            self.errors_dropped += 1
        else:
            self.errors.append(message)


@dataclass
class _Session:
    """One run of nwipe (a log file opened in append mode can hold several)."""

    version: str = ""
    options_seen: bool = False
    noblank: bool = False
    method: str = ""
    rounds: int | None = None
    verification: str | None = None
    footer: tuple[str, str, int, bool, str] | None = None  # throughput, method, rounds, blank, ver
    dmi: dict[str, str] = field(default_factory=dict)
    found: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # model, serial
    drives: list[_Drive] = field(default_factory=list)
    summary_seen: bool = False
    pending: list[tuple[datetime | None, str]] = field(default_factory=list)  # errors, no drive
    orphans: list[str] = field(default_factory=list)
    early_errors: dict[str, list[str]] = field(default_factory=dict)  # before the drive's record

    @property
    def active(self) -> bool:
        return bool(self.drives) or self.summary_seen

    def drive(self, device: str) -> _Drive | None:
        return next((drive for drive in reversed(self.drives) if drive.device == device), None)

    def drive_or_new(self, device: str) -> _Drive:
        existing = self.drive(device)
        if existing is not None:
            return existing
        drive = _Drive(device=device)
        model, serial = self.found.get(device, ("", None))
        drive.found_model, drive.found_serial = model, serial
        for message in self.early_errors.pop(device, []):
            drive.add_error(message)
        self.drives.append(drive)
        return drive

    def drive_by_name(self, name: str) -> _Drive | None:
        """A summary table row names the device without its path ("sda", "nvme0n1")."""
        for drive in reversed(self.drives):
            if drive.device.rsplit("/", 1)[-1] == name:
                return drive
        return None


def _verification_from(text: str) -> str | None:
    text = text.strip().lower()
    if not text:
        return None
    if "all" in text or text in {"2", "va"}:
        return "all"
    if "last" in text or text in {"1", "vl"}:
        return "last"
    if "off" in text or "none" in text or text in {"0", "no", "nv"}:
        return "none"
    return None


def _column(title: str) -> str:
    title = title.lstrip("!").strip().lower()
    for prefix, column in (
        ("model/serial", "model_serial"),
        ("serial", "serial"),
        ("device", "device"),
        ("status", "status"),
        ("result", "status"),
        ("method", "method"),
        ("start", "start"),
        ("end", "end"),
        ("finish", "end"),
        ("hh:mm:ss", "duration"),
        ("duration", "duration"),
        ("thru", "throughput"),
        ("throughput", "throughput"),
    ):
        if title.startswith(prefix):
            return column
    return title


def _timestamp(match: re.Match[str]) -> datetime | None:
    try:
        return datetime(*(int(match.group(i)) for i in range(1, 7)))
    except (ValueError, OverflowError):
        return None


def _clean_serial(raw: str | None) -> tuple[str, str | None]:
    """(serial, issue) with issue None, "hidden" (nwipe -q), "missing" or "garbled"."""
    if raw is None:
        return "", "missing"
    cut = re.split(r"[\x00-\x1f\x7f\ufffd]", raw, maxsplit=1)
    serial = cut[0].strip()
    if len(cut) > 1 and serial:
        return serial, "garbled"
    if len(serial) >= 4 and set(serial) == {"X"}:
        return "", "hidden"
    if is_placeholder(serial):
        return "", "missing"
    return serial, None


def _parse_found(rest: str) -> tuple[str, str | None]:
    """Model and serial from the end of "Found /dev/sda,  ATA, ST500DM002, 500 GB, S/N=Z3T8"."""
    serial: str | None = None
    if ", S/N=" in rest or rest.startswith(" S/N="):
        rest, serial = rest.rsplit("S/N=", 1)
        rest = rest.rstrip().rstrip(",")
    parts = [part.strip() for part in rest.split(",")]
    parts = [part for part in parts if part]
    if parts and _SIZE_TEXT_RE.match(parts[-1]):
        parts.pop()
    if len(parts) > 1 and parts[0].upper().removesuffix("-SSD").strip() in _BUS_TYPES:
        parts.pop(0)
    return ", ".join(parts), serial


# ----------------------------------------------------------------------------- decoding


def _decode(data: bytes | str, warnings: list[str]) -> str:
    if isinstance(data, str):
        text = data
        if len(text) > _MAX_BYTES:
            raise _error(_("The file is too large to be an nwipe log."))
    else:
        data = bytes(data)
        if len(data) > _MAX_BYTES:
            raise _error(_("The file is too large to be an nwipe log."))
        if data.lstrip()[:5] == b"%PDF-":
            raise _error(
                _("This is nwipe's PDF report: import the text log (nwipe_log_….txt) instead.")
            )
        # A log on a USB stick pulled out (or a power cut) often ends with a run of NUL bytes.
        data = data.rstrip(b"\x00")
        sample = data[:65536]
        controls = sum(1 for byte in sample if byte < 9 or 13 < byte < 32 and byte != 27)
        if sample and (controls > len(sample) // 20 or data[:2] in (b"\x1f\x8b", b"PK")):
            raise _error(
                _("The file is not text: import the log written by nwipe (nwipe_log_….txt).")
            )
        text = decode_text(data, fallback="utf-8")[0]
        if "\ufffd" in text:
            warnings.append(
                _("The file contains bytes that are not valid text; they were replaced.")
            )
    text = text.lstrip("\ufeff").replace("\x00", "")
    if not text.strip():
        raise _error(_("The file is empty."))
    if text.lstrip()[:5] == "%PDF-":
        raise _error(
            _("This is nwipe's PDF report: import the text log (nwipe_log_….txt) instead.")
        )
    return text


# ----------------------------------------------------------------------------- parsing


class _Parser:
    def __init__(self) -> None:
        self.sessions: list[_Session] = [_Session()]
        self.signatures = 0
        self.table: str | None = None  # "errors" | "status" | "erasure" inside a summary table
        self.columns: list[str] | None = None  # the Erasure Summary's header, by column

    @property
    def session(self) -> _Session:
        return self.sessions[-1]

    def new_session(self) -> None:
        self.close_session()
        self.sessions.append(_Session())

    # -- pending device-less error lines ("nwipe_random_pass: fdatasync: Input/output error")

    def attach_pending(self, drive: _Drive, when: datetime | None) -> None:
        """nwipe_perror lines come just before the warning/error line that names their drive."""
        session = self.session
        for at, message in session.pending:
            if at is None or when is None or abs((when - at).total_seconds()) <= 1:
                drive.add_error(message)
            else:
                session.orphans.append(message)
        session.pending = []

    def close_session(self) -> None:
        session = self.session
        session.orphans.extend(message for _at, message in session.pending)
        session.pending = []

    # -- one line

    def feed(self, line: str) -> None:
        match = _TS_RE.match(line)
        if match is None:
            self.untimed(line)
            return
        when = _timestamp(match)
        rest = match.group(7)
        footer = _FOOTER_RE.search(rest)
        if footer and not _LEVEL_RE.match(rest):
            self.footer(footer)
            return
        self.table = None
        level_match = _LEVEL_RE.match(rest)
        if level_match is None:
            return
        self.message(when, level_match.group(1), level_match.group(2).rstrip())

    def untimed(self, line: str) -> None:
        stripped = line.strip()
        if _ERROR_TABLE_RE.match(stripped):
            self.table, self.signatures = "errors", self.signatures + 1
            self.session.summary_seen = True
            return
        if _STATUS_TABLE_RE.match(stripped):
            self.table, self.signatures = "status", self.signatures + 1
            self.session.summary_seen = True
            return
        if _ERASURE_TABLE_RE.match(stripped):
            self.table, self.signatures, self.columns = "erasure", self.signatures + 1, None
            self.session.summary_seen = True
            return
        if _STARS_RE.match(stripped):
            self.table = None
            return
        footer = _FOOTER_RE.search(stripped)
        if footer:
            self.footer(footer)
            return
        if self.table == "errors":
            row = _ERROR_ROW_RE.match(line)
            if row and row.group(2).lower() != "device":
                drive = self.summary_drive(row.group(2))
                fsync = int(row.group(5)) if row.group(5) else 0
                drive.error_counts = (int(row.group(3)), int(row.group(4)), fsync)
        elif self.table == "erasure":
            self.erasure_row(line)
        elif self.table == "status":
            row = _STATUS_ROW_RE.match(line)
            if row:
                drive = self.summary_drive(row.group(2))
                drive.status = row.group(3).strip()
                drive.throughput = row.group(4).strip()
                hours, minutes, seconds = (int(row.group(i)) for i in (5, 6, 7))
                drive.duration = timedelta(hours=hours, minutes=minutes, seconds=seconds)
                drive.summary_model_serial = row.group(8).rstrip()

    def erasure_row(self, line: str) -> None:
        """A line of the Erasure Summary table, read by its header's column names (their order
        and set vary between versions): Device, Status, Method, Start, End, HH:MM:SS,
        Thru-put, Model/Serial Number."""
        if "|" not in line:
            return
        cells = [cell.strip() for cell in line.split("|")]
        if self.columns is None:
            if "device" in cells[0].lower():
                self.columns = [_column(cell) for cell in cells]
            return
        name = cells[0].lstrip("!").strip()
        if not name or name.lower() == "device" or set(name) <= set("-"):
            return
        drive = self.summary_drive(name)
        for column, value in zip(self.columns, cells, strict=False):
            if not value:
                continue
            if column == "status":
                drive.status = value
            elif column == "method":
                drive.table_method = " ".join(value.split())
            elif column in ("start", "end"):
                date = _TABLE_DATE_RE.search(value)
                when = _timestamp(date) if date else None
                if column == "start":
                    drive.table_started_at = when
                else:
                    drive.table_ended_at = when
            elif column == "duration" and (match := _DURATION_RE.match(value)):
                hours, minutes, seconds = (int(g) for g in match.groups())
                drive.duration = timedelta(hours=hours, minutes=minutes, seconds=seconds)
            elif column == "throughput":
                drive.throughput = value
            elif column == "model_serial":
                drive.summary_model_serial = value
            elif column == "serial" and drive.serial_line is None:
                drive.serial_line = value

    def summary_drive(self, name: str) -> _Drive:
        drive = self.session.drive_by_name(name)
        if drive is None:
            device = name if name.startswith("/dev/") else f"/dev/{name}"
            drive = self.session.drive_or_new(device)
        return drive

    def footer(self, match: re.Match[str]) -> None:
        self.session.summary_seen = True
        self.signatures += 1
        self.session.footer = (
            match.group(1).strip(),
            match.group(2).strip(),
            int(match.group(3)),
            match.group(4).upper() == "B",
            {"NV": "none", "VL": "last", "VA": "all"}[match.group(5).upper()],
        )

    def message(self, when: datetime | None, level: str, text: str) -> None:
        session = self.session
        stripped = text.strip()

        banner = _BANNER_RE.match(stripped)
        if banner and level == "info":
            self.signatures += 1
            if session.active:
                self.new_session()
            self.session.version = banner.group(1)
            return
        if any(signature in text for signature in _SIGNATURES):
            self.signatures += 1
        if "Program options are set as follows" in text:
            if session.summary_seen:
                self.new_session()
            self.session.options_seen = True
            return
        option = _OPTION_RE.match(text) if session.options_seen and text.startswith(" ") else None
        if option:
            self.option(option.group(1).lower(), option.group(2))
            return
        if "do not perform a final blank pass" in text:
            session.noblank = True
            return
        dmi = _DMI_RE.match(stripped)
        if dmi:
            session.dmi[dmi.group(1)] = dmi.group(2).strip()
            return
        found = _FOUND_RE.match(stripped)
        if found:
            session.found[found.group(1)] = _parse_found(found.group(2))
            return

        device_match = _DEV_RE.search(text)
        device = device_match.group(1) if device_match else None
        drive = self.drive_event(when, stripped, device)

        if device is None:
            if level in ("error", "fatal", "sanity") and session.drives:
                session.pending.append((when, stripped))
            return
        if drive is None:
            drive = session.drive(device)
        if drive is None:
            if level in ("error", "fatal") and session.drives:
                session.early_errors.setdefault(device, []).append(stripped)
            return
        if when is not None:
            drive.last_at = when
        if level in ("warning", "error", "fatal", "sanity"):
            self.attach_pending(drive, when)
        failure = stripped.startswith("[FAILURE]")
        if failure:
            drive.failure_marker = True
        if (
            failure
            or level in ("error", "fatal", "sanity")
            or (level == "warning" and _FAILURE_WARNING_RE.search(text))
        ):
            drive.add_error(stripped)

    def option(self, name: str, value: str) -> None:
        session = self.session
        if name == "banner":
            banner = _BANNER_RE.match(value)
            if banner and not session.version:
                session.version = banner.group(1)
        elif name == "method":
            session.method = " ".join(value.split())
        elif name == "rounds" and value.isdigit():
            session.rounds = int(value)
        elif name == "verify":
            session.verification = _verification_from(value)
        elif name == "blank":
            session.noblank = value.strip().lower() in {"no", "off", "0", "false"}

    def drive_event(self, when: datetime | None, text: str, device: str | None) -> _Drive | None:
        """Lines that describe the erasure of one drive; returns its record when there is one."""
        session = self.session
        if device is None:
            return None
        if match := _INVOKE_RE.match(text):
            drive = session.drive_or_new(device)
            drive.method = " ".join(match.group(1).split())
            drive.started_at = drive.started_at or when
            return drive
        if match := _SERIAL_RE.match(text):
            drive = session.drive_or_new(device)
            drive.serial_line = match.group(2)
            return drive
        if match := _GEOMETRY_RE.match(text):
            drive = session.drive_or_new(device)
            size = int(match.group(4))
            drive.size_bytes = size if 0 < size < 2**63 else drive.size_bytes
            return drive
        if match := _OLD_SIZE_RE.match(text):
            drive = session.drive_or_new(device)
            size = int(match.group(2))
            drive.size_bytes = size if 0 < size < 2**63 else drive.size_bytes
            return drive
        drive = session.drive(device)
        if drive is None:
            return None
        if match := _ROUND_RE.match(text):
            drive.rounds = int(match.group(2))
        elif match := _PASS_RE.match(text):
            drive.pass_count, drive.rounds = int(match.group(2)), int(match.group(4))
        elif match := _VERIFY_PASS_RE.match(text):
            drive.verify_seen = True
            last = match.group(1) == match.group(2) and match.group(3) == match.group(4)
            drive.verify_pass_not_last = drive.verify_pass_not_last or not last
        elif match := _FINAL_ROUND_RE.match(text):
            if match.group(1) == match.group(2):
                drive.final_round_at = when
        elif _BLANKING_RE.match(text):
            drive.blanking_seen = True
        elif _VERIFYING_RE.match(text):
            drive.verify_seen = True
        elif _COMPLETE_RE.match(text):
            drive.completed_at = when
        elif _OPS2_FINAL_RE.match(text):
            drive.ops2_final_started = True
        elif _WRITTEN_RE.match(text) and drive.ops2_final_started:
            drive.ops2_final_written = True
            drive.final_round_at = drive.final_round_at or when
        return drive


# ----------------------------------------------------------------------------- results


def _host(dmi: dict[str, str]) -> str:
    def real(key: str) -> str:
        value = dmi.get(key, "").strip()
        return "" if _clean_serial(value)[1] else value

    name = " ".join(
        part for part in (real("system-manufacturer"), real("system-product-name")) if part
    )
    serial = real("system-serial-number")
    if name and serial:
        return f"{name} (S/N {serial})"
    return name or (f"S/N {serial}" if serial else "")


def _finish(session: _Session, raw: _Drive, warnings: list[str]) -> NwipeDrive:
    device = raw.device
    footer = session.footer
    method = raw.method or raw.table_method or session.method or (footer[1] if footer else "")
    if not method:
        warnings.append(
            _("The erasure method of %(device)s is not in the log.") % {"device": device}
        )
    elif nwipe_method(method) is None:
        warnings.append(
            _("The erasure method “%(method)s” of %(device)s is unknown: its NIST SP 800-88 "
              "category cannot be established.")
            % {"method": method, "device": device}
        )  # fmt: skip
    rounds = raw.rounds or session.rounds or (footer[2] if footer else None)
    verify_only = _is_verify_only(method)
    ops2 = _is_ops2(method)

    # Blanking: the drive's own line, else the options (0.31+), else the summary footer.
    if verify_only or ops2:
        blank: bool | None = False  # nwipe_runmethod never blanks after these methods
    elif raw.blanking_seen:
        blank = True
    elif session.options_seen:
        blank = not session.noblank
    elif footer:
        blank = footer[3]
    else:
        blank = None

    if verify_only:
        verification = "last"  # these methods only read the drive back
    elif session.verification or footer:
        verification = session.verification or (footer[4] if footer else "none")
    elif raw.verify_pass_not_last:
        verification = "all"
    else:
        verification = "last" if raw.verify_seen else "none"

    if verify_only:
        passes: int | None = 0
    elif raw.pass_count is not None and rounds:
        passes = raw.pass_count * rounds + (1 if ops2 else 0)
    else:
        passes = method_passes(method, rounds)

    # Did the erasure reach its end? Only matters when the summary table is missing.
    completed_at = raw.completed_at
    if completed_at is None and raw.final_round_at is not None:
        if ops2:
            if raw.ops2_final_written and verification == "none":
                completed_at = raw.final_round_at
        elif blank is False and not verify_only:
            completed_at = raw.final_round_at

    errors = list(raw.errors)
    if raw.error_counts and any(raw.error_counts):
        pass_errors, verify_errors, fsync_errors = raw.error_counts
        errors.append(
            f"Error Summary: Pass Errors {pass_errors}, Verifications Errors {verify_errors}, "
            f"Fdatasync I\\O Errors {fsync_errors}"
        )
    if raw.errors_dropped:
        warnings.append(
            _("Only the first %(count)s error messages of %(device)s were kept.")
            % {"count": _MAX_ERRORS_PER_DRIVE, "device": device}
        )

    if raw.status is not None:
        status = raw.status.upper()
        if "ERASED" in status:
            result = "passed"
        elif "ABORT" in status:
            result = "aborted"
        else:
            result = "failed"
            if "FAIL" not in status:
                warnings.append(
                    _("nwipe gave %(device)s the status “%(status)s”: it is recorded as failed.")
                    % {"device": device, "status": raw.status}
                )
    elif raw.failure_marker or errors:
        result = "failed"
    elif completed_at is not None:
        result = "passed"
        warnings.append(
            _("nwipe's summary table does not give the result of %(device)s: it was deduced from "
              "the drive's own lines.")
            % {"device": device}
        )  # fmt: skip
    else:
        result = "aborted"
        warnings.append(
            _("The log stops before the end of the erasure of %(device)s: it is recorded as "
              "aborted.")
            % {"device": device}
        )  # fmt: skip

    started_at = raw.started_at or raw.table_started_at
    ended_at: datetime | None = None
    if raw.table_ended_at is not None:
        ended_at = raw.table_ended_at
    elif raw.started_at is not None and raw.duration is not None:
        try:
            ended_at = raw.started_at + raw.duration
        except OverflowError:
            ended_at = None
    elif result == "passed":
        ended_at = completed_at
    elif result == "failed":
        ended_at = raw.last_at

    # Serial: nwipe's "has serial number" line, else the Found line, else the summary column.
    model = raw.found_model.strip()
    summary_serial: str | None = None
    if raw.summary_model_serial:
        column = raw.summary_model_serial
        if model and column.startswith(model[:17] + "/"):
            summary_serial = column[len(model[:17]) + 1 :]
        elif "/" in column:
            summary_model, summary_serial = column.rsplit("/", 1)
            model = model or summary_model.strip()
    raw_serial = next(
        (s for s in (raw.serial_line, raw.found_serial, summary_serial) if s is not None), None
    )
    serial, issue = _clean_serial(raw_serial)
    if issue == "hidden":
        message = _(
            "The serial number of %(device)s was hidden by nwipe's --quiet option: read it on the "
            "drive's label."
        )
    elif issue == "garbled":
        message = _(
            "The serial number of %(device)s contained unreadable characters and was cut: check it "
            "on the drive's label."
        )
    elif issue == "missing":
        message = _("No serial number was logged for %(device)s: read it on the drive's label.")
    else:
        message = ""
    if message:
        warnings.append(message % {"device": device})

    return NwipeDrive(
        device=device,
        model=model,
        serial=serial,
        size_bytes=raw.size_bytes,
        method=method,
        rounds=rounds,
        passes=passes,
        verification=verification,
        blank=blank,
        started_at=started_at,
        ended_at=ended_at,
        result=result,
        errors=errors,
        throughput=raw.throughput,
    )


def parse_nwipe_log(data: bytes | str) -> NwipeLog:
    """Read an nwipe log. Raises NwipeLogError on an unusable file, never anything else."""
    try:
        return _parse(data)
    except NwipeLogError:
        raise
    except Exception as exc:  # a parser bug must not become a server error
        raise _error(_("The nwipe log could not be read.")) from exc


def _parse(data: bytes | str) -> NwipeLog:
    warnings: list[str] = []
    text = _decode(data, warnings)
    parser = _Parser()
    for line in re.split(r"\r\n|\r|\n", text):
        parser.feed(line[:_MAX_LINE])
    parser.close_session()

    if parser.signatures == 0:
        raise _error(_("This file is not an nwipe log: none of its lines looks like nwipe's."))
    sessions = [session for session in parser.sessions if session.drives]
    if not sessions:
        raise _error(_("The nwipe log shows no erasure: no drive was wiped."))

    log = NwipeLog(warnings=warnings)
    if len(sessions) > 1:
        warnings.append(
            _(
                "The file holds %(count)s successive nwipe runs; the drives of all of them are "
                "listed."
            )
            % {"count": len(sessions)}
        )
    for session in sessions:
        log.nwipe_version = log.nwipe_version or session.version
        log.host = log.host or _host(session.dmi)
        if len(session.drives) == 1:
            for message in session.orphans:
                session.drives[0].add_error(message)
        else:
            for message in dict.fromkeys(session.orphans):
                warnings.append(
                    _("nwipe reported an error that names no drive: %(message)s")
                    % {"message": message}
                )
        for raw in session.drives:
            log.drives.append(_finish(session, raw, warnings))
    log.warnings = list(dict.fromkeys(warnings))
    return log
