"""What became of a donor's devices: per batch and per year (the justification of reuse public
bodies owe under décret 2023-266), and the donation receipt (article 238 bis of the CGI)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone

from beneficiaries.models import ImpactFactor
from core.pdf import render_pdf
from inventory.enums import DeviceStatus as S
from inventory.enums import DeviceType
from inventory.models import CollectionBatch, Device
from reconditioning.models import ErasureRecord, ScrapRecord
from reports.certificates import _records, no_progress
from reports.weights import weight_totals, weight_totals_sum

REUSED = [S.ALLOCATED, S.RETURNED]
REFURBISHED = [S.READY, S.RESERVED, S.ALLOCATED, S.RETURNED]


@dataclass
class BatchOutcome:
    batch: CollectionBatch
    received: int
    erased: int
    refurbished: int
    handed_over: int
    scrapped: int
    recycled_kg: Decimal
    in_progress: int
    declared_value: Decimal
    co2e_kg: Decimal
    materials_kg: Decimal
    # reports.weights.weight_totals: the tonnes eco-organisms count (reused_t, recycled_t...)
    weights: dict


def batch_outcome(batch: CollectionBatch) -> BatchOutcome:
    devices = Device.objects.filter(batch=batch)
    counts = dict(devices.order_by().values_list("status").annotate(n=Count("id")))
    erased = (
        ErasureRecord.objects.filter(device__batch=batch, result="passed")
        .values("device")
        .distinct()
        .count()
    )
    kg = ScrapRecord.objects.filter(device__batch=batch).aggregate(kg=Sum("weight_kg"))["kg"]
    value = devices.aggregate(v=Sum("declared_value"))["v"]
    factors = {f.device_type: f for f in ImpactFactor.objects.all()}
    co2e = materials = Decimal("0")
    for device_type, n in (
        devices.filter(status__in=REUSED)
        .order_by()
        .values_list("device_type")
        .annotate(n=Count("id"))
    ):
        factor = factors.get(device_type)
        if factor:
            co2e += factor.co2e_kg_per_year * factor.extra_years * n
            materials += factor.materials_kg_per_year * factor.extra_years * n
    total = sum(counts.values())
    handed = sum(counts.get(s, 0) for s in REUSED)
    scrapped = counts.get(S.SCRAPPED, 0)
    return BatchOutcome(
        batch=batch,
        received=total,
        erased=erased,
        refurbished=sum(counts.get(s, 0) for s in REFURBISHED),
        handed_over=handed,
        scrapped=scrapped,
        recycled_kg=kg or Decimal("0"),
        in_progress=total - handed - scrapped - counts.get(S.READY, 0) - counts.get(S.RESERVED, 0),
        declared_value=value or Decimal("0"),
        co2e_kg=co2e,
        materials_kg=materials,
        weights=weight_totals(devices),
    )


def donor_batch_report_pdf(batch: CollectionBatch, *, progress=no_progress) -> bytes:
    """progress(pct), for a report job: 20 once the figures and records are gathered, 95
    once WeasyPrint has rendered the one document (the render is the cost, one row per
    medium)."""
    outcome = batch_outcome(batch)
    records = _records(Device.objects.filter(batch=batch))
    progress(20)
    pdf = render_pdf(
        "reports/donor_batch.html",
        {
            "o": outcome,
            "batch": batch,
            "generated_at": timezone.now(),
            "records": records,
        },
    )
    progress(95)
    return pdf


def donor_year_batches(user, donor, year: int):
    """The batches of the donor's yearly statement: those of the year the user sees."""
    return (
        CollectionBatch.objects.visible_to(user)
        .filter(donor=donor, collected_on__year=year)
        .order_by("collected_on")
    )


def donor_year_report_pdf(donor, year: int, batches, *, progress=no_progress) -> bytes:
    """progress(pct), for a report job: from 5 to 85 as each batch's figures are counted
    (the cost: about 10 ms per batch), then 95 once the table is rendered."""
    batches = list(batches)
    outcomes = []
    for index, b in enumerate(batches, 1):
        outcomes.append(batch_outcome(b))
        if index % 20 == 0 or index == len(batches):
            progress(5 + 80 * index // len(batches))
    totals = {
        key: sum(getattr(o, key) for o in outcomes)
        for key in (
            "received",
            "erased",
            "refurbished",
            "handed_over",
            "scrapped",
            "recycled_kg",
            "co2e_kg",
            "materials_kg",
        )
    }
    totals["weights"] = weight_totals_sum([o.weights for o in outcomes])
    reuse_rate = (
        round(100 * totals["handed_over"] / totals["received"], 1) if totals["received"] else None
    )
    pdf = render_pdf(
        "reports/donor_year.html",
        {
            "donor": donor,
            "year": year,
            "outcomes": outcomes,
            "totals": totals,
            "reuse_rate": reuse_rate,
            "generated_at": timezone.now(),
        },
    )
    progress(95)
    return pdf


def donation_receipt_pdf(batch: CollectionBatch) -> bytes:
    outcome = batch_outcome(batch)
    devices = (
        Device.objects.filter(batch=batch)
        .order_by()
        .values_list("device_type")
        .annotate(n=Count("id"), value=Sum("declared_value"))
    )
    lines = [(DeviceType(t).label, n, v or Decimal("0")) for t, n, v in devices]
    # Counted in the quantity, not in the value: the receipt says which.
    without_value = list(
        Device.objects.filter(batch=batch, declared_value__isnull=True)
        .order_by("asset_tag")
        .values_list("asset_tag", flat=True)
    )
    year = batch.collected_on.year
    return render_pdf(
        "reports/donation_receipt.html",
        {
            "batch": batch,
            "o": outcome,
            "lines": lines,
            "without_value": without_value,
            "number": f"DON-{year}-{batch.pk:05d}",
            "issuer": batch.workshop,
            "generated_at": timezone.now(),
        },
    )
