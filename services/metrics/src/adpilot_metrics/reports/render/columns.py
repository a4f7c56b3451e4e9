"""The measure columns every format shows, in one order, with how to read each value off :class:`Measures`.

Money leaves micros here (exact decimals of the currency unit); ratios stay fractions (0.0123 = 1.23 %)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from adpilot_metrics.queries.schemas import Measures

Kind = Literal["count", "money", "decimal", "percent", "ratio"]
Value = int | float | Decimal | None

MICROS = Decimal(1_000_000)
CENT = Decimal("0.01")
NOT_AVAILABLE = "\u2013"  # an en dash


def money(micros: int | None) -> Decimal | None:
    return None if micros is None else Decimal(micros) / MICROS


@dataclass(frozen=True)
class Column:
    header: str
    field: str  # the attribute of Measures (and of Change, for the previous-period comparison)
    kind: Kind

    def read(self, measures: Measures) -> Value:
        value = getattr(measures, self.field)
        if self.kind == "money":
            return money(value)
        if self.kind == "decimal":
            return Decimal(str(value))
        return value  # type: ignore[no-any-return]


MEASURE_COLUMNS: tuple[Column, ...] = (
    Column("Impressions", "impressions", "count"),
    Column("Clicks", "clicks", "count"),
    Column("Spend", "spend_micros", "money"),
    Column("Conversions", "conversions", "decimal"),
    Column("Conversion value", "conversion_value_micros", "money"),
    Column("CTR", "ctr", "percent"),
    Column("CPC", "cpc_micros", "money"),
    Column("CPM", "cpm_micros", "money"),
    Column("CPA", "cpa_micros", "money"),
    Column("ROAS", "roas", "ratio"),
    Column("Conversion rate", "conversion_rate", "percent"),
)
# The columns of the PDF's campaign table (a page is only so wide).
CAMPAIGN_TABLE_COLUMNS = tuple(
    c
    for c in MEASURE_COLUMNS
    if c.header in ("Impressions", "Clicks", "Spend", "Conversions", "CTR", "CPA", "ROAS")
)


def plain(value: Value, kind: Kind) -> str:
    """Machine-readable text (CSV): '.' decimals, no grouping, empty for n/a."""
    if value is None:
        return ""
    if kind == "count":
        return str(int(value))
    if kind in ("money", "decimal"):
        number = Decimal(value)
        return f"{number:.2f}" if number == number.quantize(CENT) else str(number.normalize())
    return f"{float(value):.6f}"


def human(value: Value, kind: Kind, currency: str) -> str:
    """Readable text (PDF): grouped thousands, currency code, percentages; an en dash for n/a."""
    if value is None:
        return NOT_AVAILABLE
    if kind == "count":
        return f"{int(value):,}"
    if kind == "money":
        return f"{currency} {Decimal(value).quantize(CENT):,}"
    if kind == "decimal":
        return f"{Decimal(value).quantize(CENT):,}"
    if kind == "percent":
        return f"{float(value) * 100:.2f} %"
    return f"{float(value):.2f}"


def change_text(value: float | None) -> str:
    """A relative change (0.125 → '+12.5 %')."""
    return NOT_AVAILABLE if value is None else f"{value * 100:+.1f} %"
