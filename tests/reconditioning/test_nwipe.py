"""reconditioning.nwipe: nwipe's text log to erasure facts, without the database.

The samples in nwipe_samples/ follow nwipe 0.30–0.34's own formats (src/logging.c, method.c,
nwipe.c, device.c, options.c) and logs posted in nwipe's and ShredOS's issue trackers.
"""

import ast
import random
import re
import time
from datetime import datetime
from pathlib import Path

import pytest

from reconditioning import nwipe
from reconditioning.nwipe import (
    NIST_LEVEL,
    NwipeDrive,
    NwipeLog,
    NwipeLogError,
    method_passes,
    nist_level,
    parse_nwipe_log,
)

SAMPLES = Path(__file__).parent / "nwipe_samples"
ROOT = Path(__file__).resolve().parents[2]
RESULTS = {"passed", "failed", "aborted"}
VERIFICATIONS = {"none", "last", "all"}


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


def parse(name: str) -> NwipeLog:
    return parse_nwipe_log(raw(name))


def error_of(data) -> str:
    with pytest.raises(NwipeLogError) as info:
        parse_nwipe_log(data)
    assert str(info.value)
    return str(info.value)


# ----------------------------------------------------------------------------- samples


def test_shredos_single_drive_dod_short_passed():
    log = parse("shredos_034_single_dodshort_passed.log")
    assert log.nwipe_version == "0.34"
    assert log.host == "Dell Inc. OptiPlex 7010 (S/N 8KX3QW1)"
    assert log.warnings == []
    assert log.drives == [
        NwipeDrive(
            device="/dev/sda",
            model="ST500DM002-1BD142",
            serial="Z3T8KX4M",
            size_bytes=500107862016,
            method="DoD Short",
            rounds=1,
            passes=3,
            verification="last",
            blank=True,
            started_at=datetime(2023, 2, 14, 9, 3, 40),
            ended_at=datetime(2023, 2, 14, 14, 0, 52),  # start + the summary's 04:57:12
            result="passed",
            errors=[],
            throughput="140 MB/s",
        )
    ]


def test_two_drives_one_failed_keeps_each_drive_apart():
    log = parse("nwipe_034_two_drives_one_failed.log")
    assert log.nwipe_version == "0.34"
    assert log.host == "LENOVO ThinkCentre M92p (S/N S4MK123)"
    assert log.warnings == []
    ssd, hdd = log.drives
    assert ssd == NwipeDrive(
        device="/dev/sda",
        model="Samsung SSD 850 EVO 250GB",  # the Found line, not the 17-character summary cut
        serial="S2R6NX0H512345A",
        size_bytes=250059350016,
        method="PRNG Stream",
        rounds=1,
        passes=1,
        verification="last",
        blank=True,
        started_at=datetime(2023, 6, 3, 14, 22, 16),
        ended_at=datetime(2023, 6, 3, 15, 7, 48),
        result="passed",
        errors=[],
        throughput="275 MB/s",
    )
    assert hdd == NwipeDrive(
        device="/dev/sdb",
        model="WDC WD2500AAJS-60M0A1",
        serial="WD-WCAT1E123456",
        size_bytes=250059350016,
        method="PRNG Stream",
        rounds=1,
        passes=1,
        verification="last",
        blank=True,
        started_at=datetime(2023, 6, 3, 14, 22, 16),
        ended_at=datetime(2023, 6, 3, 14, 34, 53),
        result="failed",
        errors=[
            # nwipe_perror names no drive: it belongs to the warning line that follows it
            "nwipe_random_pass: fdatasync: Input/output error",
            "Buffer flush failure on '/dev/sdb'.",
            "Nwipe exited with errors on device = /dev/sdb, see log for specific error",
            "Error Summary: Pass Errors 1, Verifications Errors 0, Fdatasync I\\O Errors 1",
        ],
        throughput="96 MB/s",
    )


def test_user_abort_is_aborted_with_the_abort_time_as_end():
    log = parse("nwipe_033_user_aborted.log")
    assert log.nwipe_version == "0.33"
    assert log.host == "HP HP ProBook 450 G2 (S/N 5CD5031XYZ)"
    assert log.warnings == []
    assert log.drives == [
        NwipeDrive(
            device="/dev/sda",
            model="HGST HTS545050A7E680",
            serial="TE85113Q0K1L2B",
            size_bytes=500107862016,
            method="Fill With Zeros",
            rounds=1,
            passes=1,
            verification="last",
            blank=True,
            started_at=datetime(2022, 11, 8, 16, 41, 4),
            ended_at=datetime(2022, 11, 8, 17, 22, 11),
            result="aborted",
            errors=[],
            throughput="88 MB/s",
        )
    ]


def test_verification_errors_fail_the_drive():
    log = parse("nwipe_032_verification_errors.log")
    assert log.nwipe_version == "0.32"
    assert log.host == "FUJITSU LIFEBOOK A544 (S/N DSCF123456)"
    assert log.warnings == []
    assert log.drives == [
        NwipeDrive(
            device="/dev/sda",
            model="TOSHIBA MQ01ABD100",
            serial="Y3TKP0ABCDE1",
            size_bytes=1000204886016,
            method="Fill With Zeros",
            rounds=1,
            passes=1,
            verification="last",
            blank=True,
            started_at=datetime(2022, 3, 21, 10, 6, 25),
            ended_at=datetime(2022, 3, 21, 17, 53, 7),
            result="failed",
            errors=[
                "[FAILURE] /dev/sda Verification errors, not empty",
                "[FAILURE] /dev/sda may not be blanked",
                "3072 verification errors on '/dev/sda'.",
                "Nwipe exited with errors on device = /dev/sda, see log for specific error",
                "Error Summary: Pass Errors 0, Verifications Errors 3072, Fdatasync I\\O Errors 0",
            ],
            throughput="106 MB/s",
        )
    ]


def test_garbled_and_missing_serials_are_flagged():
    log = parse("shredos_034_odd_and_missing_serial.log")
    assert log.host == ""  # "To Be Filled By O.E.M." everywhere
    sas, old_ide = log.drives
    assert (sas.device, sas.model, sas.serial) == (
        "/dev/sda",
        "HP MM1000FBFVR",
        "9XGA0RTV0000C6252V9L",
    )
    assert (old_ide.device, old_ide.model, old_ide.serial) == ("/dev/sdb", "Maxtor 6Y080L0", "")
    for drive in (sas, old_ide):
        assert (drive.method, drive.passes, drive.blank, drive.verification, drive.result) == (
            "Fill With Zeros",
            1,
            False,
            "last",
            "passed",
        )
    assert old_ide.size_bytes == 81964302336
    assert old_ide.started_at == datetime(2023, 9, 30, 13, 12, 58)
    assert old_ide.ended_at == datetime(2023, 9, 30, 14, 50, 54)
    assert sas.ended_at == datetime(2023, 9, 30, 17, 15, 23)
    assert (sas.throughput, old_ide.throughput) == ("137 MB/s", "27 MB/s")
    assert log.warnings == [
        "The serial number of /dev/sda contained unreadable characters and was cut: check it on "
        "the drive's label.",
        "No serial number was logged for /dev/sdb: read it on the drive's label.",
    ]


def test_nvme_prng_without_blanking():
    log = parse("shredos_034_nvme_prng_noblank.log")
    assert log.warnings == []
    assert log.drives == [
        NwipeDrive(
            device="/dev/nvme0n1",
            model="Samsung SSD 970 EVO Plus 500GB",
            serial="S4EVNF0M812345K",
            size_bytes=500107862016,
            method="PRNG Stream",
            rounds=1,
            passes=1,
            verification="last",
            blank=False,
            started_at=datetime(2023, 4, 17, 8, 56, 45),
            ended_at=datetime(2023, 4, 17, 9, 21, 28),
            result="passed",
            errors=[],
            throughput="674 MB/s",
        )
    ]
    assert log.host == "LENOVO 20L5CTO1WW (S/N PF1ABCDE)"


def test_usb_drive_with_quiet_option_hides_serials():
    log = parse("nwipe_034_usb_quiet_is5enh.log")
    assert log.host == "Dell Inc. Latitude 5490"  # the -q "XXXXXXXXXXXXXXX" serial is dropped
    assert log.drives == [
        NwipeDrive(
            device="/dev/sdc",
            model="WDC WD10JMVW-11AJGS1",
            serial="",
            size_bytes=1000170586112,
            method="HMG IS5 Enhanced",
            rounds=1,
            passes=3,
            verification="none",  # --verify=off; IS5 checks its random pass, not the final zeros
            blank=True,
            started_at=datetime(2023, 7, 11, 18, 30, 33),
            ended_at=datetime(2023, 7, 12, 8, 10, 1),
            result="passed",
            errors=[],
            throughput="101 MB/s",
        )
    ]
    assert log.warnings == [
        "The serial number of /dev/sdc was hidden by nwipe's --quiet option: read it on the "
        "drive's label."
    ]


def test_truncated_log_finished_drive_passes_unfinished_one_is_aborted():
    log = parse("shredos_034_truncated_power_loss.log")  # ends with a cut line and NUL bytes
    small, big = log.drives
    assert (small.device, small.serial, small.result) == ("/dev/sda", "6RA1B2C3", "passed")
    assert small.ended_at == datetime(2023, 3, 2, 9, 49, 37)  # its "[SUCCESS] Blanked device"
    assert (big.device, big.serial, big.result) == ("/dev/sdb", "WD-WCC2EJX12345", "aborted")
    assert big.ended_at is None
    for drive in (small, big):
        assert (drive.method, drive.rounds, drive.passes, drive.blank, drive.verification) == (
            "DoD Short",
            1,
            3,
            True,
            "last",
        )
        assert drive.started_at == datetime(2023, 3, 2, 7, 49, 26)
        assert drive.throughput == "" and drive.errors == []
    assert log.warnings == [
        "nwipe's summary table does not give the result of /dev/sda: it was deduced from the "
        "drive's own lines.",
        "The log stops before the end of the erasure of /dev/sdb: it is recorded as aborted.",
    ]


def test_nwipe_030_ops2_without_options_block_uses_the_summary_footer():
    log = parse("nwipe_030_ops2_no_options.log")
    assert log.nwipe_version == "0.30"
    assert log.host == "ASUS All Series"  # "System Serial Number" is ASUS's placeholder
    assert log.warnings == []
    assert log.drives == [
        NwipeDrive(
            device="/dev/sda",
            model="ST1000DM003-1SB102",
            serial="ZN15TA6Y",
            size_bytes=1000204886016,
            method="RCMP TSSIT OPS-II",
            rounds=1,
            passes=9,  # 8 alternating patterns and the mandatory final random pattern
            verification="last",
            blank=False,
            started_at=datetime(2021, 2, 9, 11, 4, 13),
            ended_at=datetime(2021, 2, 10, 3, 2, 17),
            result="passed",
            errors=[],
            throughput="172 MB/s",
        )
    ]


# ----------------------------------------------------------------------------- other inputs


def test_text_and_bytes_and_crlf_give_the_same_result():
    data = raw("nwipe_034_two_drives_one_failed.log")
    expected = parse_nwipe_log(data)
    assert parse_nwipe_log(data.decode()) == expected
    assert parse_nwipe_log(data.replace(b"\n", b"\r\n")) == expected
    assert parse_nwipe_log(b"\xef\xbb\xbf" + data) == expected


def test_two_runs_appended_to_one_file_are_both_read():
    log = parse_nwipe_log(
        raw("shredos_034_single_dodshort_passed.log") + raw("shredos_034_nvme_prng_noblank.log")
    )
    assert [drive.device for drive in log.drives] == ["/dev/sda", "/dev/nvme0n1"]
    assert [drive.result for drive in log.drives] == ["passed", "passed"]
    assert [drive.blank for drive in log.drives] == [True, False]
    assert log.host == "Dell Inc. OptiPlex 7010 (S/N 8KX3QW1)"
    assert log.warnings == [
        "The file holds 2 successive nwipe runs; the drives of all of them are listed."
    ]


def test_old_unpadded_format_cut_during_blanking():
    # nwipe 0.2x, as posted in martijnvanbrummelen/nwipe#21 (the log ended there).
    log = parse_nwipe_log(
        "[2016/08/18 15:41:48] nwipe: notice: Opened entropy source '/dev/urandom'.\n"
        "[2016/08/18 15:41:48] nwipe: info: Device '/dev/sdb' has sector size 512.\n"
        "[2016/08/18 15:41:48] nwipe: warning: Changing '/dev/sdb' block size from 4096 to 512.\n"
        "[2016/08/18 15:41:48] nwipe: info: Device '/dev/sdb' is size 600127266816.\n"
        "[2016/08/18 15:41:48] nwipe: notice: Invoking method 'PRNG Stream' on device '/dev/sdb'.\n"
        "[2016/08/18 15:41:48] nwipe: notice: Starting round 1 of 1 on device '/dev/sdb'.\n"
        "[2016/08/18 15:41:48] nwipe: notice: Starting pass 1 of 1, round 1 of 1, on device "
        "'/dev/sdb'.\n"
        "[2016/08/18 17:02:30] nwipe: notice: 600127266816 bytes written to device '/dev/sdb'.\n"
        "[2016/08/18 17:02:30] nwipe: notice: Finished pass 1 of 1, round 1 of 1, on device "
        "'/dev/sdb'.\n"
        "[2016/08/18 17:02:30] nwipe: notice: Finished round 1 of 1 on device '/dev/sdb'.\n"
        "[2016/08/18 17:02:30] nwipe: notice: Blanking device '/dev/sdb'.\n"
    )
    (drive,) = log.drives
    assert (drive.device, drive.size_bytes, drive.method, drive.rounds, drive.passes) == (
        "/dev/sdb",
        600127266816,
        "PRNG Stream",
        1,
        1,
    )
    assert (drive.blank, drive.result, drive.started_at, drive.ended_at) == (
        True,
        "aborted",
        datetime(2016, 8, 18, 15, 41, 48),
        None,
    )
    assert log.warnings == [
        "The log stops before the end of the erasure of /dev/sdb: it is recorded as aborted.",
        "No serial number was logged for /dev/sdb: read it on the drive's label.",
    ]
    assert log.nwipe_version == ""


def test_summary_table_alone_is_enough():
    text = raw("nwipe_034_two_drives_one_failed.log").decode()
    table = text[text.index("***") :]
    log = parse_nwipe_log(table)
    assert [(d.device, d.result, d.method, d.model, d.serial) for d in log.drives] == [
        ("/dev/sda", "passed", "PRNG Stream", "Samsung SSD 850 E", "S2R6NX0H512345A"),
        ("/dev/sdb", "failed", "PRNG Stream", "WDC WD2500AAJS-60", "WD-WCAT1E123456"),
    ]
    assert [(d.rounds, d.passes, d.blank, d.verification) for d in log.drives] == [
        (1, 1, True, "last")
    ] * 2
    assert log.drives[0].started_at is None and log.drives[0].ended_at is None


def test_insane_status_is_failed_with_a_warning():
    text = raw("shredos_034_single_dodshort_passed.log").decode()
    log = parse_nwipe_log(text.replace("| Erased |", "|INSANITY|"))
    assert log.drives[0].result == "failed"
    assert log.warnings == ["nwipe gave /dev/sda the status “INSANITY”: it is recorded as failed."]


def test_error_naming_no_drive_with_several_drives_becomes_a_warning():
    text = raw("nwipe_034_two_drives_one_failed.log").decode()
    text = text.replace(
        "[2023/06/03 14:58:50]  notice: Verifying",
        "[2023/06/03 14:58:50]   error: nwipe_static_verify: read: Input/output error\n"
        "[2023/06/03 14:58:52]  notice: Verifying",
    )
    log = parse_nwipe_log(text)
    assert log.drives[0].result == "passed"  # nwipe's verdict in the summary table wins
    assert log.warnings == [
        "nwipe reported an error that names no drive: nwipe_static_verify: read: Input/output error"
    ]


# ----------------------------------------------------------------------------- broken inputs


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (raw("empty.log"), "The file is empty."),
        (b"\n\n   \n", "The file is empty."),
        (b"\x00" * 4096, "The file is empty."),
        (raw("not_nwipe_dmesg.log"), "not an nwipe log"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\n", "PDF report"),
        (bytes(range(256)) * 64, "not text"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00" + b"\x03" * 200, "not text"),
        ("Compte rendu d'atelier\nDisque effacé avec ShredOS, tout est OK.\n", "not an nwipe"),
    ],
    ids=["empty", "blank", "nul", "dmesg", "pdf", "binary", "gzip", "prose"],
)
def test_unusable_file_raises_a_clear_error(data, fragment):
    assert fragment in error_of(data)


def test_log_of_a_run_quit_before_wiping_has_no_drive():
    text = raw("shredos_034_single_dodshort_passed.log").decode()
    head = text[: text.index("[2023/02/14 09:03:40]  notice: Program options")]
    assert error_of(head) == "The nwipe log shows no erasure: no drive was wiped."


def test_too_large_file_is_refused(monkeypatch):
    monkeypatch.setattr(nwipe, "_MAX_BYTES", 1000)
    assert (
        error_of(raw("nwipe_033_user_aborted.log")) == "The file is too large to be an nwipe log."
    )


# ----------------------------------------------------------------------------- methods


def test_every_overwrite_method_is_nist_clear():
    assert set(NIST_LEVEL.values()) == {"clear"}
    assert {
        "Fill With Zeros",
        "Fill With Ones",
        "PRNG Stream",
        "DoD Short",
        "DoD 5220.22-M",
        "Gutmann Wipe",
        "RCMP TSSIT OPS-II",
        "HMG IS5 Enhanced",
    } <= set(NIST_LEVEL)
    assert nist_level("hmg  is5 enhanced") == "clear"
    assert nist_level("Verify Zeros (0x00)") is None  # reads only, sanitizes nothing
    assert nist_level("Verify Ones  (0xFF)") is None


@pytest.mark.parametrize(
    ("method", "rounds", "passes"),
    [
        ("Fill With Zeros", 1, 1),
        ("Zero Fill", 2, 2),
        ("Fill With Ones", 1, 1),
        ("PRNG Stream", 3, 3),
        ("DoD Short", 1, 3),
        ("DoD 5220.22-M", 1, 7),
        ("Gutmann Wipe", 1, 35),
        ("RCMP TSSIT OPS-II", 1, 9),
        ("HMG IS5 Enhanced", 2, 6),
        ("Verify Zeros (0x00)", 1, 0),
        ("Verify Ones  (0xFF)", None, 0),
        ("Unknown Method (FIXME)", 1, None),
        ("DoD Short", None, None),
    ],
)
def test_method_passes(method, rounds, passes):
    assert method_passes(method, rounds) == passes


# ----------------------------------------------------------------------------- robustness


def _mutate(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    for _step in range(rng.randint(1, 4)):
        if not lines:
            lines = [b""]
        choice = rng.randrange(8)
        index = rng.randrange(len(lines))
        if choice == 0:  # flip bytes
            line = bytearray(lines[index] or b"x")
            for _flip in range(rng.randint(1, 4)):
                line[rng.randrange(len(line))] = rng.randrange(256)
            lines[index] = bytes(line)
        elif choice == 1:
            del lines[index : index + rng.randint(1, 20)]
        elif choice == 2:
            lines.insert(rng.randrange(len(lines) + 1), lines[index])
        elif choice == 3:
            other = rng.randrange(len(lines))
            lines[index], lines[other] = lines[other], lines[index]
        elif choice == 4:
            cut = b"\n".join(lines)[: rng.randrange(len(data) + 1)]
            lines = cut.split(b"\n")
        elif choice == 5:  # absurd numbers where digits were
            lines[index] = re.sub(
                rb"\d+", lambda _m: str(rng.choice([0, 9999999, 10**30])).encode(), lines[index]
            )
        elif choice == 6:
            lines.insert(index, bytes(rng.randrange(256) for _ in range(rng.randint(0, 80))))
        else:  # a plausible line with the wrong drive, method or level
            lines.insert(
                index,
                rng.choice(
                    [
                        b"[2023/02/30 25:61:61]   fatal: Nwipe exited with errors on device = /dev",
                        b"[2023/02/14 10:00:00]   error: nwipe_static_pass: write: No space left",
                        b"[2023/02/14 10:00:00]  notice: Invoking method '' on /dev/sdz",
                        b"[9999/12/31 23:59:59]  notice: Invoking method 'DoD Short' on /dev/sdq",
                        b"!      sdq |UABORTED|   0 B/s | 9999999:59:59 | /",
                        b"[2023/02/14 10:00:00] Total Throughput 0 B/s, , 0R+NB+VA",
                        b"       sdq |  99999999999999999999999 |  1 |",
                        b"******************************** Error Summary ****",
                        b"[2023/02/14 10:00:00] Total Throughput " + b"/s, a," * 3000,
                    ]
                ),
            )
    return b"\n".join(lines)


def test_random_mutations_never_crash():
    rng = random.Random(20240521)
    samples = sorted(SAMPLES.glob("*.log"))
    for case in range(400):
        data = _mutate(samples[case % len(samples)].read_bytes(), rng)
        try:
            log = nwipe._parse(data)  # not the public wrapper, which would hide a crash
        except NwipeLogError as exc:
            assert str(exc)
            continue
        assert isinstance(log, NwipeLog) and log.drives
        for drive in log.drives:
            assert drive.result in RESULTS and drive.verification in VERIFICATIONS
            assert drive.device.startswith("/dev/")
            assert drive.serial == drive.serial.strip()
            assert all(isinstance(message, str) for message in drive.errors)
        assert all(isinstance(message, str) and message for message in log.warnings)


def test_pathological_lines_stay_fast():
    started = time.monotonic()
    lines = [
        b"[2023/02/14 10:00:00] Total Throughput " + b"/s, a," * 50000,
        b"[2023/02/14 10:00:00]   error: /dev/" + b"a" * 200000 + b"!",
        b"*** Drive Status ***",
        b"  sda |" + b" " * 100000 + b"x",
        b"[2023/02/14 10:00:00]  notice:   method " + b" " * 100000 + b"= x",
    ]
    with pytest.raises(NwipeLogError):
        nwipe._parse(b"\n".join(lines))
    assert time.monotonic() - started < 5


def test_public_entry_point_turns_a_bug_into_a_log_error(monkeypatch):
    def boom(data):
        raise RuntimeError("bug")

    monkeypatch.setattr(nwipe, "_parse", boom)
    assert error_of(b"anything") == "The nwipe log could not be read."


# ----------------------------------------------------------------------------- translations


def _msgids_in_code() -> set[str]:
    tree = ast.parse((ROOT / "reconditioning" / "nwipe.py").read_text())
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "_"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }


def _po_entries(path: Path) -> dict[str, tuple[str, bool]]:
    def joined(block: str, keyword: str) -> str | None:
        match = re.search(rf'^{keyword} ((?:".*"\n?)+)', block, re.MULTILINE)
        if match is None:
            return None
        text = "".join(re.findall(r'"(.*)"', match.group(1)))
        return text.replace('\\"', '"').replace("\\\\", "\\")

    entries: dict[str, tuple[str, bool]] = {}
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        msgid = joined(block, "msgid")
        if msgid:
            entries[msgid] = (joined(block, "msgstr") or "", "python-format" in block)
    return entries


def test_every_message_has_a_french_translation():
    po = _po_entries(ROOT / "locale" / "fragments" / "nwipe.po")
    code = _msgids_in_code()
    assert code - set(po) == set(), "missing in nwipe.po"
    assert set(po) - code == set(), "stale in nwipe.po"
    for msgid, (msgstr, python_format) in po.items():
        placeholders = re.findall(r"%\(\w+\)s", msgid)
        assert msgstr and msgstr != msgid, msgid
        assert sorted(placeholders) == sorted(re.findall(r"%\(\w+\)s", msgstr)), msgid
        assert python_format == bool(placeholders), msgid
