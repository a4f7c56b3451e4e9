"""The ai-copy service: ad copy from LLMs (or the offline generator) under platform rules, brand voice,
budgets and rate limits; approved copy goes to connectors as copy.v1.approved."""

from __future__ import annotations

from fastapi import FastAPI

from adpilot_ai_copy.brand.endpoints import router as brand_router
from adpilot_ai_copy.budget.endpoints import router as budget_router
from adpilot_ai_copy.config import Settings
from adpilot_ai_copy.context import AiCopy
from adpilot_ai_copy.generation.endpoints import router as generations_router
from adpilot_ai_copy.generation.engine import Engine
from adpilot_ai_copy.generation.service import Generations
from adpilot_ai_copy.models import Generation
from adpilot_ai_copy.providers.base import CopyProvider
from adpilot_ai_copy.providers.factory import build_provider
from adpilot_ai_copy.variants.endpoints import router as variants_router
from adpilot_ai_copy.variants.publishing import on_copy_publish_failed, on_copy_published
from adpilot_common.app import create_service_app
from adpilot_common.db import asyncpg_dsn
from adpilot_common.jobs import JobRunner
from adpilot_common.logging import get_logger
from adpilot_common.runtime import ServiceRuntime
from adpilot_common.security.dependencies import install_auth
from adpilot_common.security.tokens import JwksCache

log = get_logger(__name__)


def create_app(
    settings: Settings | None = None, *, jwks: JwksCache | None = None, provider: CopyProvider | None = None
) -> FastAPI:
    """``jwks`` replaces the auth service's JWKS URL (tests sign their own tokens); ``provider`` replaces the
    one the settings choose."""
    settings = settings or Settings()
    runtime = ServiceRuntime(settings)
    assert runtime.sessions is not None
    provider = provider or build_provider(settings)
    ai = AiCopy(settings, runtime.sessions, Engine(provider, settings.max_repairs))
    generations = Generations(ai)
    runner = JobRunner(
        Generation,
        runtime.sessions,
        generations.run_job,
        listen_dsn=asyncpg_dsn(settings.database_url),
        concurrency=settings.job_concurrency,
        lease_s=settings.job_lease_s,
        max_attempts=settings.job_max_attempts,
        on_give_up=generations.gave_up,
    )

    async def announce() -> None:
        # Never the keys: which generator runs, so an operator sees at once whether copy is real.
        log.info("copy generator", provider=provider.name, offline=provider.offline,
                 fallbacks=[p.model for p in settings.providers])  # fmt: skip

    # How publishing approved copy ended (connectors): the variant's publish state.
    runtime.consume("connector.v1.copy_published", on_copy_published)
    runtime.consume("connector.v1.copy_publish_failed", on_copy_publish_failed)
    runtime.on_start(announce)
    runtime.in_background(runner.start, runner.stop)
    app = create_service_app(
        runtime,
        title="AdPilot ai-copy",
        routers=[generations_router, variants_router, brand_router, budget_router],
    )
    app.state.ai_copy = ai
    app.state.job_runner = runner
    install_auth(app, jwks=jwks)
    return app
