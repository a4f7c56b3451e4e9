"""Prometheus counters of sync runs (the dashboard's "Sync runs" panel and the sync-failure alert)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

SYNC_RUNS = Counter(
    "adpilot_sync_runs_total",
    "Sync run attempts by outcome: succeeded, failed (for good) or retried (back in the queue)",
    ["platform", "result"],
)
SYNC_FAILURES = Counter(
    "adpilot_sync_failures_total", "Sync runs failed for good, by cause", ["platform", "kind"]
)
SYNC_RUN_SECONDS = Histogram(
    "adpilot_sync_run_seconds",
    "Duration of a sync attempt",
    ["platform", "result"],
    buckets=(0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800),
)


def count_run(platform: str, result: str, seconds: float | None = None, kind: str | None = None) -> None:
    SYNC_RUNS.labels(platform, result).inc()
    if seconds is not None:
        SYNC_RUN_SECONDS.labels(platform, result).observe(seconds)
    if kind is not None:
        SYNC_FAILURES.labels(platform, kind).inc()


UNSTORABLE_VALUES = Counter(
    "adpilot_sync_unstorable_values_total",
    "Values a platform sent that AdPilot's columns cannot hold, dropped by a sync (see sync/storable.py)",
    ["platform", "field"],
)
