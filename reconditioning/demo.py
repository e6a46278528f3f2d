"""Walk a device along its usual path with plausible evidence at each step: demo data and
tests use it, through the same services as the screens."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from inventory.enums import DeviceStatus as S
from inventory.models import Device

from . import lifecycle, services
from .checklists import QA_CRITERIA, checks_for
from .enums import ErasureResult, NistLevel, RecyclingChannel, Sanitization, ScrapReason
from .models import OperatingSystem

DEMO_IMEI = "490154203237518"


def _system_for(device: Device) -> OperatingSystem:
    # Linux Mint is the workshops' default; lighter systems for devices that need them.
    systems = sorted(
        OperatingSystem.objects.filter(is_active=True),
        key=lambda s: (s.name != "Linux Mint", -s.min_ram_mb),
    )
    for system in systems:
        if not services.os_spec_problems(device, system):
            return system
    return systems[0]


def take_step(device: Device, to_status: str, user) -> None:
    device.refresh_from_db()
    if to_status == S.DIAGNOSED:
        results = {key: "ok" for key, _label in checks_for(device.device_type)}
        phone = device.device_type in ("smartphone", "tablet")
        services.diagnosis_record(
            device=device,
            user=user,
            results=results,
            imei=DEMO_IMEI if device.device_type == "smartphone" else "",
            lock_status="unlocked" if phone else "",
        )
    elif to_status == S.ERASED:
        drives = list(device.drives.all())
        now = timezone.now()
        began = lifecycle.cycle_start(device)
        # Within the device's current cycle, however recently it was received.
        started = (
            max(now - timedelta(minutes=40), began + timedelta(microseconds=1)) if began else now
        )
        for drive in drives or [None]:
            solid = drive is not None and drive.kind in ("ssd", "nvme")
            services.erasure_record(
                device=device,
                user=user,
                drive=drive,
                sanitization=Sanitization.CRYPTO_ERASE if solid else Sanitization.OVERWRITE,
                nist_level=NistLevel.PURGE if solid else NistLevel.CLEAR,
                tool="nvme-cli" if solid else "nwipe",
                tool_version="2.4" if solid else "0.34",
                technique="sanitize, crypto erase" if solid else "Fill With Zeros",
                passes=1,
                verification="last",
                started_at=started,
                ended_at=max(now, started),
                result=ErasureResult.PASSED,
            )
    elif to_status == S.REPAIRED:
        services.repair_record(
            device=device, user=user, description="Nettoyage, pâte thermique", minutes_spent=20
        )
    elif to_status == S.OS_INSTALLED:
        system = _system_for(device)
        services.os_install_record(
            device=device,
            user=user,
            system=system,
            override_reason="" if not services.os_spec_problems(device, system) else "démo",
        )
    elif to_status == S.READY:
        services.quality_check_record(
            device=device, user=user, grade="B", results={key: True for key, _l in QA_CRITERIA}
        )
    elif to_status == S.SCRAPPED:
        services.scrap_record(
            device=device,
            user=user,
            reason=ScrapReason.BEYOND_REPAIR,
            channel=RecyclingChannel.ECOSYSTEM,
            destination="Déchèterie de Nanterre",
            weight_kg=Decimal("2.3"),
        )
    else:
        raise ValueError(f"no demo evidence for {to_status}")


def walk_to(device: Device, status: str, user) -> Device:
    path = {
        S.RECEIVED: [],
        S.DIAGNOSED: [S.DIAGNOSED],
        S.ERASED: [S.DIAGNOSED, S.ERASED],
        S.REPAIRED: [S.DIAGNOSED, S.ERASED, S.REPAIRED],
        S.OS_INSTALLED: [S.DIAGNOSED, S.ERASED, S.OS_INSTALLED],
        S.READY: [S.DIAGNOSED, S.ERASED, S.OS_INSTALLED, S.READY],
        S.SCRAPPED: [S.DIAGNOSED, S.SCRAPPED],
    }[status]
    for step in path:
        take_step(device, step, user)
    device.refresh_from_db()
    return device
