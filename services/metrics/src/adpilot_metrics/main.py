from fastapi import FastAPI

from adpilot_common.app import create_service_app
from adpilot_common.runtime import ServiceRuntime
from adpilot_metrics.config import Settings
from adpilot_metrics.ingestion.partitions import partitions_ahead_hook
from adpilot_metrics.ingestion.subscribers import on_metrics_fetched


def create_app(settings: Settings | None = None) -> FastAPI:
    runtime = ServiceRuntime(settings or Settings())
    runtime.consume("metrics.v1.fetched", on_metrics_fetched)
    runtime.on_start(partitions_ahead_hook(runtime.sessions))
    return create_service_app(runtime, title="AdPilot metrics")
