"""Report jobs show on /metrics by format and outcome (the dashboard's reports panel)."""

from __future__ import annotations

from adpilot_common.testing.scrape import scrape

from .conftest import MetricsService
from .test_reports import finished, request_report


async def test_report_jobs_are_counted_by_format_and_result(metrics_service: MetricsService) -> None:
    async with metrics_service.client() as client:
        before = await scrape(client, "adpilot_reports_total", format="csv", result="succeeded")
        timed = await scrape(client, "adpilot_report_seconds_count", format="csv")

        report = await finished(metrics_service, (await request_report(metrics_service))["id"])
        assert report["status"] == "succeeded"

        assert await scrape(client, "adpilot_reports_total", format="csv", result="succeeded") == before + 1
        assert await scrape(client, "adpilot_report_seconds_count", format="csv") == timed + 1
