"""Outlines and the digital-fragility index: reading the files, all or nothing.

`outlines_load` reads a GeoJSON FeatureCollection of communes (properties `code`, the INSEE
code, and `nom`) or departments (`code` "92", `nom`), the shape of `shared/data/geo/` and of
france-geojson's per-department files. `fragility_import` reads the coordination's CSV of INSEE
code → IFN score (and, optionally, the share of the population in a QPV). Either the whole file
is good and written, or nothing is and every problem is reported with its feature or line."""

import csv
import io
import json
import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import permissions
from core.text import decode_text

from .models import Commune, FragilityImport, FragilityScore, Outline

DATA = Path(__file__).resolve().parent / "data"
# What the project ships: Hauts-de-Seine's communes and the departments around them.
SHIPPED = (DATA / "departements-ile-de-france.geojson", DATA / "communes-92.geojson")

_COMMUNE = re.compile(r"^(?:[013-9]\d|2[AB1-9])\d{3}$")
_DEPARTMENT = re.compile(r"^(?:[013-9]\d|2[AB]|97\d)$")
_MAX_FEATURES = 50_000


class GeoFileError(ValueError):
    """The file cannot be loaded; the message says where and why."""


def _rings(geometry: dict) -> list[list]:
    """The polygons of a Polygon or MultiPolygon, each a list of rings."""
    if geometry.get("type") == "Polygon":
        return [geometry.get("coordinates")]
    if geometry.get("type") == "MultiPolygon":
        return list(geometry.get("coordinates") or [])
    raise GeoFileError(_("the geometry is not a Polygon or a MultiPolygon"))


def _check_ring(ring) -> None:
    if not isinstance(ring, list) or len(ring) < 4:
        raise GeoFileError(_("a ring has fewer than 4 points"))
    for point in ring:
        if not (isinstance(point, list) and len(point) >= 2):
            raise GeoFileError(_("a point is not a pair of coordinates"))
        lon, lat = point[0], point[1]
        if not all(isinstance(v, int | float) and math.isfinite(v) for v in (lon, lat)):
            raise GeoFileError(_("a coordinate is not a number"))
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise GeoFileError(_("a coordinate is outside WGS84 longitude/latitude"))


def centre(geometry: dict) -> tuple[float, float]:
    """(latitude, longitude) of the centroid of the largest polygon's outer ring."""
    best, best_area = None, -1.0
    for polygon in _rings(geometry):
        ring = polygon[0]
        area = cx = cy = 0.0
        for (x0, y0, *_a), (x1, y1, *_b) in zip(ring, ring[1:], strict=False):
            cross = x0 * y1 - x1 * y0
            area += cross
            cx += (x0 + x1) * cross
            cy += (y0 + y1) * cross
        if abs(area) > best_area:
            if area:
                best = (cy / (3 * area), cx / (3 * area))
            else:
                best = (ring[0][1], ring[0][0])
            best_area = abs(area)
    return best


def outlines_read(content: bytes) -> list[Outline]:
    """The outlines of a GeoJSON file, unsaved, or GeoFileError naming the feature at fault."""
    try:
        data = json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GeoFileError(_("The file is not valid JSON: %(error)s") % {"error": exc}) from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise GeoFileError(_("The file is not a GeoJSON FeatureCollection."))
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise GeoFileError(_("The file has no features."))
    if len(features) > _MAX_FEATURES:
        raise GeoFileError(_("The file has too many features."))
    outlines, seen = [], set()
    for number, feature in enumerate(features, start=1):
        try:
            if not isinstance(feature, dict):
                raise GeoFileError(_("it is not a GeoJSON feature"))
            props = feature.get("properties") or {}
            code = str(props.get("code") or "").strip().upper()
            name = str(props.get("nom") or props.get("name") or "").strip()
            if _COMMUNE.match(code):
                kind = Outline.Kind.COMMUNE
            elif _DEPARTMENT.match(code):
                kind = Outline.Kind.DEPARTMENT
            else:
                raise GeoFileError(
                    _("“%(code)s” is neither an INSEE commune code nor a department code")
                    % {"code": code}
                )
            if not name:
                raise GeoFileError(_("the property “nom” is missing"))
            if (kind, code) in seen:
                raise GeoFileError(_("the code %(code)s comes twice") % {"code": code})
            seen.add((kind, code))
            geometry = feature.get("geometry")
            if not isinstance(geometry, dict):
                raise GeoFileError(_("the geometry is missing"))
            polygons = _rings(geometry)
            if not polygons:
                raise GeoFileError(_("the geometry is empty"))
            for polygon in polygons:
                if not isinstance(polygon, list) or not polygon:
                    raise GeoFileError(_("a polygon has no ring"))
                for ring in polygon:
                    _check_ring(ring)
            lat, lon = centre(geometry)
        except GeoFileError as exc:
            raise GeoFileError(
                _("Feature %(number)s: %(error)s. Nothing was loaded.")
                % {"number": number, "error": exc}
            ) from exc
        outlines.append(
            Outline(
                kind=kind,
                code=code,
                name=name[:200],
                geometry={"type": geometry["type"], "coordinates": geometry["coordinates"]},
                centre_lat=round(lat, 5),
                centre_lon=round(lon, 5),
            )
        )
    return outlines


@transaction.atomic
def outlines_load(content: bytes) -> int:
    """Insert or replace the outlines of the file; all of them or, on any error, none."""
    outlines = outlines_read(content)
    Outline.objects.bulk_create(
        outlines,
        update_conflicts=True,
        unique_fields=["kind", "code"],
        update_fields=["name", "geometry", "centre_lat", "centre_lon", "loaded_at"],
        batch_size=200,
    )
    return len(outlines)


def outlines_load_shipped() -> int:
    return sum(outlines_load(path.read_bytes()) for path in SHIPPED)


# --- the digital-fragility index ---------------------------------------------------------------

_CODE_HEADERS = {"code_insee", "insee", "codgeo", "code", "com", "code commune", "code_commune"}
_SCORE_HEADERS = {"score", "ifn", "indice", "score_global", "score global", "indice global"}
_QPV_HEADERS = {"qpv", "part_qpv", "qpv_share", "part qpv", "population qpv (%)"}


@dataclass
class FragilityLineError:
    line: int
    message: str


def _number(value: str) -> Decimal | None:
    value = (value or "").strip().replace("\u202f", "").replace(" ", "").replace(",", ".")
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(value) from None
    if not number.is_finite():
        raise ValueError(value)
    return number


def fragility_read(content: bytes) -> tuple[list[FragilityScore], list[FragilityLineError]]:
    """The scores of the file (unsaved) and its errors by line; a header row is optional."""
    text, _encoding = decode_text(content, fallback="cp1252")
    sample = text[:4096]
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    errors: list[FragilityLineError] = []
    code_col, score_col, qpv_col = 0, 1, 2
    start = 0
    while start < len(rows) and not any(cell.strip() for cell in rows[start]):
        start += 1
    if start < len(rows):
        header = [cell.strip().lower() for cell in rows[start]]
        if any(h in _CODE_HEADERS for h in header):
            code_col = next(i for i, h in enumerate(header) if h in _CODE_HEADERS)
            score_col = next((i for i, h in enumerate(header) if h in _SCORE_HEADERS), -1)
            qpv_col = next((i for i, h in enumerate(header) if h in _QPV_HEADERS), -1)
            if score_col < 0:
                errors.append(
                    FragilityLineError(start + 1, _("No column of scores (score, ifn, indice)."))
                )
                return [], errors
            start += 1
    known = set(Commune.objects.values_list("code_insee", flat=True))
    scores, seen = [], {}
    for index in range(start, len(rows)):
        row, line = rows[index], index + 1
        if not any(cell.strip() for cell in row):
            continue
        cell = lambda i, r=row: r[i].strip() if 0 <= i < len(r) else ""  # noqa: E731
        code = cell(code_col).upper()
        if code.isdigit() and len(code) == 4:
            code = "0" + code  # a spreadsheet dropped the leading zero
        if not _COMMUNE.match(code):
            errors.append(
                FragilityLineError(line, _("“%(code)s” is not an INSEE code.") % {"code": code})
            )
            continue
        if code not in known:
            errors.append(
                FragilityLineError(
                    line, _("No commune has the INSEE code %(code)s.") % {"code": code}
                )
            )
            continue
        if code in seen:
            errors.append(
                FragilityLineError(
                    line,
                    _("%(code)s already came on line %(first)s.")
                    % {"code": code, "first": seen[code]},
                )
            )
            continue
        seen[code] = line
        try:
            score = _number(cell(score_col))
            qpv = _number(cell(qpv_col)) if qpv_col >= 0 else None
        except ValueError as exc:
            errors.append(
                FragilityLineError(line, _("“%(value)s” is not a number.") % {"value": exc})
            )
            continue
        if score is None:
            errors.append(FragilityLineError(line, _("The score is missing.")))
            continue
        if abs(score) >= Decimal("1000000") or (qpv is not None and not 0 <= qpv <= 100):
            errors.append(FragilityLineError(line, _("The figure is out of range.")))
            continue
        scores.append(
            FragilityScore(
                code_insee=code,
                score=score.quantize(Decimal("0.01")),
                qpv_share=qpv.quantize(Decimal("0.01")) if qpv is not None else None,
            )
        )
    if not scores and not errors:
        errors.append(FragilityLineError(1, _("The file has no scores.")))
    return scores, errors


@transaction.atomic
def fragility_import(*, content: bytes, filename: str, user) -> FragilityImport:
    """Record a new import of the index; ValidationError listing every line at fault, and
    nothing written, when any line is wrong."""
    permissions.require(user, "map.import_fragility")
    scores, errors = fragility_read(content)
    if errors:
        raise ValidationError(
            [
                _("Line %(line)s: %(message)s") % {"line": e.line, "message": e.message}
                for e in errors
            ]
        )
    source = FragilityImport.objects.create(
        filename=filename[:200], imported_by=user, rows=len(scores)
    )
    for score in scores:
        score.source = source
    FragilityScore.objects.bulk_create(scores, batch_size=500)
    return source


def fragility_current() -> dict[str, tuple[Decimal, Decimal | None]]:
    """INSEE code → (score, QPV share) of the latest import."""
    latest = FragilityImport.objects.order_by("-imported_at", "-id").first()
    if latest is None:
        return {}
    return {
        code: (score, qpv)
        for code, score, qpv in latest.scores.values_list("code_insee", "score", "qpv_share")
    }
