"""The weight of devices: the tonnes reused and recycled that eco-organisms and funders count.

A device counts its own weight when one was typed (Device.weight_kg), else its type's default
(DeviceTypeWeight, set by the coordination). The totals themselves are in reports/weights.py:
a scrapped device counts the weight its scrap record gives, and that record belongs to the
reconditioning app, above this one."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.db.models import Case, Subquery, When
from django.db.models.functions import Coalesce

from .enums import DeviceType
from .models import DeviceTypeWeight

_KG_FIELD = models.DecimalField(max_digits=12, decimal_places=2)

# Usual weights of each type, in kg, as seeded by migration 0013. Orders of magnitude from
# manufacturers' data sheets and the averages eco-organisms use (ADEME / ecosystem WEEE
# studies) — to be checked against the coordination's own weighings, then set in the back office.
DEFAULT_SOURCE = (
    "Moyennes des fiches fabricants et des études DEEE (ADEME, ecosystem) — valeurs à vérifier"
)
DEFAULT_WEIGHTS = {
    "laptop": Decimal("2.0"),  # 13-15" laptops weigh 1.3 to 2.5 kg
    "desktop": Decimal("8.0"),  # towers 6 to 10 kg; all-in-ones about 7 kg
    "tablet": Decimal("0.5"),
    "smartphone": Decimal("0.2"),
    "monitor": Decimal("4.5"),  # 22-24" flat screens with their stand
    "other": Decimal("2.0"),  # docks, small printers, network boxes: a rough middle
}


def weights_load(DeviceTypeWeight=DeviceTypeWeight) -> None:
    """Seed the defaults (a migration passes its historical model); kept if already set."""
    for device_type, kg in DEFAULT_WEIGHTS.items():
        DeviceTypeWeight.objects.get_or_create(
            device_type=device_type, defaults={"weight_kg": kg, "source": DEFAULT_SOURCE}
        )


def type_default_kg():
    """The default weight of the device's type: one uncorrelated subquery per type, which the
    database computes once per query (a subquery on the device's type would run for every
    device, and the stock report reads them all)."""
    return Case(
        *(
            When(
                device_type=value,
                then=Subquery(
                    DeviceTypeWeight.objects.filter(device_type=value)
                    .order_by()
                    .values("weight_kg")[:1]
                ),
            )
            for value in DeviceType.values
        ),
        output_field=_KG_FIELD,
    )


def device_weight_kg():
    """The weight a device counts for: its own, else its type's default, else nothing (NULL:
    a type whose default the coordination removed is counted as not weighed)."""
    return Coalesce(
        "weight_kg",
        type_default_kg(),
        output_field=_KG_FIELD,
    )


_KG = Decimal("0.001")
_TENTH = Decimal("0.1")
# French typography (and Django's fr format): a narrow no-break space between thousands, the
# unit held to its number by a no-break space.
_THOUSANDS = "\u202f"
_UNIT_SPACE = "\u00a0"


def _french(value: Decimal, decimals: int) -> str:
    return f"{value:,.{decimals}f}".replace(",", _THOUSANDS).replace(".", ",")


def tonnes_display(kg: Decimal | int | float | None) -> str:
    """Kilograms as French tonnes, to the kilogram with at least two decimals:
    1250 -> "1,25 t", 3.2 -> "0,003 t", 12345678 -> "12 345,678 t"."""
    tonnes = (Decimal(str(kg or 0)) / 1000).quantize(_KG, ROUND_HALF_UP)
    text = _french(tonnes, 3)
    if text.endswith("0"):
        text = text[:-1]
    return f"{text}{_UNIT_SPACE}t"


def kg_display(kg: Decimal | int | float | None) -> str:
    """Kilograms in French, one decimal: 1250.5 -> "1 250,5 kg"."""
    value = Decimal(str(kg or 0)).quantize(_TENTH, ROUND_HALF_UP)
    return f"{_french(value, 1)}{_UNIT_SPACE}kg"
