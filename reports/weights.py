"""Tonnes reused and recycled, the unit eco-organisms and funders count in: one service for
the stock, donor and funder reports.

A reused device counts its own weight, else its type's default (inventory/weights.py). A
recycled device counts the weight its scrap record gives (weighed when it left for the WEEE
channel, the figure the recycler's slip shows), else the same as a reused one."""

from decimal import Decimal

from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.db.models.lookups import IsNull

from inventory.enums import DeviceStatus as S
from inventory.weights import device_weight_kg, tonnes_display, type_default_kg
from reconditioning.models import ScrapRecord

# Handed over to someone (and maybe given back since): the devices reuse is justified by, as
# the donor reports count them.
REUSED = (S.ALLOCATED, S.RETURNED)
RECYCLED = (S.SCRAPPED,)

_KG = models.DecimalField(max_digits=12, decimal_places=2)
_CENT = Decimal("0.01")


def _scrap_kg():
    return Subquery(
        ScrapRecord.objects.filter(device=OuterRef("pk"))
        .order_by("-recorded_at", "-pk")
        .values("weight_kg")[:1]
    )


def weight_totals(devices) -> dict:
    """Weights of a queryset of Device (already scoped and filtered by the caller), in ONE
    query:

    {"reused_kg": Decimal, "recycled_kg": Decimal,   # kg, two decimals, 0.00 when none
     "reused": int, "recycled": int,                 # how many devices each weight covers
     "unweighed": int,                               # of those, counted 0 kg: no weight known
     "reused_t": "1,25 t", "recycled_t": "0,003 t"}  # French display, to the kilogram

    Reused: handed over (or given back since); recycled: scrapped."""
    reused, recycled = Q(status__in=REUSED), Q(status__in=RECYCLED)
    weight = device_weight_kg()
    recycled_weight = Coalesce(_scrap_kg(), "weight_kg", type_default_kg(), output_field=_KG)
    # The weights straight in the aggregates, each under its status filter: the database
    # looks a scrap record up only for the scrapped devices (an annotation would be computed
    # for every device, in a subquery).
    row = devices.order_by().aggregate(
        reused_kg=Sum(weight, filter=reused, output_field=_KG),
        recycled_kg=Sum(recycled_weight, filter=recycled, output_field=_KG),
        reused=Count("pk", filter=reused),
        recycled=Count("pk", filter=recycled),
        unweighed=Count(
            "pk",
            filter=(reused & IsNull(weight, True)) | (recycled & IsNull(recycled_weight, True)),
        ),
    )
    totals = {
        "reused_kg": (row["reused_kg"] or Decimal(0)).quantize(_CENT),
        "recycled_kg": (row["recycled_kg"] or Decimal(0)).quantize(_CENT),
        "reused": row["reused"],
        "recycled": row["recycled"],
        "unweighed": row["unweighed"],
    }
    totals["reused_t"] = tonnes_display(totals["reused_kg"])
    totals["recycled_t"] = tonnes_display(totals["recycled_kg"])
    return totals


def weight_totals_sum(many: list[dict]) -> dict:
    """The totals of several weight_totals() results (a donor's year, batch by batch)."""
    totals = {
        key: sum((t[key] for t in many), start=Decimal(0) if key.endswith("_kg") else 0)
        for key in ("reused_kg", "recycled_kg", "reused", "recycled", "unweighed")
    }
    totals["reused_t"] = tonnes_display(totals["reused_kg"])
    totals["recycled_t"] = tonnes_display(totals["recycled_kg"])
    return totals


def handed_over_weight(devices) -> dict:
    """The weight of devices handed over in a period (the funder report's devices), whatever
    became of them since, in one query: {"kg": Decimal, "t": "1,25 t", "unweighed": int}."""
    weight = device_weight_kg()
    row = devices.order_by().aggregate(
        kg=Sum(weight, output_field=_KG),
        unweighed=Count("pk", filter=IsNull(weight, True)),
    )
    kg = (row["kg"] or Decimal(0)).quantize(_CENT)
    return {"kg": kg, "t": tonnes_display(kg), "unweighed": row["unweighed"]}
