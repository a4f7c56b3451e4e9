"""The measure columns every format shows, in one order, with how to read each value off :class:`Measures`.

Money leaves micros here (exact decimals of the currency unit); ratios stay fractions (0.0123 = 1.23 %)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from adpilot_metrics.queries.schemas import Measures
from adpilot_metrics.reports.render.currencies import minor_unit_digits

Kind = Literal["count", "money", "decimal", "percent", "ratio"]
Value = int | float | Decimal | None

MICROS = Decimal(1_000_000)
# Decimals of the kinds that are not money: ratios as fractions with 4 (percentages with 2: 0.0336 = 3.36 %).
KIND_DIGITS: dict[Kind, int] = {"count": 0, "decimal": 2, "percent": 4, "ratio": 2}
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


def digits(kind: Kind, currency: str) -> int:
    """Decimals every format shows: money in the currency's minor unit, the other kinds fixed."""
    return minor_unit_digits(currency) if kind == "money" else KIND_DIGITS[kind]


def rounded(value: Value, kind: Kind, currency: str) -> int | Decimal | None:
    """The value every format writes (half up, as amounts are usually rounded): a CSV, the Excel cells and the
    PDF never disagree on a figure."""
    if value is None:
        return None
    if kind == "count":
        return int(value)
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    return number.quantize(Decimal(1).scaleb(-digits(kind, currency)), rounding=ROUND_HALF_UP)


def plain(value: Value, kind: Kind, currency: str) -> str:
    """Machine-readable text (CSV): '.' decimals, no grouping, ratios as fractions, empty for n/a."""
    number = rounded(value, kind, currency)
    return "" if number is None else str(number)


def human(value: Value, kind: Kind, currency: str) -> str:
    """Readable text (PDF): grouped thousands, currency code, percentages; an en dash for n/a."""
    number = rounded(value, kind, currency)
    if number is None:
        return NOT_AVAILABLE
    if kind == "money":
        return f"{currency} {number:,}"
    if kind == "percent":
        return f"{number * 100:.{digits(kind, currency) - 2}f}%"
    return f"{number:,}"


def change_text(value: float | None) -> str:
    """A relative change (0.125 → '+12.5%')."""
    return NOT_AVAILABLE if value is None else f"{value * 100:+.1f}%"
