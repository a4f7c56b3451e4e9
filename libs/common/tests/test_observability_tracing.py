"""Trace context across our own hops: the envelope carries it, the relay and the consumer continue it, and the
ops endpoints (only those) stay out of the traces. The whole chain through the gateway is in
services/gateway/tests/test_tracing.py."""

from __future__ import annotations

import asyncio
import json
import sys

import httpx
from fastapi import APIRouter, FastAPI, Request, Response
from opentelemetry import trace
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.trace import SpanKind

from adpilot_common.app import create_service_app
from adpilot_common.devstack.ports import free_port
from adpilot_common.runtime import ServiceRuntime
from adpilot_common.telemetry import current_traceparent, otlp_endpoint_from_env, traceparent_in_envelope
from adpilot_common.testing.plugin import running
from adpilot_common.testing.servers import serve_asgi
from adpilot_common.testing.spans import captured_spans, spans_named
from adpilot_common.testing.waiting import eventually

from .conftest import SUBJECT, ProbeSettings, record_effect, user_event


def test_an_event_built_in_a_span_carries_its_traceparent_and_the_relay_finds_it_without_parsing():
    outside = user_event(0)
    assert outside.traceparent is None and current_traceparent() is None
    assert traceparent_in_envelope(outside.to_bytes()) is None
    with captured_spans(), trace.get_tracer("test").start_as_current_span("request") as span:
        inside = user_event(1)
        ctx = span.get_span_context()
    assert inside.traceparent == f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{int(ctx.trace_flags):02x}"
    assert traceparent_in_envelope(inside.to_bytes()) == inside.traceparent
    # Only a well-formed value in the envelope's head counts: anything else publishes without a parent.
    assert inside.traceparent is not None
    # Replace the traceparent itself: a bare b"00-" can also occur in the event's id (a flake seen in CI).
    malformed = inside.to_bytes().replace(
        inside.traceparent.encode(), b"zz" + inside.traceparent[2:].encode()
    )
    assert traceparent_in_envelope(malformed) is None
    assert traceparent_in_envelope(b" " * 2000 + inside.to_bytes()) is None


async def test_a_consumer_continues_the_envelope_trace_when_the_message_has_no_trace_headers(
    eventing_db, service_env, js
):
    runtime = ServiceRuntime(ProbeSettings(**service_env(eventing_db.url)))
    runtime.consume(SUBJECT, record_effect)
    app = create_service_app(runtime, title="probe")
    with captured_spans() as exporter:
        with trace.get_tracer("test").start_as_current_span("elsewhere") as origin:
            event = user_event(7)
        async with running(app):
            # Published by something other than our relay: no traceparent header, only the envelope's.
            await js.publish(SUBJECT, event.to_bytes(), headers={"Nats-Msg-Id": str(event.id)})

            async def applied() -> bool:
                return await eventing_db.effects() == 1

            await eventually(applied)
        (process,) = spans_named(exporter, f"{SUBJECT} handle")
    assert process.kind == SpanKind.CONSUMER and process.parent is not None
    assert process.context.trace_id == origin.get_span_context().trace_id
    assert process.parent.span_id == origin.get_span_context().span_id
    assert process.links, "the FastStream span of the pulled batch is linked"


async def test_only_the_ops_endpoints_are_left_out_of_traces(eventing_db, service_env):
    router = APIRouter()

    @router.get("/api/metrics/summary")
    async def summary() -> dict[str, str]:
        return {"ok": "yes"}

    app = create_service_app(
        ServiceRuntime(ProbeSettings(**service_env(eventing_db.url))), title="probe", routers=[router]
    )
    with captured_spans() as exporter:
        async with (
            running(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://p") as c,
        ):
            for path in ("/healthz", "/readyz", "/metrics", "/api/metrics/summary"):
                assert (await c.get(path)).status_code == 200
        servers = [s.name for s in exporter.get_finished_spans() if s.kind == SpanKind.SERVER]
    assert servers == ["GET /api/metrics/summary"]


def test_the_otlp_endpoint_comes_from_the_service_setting_or_the_standard_variables(monkeypatch):
    for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    assert otlp_endpoint_from_env(None) is None and otlp_endpoint_from_env("") is None  # tracing off
    assert otlp_endpoint_from_env("http://collector:4318") == "http://collector:4318/v1/traces"
    assert otlp_endpoint_from_env("https://otlp.example/v1/traces") == "https://otlp.example/v1/traces"
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/")
    assert otlp_endpoint_from_env("") == "http://collector:4318/v1/traces"
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://traces:4318/custom")
    assert otlp_endpoint_from_env(None) == "http://traces:4318/custom"
    assert (
        otlp_endpoint_from_env("http://mine:4318") == "http://mine:4318/v1/traces"
    )  # the service's own first


EXPORTING_PROCESS = """
import sys
from opentelemetry import trace
from adpilot_common.telemetry import configure_tracing
configure_tracing("probe", sys.argv[1])
with trace.get_tracer("test").start_as_current_span("exported work"):
    pass
trace.get_tracer_provider().shutdown()  # flushes the batch
"""


async def test_spans_go_over_otlp_http_to_the_configured_collector():
    """In a process of its own: the tracer provider is installed once per process."""
    received: list[tuple[str, bytes]] = []
    collector = FastAPI()

    @collector.post("/v1/traces")
    async def traces(request: Request) -> Response:
        received.append((request.headers["content-type"], await request.body()))
        return Response(status_code=200)

    port = free_port()
    async with serve_asgi(collector, port, what="fake OTLP collector"):
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", EXPORTING_PROCESS, f"http://127.0.0.1:{port}"
        )
        assert await process.wait() == 0
    ((content_type, body),) = received
    assert content_type == "application/x-protobuf"
    export = ExportTraceServiceRequest.FromString(body)
    (resource_spans,) = export.resource_spans
    attributes = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
    assert attributes["service.name"] == "adpilot-probe"
    assert [s.name for scope in resource_spans.scope_spans for s in scope.spans] == ["exported work"]


def test_log_lines_carry_the_current_trace_and_span_ids(capsys):
    from adpilot_common.logging import configure_logging, get_logger

    configure_logging("probe")
    log = get_logger("probe")
    log.warning("outside any span")
    with captured_spans(), trace.get_tracer("test").start_as_current_span("work") as span:
        log.warning("inside a span")
        ctx = span.get_span_context()
    lines = {
        line["message"]: line
        for line in (json.loads(raw) for raw in capsys.readouterr().out.splitlines() if raw.startswith("{"))
    }
    assert "trace_id" not in lines["outside any span"]
    assert lines["inside a span"]["trace_id"] == f"{ctx.trace_id:032x}"
    assert lines["inside a span"]["span_id"] == f"{ctx.span_id:016x}"
