"""A small SVG bar chart of spend per bucket for the PDF (WeasyPrint draws SVG natively: no plotting library,
no raster images, crisp at any zoom)."""

from __future__ import annotations

from decimal import Decimal
from xml.sax.saxutils import escape

from adpilot_metrics.queries.schemas import Series
from adpilot_metrics.reports.render.columns import money

WIDTH, HEIGHT = 680, 220
LEFT, RIGHT, TOP, BOTTOM = 64, 8, 12, 36
TICKS = 4


def spend_chart_svg(series: Series) -> str:
    values = [money(p.spend_micros) or Decimal(0) for p in series.points]
    top = _nice_ceiling(max(values, default=Decimal(0)))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(values), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="Spend per period in {escape(series.currency)}">'
    ]
    for i in range(TICKS + 1):
        y = TOP + plot_h - plot_h * i / TICKS
        label = top * i / TICKS
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e6ea"/>')
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 3:.1f}" font-size="9" text-anchor="end" fill="#555">{label:,.0f}</text>'
        )
    label_every = max(1, len(values) // 10)  # at most ~10 date labels
    for i, (point, value) in enumerate(zip(series.points, values, strict=True)):
        height = float(value / top) * plot_h if top else 0.0
        x = LEFT + i * slot
        colour = "#9fb8d8" if point.provisional else "#2f6db5"
        parts.append(
            f'<rect x="{x + slot * 0.15:.1f}" y="{TOP + plot_h - height:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{height:.1f}" fill="{colour}"/>'
        )
        if i % label_every == 0:
            parts.append(
                f'<text x="{x + slot / 2:.1f}" y="{HEIGHT - BOTTOM + 14}" font-size="9" text-anchor="middle" '
                f'fill="#555">{point.start.strftime("%d %b")}</text>'
            )
    parts.append(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" stroke="#888"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _nice_ceiling(value: Decimal) -> Decimal:
    """The axis top: 1, 2 or 5 times a power of ten, at or above ``value``."""
    if value <= 0:
        return Decimal(0)
    magnitude = Decimal(10) ** (len(str(int(value))) - 1)
    for step in (1, 2, 5, 10):
        if value <= magnitude * step:
            return magnitude * step
    return magnitude * 10
