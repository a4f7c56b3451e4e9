"""Capture the spans a test produces, in memory, from the process's real tracer provider."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from adpilot_common.telemetry import recording_provider


@contextmanager
def captured_spans() -> Iterator[InMemorySpanExporter]:
    """Every span ended inside the block lands in the exporter (exported as it ends, no batching)."""
    provider = recording_provider("test")  # from here on this process records spans, as with an OTLP endpoint
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    try:
        yield exporter
    finally:
        exporter.shutdown()  # a provider cannot drop a processor: a stopped exporter refuses later spans


def spans_named(exporter: InMemorySpanExporter, name: str) -> list[ReadableSpan]:
    return [s for s in exporter.get_finished_spans() if s.name == name]
