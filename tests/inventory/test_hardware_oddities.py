"""Oddities of real machines' reports (issue 18), one general rule each, each on a small
constructed report: RAM banks outside "System Memory", placeholder serials, SSDs told apart
without smartctl, virtual disks without a size, unreadable smartctl files, dmidecode text."""

import random
from pathlib import Path

import pytest

from core.placeholders import is_placeholder
from inventory.hardware import HardwareReportError, merge_smartctl, parse_lshw
from inventory.hardware_ingest import hardware_facts_read

GIB = 2**30
SAMPLES = Path(__file__).parent / "hardware_samples"


@pytest.fixture(autouse=True)
def _english():
    from django.apps import apps

    if not apps.ready:
        yield
        return
    from django.utils import translation

    with translation.override("en"):
        yield


def machine(*children, **fields) -> dict:
    """A small lshw tree: system > core (motherboard) > children."""
    root = {
        "id": "box",
        "class": "system",
        "description": "Desktop Computer",
        "vendor": "Dell Inc.",
        "product": "OptiPlex 3020",
        "serial": "7XK2Q42",
        "configuration": {"chassis": "desktop"},
        "children": [{"id": "core", "class": "bus", "children": list(children)}],
    }
    root.update(fields)
    return root


def bank(number: int, gib: int | None, **fields) -> dict:
    node = {"id": f"bank:{number}", "class": "memory", "description": "DIMM DDR3 1600 MHz"}
    if gib is not None:
        node.update(size=gib * GIB, units="bytes")
    node.update(fields)
    return node


def disk(name: str = "/dev/sda", **fields) -> dict:
    node = {
        "id": "disk",
        "class": "disk",
        "description": "ATA Disk",
        "product": "ST500DM002-1BD14",
        "serial": "Z3T4ABCD",
        "logicalname": name,
        "businfo": "scsi@0:0.0.0",
        "size": 500107862016,
        "units": "bytes",
    }
    node.update(fields)
    return {k: v for k, v in node.items() if v is not None}


CACHES_AND_ROM = [
    {"id": "firmware", "class": "memory", "description": "BIOS", "size": 65536, "units": "bytes"},
    {"id": "cache:0", "class": "memory", "description": "L1 cache", "size": 32768},
    {"id": "cpu", "class": "processor", "product": "Intel(R) Core(TM) i3-4150 CPU @ 3.50GHz",
     "children": [{"id": "cache:1", "class": "memory", "description": "L2 cache", "size": 2**20}]},
]  # fmt: skip


# ----------------------------------------------------------------------------- a. memory banks


def test_banks_outside_the_system_memory_node_are_added_up():
    # The "System Memory" node is empty; the DIMMs sit in a sibling array node.
    report = machine(
        *CACHES_AND_ROM,
        {"id": "memory", "class": "memory", "description": "System Memory"},
        {
            "id": "memory:0",
            "class": "memory",
            "description": "Memory array",
            "children": [bank(0, 8), bank(1, 8), bank(2, None, description="[empty]")],
        },
    )
    facts = parse_lshw(report)
    assert facts.ram_mb == 16384
    assert "No memory size found in the report." not in facts.warnings


def test_banks_directly_under_the_motherboard_count_once_each():
    report = machine(
        *CACHES_AND_ROM,
        {"id": "memory", "class": "memory", "description": "System Memory",
         "children": [bank(0, 4)]},
        bank(1, 4),
    )  # fmt: skip
    assert parse_lshw(report).ram_mb == 8192  # the bank under System Memory is not counted twice


def test_system_memory_total_is_not_added_to_its_banks():
    report = machine(
        {"id": "memory", "class": "memory", "description": "System Memory",
         "size": 8 * GIB, "children": [bank(0, 4), bank(1, 4)]},
    )  # fmt: skip
    assert parse_lshw(report).ram_mb == 8192


def test_caches_and_firmware_are_never_memory():
    facts = parse_lshw(machine(*CACHES_AND_ROM))
    assert facts.ram_mb is None
    assert "No memory size found in the report." in facts.warnings


# ----------------------------------------------------------------------------- b. placeholders

PLACEHOLDER_SERIALS = [
    "SN 123456789ABC", "S/N: 0000000000", "123456789ABC", "To be filled by O.E.M.",
    "To Be Filled By O.E.M", "Default string", "Default_String", "0123456789", "1234567890",
    "System Serial Number", "Base Board Serial Number", "Chassis Serial Number", "00000000",
    "FFFFFFFF", "11111111", "XXXXXXXXXXXX", "??????", "Not Specified", "Unknown", "OEM",
    "Type1 - TBD", "None", "-", "N/A",
]  # fmt: skip
REAL_SERIALS = ["7XK2Q42", "PF1A2B3C", "SN7X2K9Q", "5CG6341ABC", "CZC1234567", "1234ABCD"]


@pytest.mark.parametrize("value", PLACEHOLDER_SERIALS)
def test_placeholder_serials_never_become_serials(value):
    assert is_placeholder(value)
    facts = parse_lshw(machine(serial=value))
    assert facts.serial == ""
    assert f"The system serial number “{value}” is a placeholder; it was ignored." in (
        facts.warnings
    )


@pytest.mark.parametrize("value", PLACEHOLDER_SERIALS[:8])
def test_placeholder_disk_serials_are_blank(value):
    assert parse_lshw(machine(disk(serial=value))).disks[0].serial == ""


@pytest.mark.parametrize("value", REAL_SERIALS)
def test_real_serials_are_kept(value):
    assert not is_placeholder(value)
    assert parse_lshw(machine(serial=value)).serial == value


# ----------------------------------------------------------------------------- c. SSD or HDD


@pytest.mark.parametrize(
    ("fields", "kind"),
    [
        ({"configuration": {"rotational": "0"}}, "ssd"),
        ({"configuration": {"rotational": "false"}}, "ssd"),
        ({"configuration": {"rotation": "0"}}, "ssd"),
        ({"product": "KINGSTON SA400S37240G", "description": "Solid State Disk"}, "ssd"),
        ({"product": "Samsung SSD 860 EVO 500GB"}, "ssd"),
        ({"product": "WDC WDS500G2B0C NVMe"}, "nvme"),  # behind a bridge: still an NVMe drive
        ({"logicalname": ["/dev/nvme0n1", "/dev/disk/by-id/x"], "businfo": None}, "nvme"),
        ({"configuration": {"rotational": "1"}}, "hdd"),
        ({"configuration": {"rotation": "0rpm"}, "product": "X"}, "ssd"),
        ({"configuration": {"rotation": "5400rpm"}}, "hdd"),
        ({"configuration": {"rotation": "7200"}, "product": "SSD-looking HDD"}, "hdd"),
        ({}, "hdd"),
    ],
)
def test_drive_kind_without_smartctl(fields, kind):
    node = disk(**{k: v for k, v in fields.items() if k != "configuration"})
    if "businfo" in fields and fields["businfo"] is None:
        node.pop("businfo", None)
    node["configuration"] = fields.get("configuration", {})
    assert parse_lshw(machine(node)).disks[0].kind == kind


# ----------------------------------------------------------------------------- d. virtual disks

KVM = dict(
    vendor="QEMU", product="Standard PC (Q35 + ICH9, 2009)", serial="", description="Computer"
)


def qemu_disk(**fields) -> dict:
    return disk(product="QEMU HARDDISK", serial="QM00001", size=None, **fields)


def test_kvm_disk_size_from_its_capacity():
    facts = parse_lshw(machine(qemu_disk(capacity=34359738368), **KVM))
    assert facts.is_virtual is True
    assert facts.disks[0].capacity_gb == 34
    assert "This report comes from a virtual machine (QEMU)." in facts.warnings


def test_disk_size_from_its_namespace_or_whole_disk_volume():
    namespace = {"id": "namespace", "class": "disk", "size": 256060514304, "units": "bytes"}
    facts = parse_lshw(machine(qemu_disk(children=[namespace]), **KVM))
    assert facts.disks[0].capacity_gb == 256
    whole = {"id": "volume", "class": "volume", "logicalname": "/dev/sda", "size": 21474836480}
    assert parse_lshw(machine(qemu_disk(children=[whole]), **KVM)).disks[0].capacity_gb == 21


def test_odd_children_of_a_disk_without_size_are_ignored():
    odd = {"id": "volume", "class": "volume", "logicalname": [{"x": 1}, 3], "size": 10**9}
    assert (
        parse_lshw(machine(qemu_disk(children=[odd, "text"]), **KVM)).disks[0].capacity_gb is None
    )


def test_disk_without_any_size_is_unknown_and_said():
    partition = {"id": "volume", "class": "volume", "logicalname": "/dev/sda1", "size": 10**9}
    facts = parse_lshw(machine(qemu_disk(children=[partition]), **KVM))
    assert facts.disks[0].capacity_gb is None  # a partition is not the disk's size
    assert (
        "The size of the disk QEMU HARDDISK is not in the report: add its smartctl output or "
        "enter it by hand." in facts.warnings
    )


# ----------------------------------------------------------------------------- e. smartctl


def test_unreadable_smartctl_keeps_the_lshw_part():
    facts = hardware_facts_read(
        lshw=machine(disk()), smartctl=[b'{"smartctl": {"exit_status": 2', b"\x00\x01binary"]
    )
    assert facts.serial == "7XK2Q42" and facts.disks[0].capacity_gb == 500
    assert facts.disks[0].smart_passed is None
    unreadable = [w for w in facts.warnings if w.startswith("The SMART report")]
    assert [w.split(" could not")[0] for w in unreadable] == [
        "The SMART report 1 of 2",
        "The SMART report 2 of 2",
    ]
    assert "cut short" in unreadable[0] and "not text" in unreadable[1]


# ----------------------------------------------------------------------------- f. dmidecode

DMIDECODE = """\
# dmidecode 3.4
Getting SMBIOS data from sysfs.
SMBIOS 3.0.0 present.

Handle 0x0000, DMI type 0, 24 bytes
BIOS Information
\tVendor: LENOVO
\tVersion: N24ET56W (1.31 )
\tCharacteristics:
\t\tPCI is supported
\t\tBIOS is upgradeable

Handle 0x000F, DMI type 1, 27 bytes
System Information
\tManufacturer: LENOVO
\tProduct Name: 20L5CTO1WW
\tVersion: ThinkPad T480
\tSerial Number: pf1a2b3c
\tUUID: 4c4c4544-0031-4a10-8039-b4c04f4a5a31
\tWake-up Type: Power Switch
\tSKU Number: LENOVO_MT_20L5_BU_Think_FM_ThinkPad T480
\tFamily: ThinkPad T480

Handle 0x0010, DMI type 2, 15 bytes
Base Board Information
\tManufacturer: LENOVO
\tProduct Name: 20L5CTO1WW
\tSerial Number: L1HF8AB01CD

Handle 0x0011, DMI type 3, 22 bytes
Chassis Information
\tManufacturer: LENOVO
\tType: Notebook
\tSerial Number: PF1A2B3C

Handle 0x0012, DMI type 4, 48 bytes
Processor Information
\tSocket Designation: U3E1
\tType: Central Processor
\tVersion: Intel(R) Core(TM) i5-8350U CPU @ 1.70GHz
\tStatus: Populated, Enabled

Handle 0x0003, DMI type 17, 40 bytes
Memory Device
\tArray Handle: 0x0002
\tSize: 8192 MB
\tForm Factor: SODIMM
\tLocator: ChannelA-DIMM0
\tType: DDR4
\tSerial Number: 12345678

Handle 0x0004, DMI type 17, 40 bytes
Memory Device
\tArray Handle: 0x0002
\tSize: 8 GB
\tForm Factor: SODIMM
\tLocator: ChannelB-DIMM0

Handle 0x0005, DMI type 17, 40 bytes
Memory Device
\tSize: No Module Installed
\tLocator: ChannelB-DIMM1

Handle 0x0006, DMI type 16, 23 bytes
Physical Memory Array
\tMaximum Capacity: 32 GB
"""


def test_dmidecode_text_is_read_for_system_processor_and_memory():
    facts = parse_lshw(DMIDECODE.encode())
    assert (facts.serial, facts.manufacturer, facts.model) == (
        "PF1A2B3C",
        "LENOVO",
        "ThinkPad T480",
    )
    assert facts.device_type == "laptop"
    assert facts.cpu == "Intel(R) Core(TM) i5-8350U CPU @ 1.70GHz"
    assert facts.ram_mb == 16384  # two modules; the empty slot and the array's maximum are not
    assert facts.disks == [] and facts.is_virtual is False
    assert facts.warnings == [
        "This is dmidecode output: the system, processor and memory were read from it. "
        "dmidecode does not list drives: send lshw -json, or the smartctl output of each "
        "drive, to record them."
    ]


def test_dmidecode_quiet_output_and_placeholders_of_a_white_box():
    quiet = (
        "System Information\n\tManufacturer: To Be Filled By O.E.M.\n"
        "\tProduct Name: To Be Filled By O.E.M.\n\tSerial Number: SN 123456789ABC\n\n"
        "Base Board Information\n\tManufacturer: ASRock\n\tProduct Name: H110M-DGS\n\n"
        "Chassis Information\n\tType: Mini Tower\n\n"
        "Memory Device\n\tSize: 4096 MB\n"
    )
    facts = parse_lshw(quiet)
    assert (facts.serial, facts.manufacturer, facts.model) == ("", "", "")
    assert facts.device_type == "desktop" and facts.ram_mb == 4096
    assert "The motherboard is a ASRock H110M-DGS: use it to identify the machine." in (
        facts.warnings
    )


def test_dmidecode_of_a_kvm_guest_is_flagged_virtual():
    kvm = (
        "# dmidecode 3.3\nHandle 0x0100, DMI type 1, 27 bytes\nSystem Information\n"
        "\tManufacturer: QEMU\n\tProduct Name: Standard PC (Q35 + ICH9, 2009)\n"
        "\tSerial Number: Not Specified\n\nHandle 0x1100, DMI type 17, 40 bytes\n"
        "Memory Device\n\tSize: 2 GB\n"
    )
    facts = parse_lshw(kvm)
    assert facts.is_virtual is True and facts.ram_mb == 2048
    assert "This report comes from a virtual machine (QEMU)." in facts.warnings


def test_dmidecode_without_root_says_what_to_do():
    text = (
        "# dmidecode 3.4\n/sys/firmware/dmi/tables/smbios_entry_point: Permission denied\n"
        "Scanning /dev/mem for entry point.\n/dev/mem: Permission denied\n"
    )
    with pytest.raises(HardwareReportError) as info:
        parse_lshw(text)
    assert "sudo dmidecode" in str(info.value)


def test_dmidecode_with_smartctl_gets_its_drives_and_is_refused_as_smartctl():
    facts = hardware_facts_read(
        lshw=DMIDECODE, smartctl=[(SAMPLES / "smartctl_nvme.json").read_bytes()]
    )
    assert [(d.kind, d.capacity_gb) for d in facts.disks] == [("nvme", 256)]
    with pytest.raises(HardwareReportError) as info:
        merge_smartctl(parse_lshw(DMIDECODE), DMIDECODE)
    assert "dmidecode output, not a smartctl output" in str(info.value)


def test_damaged_dmidecode_text_never_crashes():
    rng = random.Random(18)
    lines = DMIDECODE.splitlines()
    for _round in range(300):
        damaged = list(lines)
        for _step in range(rng.randint(1, 8)):
            position = rng.randrange(len(damaged))
            damaged[position] = rng.choice(
                ["", "\tSize: 99999999999999999999 TB", "\tSize: -1 MB", "Memory Device",
                 "\t\tnested", "\tVersion:", "System Information", "\x00", "\tType: ???",
                 damaged[position][: rng.randrange(len(damaged[position]) + 1)]]
            )  # fmt: skip
        try:
            facts = parse_lshw("\n".join(damaged))
        except HardwareReportError as exc:
            assert str(exc)
        else:
            assert facts.ram_mb is None or facts.ram_mb > 0
