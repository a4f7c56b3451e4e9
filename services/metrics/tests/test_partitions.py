from datetime import UTC, date, datetime

from adpilot_metrics.ingestion.partitions import month_start
from adpilot_metrics.schedule import PARTITIONS_JOB

from .conftest import MetricsService


def test_month_start_rolls_over_years() -> None:
    assert month_start(date(2026, 11, 25)) == date(2026, 11, 1)
    assert month_start(date(2026, 11, 25), 3) == date(2027, 2, 1)
    assert month_start(date(2026, 12, 31), 1) == date(2027, 1, 1)
    assert month_start(date(2027, 1, 1), 0) == date(2027, 1, 1)


async def test_daily_tick_makes_the_next_months_partitions(metrics_service: MetricsService) -> None:
    await metrics_service.tick(PARTITIONS_JOB, datetime(2031, 5, 17, tzinfo=UTC))
    names = await metrics_service.rows(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        " JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'metric_facts' AND c.relname LIKE '%2031%'"
    )
    assert sorted(n["relname"] for n in names) == [
        "metric_facts_2031_05",
        "metric_facts_2031_06",
        "metric_facts_2031_07",
        "metric_facts_2031_08",
    ]
