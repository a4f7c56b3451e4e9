"""A small SVG bar chart of spend per bucket for the PDF (WeasyPrint draws SVG natively: no plotting library,
no raster images, crisp at any zoom)."""

from __future__ import annotations

import math
from decimal import Decimal
from xml.sax.saxutils import escape

from adpilot_metrics.queries.schemas import Series
from adpilot_metrics.reports.render.columns import money

WIDTH, HEIGHT = 680, 220
# RIGHT (with LABEL_GAP) leaves room enough that the last date label, moved inwards to fit, never overlaps the one
# before it.
RIGHT, TOP, BOTTOM = 16, 12, 36
TICKS = 4
FONT_SIZE = 9
# Labels are laid out before the font is known to us: in DejaVu Sans (the template's font) no date or amount
# label averages more than 0.64 em per character, so this over-estimates their width a little.
CHAR_EM = 0.66
LABEL_GAP = 6  # between neighbouring date labels and between the amounts and the plot


def spend_chart_svg(series: Series) -> str:
    values = [money(p.spend_micros) or Decimal(0) for p in series.points]
    top = _nice_ceiling(max(values, default=Decimal(0)))
    ticks = [f"{top * i / TICKS:,.0f}" for i in range(TICKS + 1)]
    left = max(64, round(max(_width(t) for t in ticks)) + 2 * LABEL_GAP)  # room for the widest amount
    plot_w, plot_h = WIDTH - left - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(values), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="Spend per period in {escape(series.currency)}">'
    ]
    for i, tick in enumerate(ticks):
        y = TOP + plot_h - plot_h * i / TICKS
        parts.append(f'<line x1="{left}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e6ea"/>')
        parts.append(
            f'<text x="{left - LABEL_GAP}" y="{y + 3:.1f}" font-size="{FONT_SIZE}" text-anchor="end" '
            f'fill="#555">{tick}</text>'
        )
    labels = [p.start.strftime("%d %b") for p in series.points]
    widest = max((_width(label) for label in labels), default=0.0)
    label_every = max(1, math.ceil((widest + LABEL_GAP) / slot))  # labels never overlap
    for i, (point, value, label) in enumerate(zip(series.points, values, labels, strict=True)):
        height = float(value / top) * plot_h if top else 0.0
        x = left + i * slot
        colour = "#9fb8d8" if point.provisional else "#2f6db5"
        parts.append(
            f'<rect x="{x + slot * 0.15:.1f}" y="{TOP + plot_h - height:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{height:.1f}" fill="{colour}"/>'
        )
        if (len(labels) - 1 - i) % label_every == 0:  # counted from the last bucket, which is always labelled
            # Centred under its bar, but moved inwards where that would cross the edge (the last one, "25 Nov").
            half = _width(label) / 2
            centre = min(max(x + slot / 2, half), WIDTH - half)
            parts.append(
                f'<text x="{centre:.1f}" y="{HEIGHT - BOTTOM + 14}" font-size="{FONT_SIZE}" '
                f'text-anchor="middle" fill="#555">{label}</text>'
            )
    parts.append(
        f'<line x1="{left}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" stroke="#888"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _width(text: str) -> float:
    """An upper estimate of ``text``'s width in the chart's font (see ``CHAR_EM``)."""
    return len(text) * FONT_SIZE * CHAR_EM


def _nice_ceiling(value: Decimal) -> Decimal:
    """The axis top: 1, 2 or 5 times a power of ten, at or above ``value``."""
    if value <= 0:
        return Decimal(0)
    magnitude = Decimal(10) ** (len(str(int(value))) - 1)
    for step in (1, 2, 5, 10):
        if value <= magnitude * step:
            return magnitude * step
    return magnitude * 10
