"""Prometheus counters of deliveries by channel and outcome (the dashboard's deliveries panel)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

DELIVERIES = Counter(
    "adpilot_notify_deliveries_total",
    "Delivery attempts by outcome: sent, retried (back in the queue) or failed (for good)",
    ["channel", "result"],
)
DELIVERY_SECONDS = Histogram(
    "adpilot_notify_delivery_seconds",
    "Duration of one delivery attempt",
    ["channel"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)


def count_attempt(channel: str, result: str, ms: int | None = None) -> None:
    DELIVERIES.labels(channel, result).inc()
    if ms is not None:
        DELIVERY_SECONDS.labels(channel).observe(ms / 1000)
