"""Small server-side SVG charts: the same markup on the screen and in WeasyPrint PDFs, no
JavaScript, no chart library."""

import math
from html import escape

from django.utils.safestring import mark_safe

PALETTE = ["#0b5cad", "#2e8b57", "#d9a441", "#b3261e", "#6b96d3", "#7fb77e", "#8a5a00", "#5b6475"]


def bar_chart(
    items: list[tuple[str, float]],
    *,
    width: int = 520,
    bar: int = 18,
    unit: str = "",
    title: str = "",
) -> str:
    """Horizontal bars, one per (label, value), with the value written at the end."""
    if not items:
        return ""
    label_w = 170
    top = 22 if title else 4
    height = top + len(items) * (bar + 6) + 4
    peak = max(v for _l, v in items) or 1
    room = width - label_w - 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'font-family="DejaVu Sans, sans-serif" font-size="11">'
    ]
    if title:
        parts.append(f'<text x="0" y="14" font-weight="bold">{escape(title)}</text>')
    for i, (label, value) in enumerate(items):
        y = top + i * (bar + 6)
        w = max(1, round(room * value / peak)) if value else 0
        color = PALETTE[i % len(PALETTE)]
        shown = f"{value:g}{unit}"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar - 5}" text-anchor="end">'
            f"{escape(str(label)[:28])}</text>"
        )
        parts.append(f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar}" fill="{color}"/>')
        parts.append(f'<text x="{label_w + w + 4}" y="{y + bar - 5}">{escape(shown)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))


def column_chart(
    series: list[tuple[str, list[float]]],
    labels: list[str],
    *,
    width: int = 620,
    height: int = 200,
    title: str = "",
) -> str:
    """Grouped columns per label (e.g. weeks) for a few series (received, ready, handed over)."""
    if not labels:
        return ""
    top, bottom, left = (24 if title else 6), 34, 30
    plot_h = height - top - bottom
    peak = max((max(values) for _n, values in series if values), default=0) or 1
    group = (width - left) / len(labels)
    col = max(2, group / (len(series) + 1))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'font-family="DejaVu Sans, sans-serif" font-size="10">'
    ]
    if title:
        parts.append(f'<text x="0" y="14" font-weight="bold" font-size="11">{escape(title)}</text>')
    parts.append(f'<text x="0" y="{top + 8}">{peak:g}</text>')
    parts.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width}" y2="{top + plot_h}" stroke="#999"/>'
    )
    for gi, label in enumerate(labels):
        x0 = left + gi * group
        for si, (_name, values) in enumerate(series):
            value = values[gi]
            h = round(plot_h * value / peak)
            parts.append(
                f'<rect x="{x0 + si * col:.1f}" y="{top + plot_h - h}" '
                f'width="{col - 1:.1f}" height="{h}" fill="{PALETTE[si]}"/>'
            )
        if gi % max(1, len(labels) // 6) == 0:
            parts.append(f'<text x="{x0:.1f}" y="{height - 20}">{escape(label)}</text>')
    lx = left
    for si, (name, _values) in enumerate(series):
        parts.append(
            f'<rect x="{lx}" y="{height - 10}" width="9" height="9" '
            f'fill="{PALETTE[si]}"/><text x="{lx + 12}" y="{height - 2}">'
            f"{escape(name)}</text>"
        )
        lx += 14 + 7 * len(name)
    parts.append("</svg>")
    return mark_safe("".join(parts))


# Sequential blues for choropleths (light = few), readable in greyscale; NO_DATA and HIDDEN are
# not on the scale so that neither reads as a small figure.
SCALE = ["#dbe8f5", "#a9c8e8", "#6b96d3", "#2f6db5", "#0b3d7a"]
NO_DATA = "#ffffff"
HIDDEN_FILL = "#c8c8c8"


def classes(values: list[float], n: int = len(SCALE)) -> list[float]:
    """Upper bounds of up to `n` classes of equal count (quantiles), last one the maximum."""
    ordered = sorted(v for v in values if v is not None)
    if not ordered:
        return []
    bounds = []
    for i in range(1, n + 1):
        bound = ordered[min(len(ordered) - 1, round(i * len(ordered) / n) - 1)]
        if not bounds or bound > bounds[-1]:
            bounds.append(bound)
    return bounds


def class_of(value: float, bounds: list[float]) -> int:
    return next((i for i, b in enumerate(bounds) if value <= b), len(bounds) - 1)


def _polygons(geometry: dict) -> list:
    if geometry.get("type") == "Polygon":
        return [geometry["coordinates"]]
    if geometry.get("type") == "MultiPolygon":
        return geometry["coordinates"]
    return []


def _wrap(text: str, width: int) -> list[str]:
    """Legend labels on lines of at most `width` characters (SVG text does not wrap)."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line] if line else lines


def choropleth(
    shapes: list[tuple[str, str, dict]],
    values: dict[str, float | str],
    *,
    width: int = 520,
    title: str = "",
    background: list[dict] | None = None,
    hidden_label: str = "",
    no_data_label: str = "",
    fmt=lambda v: f"{v:g}",
    max_height: int = 360,
) -> str:
    """A map of areas, each filled by its value's class: `shapes` are (code, name, GeoJSON
    Polygon/MultiPolygon in WGS84); a value that is a string (a hidden figure) is drawn grey;
    `background` geometries (departments) are drawn first, unfilled. Equirectangular projection
    corrected at the mean latitude: exact enough for a department."""
    points = [pt for _c, _n, geometry in shapes for poly in _polygons(geometry) for pt in poly[0]]
    if not points:
        return ""
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    k = math.cos(math.radians((min(lats) + max(lats)) / 2))
    span_x = (max(lons) - min(lons)) * k or 1e-6
    span_y = (max(lats) - min(lats)) or 1e-6
    top = 22 if title else 4
    legend_w = 190
    map_w = width - legend_w - 10
    scale = min(map_w / span_x, max_height / span_y)
    map_h = span_y * scale
    height = round(top + max(map_h, 150) + 6)
    x0, y1 = min(lons), max(lats)

    def path(geometry) -> str:
        out = []
        for poly in _polygons(geometry):
            for ring in poly:
                coords = " ".join(
                    f"{(lon - x0) * k * scale:.1f},{top + (y1 - lat) * scale:.1f}"
                    for lon, lat, *_rest in ring
                )
                out.append(f"M{coords}Z")
        return "".join(out)

    numbers = [v for v in values.values() if isinstance(v, int | float) and v]
    bounds = classes(numbers)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'font-family="DejaVu Sans, sans-serif" font-size="10">'
    ]
    if title:
        parts.append(f'<text x="0" y="14" font-weight="bold" font-size="11">{escape(title)}</text>')
    parts.append(f'<svg x="0" y="0" width="{map_w:.0f}" height="{height}" overflow="hidden">')
    for geometry in background or []:
        parts.append(f'<path d="{path(geometry)}" fill="none" stroke="#999" stroke-width="0.6"/>')
    for code, name, geometry in shapes:
        value = values.get(code)
        if isinstance(value, str):
            fill = HIDDEN_FILL
        elif not value:
            fill = NO_DATA
        else:
            fill = SCALE[class_of(value, bounds)]
        shown = value if isinstance(value, str) else fmt(value or 0)
        parts.append(
            f'<path d="{path(geometry)}" fill="{fill}" stroke="#444" stroke-width="0.5">'
            f"<title>{escape(name)}: {escape(str(shown))}</title></path>"
        )
    parts.append("</svg>")
    # Legend: one swatch per class (its range), then hidden and no data.
    lx, ly = map_w + 10, top + 4
    items = [(SCALE[i], f"≤ {fmt(bound)}") for i, bound in enumerate(bounds)]
    if hidden_label:
        items.append((HIDDEN_FILL, hidden_label))
    if no_data_label:
        items.append((NO_DATA, no_data_label))
    y = ly
    for fill, label in items:
        lines = _wrap(label, 30)
        parts.append(
            f'<rect x="{lx}" y="{y}" width="12" height="12" fill="{fill}" stroke="#444" '
            f'stroke-width="0.5"/>'
        )
        for n, line in enumerate(lines):
            parts.append(f'<text x="{lx + 16}" y="{y + 10 + 12 * n}">{escape(line)}</text>')
        y += 6 + 12 * max(1, len(lines))
    parts.append("</svg>")
    return mark_safe("".join(parts))


def scatter_chart(
    points: list[tuple[str, float, float]],
    *,
    x_label: str,
    y_label: str,
    width: int = 520,
    height: int = 300,
    title: str = "",
) -> str:
    """One dot per (label, x, y), each with its label as a tooltip, axes from zero."""
    if not points:
        return ""
    top, bottom, left, right = (24 if title else 8), 36, 44, 12
    plot_w, plot_h = width - left - right, height - top - bottom
    x_max = max(x for _l, x, _y in points) or 1
    y_max = max(y for _l, _x, y in points) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'font-family="DejaVu Sans, sans-serif" font-size="10">'
    ]
    if title:
        parts.append(f'<text x="0" y="14" font-weight="bold" font-size="11">{escape(title)}</text>')
    y0 = top + plot_h
    parts.append(f'<line x1="{left}" y1="{y0}" x2="{left + plot_w}" y2="{y0}" stroke="#999"/>')
    parts.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{y0}" stroke="#999"/>')
    parts.append(f'<text x="{left}" y="{height - 4}">{escape(x_label)} (0 – {x_max:g})</text>')
    parts.append(f'<text x="2" y="{top + 8}">{y_max:g}</text>')
    parts.append(f'<text x="12" y="{y0}" transform="rotate(-90 12 {y0})">{escape(y_label)}</text>')
    for label, x, y in points:
        cx = left + plot_w * x / x_max
        cy = y0 - plot_h * y / y_max
        parts.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4" fill="{PALETTE[0]}" fill-opacity="0.75">'
            f"<title>{escape(label)}: {x:g} ; {y:g}</title></circle>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))
