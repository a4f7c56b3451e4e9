"""Budget periods in UTC days: the platform rollups are in the account's local days, but until accounts carry a
time zone here a period is the UTC calendar day or month containing the evaluation time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

PeriodKind = Literal["daily", "monthly"]


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    start: date  # first day
    end: date  # first day after the period

    @property
    def key(self) -> str:
        """'2026-11-25' for a day, '2026-11' for a month: one alert firing per rule and key."""
        return self.start.isoformat() if self.kind == "daily" else self.start.strftime("%Y-%m")

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def elapsed_fraction(self, now: datetime) -> float:
        """Share of the period gone by at ``now`` (0..1), by the clock rather than by whole days."""
        begin = datetime.combine(self.start, time(), UTC)
        total = (datetime.combine(self.end, time(), UTC) - begin).total_seconds()
        return min(max((now - begin).total_seconds() / total, 0.0), 1.0)


def period_at(kind: PeriodKind, now: datetime) -> Period:
    day = now.astimezone(UTC).date()
    if kind == "daily":
        return Period(kind, day, day + timedelta(days=1))
    start = day.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    return Period(kind, start, end)
