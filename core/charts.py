"""Small server-side SVG charts: the same markup on the screen and in WeasyPrint PDFs, no
JavaScript, no chart library."""

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
