"""The chain of proof, audited: every ready, reserved and allocated device (or one) is checked
for a complete chain in its current cycle — reception, diagnosis, a passed erasure of every
current drive (or the phone's reset), system, passed quality check — and, once handed over,
its allocation: training or waiver, charge within the grid and the legal cap, payments not
above it. `manage.py audit_chain`, the coordinator's page and the nightly mail read this."""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.enums import OrganisationKind
from accounts.models import Membership
from beneficiaries.chain import allocation_chain_breaks
from beneficiaries.models import Allocation
from core.db import reading_replica, rows_by_pk
from inventory.enums import DeviceStatus as S
from inventory.models import Device
from reconditioning.lifecycle import workshop_chain_breaks

from .models import ReportJob

AUDITED = (S.READY, S.RESERVED, S.ALLOCATED)
# Pages audit in the request only a base this small: a device costs about 13 queries (4 ms
# on PostgreSQL), so 10 keep a page within its 50 ms. Past it they read the last recorded
# audit and re-check only the devices it found broken (2,000 made the home page of a fresh
# `make run` 5,000 queries and 5 s, before its first nightly audit).
AUDIT_IN_REQUEST_MAX = 10
# The audit's page checks again this many of the devices the recorded audit found broken.
RECHECKED_MAX = 50


def audit_fits_a_request(devices) -> bool:
    audited = devices.filter(status__in=AUDITED).order_by()[: AUDIT_IN_REQUEST_MAX + 1]
    return audited.count() <= AUDIT_IN_REQUEST_MAX


@dataclass
class ChainBreak:
    device_id: int
    asset_tag: str
    status: str
    problems: list[str] = field(default_factory=list)


@dataclass
class ChainAudit:
    checked: int
    breaks: list[ChainBreak]
    # Found broken by a recorded audit and not checked again here (counted, not listed).
    others: int = 0

    @property
    def broken(self) -> int:
        return len(self.breaks) + self.others

    @property
    def ok(self) -> bool:
        return not self.broken

    def summary(self) -> str:
        if self.ok:
            return ngettext(
                "Chain of proof complete for %(n)s device.",
                "Chain of proof complete for %(n)s devices.",
                self.checked,
            ) % {"n": self.checked}
        return ngettext(
            "%(broken)s of %(n)s devices has a broken chain of proof.",
            "%(broken)s of %(n)s devices have a broken chain of proof.",
            self.broken,
        ) % {"broken": self.broken, "n": self.checked}


def device_chain_breaks(device: Device) -> list[str]:
    problems = workshop_chain_breaks(device)
    if device.status == S.ALLOCATED:
        allocation = (
            Allocation.objects.filter(device=device, returned_at__isnull=True)
            .select_related("device__batch__donor", "person")
            .first()
        )
        if allocation is None:
            problems.append(_("Allocated, but no allocation is recorded."))
        else:
            problems += allocation_chain_breaks(allocation)
    return problems


def chain_audit(devices=None) -> ChainAudit:
    """Audit the given devices (a queryset, e.g. one device), or every audited one."""
    if devices is None:
        devices = Device.objects.all()
    devices = devices.filter(status__in=AUDITED).select_related("batch__donor").order_by("pk")
    checked = 0
    breaks = []
    for device in rows_by_pk(devices, 500):
        checked += 1
        problems = device_chain_breaks(device)
        if problems:
            breaks.append(ChainBreak(device.pk, device.asset_tag, device.status, problems))
    return ChainAudit(checked, breaks)


def chain_audit_record(audit: ChainAudit) -> ReportJob:
    """Keep a whole audit's outcome (how many checked, which broke): the home page reads the
    last one instead of auditing every device again (a few queries per device)."""
    return ReportJob.objects.create(
        kind=ReportJob.Kind.CHAIN_AUDIT,
        status=ReportJob.Status.DONE,
        progress=100,
        params={"checked": audit.checked, "breaks": [b.device_id for b in audit.breaks]},
        finished_at=timezone.now(),
    )


def last_chain_audit(user) -> ReportJob | None:
    """The last recorded audit of every device, for those who may read the audit."""
    return (
        ReportJob.objects.visible_to(user)
        .filter(kind=ReportJob.Kind.CHAIN_AUDIT, status=ReportJob.Status.DONE)
        .order_by("-finished_at", "-id")
        .first()
    )


def chain_audit_mail() -> ChainAudit:
    """Nightly: the coordination hears of any break; nothing is sent when the chain holds.
    The outcome is recorded either way (chain_audit_record)."""
    with translation.override(settings.LANGUAGE_CODE):
        # A few queries per device over the whole base: the replica's work, when there is one.
        with reading_replica():
            audit = chain_audit()
        chain_audit_record(audit)
        if audit.ok:
            return audit
        to = sorted(
            set(
                Membership.objects.filter(
                    organisation__kind=OrganisationKind.COORDINATION, user__is_active=True
                )
                .exclude(user__email="")
                .values_list("user__email", flat=True)
            )
        )
        if to:
            lines = [audit.summary(), ""]
            for b in audit.breaks[:200]:
                lines.append(f"{b.asset_tag}: " + " ".join(b.problems))
            if len(audit.breaks) > 200:
                lines.append(_("… and %(n)s more.") % {"n": len(audit.breaks) - 200})
            send_mail(_("Chain of proof: breaks found"), "\n".join(lines), None, to)
    return audit
