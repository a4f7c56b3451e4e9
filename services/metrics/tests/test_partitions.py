from datetime import date

from adpilot_metrics.ingestion.partitions import month_start


def test_month_start_rolls_over_years() -> None:
    assert month_start(date(2026, 11, 25)) == date(2026, 11, 1)
    assert month_start(date(2026, 11, 25), 3) == date(2027, 2, 1)
    assert month_start(date(2026, 12, 31), 1) == date(2027, 1, 1)
    assert month_start(date(2027, 1, 1), 0) == date(2027, 1, 1)
