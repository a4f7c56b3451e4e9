"""Prometheus counters of report jobs by format and outcome (the dashboard's reports panel)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

REPORTS = Counter(
    "adpilot_reports_total", "Report jobs finished, by format and outcome", ["format", "result"]
)
REPORT_SECONDS = Histogram(
    "adpilot_report_seconds",
    "Time to gather, render and store a report",
    ["format"],
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
