"""The metrics service: ingests metric batches, keeps daily rollups, answers KPI queries, watches budgets."""

from __future__ import annotations

from fastapi import FastAPI

from adpilot_common.app import create_service_app
from adpilot_common.db import asyncpg_dsn
from adpilot_common.jobs import JobRunner
from adpilot_common.runtime import ServiceRuntime
from adpilot_common.security.dependencies import install_auth
from adpilot_common.security.tokens import JwksCache
from adpilot_metrics.budgets.endpoints import router as budgets_router
from adpilot_metrics.config import Settings
from adpilot_metrics.dimensions.subscribers import SUBJECTS as CAMPAIGN_SUBJECTS
from adpilot_metrics.dimensions.subscribers import on_campaign_event
from adpilot_metrics.ingestion.partitions import partitions_ahead_hook
from adpilot_metrics.ingestion.subscribers import by_account, on_metrics_fetched
from adpilot_metrics.models import Report
from adpilot_metrics.queries.endpoints import router as queries_router
from adpilot_metrics.reports.endpoints import router as reports_router
from adpilot_metrics.reports.runner import report_gave_up, report_job_handler
from adpilot_metrics.schedule import install_schedule


def create_app(settings: Settings | None = None, *, jwks: JwksCache | None = None) -> FastAPI:
    """``jwks`` replaces the auth service's JWKS URL (tests sign their own tokens)."""
    settings = settings or Settings()
    runtime = ServiceRuntime(settings)
    # One account's batches in order (a restatement must land after what it restates); accounts in parallel.
    runtime.consume("metrics.v1.fetched", on_metrics_fetched, partition_key=by_account)
    for subject in CAMPAIGN_SUBJECTS:  # one durable consumer per subject
        runtime.consume(subject, on_campaign_event)
    runtime.in_background(partitions_ahead_hook(runtime.sessions))
    install_schedule(runtime, settings)  # hourly alert check and scheduled reports (schedule.v1.tick)
    assert runtime.sessions is not None
    report_runner = JobRunner(
        Report,
        runtime.sessions,
        report_job_handler(runtime.sessions),
        listen_dsn=asyncpg_dsn(settings.database_url),
        concurrency=settings.report_concurrency,
        on_give_up=report_gave_up,
    )
    runtime.in_background(report_runner.start, report_runner.stop)
    app = create_service_app(
        runtime, title="AdPilot metrics", routers=[queries_router, budgets_router, reports_router]
    )
    app.state.report_runner = report_runner
    install_auth(app, jwks=jwks)
    return app
