"""The map's figures per commune and its structures, from aggregates only.

One function per layer family, each asking accounts.permissions who may read it; the page's
table and the GeoJSON endpoints call the same ones, so the map never shows a figure the table
does not. Funders read every commune figure protected by reports.disclosure (and, for the
allocations, by the very protection table of their reports): "—" for a hidden figure."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from celery import current_app
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, Exists, OuterRef, Subquery, Sum
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts import permissions
from beneficiaries.enums import OrderStatus
from beneficiaries.geography import fragility_current
from beneficiaries.models import (
    Allocation,
    Commune,
    FragilityImport,
    Order,
    OrderEvent,
    OrderLine,
    Outline,
    Structure,
)
from core import fresh as fresh_cache
from core.charts import classes
from inventory.models import Device
from reports import disclosure
from reports.funder import HIDDEN, allocations_by_commune, commune_counts
from reports.periods import Period

OPEN_ORDERS = (
    OrderStatus.SUBMITTED,
    OrderStatus.APPROVED,
    OrderStatus.PREPARING,
    OrderStatus.READY,
)


@dataclass(frozen=True)
class Layer:
    key: str
    label: str
    unit: str = ""
    masked: bool = False  # figures a funder reads protected


def is_masked(user) -> bool:
    """Funders read protected figures; a workshop reads its own batches and devices as they are."""
    return user.is_funder and not permissions.can(user, "reports.read_unmasked")


def layers_for(user) -> list[Layer]:
    """The commune layers the user may read, in the order the page offers them."""
    found = []
    masked = is_masked(user)
    if permissions.can(user, "map.read_collection"):
        found += [
            Layer("collected", _("Devices collected"), masked=masked),
            Layer("donors", _("Donors"), masked=masked),
        ]
        workshop_only = not (user.is_coordinator or user.is_funder)
        found.append(
            Layer(
                "allocated",
                _("Your devices handed over") if workshop_only else _("Devices handed over"),
                masked=masked,
            )
        )
        if not workshop_only:
            found.append(
                Layer("per_1000", _("Devices handed over per 1,000 inhabitants"), masked=masked)
            )
    if permissions.can(user, "map.read_need"):
        found += [
            Layer("need", _("Devices ordered, not yet handed over"), masked=masked),
            Layer("fragility", _("Digital-fragility index")),
            Layer("qpv", _("Population in priority neighbourhoods (QPV)"), unit=" %"),
        ]
    return found


def map_communes(user) -> list[tuple[str, str, int | None, dict | None]]:
    """(INSEE code, name, population, geometry) of every commune with an outline."""
    outlines = list(
        Outline.objects.filter(kind=Outline.Kind.COMMUNE).values_list("code", "name", "geometry")
    )
    population = dict(
        Commune.objects.filter(code_insee__in=[c for c, _n, _g in outlines]).values_list(
            "code_insee", "population"
        )
    )
    return [(code, name, population.get(code), geometry) for code, name, geometry in outlines]


def _protected(counts: dict[str, int], codes: list[str]) -> dict[str, int | str]:
    """Primary and secondary suppression over the communes and their departments."""
    departments = dict(
        Commune.objects.filter(code_insee__in=codes).values_list("code_insee", "department")
    )
    cells: dict = {code: counts.get(code, 0) for code in codes}
    groups: dict[str, list[str]] = {}
    for code in codes:
        dept = f"D{departments.get(code, '?')}"
        groups.setdefault(dept, []).append(code)
        cells[dept] = cells.get(dept, 0) + cells[code]
    hidden = disclosure.suppress(cells, list(groups.items()))
    return {
        code: HIDDEN if disclosure.is_hidden(code, cells, hidden) else cells[code] for code in codes
    }


def _collection(user, year: int) -> tuple[dict, dict]:
    # Workshops count their own batches; the coordination and funders, every batch (funders
    # only ever read these as protected aggregates).
    devices = (
        Device.objects.all()
        if user.is_coordinator or user.is_funder
        else Device.objects.visible_to(user)
    )
    rows = (
        devices.filter(batch__collected_on__year=year)
        .exclude(batch__commune_insee="")
        .order_by()
        .values_list("batch__commune_insee")
        .annotate(n=Count("id"), donors=Count("batch__donor", distinct=True))
    )
    collected, donors = {}, {}
    for code, n, d in rows:
        collected[code], donors[code] = n, d
    return collected, donors


def _need() -> dict[str, int]:
    """Devices of open orders not yet handed over, per ordering structure's commune."""
    lines = OrderLine.objects.filter(order__status__in=OPEN_ORDERS)
    ordered = dict(
        lines.order_by()
        .values_list("order__structure__structure__commune_id")
        .annotate(n=Sum("quantity"))
    )
    served = dict(
        Allocation.objects.active()
        .filter(order_line__in=lines)
        .order_by()
        .values_list("order_line__order__structure__structure__commune_id")
        .annotate(n=Count("id"))
    )
    return {
        code: max(0, n - served.get(code, 0)) for code, n in ordered.items() if code is not None
    }


# The figures are aggregates over the whole base: computed once per scope, year and state of
# the data, then read from the cache (core.fresh); a change that adds no row (a return, a
# status) shows within CACHE_SECONDS.
CACHE_SECONDS = 300
REFRESH_TASK = "maps.tasks.map_figures_refresh_task"  # by name: maps.tasks imports this module


def _scope(user) -> tuple:
    """Who reads the same figures: the coordination all alike, others by organisation."""
    if user.is_coordinator:
        return ("coordination",)
    return (
        "masked" if is_masked(user) else "plain",
        tuple(sorted(user.organisation_ids())),
    )


def _data_version() -> tuple:
    """The newest rows the figures stand on, in one query of indexed maxima. Not the
    devices: every intake would count the figures again; collection shows within
    CACHE_SECONDS."""

    def newest(model):
        return Subquery(model.objects.order_by("-pk").values("pk")[:1])

    return tuple(
        Outline.objects.order_by("-loaded_at")
        .annotate(
            allocations=newest(Allocation),
            lines=newest(OrderLine),
            events=newest(OrderEvent),
            fragility=newest(FragilityImport),
        )
        .values_list("loaded_at", "allocations", "lines", "events", "fragility")[:1]
    )


def commune_figures_fresh(user, year: int) -> tuple[list[Layer], fresh_cache.Fresh]:
    """The layers the user may read and, per commune with an outline, its figures with when
    they were computed: a funder's protected figures take seconds
    at a national volume, so a change is computed again in the background while the
    figures of the previous state (whole and protected) are shown with their time."""
    layers = layers_for(user)
    keys = tuple(layer.key for layer in layers)
    fresh = fresh_cache.read(
        _figures_key(user, year, keys),
        _data_version(),
        compute=lambda: _figures(user, year, set(keys)),
        refresh=lambda: current_app.send_task(REFRESH_TASK, (user.pk, year)),
        max_age=CACHE_SECONDS,
    )
    return layers, fresh


def commune_figures_refresh(user, year: int) -> None:
    """The background refresh: the figures of the data as it is now, for the user's scope."""
    keys = tuple(layer.key for layer in layers_for(user))
    version = _data_version()  # before the figures: a change meanwhile queues another
    fresh_cache.store(_figures_key(user, year, keys), version, _figures(user, year, set(keys)))


def _figures_key(user, year: int, keys: tuple) -> str:
    return fresh_cache.key_for("map", _scope(user), year, keys)


def _figures(user, year: int, keys: set[str]) -> list[dict]:
    communes = {
        code: (name, population, geometry)
        for code, name, population, geometry in map_communes(user)
    }
    masked = is_masked(user)
    raw: dict[str, dict] = {}
    if "collected" in keys:
        raw["collected"], raw["donors"] = _collection(user, year)
    if "allocated" in keys:
        if user.is_coordinator or user.is_funder:
            # Already protected for funders, by the funder reports' own table.
            raw["allocated"] = allocations_by_commune(user, Period(year), list(communes))
        else:  # a workshop: where its own devices went
            raw["allocated"] = commune_counts(
                Allocation.objects.filter(
                    device__in=Device.objects.visible_to(user).values("pk"),
                    handed_over_at__year=year,
                )
            )
    if "need" in keys:
        raw["need"] = _need()
    # A commune counted without an outline (another department, a commune merged since the
    # outlines' edition) is listed in the table all the same, never dropped.
    counted = {code for values in raw.values() for code in values if code}
    missing = sorted(counted - set(communes))
    for code, name, population in Commune.objects.filter(code_insee__in=missing).values_list(
        "code_insee", "name", "population"
    ):
        communes[code] = (name, population, None)
    for code in missing:
        communes.setdefault(code, (code, None, None))
    codes = list(communes)
    if masked:
        for key in ("collected", "donors", "need"):
            if key in raw:
                raw[key] = _protected(raw[key], codes)
    scores = fragility_current() if "fragility" in keys else {}
    rows = []
    for code, (name, population, geometry) in communes.items():
        row = {"code": code, "name": name, "population": population, "geometry": geometry}
        for key, values in raw.items():
            row[key] = values.get(code, HIDDEN if masked else 0)
        if "per_1000" in keys:
            n = row["allocated"]
            row["per_1000"] = (
                n
                if isinstance(n, str)
                else (round(1000 * n / population, 2) if population else None)
            )
        if "fragility" in keys:
            score, qpv = scores.get(code, (None, None))
            row["fragility"] = float(score) if score is not None else None
            row["qpv"] = float(qpv) if qpv is not None else None
        rows.append(row)
    rows.sort(key=lambda r: (r["geometry"] is None, r["name"]))
    return rows


def legend(layers: list[Layer], rows: list[dict]) -> dict[str, dict]:
    """Per layer: its label, unit and class bounds (the same quantiles as the PDF's map)."""
    out = {}
    for layer in layers:
        values = [r[layer.key] for r in rows if isinstance(r.get(layer.key), int | float | Decimal)]
        out[layer.key] = {
            "label": layer.label,
            "unit": layer.unit,
            "bounds": classes([float(v) for v in values if v]),
        }
    return out


def communes_geojson(user, year: int) -> dict:
    layers, fresh = commune_figures_fresh(user, year)
    rows = fresh.value
    return {
        "type": "FeatureCollection",
        "computed_at": datetime.fromtimestamp(fresh.computed_at, tz=UTC).isoformat(),
        "stale": fresh.stale,
        "legend": legend(layers, rows),
        "hidden": HIDDEN,
        "features": [
            {
                "type": "Feature",
                "geometry": row["geometry"],
                "properties": {k: v for k, v in row.items() if k != "geometry"},
            }
            for row in rows
        ],
    }


# --- structures ----------------------------------------------------------------------------


STRUCTURE_STATUSES = ("received", "ordered", "offers", "other")


def structure_status_labels() -> dict[str, str]:
    return {
        "received": _("Received refurbished devices"),
        "ordered": _("Ordered refurbished devices"),
        "offers": _("Offers devices (national data)"),
        "other": _("Other mediation structure"),
    }


def _structures_version() -> tuple:
    newest = Structure.objects.order_by("-pk").values_list("pk", flat=True)[:1]
    return (_data_version(), list(newest))


def structures(user, version=None) -> list[dict]:
    """Every mediation structure's public facts, its position and its status on the map
    (the same for everyone who reads the layer: cached like the commune figures)."""
    if not permissions.can(user, "map.read_structures"):
        return []
    key = fresh_cache.key_for("map", "structures", *(version or _structures_version()))
    rows = cache.get(key)
    if rows is None:
        rows = _structures()
        cache.set(key, rows, CACHE_SECONDS)
    return rows


def structures_geojson_bytes(user) -> bytes:
    """The structures layer as the bytes sent: the same for everyone who may read it, so
    encoded once per data version and language (5,000 structures took 90 ms a request to
    turn into GeoJSON again)."""
    if not permissions.can(user, "map.read_structures"):
        return json.dumps(structures_geojson(user), separators=(",", ":")).encode()
    version = _structures_version()
    key = fresh_cache.key_for("map", "structures-geojson", *version, get_language())
    data = cache.get(key)
    if data is None:
        layer = structures_geojson(user, version)
        data = json.dumps(layer, separators=(",", ":"), cls=DjangoJSONEncoder).encode()
        cache.set(key, data, CACHE_SECONDS)
    return data


def _structures() -> list[dict]:
    centres = {
        code: (lat, lon)
        for code, lat, lon in Outline.objects.filter(kind=Outline.Kind.COMMUNE).values_list(
            "code", "centre_lat", "centre_lon"
        )
    }
    received = Allocation.objects.filter(structure_id=OuterRef("organisation_id"))
    ordered = Order.objects.filter(structure_id=OuterRef("organisation_id")).exclude(
        status__in=(OrderStatus.DRAFT, OrderStatus.CANCELLED)
    )
    rows = (
        Structure.objects.on_map()
        .annotate(received=Exists(received), ordered=Exists(ordered))
        .select_related("organisation", "commune")
    )
    out = []
    for s in rows:
        if s.received:
            status = "received"
        elif s.ordered:
            status = "ordered"
        elif s.offers_devices:
            status = "offers"
        else:
            status = "other"
        if s.latitude is not None and s.longitude is not None:
            position, lat, lon = "exact", s.latitude, s.longitude
        elif s.commune_id in centres:
            position, (lat, lon) = "commune", centres[s.commune_id]
        else:
            position, lat, lon = "none", None, None
        out.append(
            {
                "name": s.organisation.name,
                "address": s.address,
                "postal_code": s.postal_code,
                "commune": s.commune.name if s.commune else "",
                "status": status,
                "position": position,
                "lat": lat,
                "lon": lon,
            }
        )
    return out


def structures_geojson(user, version=None) -> dict:
    rows = structures(user, version)
    return {
        "type": "FeatureCollection",
        "statuses": structure_status_labels(),
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
                "properties": {
                    k: r[k] for k in ("name", "address", "commune", "status", "position")
                },
            }
            for r in rows
            if r["lat"] is not None
        ],
    }


def public_structures() -> list[Structure]:
    """The structures that hand out refurbished devices: they said so in the national data, or
    handed one over through Filière."""
    handed = Allocation.objects.filter(structure_id=OuterRef("organisation_id"))
    return [
        s
        for s in Structure.objects.on_map()
        .annotate(handed=Exists(handed))
        .select_related("organisation", "commune")
        if s.handed or s.offers_devices
    ]


# --- fairness -------------------------------------------------------------------------------


def fairness(rows: list[dict]) -> list[dict]:
    """Communes with a fragility score and a population: allocations per 1,000 inhabitants
    against the index, the most fragile and least equipped first (the gap between the two
    ranks, each from 0 to 1)."""
    found = [
        r
        for r in rows
        if isinstance(r.get("fragility"), float) and isinstance(r.get("per_1000"), int | float)
    ]
    if not found:
        return []

    def ranks(key) -> dict[str, float]:
        ordered = sorted(found, key=lambda r: r[key])
        top = max(1, len(ordered) - 1)
        return {r["code"]: i / top for i, r in enumerate(ordered)}

    fragile, equipped = ranks("fragility"), ranks("per_1000")
    out = [
        {
            "code": r["code"],
            "name": r["name"],
            "fragility": r["fragility"],
            "per_1000": r["per_1000"],
            "gap": round(fragile[r["code"]] - equipped[r["code"]], 2),
        }
        for r in found
    ]
    out.sort(key=lambda r: (-r["gap"], -r["fragility"], r["name"]))
    return out
