"""The metrics service: ingests metric batches, keeps daily rollups, answers KPI queries, watches budgets."""

from __future__ import annotations

from fastapi import FastAPI

from adpilot_common.app import create_service_app
from adpilot_common.runtime import ServiceRuntime
from adpilot_common.security.dependencies import install_auth
from adpilot_common.security.tokens import JwksCache
from adpilot_metrics.budgets.endpoints import router as budgets_router
from adpilot_metrics.budgets.schedule import install_alert_schedule
from adpilot_metrics.config import Settings
from adpilot_metrics.dimensions.subscribers import SUBJECTS as CAMPAIGN_SUBJECTS
from adpilot_metrics.dimensions.subscribers import on_campaign_event
from adpilot_metrics.ingestion.partitions import partitions_ahead_hook
from adpilot_metrics.ingestion.subscribers import on_metrics_fetched
from adpilot_metrics.queries.endpoints import router as queries_router


def create_app(settings: Settings | None = None, *, jwks: JwksCache | None = None) -> FastAPI:
    """``jwks`` replaces the auth service's JWKS URL (tests sign their own tokens)."""
    settings = settings or Settings()
    runtime = ServiceRuntime(settings)
    runtime.consume("metrics.v1.fetched", on_metrics_fetched)
    for subject in CAMPAIGN_SUBJECTS:  # one durable consumer per subject
        runtime.consume(subject, on_campaign_event)
    runtime.on_start(partitions_ahead_hook(runtime.sessions))
    install_alert_schedule(runtime)  # hourly alert-rule check (schedule.v1.tick)
    app = create_service_app(runtime, title="AdPilot metrics", routers=[queries_router, budgets_router])
    install_auth(app, jwks=jwks)
    return app
