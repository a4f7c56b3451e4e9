"""OpenTelemetry: one trace from the gateway through a service, its database, NATS and the consumers.

Hops and how the context crosses them:

* HTTP into a service: FastAPI instrumentation reads ``traceparent``; the gateway's proxy writes it with
  :func:`inject_trace_headers` (there is no httpx instrumentation in the stack).
* The database: SQLAlchemy instrumentation on each service's engine.
* The outbox: :func:`current_traceparent` is stored in the event envelope (the CloudEvents ``traceparent``
  extension attribute) when the event is built inside the request; the relay publishes it as a child
  ``<subject> publish`` span and sends that span's context in the NATS headers.
* The consumer: each event's handler runs in a ``<subject> handle`` span whose parent comes from the message's
  headers (or, failing that, the envelope); FastStream's own span for the pulled batch is linked to it.

Tracing is on only when an OTLP/HTTP endpoint is set (``<SERVICE>_OTEL_EXPORTER_OTLP_ENDPOINT``, a collector
address such as ``http://otel-collector:4318`` or a full ``.../v1/traces`` URL, or the standard
``OTEL_EXPORTER_OTLP_ENDPOINT`` / ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``);
the OpenTelemetry SDK's own variables (``OTEL_TRACES_SAMPLER``, ``OTEL_TRACES_SAMPLER_ARG``,
``OTEL_EXPORTER_OTLP_HEADERS``, ``OTEL_RESOURCE_ATTRIBUTES`` ...) apply as usual. Without an endpoint the API
stays a no-op: a recorded span costs tens of microseconds, and the relay and consumers make one per event, so
spans nobody exports are never made (and no trace context travels).
"""

from __future__ import annotations

import os
import re
import weakref
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from opentelemetry import metrics, propagate, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Link, SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

if TYPE_CHECKING:
    from fastapi import FastAPI
    from sqlalchemy import Engine
    from sqlalchemy.ext.asyncio import AsyncEngine

_configured = False
_traced_engines: weakref.WeakSet[Engine] = weakref.WeakSet()
_TRACER_NAME = "adpilot"
_W3C = TraceContextTextMapPropagator()
TRACEPARENT = re.compile(r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")


def otlp_endpoint_from_env(configured: str | None) -> str | None:
    """The traces URL: the service's own setting first, then the standard OpenTelemetry variables. A bare
    collector address (``http://otel-collector:4318``) gets the OTLP/HTTP traces path appended."""
    if configured:
        return _traces_url(configured)
    traces = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    if traces:
        return traces
    base = os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    return _traces_url(base) if base else None


def _traces_url(url: str) -> str:
    return f"{url.rstrip('/')}/v1/traces" if urlsplit(url).path in ("", "/") else url


def configure_tracing(service: str, otlp_endpoint: str | None) -> None:
    """Install a tracer provider once per process; spans are exported only if an OTLP endpoint is set."""
    global _configured
    if _configured:
        return
    _configured = True
    endpoint = otlp_endpoint_from_env(otlp_endpoint)
    if not endpoint:
        return
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    provider = recording_provider(service)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))


def recording_provider(service: str) -> TracerProvider:
    """The process's SDK tracer provider, installed now if there is none yet (tests add their own exporter)."""
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        return current
    provider = TracerProvider(resource=Resource.create({"service.name": f"adpilot-{service}"}))
    trace.set_tracer_provider(provider)
    return provider


def instrument_app(app: FastAPI, engine: AsyncEngine | None) -> None:
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    # Regexes searched in the full URL: unanchored, "metrics" would also drop every /api/metrics/... request.
    # exclude_spans: no extra span per ASGI send/receive message (2-3 per request, one per WebSocket frame: the
    # gateway's 1,000-socket fan-out paid one per socket per event); the request's own span stays.
    # /ws: the instrumentation wraps the whole app, outside every middleware, and its wrapped ``send`` would hide
    # uvicorn's protocol from the gateway's direct frame writes (live/direct.py); a span lasting hours is no use.
    FastAPIInstrumentor.instrument_app(
        app,
        excluded_urls=r"/healthz(\?|$),/readyz(\?|$),/metrics(\?|$),/ws(\?|$)",
        exclude_spans=["receive", "send"],
    )
    if engine is not None:
        instrument_engine(engine)


def instrument_engine(engine: AsyncEngine) -> None:
    """Trace every statement of ``engine``. ``SQLAlchemyInstrumentor().instrument(engine=...)`` is a process-wide
    singleton that instruments only the first engine it is given (and patches ``create_engine`` globally); its
    per-engine tracer is used instead, so every service app in one process (tests, the bench) gets its spans."""
    from opentelemetry.instrumentation.sqlalchemy import __name__ as module
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
    from opentelemetry.semconv.metrics import MetricInstruments

    sync_engine = engine.sync_engine
    if sync_engine in _traced_engines:
        return
    usage = metrics.get_meter(module).create_up_down_counter(
        name=MetricInstruments.DB_CLIENT_CONNECTIONS_USAGE,
        unit="connections",
        description="The number of connections that are currently in state described by the state attribute.",
    )
    EngineTracer(trace.get_tracer(module), sync_engine, usage)  # type: ignore[no-untyped-call]
    _traced_engines.add(sync_engine)


# A proxy until a provider is installed, then the real tracer (looked up once, not per span).
_TRACER = trace.get_tracer(_TRACER_NAME)


def inject_trace_headers(headers: MutableMapping[str, str]) -> None:
    """Write the current trace context (``traceparent``, ``tracestate``, baggage) into outgoing HTTP headers, in
    place of any the caller sent: the next hop's span becomes a child of ours."""
    propagate.inject(headers)


def current_traceparent() -> str | None:
    """The W3C ``traceparent`` of the current span, or None outside any (recording or remote) span."""
    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return None
    return f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{int(ctx.trace_flags):02x}"


def context_from_traceparent(traceparent: str | None) -> Context | None:
    if not traceparent:
        return None
    ctx = _W3C.extract({"traceparent": traceparent})
    return ctx if trace.get_current_span(ctx).get_span_context().is_valid else None


def context_from_headers(headers: dict[str, str] | None) -> Context | None:
    return context_from_traceparent((headers or {}).get("traceparent"))


_ENVELOPE_TRACEPARENT = b'"traceparent":"'
# The envelope's fields before ``data`` (ids, subject, source, time, correlation id) fit well within this.
_ENVELOPE_HEAD_BYTES = 1024


def traceparent_in_envelope(payload: bytes) -> str | None:
    """An envelope's ``traceparent`` without parsing its JSON (the relay handles thousands a second): the field
    precedes ``data`` and a JSON key is the only place the quoted name can occur unescaped."""
    at = payload.find(_ENVELOPE_TRACEPARENT, 0, _ENVELOPE_HEAD_BYTES)
    if at < 0:
        return None
    start = at + len(_ENVELOPE_TRACEPARENT)
    value = payload[start : start + 55].decode("ascii", errors="replace")
    return value if TRACEPARENT.match(value) else None


@contextmanager
def publish_span(subject: str, traceparent: str | None, headers: dict[str, str]) -> Iterator[None]:
    """A producer span for one outbox event, child of the request that wrote it; its context goes into
    ``headers``. Events written outside any trace are published without a span (nothing to continue)."""
    parent = context_from_traceparent(traceparent)
    if parent is None:
        yield
        return
    with _TRACER.start_as_current_span(
        f"{subject} publish",
        context=parent,
        kind=SpanKind.PRODUCER,
        attributes={"messaging.system": "nats", "messaging.destination.name": subject},
    ):
        _W3C.inject(headers)
        yield


@contextmanager
def handler_span(
    subject: str, consumer: str, event_id: str, headers: dict[str, str] | None, traceparent: str | None
) -> Iterator[None]:
    """The consumer's span for one event: child of the publish span (message headers) or, for a message
    published without them, of the envelope's ``traceparent``; linked to the span the batch runs in."""
    parent = context_from_headers(headers) or context_from_traceparent(traceparent)
    current = trace.get_current_span()
    if parent is None and not current.is_recording():
        yield  # no trace to continue and none running (tracing is off): no span
        return
    batch = current.get_span_context()
    with _TRACER.start_as_current_span(
        f"{subject} handle",
        context=parent,
        kind=SpanKind.CONSUMER,
        links=[Link(batch)] if batch.is_valid and parent is not None else None,
        attributes={
            "messaging.system": "nats",
            "messaging.destination.name": subject,
            "messaging.consumer.group.name": consumer,
            "messaging.message.id": event_id,
        },
    ):
        yield
