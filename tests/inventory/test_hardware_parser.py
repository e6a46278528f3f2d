"""inventory.hardware: lshw / smartctl reports to HardwareFacts, without the database.

Runs under pytest-django, and also bare (settings half-written) with:
    .venv/bin/python -m pytest -p no:django --noconftest tests/inventory/test_hardware_parser.py
"""

import ast
import copy
import io
import json
import math
import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from inventory.hardware import (
    DiskFacts,
    HardwareFacts,
    HardwareReportError,
    battery_health,
    merge_smartctl,
    parse_lshw,
)

SAMPLES = Path(__file__).parent / "hardware_samples"
ROOT = Path(__file__).resolve().parents[2]
KINDS = {"hdd", "ssd", "nvme", "emmc", "other"}
DEVICE_TYPES = {"laptop", "desktop", "tablet", "smartphone", "monitor", "other", None}


@pytest.fixture(autouse=True)
def _english():
    """Messages in English whatever LANGUAGE_CODE is; a no-op when Django is not set up."""
    from django.apps import apps

    if not apps.ready:
        yield
        return
    from django.utils import translation

    with translation.override("en"):
        yield


def raw(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def doc(name: str):
    return json.loads(raw(name))


def system(name: str) -> dict:
    """The system node of a sample, as a fresh dict to mutate."""
    data = doc(name)
    return data[0] if isinstance(data, list) else data


def find(node: dict, **match) -> dict:
    """First node (depth-first) whose fields equal `match`."""
    stack = [node]
    while stack:
        current = stack.pop(0)
        if all(current.get(k) == v for k, v in match.items()):
            return current
        stack[:0] = current.get("children", [])
    raise LookupError(match)


def error_of(data) -> str:
    with pytest.raises(HardwareReportError) as info:
        parse_lshw(data)
    message = str(info.value)
    assert message and isinstance(message, str)
    return message


# ----------------------------------------------------------------------------- good samples

EXPECTED = {
    "lshw_thinkpad_t480.json": dict(
        serial="PF1A2B3C",
        manufacturer="LENOVO",
        model="ThinkPad T480",
        device_type="laptop",
        cpu="Intel(R) Core(TM) i5-8350U CPU @ 1.70GHz",
        ram_mb=16384,
        disks=[("nvme", 256, "SAMSUNG MZVLB256HAHQ-000L7", "S41GNX0M123456")],
        is_virtual=False,
    ),
    "lshw_optiplex_7010.json": dict(
        serial="4K2J8Y1",
        manufacturer="Dell Inc.",
        model="OptiPlex 7010",
        device_type="desktop",
        cpu="Intel(R) Core(TM) i5-3470 CPU @ 3.20GHz",
        ram_mb=8192,
        disks=[
            ("hdd", 500, "ST500DM002-1BD14", "Z3T4ABCD"),
            ("ssd", 250, "Samsung SSD 850", "S21PNXAG123456X"),
        ],
        is_virtual=False,
    ),
    "lshw_eeepc_1005ha.json": dict(
        serial="91OAAS123456",
        manufacturer="ASUSTeK Computer INC.",
        model="1005HA",
        device_type="laptop",
        cpu="Intel(R) Atom(TM) CPU N280 @ 1.66GHz",
        ram_mb=1024,  # no total in this old output: the banks are added up
        disks=[("hdd", 160, "ST9160314AS", "5VCABCDE")],
        is_virtual=False,
    ),
    "lshw_qemu_q35_virtio.json": dict(
        serial="",
        manufacturer="QEMU",
        model="Standard PC (Q35 + ICH9, 2009)",
        device_type="other",
        cpu="QEMU Virtual CPU version 2.5+",
        ram_mb=4096,
        disks=[("other", 21, "", "")],
        is_virtual=True,
    ),
    "lshw_virtualbox.json": dict(
        serial="",
        manufacturer="innotek GmbH",
        model="VirtualBox",
        device_type="other",
        cpu="Intel(R) Core(TM) i7-10750H CPU @ 2.60GHz",
        ram_mb=2048,
        disks=[("hdd", 27, "VBOX HARDDISK", "VB6c2f1e7d-4a9b3c58")],
        is_virtual=True,
    ),
    "lshw_whitebox_to_be_filled.json": dict(
        serial="",
        manufacturer="",
        model="",
        device_type="desktop",
        cpu="Intel(R) Core(TM) i3-6100 CPU @ 3.70GHz",
        ram_mb=4096,
        disks=[("hdd", 1000, "WDC WD10EZEX-08W", "WD-WCC6Y1ABCDEF")],
        is_virtual=False,
    ),
    "lshw_minipc_default_string_emmc.json": dict(
        serial="",
        manufacturer="",
        model="",
        device_type="desktop",
        cpu="Intel(R) Atom(TM) x5-Z8350 CPU @ 1.44GHz",
        ram_mb=2048,
        disks=[("emmc", 31, "DF4032", "2763813210")],  # the SD card in the slot is skipped
        is_virtual=False,
    ),
    "lshw_elitebook_840g3_list.json": dict(
        serial="5CG6341ABC",
        manufacturer="HP",
        model="HP EliteBook 840 G3",
        device_type="laptop",
        cpu="Intel(R) Core(TM) i5-6300U CPU @ 2.40GHz",
        ram_mb=8192,
        # lshw cannot tell this SATA SSD from a hard disk; its smartctl output can (see below).
        disks=[("hdd", 256, "SAMSUNG MZ7LN256", "S2R4NX0H612345")],
        is_virtual=False,
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_is_read_exactly(name):
    facts = parse_lshw(raw(name))
    expected = dict(EXPECTED[name])
    disks = expected.pop("disks")
    assert isinstance(facts, HardwareFacts)
    for attribute, value in expected.items():
        assert getattr(facts, attribute) == value, attribute
    assert [(d.kind, d.capacity_gb, d.model, d.serial) for d in facts.disks] == disks
    assert all(d.smart_passed is None and d.power_on_hours is None for d in facts.disks)
    assert facts.battery_health_pct is None
    assert all(isinstance(w, str) and w for w in facts.warnings)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_input_form_gives_the_same_facts(name):
    from_bytes = parse_lshw(raw(name))
    assert parse_lshw(raw(name).decode()) == from_bytes
    assert parse_lshw(doc(name)) == from_bytes
    assert parse_lshw(io.BytesIO(raw(name))) == from_bytes
    assert parse_lshw(bytearray(raw(name))) == from_bytes


def test_lshw_list_wrapper_and_plain_object_are_equivalent():
    wrapped = doc("lshw_elitebook_840g3_list.json")
    assert isinstance(wrapped, list) and len(wrapped) == 1
    assert parse_lshw(wrapped) == parse_lshw(wrapped[0])
    assert parse_lshw([doc("lshw_optiplex_7010.json")]).serial == "4K2J8Y1"


def test_clean_physical_machines_have_no_warnings():
    assert parse_lshw(raw("lshw_optiplex_7010.json")).warnings == []
    assert parse_lshw(raw("lshw_elitebook_840g3_list.json")).warnings == []


def test_live_usb_key_is_skipped_with_a_warning():
    facts = parse_lshw(raw("lshw_thinkpad_t480.json"))
    assert facts.warnings == ["Skipped the removable disk /dev/sda (USB key or memory card)."]


def test_empty_card_reader_is_skipped_silently_but_usb_key_is_reported():
    facts = parse_lshw(raw("lshw_eeepc_1005ha.json"))
    assert facts.warnings == ["Skipped the removable disk /dev/sdc (USB key or memory card)."]


def test_virtual_machines_are_flagged():
    qemu = parse_lshw(raw("lshw_qemu_q35_virtio.json"))
    assert "This report comes from a virtual machine (QEMU)." in qemu.warnings
    assert "The report has no system serial number." in qemu.warnings
    vbox = parse_lshw(raw("lshw_virtualbox.json"))
    assert "The system serial number “0” is a placeholder; it was ignored." in vbox.warnings


def test_white_box_warnings_point_at_the_motherboard():
    facts = parse_lshw(raw("lshw_whitebox_to_be_filled.json"))
    assert facts.warnings == [
        "The system serial number “To Be Filled By O.E.M.” is a placeholder; it was ignored.",
        "The manufacturer is missing or a placeholder.",
        "The model is missing or a placeholder.",
        "The motherboard is a ASRock H110M-DGS: use it to identify the machine.",
    ]
    minipc = parse_lshw(raw("lshw_minipc_default_string_emmc.json"))
    assert "Skipped the removable disk /dev/mmcblk2 (USB key or memory card)." in minipc.warnings


# ----------------------------------------------------------------------------- broken inputs


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("broken_truncated.json", "cut short (line"),
        ("broken_empty_object.json", "not an lshw report"),
        ("broken_empty.json", "empty"),
        ("broken_binary_garbage.json", "not text"),
        ("smartctl_nvme.json", "smartctl output, not an lshw report"),
        ("smartctl_sata_hdd.json", "smartctl output, not an lshw report"),
        ("broken_smartctl_open_failed.json", "smartctl output, not an lshw report"),
    ],
)
def test_broken_sample_raises_a_clear_error(name, fragment):
    assert fragment in error_of(raw(name))


def test_truncated_report_names_the_line_and_the_command():
    text = raw("lshw_thinkpad_t480.json").decode()
    message = error_of(text[:1000])
    assert re.search(r"line \d+", message) and "lshw -json" in message


@pytest.mark.parametrize(
    "data",
    [
        None,
        42,
        3.5,
        True,
        object(),
        "",
        "   \n\t",
        "null",
        "42",
        '"a string"',
        "[]",
        "[1, 2, 3]",
        "{}",
        '{"class": "disk", "id": "disk"}',
        '[{"class": "disk"}, {"class": "network"}]',
        "not json at all",
        "{'id': 'python repr', 'class': 'system'}",
        '{"id": "x", "class": "system"} trailing',
        '{"id": "x", "class": "system"}\n{"id": "y", "class": "system"}',
        '[{"class": "system"}, {"class": "system"}]',
        '{"children": [{"class": "system"}, {"class": "system"}]}',
        '{"id": "x", "children": []}',
        "[" * 100_000 + "]" * 100_000,
        '{"id": "x", "class": "system", "size": ' + "9" * 5000 + "}",
        b"\x00\x01\x02\x03" * 50,
        b"\xff\xd8\xff\xe0" + bytes(range(256)),
        b"x" * (16 * 1024 * 1024 + 1),
        [],
        [1, 2],
        {},
        {"smartctl": {"exit_status": 0}},
    ],
    # A bare object()'s repr holds its address, which differs per xdist worker.
    ids=lambda value: "object()" if type(value) is object else repr(value)[:40],
)
def test_unreadable_inputs_raise_only_hardware_report_error(data):
    error_of(data)


def test_several_systems_are_refused():
    one = system("lshw_optiplex_7010.json")
    message = error_of([one, copy.deepcopy(one)])
    assert "2 machines" in message


def test_error_is_a_value_error():
    assert issubclass(HardwareReportError, ValueError)


def test_not_root_warning_line_before_the_json_is_tolerated():
    text = (
        "WARNING: you should run this program as super-user.\n"
        + raw("lshw_optiplex_7010.json").decode()
    )
    facts = parse_lshw(text)
    assert facts.serial == "4K2J8Y1"
    assert any("sudo" in w for w in facts.warnings)


def test_utf8_bom_and_utf16_are_decoded():
    text = raw("lshw_optiplex_7010.json").decode()
    assert parse_lshw(b"\xef\xbb\xbf" + text.encode()).serial == "4K2J8Y1"
    assert parse_lshw(text.encode("utf-16")).serial == "4K2J8Y1"  # PowerShell redirection


def test_root_without_class_or_wrapped_in_a_parent_is_accepted():
    root = system("lshw_optiplex_7010.json")
    assert parse_lshw({"children": [root]}).serial == "4K2J8Y1"
    del root["class"]
    assert parse_lshw(root).model == "OptiPlex 7010"


# ----------------------------------------------------------------------------- field rules


@pytest.mark.parametrize(
    "value",
    [
        "",
        "0",
        "None",
        "N/A",
        "NA",
        "Not Specified",
        "Not Applicable",
        "To Be Filled By O.E.M.",
        "to be filled by o.e.m.",
        "Default string",
        "System Serial Number",
        "0123456789",
        "123456789",
        "Chassis Serial Number",
        "XXXXXXXXXX",
        "00000000",
        "  0000  ",
        "Invalid",
        "SERIAL",
        "-",
    ],
)
def test_placeholder_serials_are_dropped(value):
    root = system("lshw_thinkpad_t480.json")
    root["serial"] = value
    facts = parse_lshw(root)
    assert facts.serial == ""
    assert any("serial number" in w for w in facts.warnings)


def test_serial_is_stripped_and_upper_cased():
    root = system("lshw_thinkpad_t480.json")
    root["serial"] = "  pf1a2b3c \n"
    assert parse_lshw(root).serial == "PF1A2B3C"


def test_asus_style_placeholders():
    root = system("lshw_whitebox_to_be_filled.json")
    root.update(
        vendor="System manufacturer",
        product="System Product Name",
        version="System Version",
        serial="System Serial Number",
    )
    root["configuration"].update(sku="SKU", family="To be filled by O.E.M.")
    facts = parse_lshw(root)
    assert (facts.serial, facts.manufacturer, facts.model) == ("", "", "")


@pytest.mark.parametrize(
    ("product", "version", "sku", "expected"),
    [
        (
            "20L5CTO1WW (LENOVO_MT_20L5_BU_Think_FM_ThinkPad T480)",
            "ThinkPad T480",
            None,
            "ThinkPad T480",
        ),
        ("10AB000FUS", "ThinkCentre M93p", "LENOVO_MT_10AB", "ThinkCentre M93p"),
        ("81LW", "Lenovo V130-15IKB", None, "Lenovo V130-15IKB"),
        ("20L5CTO1WW", "", None, "20L5CTO1WW"),
        ("HP EliteBook 840 G3 (T9X59ET#ABF)", "", "T9X59ET#ABF", "HP EliteBook 840 G3"),
        ("OptiPlex 7010 (OptiPlex 7010)", "01", None, "OptiPlex 7010"),
        ("Latitude E7450", "Not Specified", "Latitude E7450", "Latitude E7450"),
        (
            "Standard PC (i440FX + PIIX, 1996)",
            "pc-i440fx-8.0",
            None,
            "Standard PC (i440FX + PIIX, 1996)",
        ),
        ("System Product Name", "System Version", None, ""),
        ("", "ThinkPad X220", None, "ThinkPad X220"),
        ("1005HA", "x.x", None, "1005HA"),
    ],
)
def test_model_picks_the_human_name(product, version, sku, expected):
    root = system("lshw_thinkpad_t480.json")
    root.update(product=product, version=version)
    root["configuration"].pop("family")
    root["configuration"].pop("sku")
    if sku:
        root["configuration"]["sku"] = sku
    assert parse_lshw(root).model == expected


def test_model_falls_back_to_family():
    root = system("lshw_thinkpad_t480.json")
    root["product"] = "To Be Filled By O.E.M."
    root["version"] = "1.0"
    root["configuration"]["family"] = "ThinkPad T480"
    assert parse_lshw(root).model == "ThinkPad T480"


@pytest.mark.parametrize(
    ("chassis", "expected"),
    [
        ("notebook", "laptop"),
        ("laptop", "laptop"),
        ("portable", "laptop"),
        ("sub-notebook", "laptop"),
        ("netbook", "laptop"),
        ("convertible", "laptop"),
        ("detachable", "laptop"),
        ("desktop", "desktop"),
        ("tower", "desktop"),
        ("mini-tower", "desktop"),
        ("low-profile", "desktop"),
        ("all-in-one", "desktop"),
        ("mini", "desktop"),
        ("server", "desktop"),
        ("Tablet", "tablet"),
        ("unknown", None),
        ("docking", None),
    ],
)
def test_chassis_gives_the_device_type(chassis, expected):
    root = system("lshw_thinkpad_t480.json")
    root["configuration"]["chassis"] = chassis
    root["description"] = "Computer"
    facts = parse_lshw(root)
    assert facts.device_type == expected
    unknown = "Unknown chassis type: set the device type by hand."
    assert (unknown in facts.warnings) == (expected is None)


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("Notebook", "laptop"),
        ("Portable Computer", "laptop"),
        ("Sub Notebook", "laptop"),
        ("Desktop Computer", "desktop"),
        ("Mini Tower Computer", "desktop"),
        ("Low Profile Desktop Computer", "desktop"),
        ("All In One", "desktop"),
        ("Mini PC", "desktop"),
        ("Tablet", "tablet"),
        ("Computer", None),
    ],
)
def test_description_is_used_when_chassis_is_missing(description, expected):
    root = system("lshw_thinkpad_t480.json")
    del root["configuration"]["chassis"]
    root["description"] = description
    assert parse_lshw(root).device_type == expected


@pytest.mark.parametrize(
    ("vendor", "product", "chassis", "expected_type"),
    [
        ("VMware, Inc.", "VMware Virtual Platform", None, "other"),
        ("VMware, Inc.", "VMware20,1", None, "other"),
        ("Microsoft Corporation", "Virtual Machine", "desktop", "desktop"),
        ("Xen", "HVM domU", None, "other"),
        ("Bochs", "Bochs", None, "other"),
        ("QEMU", "Standard PC (i440FX + PIIX, 1996)", "notebook", "laptop"),
        ("Red Hat", "KVM", None, "other"),
        ("innotek GmbH", "VirtualBox", None, "other"),
    ],
)
def test_virtual_machines(vendor, product, chassis, expected_type):
    root = system("lshw_qemu_q35_virtio.json")
    root.update(vendor=vendor, product=product, description="Computer")
    if chassis:
        root["configuration"]["chassis"] = chassis
    facts = parse_lshw(root)
    assert facts.is_virtual is True
    assert facts.device_type == expected_type
    assert any("virtual machine" in w for w in facts.warnings)


def test_xenon_or_ordinary_machines_are_not_virtual():
    root = system("lshw_optiplex_7010.json")
    root["product"] = "Precision T5400 Xenon Workstation"
    assert parse_lshw(root).is_virtual is False


def test_ram_is_the_sum_of_banks_when_total_missing_and_ignores_cache_and_bios():
    root = system("lshw_optiplex_7010.json")
    memory = find(root, id="memory")
    del memory["size"]
    assert parse_lshw(root).ram_mb == 8192
    memory["children"] = []
    facts = parse_lshw(root)
    assert facts.ram_mb is None
    assert "No memory size found in the report." in facts.warnings


def test_ram_from_banks_when_there_is_no_system_memory_node():
    root = system("lshw_optiplex_7010.json")
    find(root, id="memory")["description"] = "Memory controller"
    del find(root, id="memory")["size"]
    assert parse_lshw(root).ram_mb == 8192


def test_first_enabled_processor_with_a_product_is_used():
    root = system("lshw_qemu_q35_virtio.json")
    cpu0 = find(root, id="cpu:0")
    cpu0["product"] = ""
    find(root, id="cpu:1")["product"] = "AMD Ryzen 5 3600 6-Core Processor"
    assert parse_lshw(root).cpu == "AMD Ryzen 5 3600 6-Core Processor"
    cpu0.update(product="Intel Xeon", disabled=True)
    assert parse_lshw(root).cpu == "AMD Ryzen 5 3600 6-Core Processor"


def test_machine_with_nothing_but_a_system_node():
    facts = parse_lshw({"id": "bare", "class": "system"})
    assert (facts.serial, facts.cpu, facts.ram_mb, facts.disks) == ("", "", None, [])
    assert "No internal disk found in the report." in facts.warnings
    assert "No processor found in the report." in facts.warnings


def test_ssd_is_recognised_from_lshw_hints():
    root = system("lshw_optiplex_7010.json")
    hdd = find(root, logicalname="/dev/sda")
    hdd["product"] = "CT250MX500SSD1"
    assert parse_lshw(root).disks[0].kind == "ssd"
    hdd["product"], hdd["configuration"]["rotation"] = "KINGSTON SA400S3", "0"
    assert parse_lshw(root).disks[0].kind == "ssd"
    del hdd["configuration"]["rotation"]
    hdd["description"] = "Solid State Drive"
    assert parse_lshw(root).disks[0].kind == "ssd"


def test_nvme_artifact_namespaces_are_not_disks():
    facts = parse_lshw(raw("lshw_thinkpad_t480.json"))
    assert [d.kind for d in facts.disks] == ["nvme"]  # not hwmon2 nor /dev/ng0n1


def test_old_lshw_without_nvme_namespaces_warns():
    root = system("lshw_thinkpad_t480.json")
    find(root, id="nvme")["children"] = []
    facts = parse_lshw(root)
    assert facts.disks == []
    assert "This lshw does not describe the NVMe drive: add its smartctl output." in facts.warnings


def test_disk_placeholder_serial_is_blank_and_logicalname_list_is_understood():
    root = system("lshw_optiplex_7010.json")
    disk = find(root, logicalname="/dev/sda")
    disk.update(serial="0000000000", logicalname=["/dev/sda", "/dev/disk/by-id/ata-X"])
    assert parse_lshw(root).disks[0].serial == ""


def test_wrong_types_are_ignored_with_a_warning():
    root = system("lshw_thinkpad_t480.json")
    root["configuration"] = ["not", "a", "dict"]
    root["vendor"] = {"odd": True}
    find(root, id="memory")["size"] = "sixteen gigs"
    find(root, id="cpu")["product"] = 12
    find(root, id="core")["children"].append("a string child")
    facts = parse_lshw(root)
    assert facts.manufacturer == ""
    assert facts.device_type == "laptop"  # from the description "Notebook"
    assert facts.ram_mb == 16384  # falls back to the banks
    assert facts.cpu == "12"
    assert "Unexpected value for “configuration” in the report; it was ignored." in facts.warnings
    assert "Unexpected value for “children” in the report; it was ignored." in facts.warnings
    assert len(facts.warnings) == len(set(facts.warnings))


# ----------------------------------------------------------------------------- smartctl


def test_smartctl_sata_ssd_fixes_lshw_guess_and_full_model():
    facts = parse_lshw(raw("lshw_elitebook_840g3_list.json"))
    merge_smartctl(facts, raw("smartctl_sata_ssd.json"))
    assert facts.disks == [
        DiskFacts(
            kind="ssd",
            capacity_gb=256,
            model="SAMSUNG MZ7LN256HCHP-000H1",
            serial="S2R4NX0H612345",
            smart_passed=True,
            power_on_hours=41234,
        )
    ]


def test_smartctl_hdd_matches_by_serial_case_insensitively():
    root = system("lshw_optiplex_7010.json")
    find(root, logicalname="/dev/sda")["serial"] = "z3t4abcd"
    facts = parse_lshw(root)
    merge_smartctl(facts, raw("smartctl_sata_hdd.json").decode())
    assert len(facts.disks) == 2
    hdd = facts.disks[0]
    assert (hdd.kind, hdd.capacity_gb, hdd.model) == ("hdd", 500, "ST500DM002-1BD142")
    assert (hdd.smart_passed, hdd.power_on_hours) == (True, 33712)
    assert facts.disks[1].smart_passed is None


def test_smartctl_matches_by_model_and_capacity_when_lshw_has_no_serial():
    root = system("lshw_optiplex_7010.json")
    del find(root, logicalname="/dev/sda")["serial"]
    facts = parse_lshw(root)
    merge_smartctl(facts, doc("smartctl_sata_hdd.json"))
    assert len(facts.disks) == 2
    assert facts.disks[0].serial == "Z3T4ABCD" and facts.disks[0].power_on_hours == 33712


def test_smartctl_same_model_but_other_serial_is_another_disk():
    facts = parse_lshw(raw("lshw_optiplex_7010.json"))
    smart = doc("smartctl_sata_hdd.json")
    smart["serial_number"] = "Z3T4WXYZ"
    merge_smartctl(facts, smart)
    assert [d.serial for d in facts.disks] == ["Z3T4ABCD", "S21PNXAG123456X", "Z3T4WXYZ"]


def test_smartctl_nvme_enriches_the_namespace():
    facts = parse_lshw(raw("lshw_thinkpad_t480.json"))
    merge_smartctl(facts, raw("smartctl_nvme.json"))
    assert facts.disks == [
        DiskFacts("nvme", 256, "SAMSUNG MZVLB256HAHQ-000L7", "S41GNX0M123456", True, 4512)
    ]


def test_smartctl_disk_unknown_to_lshw_is_appended():
    root = system("lshw_thinkpad_t480.json")
    find(root, id="nvme")["children"] = []  # old lshw: no NVMe disk
    facts = parse_lshw(root)
    merge_smartctl(facts, raw("smartctl_nvme.json"))
    merge_smartctl(facts, raw("smartctl_sata_hdd.json"))
    assert [(d.kind, d.capacity_gb, d.serial) for d in facts.disks] == [
        ("nvme", 256, "S41GNX0M123456"),
        ("hdd", 500, "Z3T4ABCD"),
    ]


def test_smartctl_twice_is_idempotent():
    facts = parse_lshw(raw("lshw_optiplex_7010.json"))
    merge_smartctl(facts, raw("smartctl_sata_hdd.json"))
    once = copy.deepcopy(facts)
    merge_smartctl(facts, raw("smartctl_sata_hdd.json"))
    assert facts == once


def test_smartctl_failing_disk_and_nvme_hours_from_health_log():
    facts = parse_lshw(raw("lshw_thinkpad_t480.json"))
    smart = doc("smartctl_nvme.json")
    smart["smart_status"] = {"passed": False, "nvme": {"value": 4}}
    smart["smartctl"]["exit_status"] = 8
    del smart["power_on_time"]
    merge_smartctl(facts, smart)
    assert facts.disks[0].smart_passed is False
    assert facts.disks[0].power_on_hours == 4512
    assert "The disk SAMSUNG MZVLB256HAHQ-000L7 failed its SMART self-assessment." in facts.warnings


def test_smartctl_without_rotation_rate_keeps_a_sensible_kind():
    facts = parse_lshw({"id": "x", "class": "system"})
    old_hdd = doc("smartctl_sata_hdd.json")
    del old_hdd["rotation_rate"]
    merge_smartctl(facts, old_hdd)
    old_ssd = doc("smartctl_sata_ssd.json")
    del old_ssd["rotation_rate"]
    old_ssd["model_name"] = "INTEL SSDSA2CW120G3"
    merge_smartctl(facts, old_ssd)
    assert [d.kind for d in facts.disks] == ["hdd", "ssd"]


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("broken_smartctl_open_failed.json", "could not open the device /dev/sdz: Smartctl open"),
        ("broken_smartctl_unknown_usb_bridge.json", "could not read the disk /dev/sdb: /dev/sdb"),
        ("lshw_optiplex_7010.json", "an lshw report, not a smartctl output"),
        ("lshw_elitebook_840g3_list.json", "an lshw report, not a smartctl output"),
        ("broken_truncated.json", "smartctl --json -a"),
        ("broken_empty.json", "empty"),
        ("broken_binary_garbage.json", "not text"),
        ("broken_empty_object.json", "describes no disk"),
    ],
)
def test_unreadable_smartctl_raises_and_leaves_facts_untouched(name, fragment):
    facts = parse_lshw(raw("lshw_optiplex_7010.json"))
    before = copy.deepcopy(facts)
    with pytest.raises(HardwareReportError) as info:
        merge_smartctl(facts, raw(name))
    assert fragment in str(info.value)
    assert facts == before


@pytest.mark.parametrize("data", [None, 7, "[]", "[1]", [], "null", '"text"'])
def test_smartctl_odd_inputs(data):
    facts = parse_lshw(raw("lshw_optiplex_7010.json"))
    with pytest.raises(HardwareReportError):
        merge_smartctl(facts, data)


# ----------------------------------------------------------------------------- battery


@pytest.mark.parametrize(
    ("full", "design", "expected"),
    [
        (45_000_000, 50_000_000, 90),
        ("45000000\n", "50000000\n", 90),  # straight from /sys/class/power_supply/BAT0
        (b"4000", b"5000", 80),
        (1, 8, 13),  # 12.5 rounds up
        (3.3, 10, 33),
        (52_000, 50_000, 100),  # reports more than design
        (0, 50_000, 0),
        (-5, 10, 0),
        (5, 0, None),
        (5, "0", None),
        (5, -10, None),
        (None, 50_000, None),
        (5, None, None),
        ("abc", 10, None),
        (5, "nan", None),
        (float("inf"), 10, None),
        (True, 10, None),
        (10, [], None),
        ("1e999999", "1e-999999", 100),
    ],
)
def test_battery_health(full, design, expected):
    assert battery_health(full, design) == expected


# ----------------------------------------------------------------------------- robustness


def _mutation(rng: random.Random):
    return rng.choice(
        [
            None,
            [],
            {},
            [None, 1, "x", {"class": "disk"}],
            {"class": "system", "children": "nope"},
            rng.randint(-(2**70), 2**70),
            0,
            -1,
            True,
            False,
            math.nan,
            math.inf,
            -0.5,
            "",
            "   ",
            "\x00\ufffd garbage",
            "To Be Filled By O.E.M.",
            "/dev/sda",
            "usb@1:2",
            "disk",
            "system",
            "processor",
            "memory",
            "nvme@0:1",
            "9" * 30,
        ]
    )


def _containers(node, out):
    if isinstance(node, dict):
        out.append(node)
        for value in node.values():
            _containers(value, out)
    elif isinstance(node, list):
        out.append(node)
        for value in node:
            _containers(value, out)
    return out


def _mutate(data, rng: random.Random) -> None:
    for _step in range(rng.randint(1, 6)):
        container = rng.choice(_containers(data, []))
        if not container:
            continue
        key = rng.choice(list(container) if isinstance(container, dict) else range(len(container)))
        if isinstance(container, dict) and rng.random() < 0.4:
            del container[key]
        else:
            container[key] = _mutation(rng)


def _check_facts(facts: HardwareFacts) -> None:
    assert isinstance(facts, HardwareFacts)
    assert isinstance(facts.serial, str) and facts.serial == facts.serial.strip().upper()
    assert isinstance(facts.manufacturer, str) and isinstance(facts.model, str)
    assert isinstance(facts.cpu, str)
    assert facts.device_type in DEVICE_TYPES
    assert facts.ram_mb is None or (isinstance(facts.ram_mb, int) and facts.ram_mb > 0)
    assert isinstance(facts.is_virtual, bool)
    assert all(isinstance(w, str) and w for w in facts.warnings)
    for disk in facts.disks:
        assert disk.kind in KINDS
        assert disk.capacity_gb is None or isinstance(disk.capacity_gb, int)
        assert isinstance(disk.model, str) and isinstance(disk.serial, str)
        assert disk.smart_passed in (None, True, False)
        assert disk.power_on_hours is None or isinstance(disk.power_on_hours, int)


LSHW_SAMPLES = sorted(EXPECTED)
SMART_SAMPLES = ["smartctl_sata_ssd.json", "smartctl_sata_hdd.json", "smartctl_nvme.json"]


def test_mutated_lshw_reports_never_crash():
    rng = random.Random(20240621)
    outcomes = {"facts": 0, "error": 0}
    for _round in range(400):
        data = doc(rng.choice(LSHW_SAMPLES))
        _mutate(data, rng)
        try:
            facts = parse_lshw(data)
        except HardwareReportError as exc:
            assert str(exc)
            outcomes["error"] += 1
        else:
            _check_facts(facts)
            outcomes["facts"] += 1
    assert outcomes["facts"] > 200  # most mutations leave a readable report


def test_mutated_smartctl_outputs_never_crash():
    rng = random.Random(7)
    for _round in range(300):
        facts = parse_lshw(raw(rng.choice(LSHW_SAMPLES)))
        data = doc(rng.choice(SMART_SAMPLES))
        _mutate(data, rng)
        before = copy.deepcopy(facts)
        try:
            assert merge_smartctl(facts, data) is None
        except HardwareReportError as exc:
            assert str(exc)
            assert facts == before
        _check_facts(facts)


def test_damaged_bytes_never_crash():
    rng = random.Random(99)
    for _round in range(200):
        data = bytearray(raw(rng.choice(LSHW_SAMPLES + SMART_SAMPLES)))
        if rng.random() < 0.5:
            del data[rng.randrange(len(data)) :]
        for _flip in range(rng.randint(0, 5)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        for function in (parse_lshw, lambda d: merge_smartctl(parse_lshw({"class": "system"}), d)):
            try:
                function(bytes(data))
            except HardwareReportError as exc:
                assert str(exc)


# ----------------------------------------------------------------------------- translations


def _msgids_in_code() -> set[str]:
    tree = ast.parse((ROOT / "inventory" / "hardware.py").read_text())
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "_"
        and isinstance(node.args[0], ast.Constant)
    }


def _po_entries(path: Path) -> dict[str, tuple[str, bool]]:
    entries: dict[str, tuple[str, bool]] = {}
    for block in path.read_text().split("\n\n"):
        msgid = re.search(r'^msgid "(.*)"$', block, re.MULTILINE)
        msgstr = re.search(r'^msgstr "(.*)"$', block, re.MULTILINE)
        if msgid and msgid.group(1):
            unescape = lambda s: s.replace('\\"', '"').replace("\\\\", "\\")  # noqa: E731
            entries[unescape(msgid.group(1))] = (
                unescape(msgstr.group(1)) if msgstr else "",
                "python-format" in block,
            )
    return entries


def test_every_message_has_a_french_translation():
    po = _po_entries(ROOT / "locale" / "fragments" / "hardware.po")
    code = _msgids_in_code()
    assert code - set(po) == set(), "missing in hardware.po"
    assert set(po) - code == set(), "stale in hardware.po"
    for msgid, (msgstr, python_format) in po.items():
        placeholders = re.findall(r"%\(\w+\)s", msgid)
        assert msgstr and msgstr != msgid, msgid
        assert sorted(placeholders) == sorted(re.findall(r"%\(\w+\)s", msgstr)), msgid
        assert python_format == bool(placeholders), msgid


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext tools not installed")
def test_po_fragment_compiles(tmp_path):
    header = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
    po = tmp_path / "hardware.po"
    po.write_text(header + (ROOT / "locale" / "fragments" / "hardware.po").read_text())
    result = subprocess.run(
        ["msgfmt", "--check-format", "-o", str(tmp_path / "hardware.mo"), str(po)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
