"""Prometheus: the metrics every service shares, HTTP request metrics and the ``/metrics`` endpoint.

All names start ``adpilot_``; services define their own next to the work they count (sync runs, LLM cost,
deliveries, reports). deploy/observability's dashboard and alert rules use only names defined in code (a test
checks it), and docs/runbook.md explains every alert.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adpilot_common.head import HEAD_REQUEST

if TYPE_CHECKING:
    from adpilot_common.messaging.backlog import BacklogSampler

HTTP_REQUESTS = Counter(
    "adpilot_http_requests_total", "HTTP requests", ["service", "method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "adpilot_http_request_seconds", "HTTP request latency", ["service", "method", "route"]
)
EVENTS_CONSUMED = Counter("adpilot_events_consumed_total", "Events handled", ["consumer", "outcome"])
EVENTS_PUBLISHED = Counter("adpilot_outbox_published_total", "Outbox events published", ["service"])
OUTBOX_PUBLISH_FAILURES = Counter(
    "adpilot_outbox_publish_failures_total", "Outbox events whose publish failed (retried)", ["service"]
)
# Sampled on scrape (messaging/backlog.py); every replica reports the same shared value: aggregate with max.
OUTBOX_BACKLOG = Gauge("adpilot_outbox_backlog_messages", "Outbox rows not yet published", ["service"])
OUTBOX_OLDEST_AGE = Gauge(
    "adpilot_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox row (0 when none)", ["service"]
)
CONSUMER_PENDING = Gauge(
    "adpilot_consumer_pending_messages",
    "Messages not yet delivered to a durable consumer (its lag)",
    ["consumer"],
)
CONSUMER_ACK_PENDING = Gauge(
    "adpilot_consumer_ack_pending_messages",
    "Messages delivered to a durable consumer, not yet acked",
    ["consumer"],
)
DLQ_MESSAGES = Gauge("adpilot_dlq_messages", "Messages in the dead-letter stream per consumer", ["consumer"])
BACKLOG_SAMPLE_ERRORS = Counter(
    "adpilot_backlog_sample_errors_total",
    "Backlog samples that failed (source unreachable)",
    ["service", "source"],
)


class RequestMetrics:
    """Counts and times every HTTP request by route template, as a plain ASGI middleware: unlike
    ``@app.middleware`` (Starlette's BaseHTTPMiddleware) it does not re-stream the body through a task group,
    which cost the gateway's proxy a third of its throughput. The time runs to the response's last byte."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500  # unless a response starts: an exception escaped to the server error handler

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_status)
        finally:
            path = getattr(scope.get("route"), "path", "unmatched")
            # A HEAD runs below as GET (adpilot_common.head); it is counted as what the client sent.
            method = "HEAD" if scope.get(HEAD_REQUEST) else scope["method"]
            HTTP_REQUESTS.labels(self.service, method, path, str(status)).inc()
            HTTP_LATENCY.labels(self.service, method, path).observe(time.perf_counter() - start)


def install_metrics(app: FastAPI, service: str) -> None:
    app.add_middleware(RequestMetrics, service=service)

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        sampler = _backlog_sampler(request.app.state)
        if sampler is not None:
            await sampler.sample()
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def _backlog_sampler(state: Any) -> BacklogSampler | None:
    """The sampler for the service's runtime (``create_service_app`` keeps it in ``app.state.runtime``)."""
    from adpilot_common.messaging.backlog import BacklogSampler

    runtime = getattr(state, "runtime", None)
    if runtime is None:
        return None
    broker = runtime.broker
    connected = broker._connection is not None and broker.connection.is_connected
    return BacklogSampler(
        runtime.service,
        broker.connection.jetstream() if connected else None,
        runtime.consumers,
        runtime.sessions,
    )
