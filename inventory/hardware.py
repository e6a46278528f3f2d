"""Read hardware reports (``lshw -json``, ``smartctl --json -a``) into plain facts, no database.

An unreadable report raises HardwareReportError (translated message for the technician); missing
or odd fields only become warnings, so one strange BIOS value never blocks a machine's intake.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import AppRegistryNotReady, ImproperlyConfigured
from django.utils.translation import gettext

from core.placeholders import is_placeholder
from core.text import decode_text

Node = dict[str, Any]

_MAX_BYTES = 2 * 1024 * 1024  # real lshw reports are < 1 MiB; refuse anything absurd early


def _max_bytes() -> int:
    """settings.HARDWARE_REPORT_MAX_BYTES (also the API's body limit), or 2 MiB outside Django."""
    try:
        from django.conf import settings

        return int(getattr(settings, "HARDWARE_REPORT_MAX_BYTES", _MAX_BYTES))
    except (ImproperlyConfigured, AppRegistryNotReady):
        return _MAX_BYTES


_MAX_INT = 2**63  # larger "sizes" are corruption, and would overflow Decimal rounding

_CHASSIS = {
    **dict.fromkeys(
        "notebook laptop portable sub-notebook subnotebook netbook convertible detachable".split(),
        "laptop",
    ),
    **dict.fromkeys(
        "desktop tower mini-tower low-profile low-profile-desktop all-in-one mini pizzabox "
        "lunchbox spacesaving space-saving sealed server rackmount blade stick embedded".split(),
        "desktop",
    ),
    "tablet": "tablet",
    "handheld": "other",
}
_VM_RE = re.compile(
    r"qemu|kvm|virtualbox|innotek|vmware|virtual machine|hyper-v|\bxen\b|bochs|parallels", re.I
)
# Virtual disks: a hypervisor gives every disk the same model and a default or cloned serial
# (QEMU's "QM00001", VirtualBox's "VB…-…"), so their serials never identify a machine.
_VIRTUAL_DISK_RE = re.compile(r"qemu|vbox|virtualbox|vmware|virtual|msft|virtio|\bxen\b", re.I)
_VIRTUAL_SERIAL_RE = re.compile(r"QM\d{5}|VB[0-9a-f]{8}-[0-9a-f]{8}", re.I)
_CODE_RE = re.compile(r"(?=.*\d)[A-Z0-9]{4,12}")  # Lenovo/Asus machine-type codes: 20L5CTO1WW
_DISK_RE = re.compile(r"/dev/(?:sd[a-z]+|hd[a-z]+|nvme\d+n\d+|mmcblk\d+|x?vd[a-z]+)")
_OPTICAL_RE = re.compile(r"\b(?:DVD|CD|BD)\b|CD-?ROM|Blu-?ray", re.I)


def _(message: str) -> str:
    # Translated under Django; plain English when settings/apps are not ready (scripts, bare tests).
    try:
        return gettext(message)
    except (ImproperlyConfigured, AppRegistryNotReady):
        return message


class HardwareReportError(ValueError):
    """A report that cannot be read. str(exc) is a user-facing translated message (gettext)."""


def _error(text: str, /, **params: object) -> HardwareReportError:
    return HardwareReportError(text % params if params else text)


@dataclass
class DiskFacts:
    kind: str  # one of "hdd", "ssd", "nvme", "emmc", "other"
    capacity_gb: int | None  # decimal gigabytes (10**9 bytes), rounded
    model: str = ""
    serial: str = ""  # "" when missing/placeholder
    smart_passed: bool | None = None
    power_on_hours: int | None = None

    @property
    def is_virtual(self) -> bool:
        return is_virtual_disk(self.model, self.serial)


def is_virtual_disk(model: str, serial: str) -> bool:
    """A disk whose serial a hypervisor made up: never evidence of which machine it is in."""
    return bool(_VIRTUAL_DISK_RE.search(model or "") or _VIRTUAL_SERIAL_RE.fullmatch(serial or ""))


@dataclass
class HardwareFacts:
    serial: str  # system serial, stripped and upper-cased; "" when missing or a placeholder
    manufacturer: str  # as reported, stripped; "" when missing or a placeholder
    model: str  # human name: "ThinkPad T480", not the machine-type code "20L5CTO1WW"
    device_type: str | None  # laptop/desktop/tablet/smartphone/monitor/other; None if unknown
    cpu: str  # first processor with a product, e.g. "Intel(R) Core(TM) i5-8350U CPU @ 1.70GHz"
    ram_mb: int | None  # total system memory in MiB
    disks: list[DiskFacts] = field(default_factory=list)
    battery_health_pct: int | None = None
    is_virtual: bool = False
    warnings: list[str] = field(default_factory=list)


class _Reader:
    """Typed access to JSON nodes: a value of the wrong type counts as missing, with a warning."""

    def __init__(self) -> None:
        self.warnings: list[str] = []

    def warn(self, text: str, /, **params: object) -> None:
        text = text % params if params else text
        if text not in self.warnings:
            self.warnings.append(text)

    def _odd(self, key: str) -> None:
        self.warn(_("Unexpected value for “%(field)s” in the report; it was ignored."), field=key)

    def get(self, node: Any, key: str, kind: Any) -> Any:
        value = node.get(key) if isinstance(node, dict) else None
        if value is None or isinstance(value, kind):
            return value
        self._odd(key)
        return None

    def text(self, node: Any, key: str) -> str:
        value = node.get(key) if isinstance(node, dict) else None
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)  # a version or serial written as a number is still usable
        if value is None or isinstance(value, str):
            return " ".join((value or "").split())  # also collapses "CPU N280   @ 1.66GHz"
        self._odd(key)
        return ""

    def number(self, node: Any, key: str) -> int | None:
        value = node.get(key) if isinstance(node, dict) else None
        if isinstance(value, str) and re.fullmatch(r"\s*\d{1,18}\s*", value):
            value = int(value)
        elif isinstance(value, float) and math.isfinite(value):
            value = int(value)
        if value is None or (type(value) is int and 0 <= value < _MAX_INT):
            return value
        self._odd(key)
        return None


def _is_placeholder(value: str) -> bool:
    return is_placeholder(value)  # one rule for lshw, dmidecode, smartctl and nwipe


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))  # 0.5 up, not banker's


def _decode(data: Any, command: str) -> Any:
    """Bytes (or an open file) as text; dicts and lists as they are."""
    if hasattr(data, "read"):  # an uploaded or opened file
        data = data.read()
    if isinstance(data, dict) and set(data) == {"raw"} and isinstance(data["raw"], str):
        data = data["raw"]  # a text report as the evidence row keeps it (dmidecode)
    if isinstance(data, dict | list):
        return data
    if isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
        if len(raw) > _max_bytes():
            raise _error(_("The file is too large to be a hardware report."))
        try:
            data = decode_text(raw, utf16=True)[0]
        except UnicodeDecodeError:
            data = None
    if not isinstance(data, str) or "\x00" in data:
        raise _error(_("The file is not text: is it the output of %(command)s?"), command=command)
    return data.lstrip("\ufeff")


def _load(data: Any, command: str) -> tuple[Any, str]:
    """Decode bytes/str/dict/list into JSON; return it and any text found before it."""
    data = _decode(data, command)
    if isinstance(data, dict | list):
        return data, ""
    text = data
    if not text.strip():
        raise _error(_("The report is empty."))
    # lshw run without sudo and with 2>&1 starts with a WARNING line: read the JSON after it.
    start = re.search(r"^[ \t]*[\[{]", text, re.MULTILINE)
    position = start.end() - 1 if start else 0
    try:
        value, end = json.JSONDecoder().raw_decode(text, position)
    except json.JSONDecodeError as exc:
        truncated = exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated")
        message = (
            _("The report is cut short (line %(line)s): copy the whole output of %(command)s.")
            if truncated
            else _("The file is not valid JSON (line %(line)s): is it the output of %(command)s?")
        )
        raise _error(message, line=exc.lineno, command=command) from None
    except (RecursionError, ValueError):  # absurd nesting, 5000-digit numbers
        raise _error(_("The report is too deeply nested or malformed.")) from None
    if text[end:].strip():
        raise _error(_("The file contains several JSON documents: send one report at a time."))
    return value, text[:position]


def _find_system(doc: Any) -> Node:
    """The lshw root node; older lshw prints an object, newer ones a one-element list."""
    if isinstance(doc, list):
        systems = [d for d in doc if isinstance(d, dict) and d.get("class") == "system"]
        if len(systems) > 1:
            message = _("The report describes %(count)s machines: send one machine at a time.")
            raise _error(message, count=len(systems))
        doc = doc[0] if len(doc) == 1 else (systems[0] if systems else None)
    if isinstance(doc, dict) and ("smartctl" in doc or "json_format_version" in doc):
        raise _error(_("This is a smartctl output, not an lshw report."))
    if not isinstance(doc, dict):
        raise _error(_("This JSON is not an lshw report (no system found)."))
    if doc.get("class") == "system":
        return doc
    children = doc.get("children")
    if isinstance(children, list):
        systems = [c for c in children if isinstance(c, dict) and c.get("class") == "system"]
        if len(systems) == 1:
            return systems[0]
        if "id" in doc and children and not systems:
            return doc  # a root without class: still an lshw tree
    raise _error(_("This JSON is not an lshw report (no system found)."))


def _walk(rd: _Reader, root: Node) -> Iterator[tuple[Node, Node | None, bool]]:
    """Depth-first, in document order, without recursion: (node, parent, behind a USB bus)."""
    stack: list[tuple[Node, Node | None, bool]] = [(root, None, False)]
    while stack:
        node, parent, in_usb = stack.pop()
        yield node, parent, in_usb
        if rd.text(node, "class") == "disk":
            continue  # a disk's children are its medium and volumes, not other disks
        usb = in_usb or rd.text(node, "businfo").startswith("usb@")
        for child in reversed(rd.get(node, "children", list) or []):
            if isinstance(child, dict):
                stack.append((child, node, usb))
            else:
                rd._odd("children")


def _model(rd: _Reader, root: Node, config: Node) -> str:
    product, version = rd.text(root, "product"), rd.text(root, "version")
    sku, family = rd.text(config, "sku"), rd.text(config, "family")
    if sku and product.endswith(f"({sku})"):  # lshw appends " (SKU)" to the DMI product name
        product = product[: -len(sku) - 2].strip()
    elif match := re.fullmatch(r"(.+?)\s*\(([^()]*)\)", product):
        if match[2] == match[1] or "_MT_" in match[2]:
            product = match[1]
    if _is_placeholder(product):
        product = ""

    def named(value: str) -> bool:  # "ThinkPad T480" yes; "01", "x.x", "pc-q35-7.2" no
        return " " in value and bool(re.search(r"[A-Za-z]", value)) and not _is_placeholder(value)

    # Lenovo puts the machine type in product and the human name in version.
    if named(version) and (not product or _CODE_RE.fullmatch(product)):
        return version
    return product or (family if named(family) else "")


def _size(rd: _Reader, node: Any) -> int | None:
    units = rd.text(node, "units")
    return rd.number(node, "size") if units in ("", "bytes") else None


_NOT_RAM_RE = re.compile(r"cache|firmware|bios|rom\b|flash", re.I)


def _is_bank(rd: _Reader, node: Node) -> bool:
    """A DIMM slot: lshw's "bank:N" (sometimes elsewhere than under System Memory)."""
    ident, desc = rd.text(node, "id").lower(), rd.text(node, "description")
    if _NOT_RAM_RE.search(ident) or _NOT_RAM_RE.search(desc):
        return False
    return ident.startswith("bank") or bool(re.search(r"\b(?:SO)?DIMM\b", desc, re.I))


def _ram_mb(rd: _Reader, nodes: list[Node]) -> int | None:
    """The System Memory totals when lshw gives them; otherwise every memory bank of the
    tree, wherever it sits (some firmwares put the DIMMs beside an empty System Memory)."""
    memories = [n for n in nodes if rd.text(n, "class") == "memory"]
    systems = [n for n in memories if rd.text(n, "description").lower() == "system memory"]
    totals = [size for n in systems if (size := _size(rd, n))]
    if totals:
        total = sum(totals)
    else:  # each node is visited once by _walk: a bank is never counted twice
        total = sum(_size(rd, n) or 0 for n in memories if _is_bank(rd, n))
    return _round(Decimal(total) / 2**20) if total else None


def _spinning(config: Node) -> bool | None:
    """What lshw's "rotational" (newer) or "rotation" (rpm) says; None when it says nothing."""
    for key in ("rotational", "rotation"):
        value = str(config.get(key, "")).strip().lower().removesuffix("rpm").strip()
        if value in ("false", "no"):
            return False
        if value in ("true", "yes"):
            return True
        if value.isdigit():  # 0 / 1, or a rate: 0 rpm is a solid-state drive
            return int(value) > 0
    return None


def _disk_size(rd: _Reader, node: Node, names: list[str]) -> int | None:
    """A disk without "size" (KVM, some USB bridges): its "capacity", else the size of what
    stands for the whole disk below it (an NVMe namespace, a medium, a volume spanning the
    disk). A partition is smaller than its disk, so it never gives the size."""
    if rd.text(node, "units") in ("", "bytes") and (capacity := rd.number(node, "capacity")):
        return capacity
    for child in rd.get(node, "children", list) or []:
        if not isinstance(child, dict) or not (size := _size(rd, child)):
            continue
        ident = rd.text(child, "id").lower()
        child_names = rd.get(child, "logicalname", str | list) or []
        child_names = [child_names] if isinstance(child_names, str) else child_names
        child_names = [n for n in child_names if isinstance(n, str)]
        whole = rd.text(child, "class") == "disk" or ident.startswith(("namespace", "medium"))
        if whole or (names and set(child_names) & set(names)):
            return size
    return None


def _disk(rd: _Reader, node: Node, parent: Node | None, in_usb: bool) -> DiskFacts | None:
    names = rd.get(node, "logicalname", str | list) or []
    names = [n for n in ([names] if isinstance(names, str) else names) if isinstance(n, str)]
    dev = next((n for n in names if _DISK_RE.fullmatch(n)), "")
    ident, desc = rd.text(node, "id").lower(), rd.text(node, "description")
    if ident.startswith("cdrom") or _OPTICAL_RE.search(desc):
        return None
    if any(n.startswith(("/dev/sr", "/dev/cdrom")) for n in names):
        return None
    if not (ident.startswith(("disk", "nvme")) or dev):
        return None  # partitions, md/LVM volumes, "medium" nodes
    size, businfo = _size(rd, node), rd.text(node, "businfo")
    if in_usb or businfo.startswith("usb@") or "sd card" in desc.lower():
        if size:  # a live USB key or a memory card, not part of the machine
            label = dev or rd.text(node, "product") or ident
            rd.warn(_("Skipped the removable disk %(name)s (USB key or memory card)."), name=label)
        return None
    if size is None and "removable" in (rd.get(node, "capabilities", dict) or {}):
        return None  # empty card reader
    model, serial = rd.text(node, "product"), rd.text(node, "serial")
    config = rd.get(node, "configuration", dict) or {}
    words = " ".join([desc, model, *(str(v) for v in config.values())]).lower()
    spinning = _spinning(config)
    nvme = businfo.startswith("nvme@") or any(n.startswith("/dev/nvme") for n in names)
    if nvme or (spinning is not True and re.search(r"\bnvme\b", model, re.I)):
        kind = "nvme"
        if parent is not None and rd.text(parent, "class") == "storage":
            model = model or rd.text(parent, "product")  # lshw keeps them on the controller
            serial = serial or rd.text(parent, "serial")
    elif dev.startswith("/dev/mmcblk"):
        kind = "emmc"
    elif spinning is False or (spinning is None and re.search(r"ssd|solid.state", words)):
        kind = "ssd"
    elif spinning or dev.startswith(("/dev/sd", "/dev/hd")) or "ata disk" in desc.lower():
        kind = "hdd"
    else:
        kind = "other"  # virtio, Xen: no idea what is behind
    size = size or _disk_size(rd, node, names)
    if not size:
        label = model or dev or ident
        rd.warn(
            _(
                "The size of the disk %(name)s is not in the report: add its smartctl output "
                "or enter it by hand."
            ),
            name=label,
        )
    return DiskFacts(
        kind=kind,
        capacity_gb=_round(Decimal(size) / 10**9) if size else None,
        model=model,
        serial="" if _is_placeholder(serial) else serial,
    )


def parse_lshw(data: Any) -> HardwareFacts:
    """Facts from `lshw -json` (bytes, str, dict or list), or from `dmidecode` text sent in
    its place. Raises only HardwareReportError."""
    data = _decode(data, "lshw -json")
    if isinstance(data, str) and is_dmidecode(data):
        return parse_dmidecode(data)
    doc, prefix = _load(data, "lshw -json")
    root = _find_system(doc)
    rd = _Reader()
    if "super-user" in prefix:
        rd.warn(_("lshw was not run as root (sudo): serial numbers and memory may be missing."))
    elif prefix.strip():
        rd.warn(_("Text before the JSON was ignored."))
    return _facts(rd, root)


def _facts(rd: _Reader, root: Node, *, dmidecode: bool = False) -> HardwareFacts:
    """The facts of an lshw tree (dmidecode's records are first put in that shape)."""
    walked = list(_walk(rd, root))
    nodes = [node for node, _p, _u in walked]
    config = rd.get(root, "configuration", dict) or {}
    core = next((n for n in nodes if rd.text(n, "id") == "core"), {})
    vendor, raw_serial = rd.text(root, "vendor"), rd.text(root, "serial")
    probe = " ".join(rd.text(n, k) for n in (root, core) for k in ("vendor", "product", "version"))
    disks: list[DiskFacts] = []
    for node, parent, in_usb in walked:
        if rd.text(node, "class") == "disk" and (disk := _disk(rd, node, parent, in_usb)):
            disks.append(disk)
    # Firmware strings can be set to anything in a VM: its internal virtual disks give it away.
    is_virtual = bool(_VM_RE.search(probe)) or any(d.is_virtual for d in disks)

    serial = "" if _is_placeholder(raw_serial) else raw_serial.upper()
    if not raw_serial:
        rd.warn(_("The report has no system serial number."))
    elif not serial:
        message = _("The system serial number “%(value)s” is a placeholder; it was ignored.")
        rd.warn(message, value=raw_serial)
    manufacturer = "" if _is_placeholder(vendor) else vendor
    if not manufacturer:
        rd.warn(_("The manufacturer is missing or a placeholder."))
    model = _model(rd, root, config)
    if not model:
        rd.warn(_("The model is missing or a placeholder."))
    board = " ".join(t for k in ("vendor", "product") if not _is_placeholder(t := rd.text(core, k)))
    if board and not (manufacturer and model):  # white-box PCs: the board is the best clue
        rd.warn(_("The motherboard is a %(board)s: use it to identify the machine."), board=board)

    chassis = rd.text(config, "chassis").lower()
    described = re.sub(r"\s+(?:computer|pc)$", "", rd.text(root, "description").lower())
    device_type = _CHASSIS.get(chassis) or _CHASSIS.get(described.replace(" ", "-"))
    if is_virtual:
        device_type = device_type or "other"
        name = vendor or model or next((d.model for d in disks if d.is_virtual), "")
        rd.warn(_("This report comes from a virtual machine (%(name)s)."), name=name)
    elif device_type is None:
        rd.warn(_("Unknown chassis type: set the device type by hand."))

    cpus = (
        n for n in nodes if rd.text(n, "class") == "processor" and n.get("disabled") is not True
    )
    cpu = next((p for n in cpus if not _is_placeholder(p := rd.text(n, "product"))), "")
    if not cpu:
        rd.warn(_("No processor found in the report."))
    ram_mb = _ram_mb(rd, nodes)
    if ram_mb is None:
        rd.warn(_("No memory size found in the report."))

    if dmidecode:
        rd.warn(
            _(
                "This is dmidecode output: the system, processor and memory were read from it. "
                "dmidecode does not list drives: send lshw -json, or the smartctl output of "
                "each drive, to record them."
            )
        )
    elif not disks:
        rd.warn(_("No internal disk found in the report."))
    nvme_driver = any(rd.text(rd.get(n, "configuration", dict), "driver") == "nvme" for n in nodes)
    if nvme_driver and not any(d.kind == "nvme" for d in disks):
        rd.warn(_("This lshw does not describe the NVMe drive: add its smartctl output."))
    return HardwareFacts(
        serial=serial,
        manufacturer=manufacturer,
        model=model,
        device_type=device_type,
        cpu=cpu,
        ram_mb=ram_mb,
        disks=disks,
        is_virtual=is_virtual,
        warnings=rd.warnings,
    )


def merge_smartctl(facts: HardwareFacts, data: Any) -> None:
    """Enrich facts with `smartctl --json -a /dev/X`; raises before changing anything."""
    data = _decode(data, "smartctl --json -a")
    if isinstance(data, str) and is_dmidecode(data):
        raise _error(_("This is a dmidecode output, not a smartctl output."))
    doc, _prefix = _load(data, "smartctl --json -a")
    doc = doc[0] if isinstance(doc, list) and len(doc) == 1 else doc
    if isinstance(doc, dict) and ("children" in doc or doc.get("class") == "system"):
        raise _error(_("This is an lshw report, not a smartctl output."))
    if not isinstance(doc, dict):
        raise _error(_("This JSON is not a smartctl output."))
    rd = _Reader()
    meta, device = rd.get(doc, "smartctl", dict), rd.get(doc, "device", dict)
    argv = [a for a in rd.get(meta, "argv", list) or [] if isinstance(a, str)]
    name = rd.text(device, "name") or next((a for a in argv if a.startswith("/dev/")), "?")
    messages = [rd.text(m, "string") for m in rd.get(meta, "messages", list) or []]
    message = next((m for m in messages if m), "")
    if (rd.number(meta, "exit_status") or 0) & 2:  # bit 1: the device could not be opened
        raise _error(
            _("smartctl could not open the device %(device)s: %(message)s"),
            device=name,
            message=message or "?",
        )
    model = rd.text(doc, "model_name") or rd.text(doc, "scsi_model_name")
    serial = rd.text(doc, "serial_number")
    serial = "" if _is_placeholder(serial) else serial
    if not model and not serial:
        if message:
            message = _("smartctl could not read the disk %(device)s: %(message)s") % {
                "device": name,
                "message": message,
            }
        raise _error(message or _("This smartctl output describes no disk (no model, no serial)."))
    size = rd.number(rd.get(doc, "user_capacity", dict), "bytes")
    size = size or rd.number(doc, "nvme_total_capacity")
    capacity_gb = _round(Decimal(size) / 10**9) if size else None
    protocol = (rd.text(device, "protocol") + " " + rd.text(device, "type")).lower()
    rotation = rd.number(doc, "rotation_rate")
    sure = True  # smartctl knows the rotation rate; lshw only guesses from names
    if "nvme" in protocol:
        kind = "nvme"
    elif rotation is not None:
        kind = "ssd" if rotation == 0 else "hdd"
    else:
        sure = False
        kind = "ssd" if "ssd" in model.lower() else ("hdd" if "ata" in protocol else "other")
    passed = rd.get(rd.get(doc, "smart_status", dict), "passed", bool)
    hours = rd.number(rd.get(doc, "power_on_time", dict), "hours")
    if hours is None:
        hours = rd.number(rd.get(doc, "nvme_smart_health_information_log", dict), "power_on_hours")

    disk = _match(facts.disks, model, serial, capacity_gb)
    if disk is None:
        disk = DiskFacts(kind=kind, capacity_gb=capacity_gb)
        facts.disks.append(disk)
    elif sure or disk.kind == "other":
        disk.kind = kind
    disk.model = model or disk.model  # lshw cuts ATA models to 16 characters
    disk.serial = serial or disk.serial
    disk.capacity_gb = capacity_gb if capacity_gb is not None else disk.capacity_gb
    disk.smart_passed = passed if passed is not None else disk.smart_passed
    disk.power_on_hours = hours if hours is not None else disk.power_on_hours
    if passed is False:
        rd.warn(_("The disk %(disk)s failed its SMART self-assessment."), disk=model or serial)
    facts.warnings.extend(w for w in rd.warnings if w not in facts.warnings)


# ----------------------------------------------------------------------------- dmidecode

_DMI_HANDLE_RE = re.compile(r"^Handle 0x[0-9A-Fa-f]+, DMI type \d+", re.MULTILINE)
_DMI_QUIET_RE = re.compile(r"^System Information\r?\n\t", re.MULTILINE)  # dmidecode -q
_DMI_TITLES = {
    "System Information": "system",
    "Base Board Information": "board",
    "Chassis Information": "chassis",
    "Processor Information": "processor",
    "Memory Device": "memory",
}
# dmidecode's chassis names, in lshw's spelling (inventory/hardware's _CHASSIS keys).
_DMI_CHASSIS = {
    "mini-pc": "mini", "rack-mount-chassis": "rackmount", "main-server-chassis": "server",
    "hand-held": "handheld", "lunch-box": "lunchbox", "pizza-box": "pizzabox",
    "stick-pc": "stick", "embedded-pc": "embedded", "sealed-case-pc": "sealed",
    "space-saving": "spacesaving",
}  # fmt: skip
_DMI_SIZE_RE = re.compile(r"(\d+)\s*(bytes|kB|KB|MB|GB|TB)\b")
_DMI_UNITS = {"bytes": 1, "kb": 2**10, "mb": 2**20, "gb": 2**30, "tb": 2**40}


def is_dmidecode(text: str) -> bool:
    """`dmidecode` text output (with its "# dmidecode" header, "Handle 0x…" lines, or -q)."""
    head = text[:200_000]
    return (
        head.lstrip().startswith("# dmidecode")
        or bool(_DMI_HANDLE_RE.search(head))
        or bool(_DMI_QUIET_RE.search(head))
    )


def _dmi_records(text: str) -> list[tuple[str, dict[str, str]]]:
    """(kind, {field: value}) for the records this reader uses, in order."""
    records: list[tuple[str, dict[str, str]]] = []
    current: dict[str, str] | None = None
    for line in text.splitlines():
        if not line.strip() or line.startswith(("Handle 0x", "#")):
            continue
        if not line[0].isspace():  # a record's title ("Memory Device"), or a status line
            kind = _DMI_TITLES.get(line.strip())
            current = {} if kind else None
            if kind and current is not None:
                records.append((kind, current))
            continue
        if current is not None and not line.startswith(("\t\t", "        ")):
            key, colon, value = line.strip().partition(":")
            if colon:  # list headers ("Characteristics:") have no value and deeper lines
                current.setdefault(key.strip(), " ".join(value.split()))
    return records


def _dmi_bytes(value: str) -> int | None:
    match = _DMI_SIZE_RE.search(value)
    return int(match[1]) * _DMI_UNITS[match[2].lower()] if match else None


def parse_dmidecode(data: Any) -> HardwareFacts:
    """Facts from `dmidecode` text: system maker, model and serial (DMI type 1), board (2),
    chassis type (3), processors (4) and memory modules (17, added up). It has no drives:
    the facts say so, and smartctl outputs can add them (merge_smartctl)."""
    text = _decode(data, "dmidecode")
    if not isinstance(text, str):
        raise _error(_("This JSON is not an lshw report (no system found)."))
    records = _dmi_records(text)
    system = next((fields for kind, fields in records if kind == "system"), None)
    if system is None:
        raise _error(
            _(
                "This dmidecode output holds no system information: run “sudo dmidecode”, "
                "or send lshw -json."
            )
        )
    board = next((fields for kind, fields in records if kind == "board"), {})
    chassis = next((fields for kind, fields in records if kind == "chassis"), {})
    chassis_type = "-".join(chassis.get("Type", "").lower().split())
    processors = [
        {
            "id": f"cpu:{number}",
            "class": "processor",
            "product": fields.get("Version", ""),
            "disabled": "disabled" in fields.get("Status", "").lower(),
        }
        for number, fields in enumerate(f for kind, f in records if kind == "processor")
        if "unpopulated" not in fields.get("Status", "").lower()
    ]
    banks = [
        {"id": f"bank:{number}", "class": "memory", "size": size, "units": "bytes"}
        for number, fields in enumerate(f for kind, f in records if kind == "memory")
        if (size := _dmi_bytes(fields.get("Size", "")))
    ]
    root = {
        "id": "dmidecode",
        "class": "system",
        "vendor": system.get("Manufacturer", ""),
        "product": system.get("Product Name", ""),
        "version": system.get("Version", ""),
        "serial": system.get("Serial Number", ""),
        "configuration": {
            "chassis": _DMI_CHASSIS.get(chassis_type, chassis_type),
            "sku": system.get("SKU Number", ""),
            "family": system.get("Family", ""),
        },
        "children": [
            {
                "id": "core",
                "class": "bus",
                "vendor": board.get("Manufacturer", ""),
                "product": board.get("Product Name", ""),
                "children": [
                    *processors,
                    {
                        "id": "memory",
                        "class": "memory",
                        "description": "System Memory",
                        "children": banks,
                    },
                ],
            }  # fmt: skip
        ],
    }
    return _facts(_Reader(), root, dmidecode=True)


def _match(disks: list[DiskFacts], model: str, serial: str, gb: int | None) -> DiskFacts | None:
    if serial:
        for disk in disks:
            if disk.serial.casefold() == serial.casefold():
                return disk
    if model and gb is not None:
        for disk in disks:
            mine, theirs = disk.model.casefold(), model.casefold()
            same = mine and (theirs.startswith(mine) or mine.startswith(theirs))  # lshw cuts
            if same and disk.capacity_gb == gb and not (disk.serial and serial):
                return disk  # (two different serials would be two disks)
    return None


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def battery_health(energy_full: Any, energy_full_design: Any) -> int | None:
    """Battery health in %, from sysfs energy_full/energy_full_design (or charge_*)."""
    full, design = _decimal(energy_full), _decimal(energy_full_design)
    if full is None or design is None or design <= 0:
        return None
    if full >= design:  # some batteries report more than their design capacity
        return 100
    return max(0, _round(full * 100 / design))
