"""The FastAPI app factory every service uses: lifespan, health, metrics, problems, correlation ids."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse

from adpilot_common.logging import configure_logging, correlation_scope
from adpilot_common.metrics import install_metrics
from adpilot_common.problems import install_problem_handlers
from adpilot_common.runtime import ServiceRuntime
from adpilot_common.telemetry import configure_tracing, instrument_app

CORRELATION_HEADER = "X-Correlation-ID"


def create_service_app(
    runtime: ServiceRuntime,
    *,
    title: str,
    routers: Sequence[APIRouter] = (),
    version: str = "0.1.0",
) -> FastAPI:
    settings = runtime.settings
    configure_logging(runtime.service, settings.log_level)
    configure_tracing(runtime.service, settings.otel_exporter_otlp_endpoint)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=title, version=version, lifespan=lifespan)
    app.state.runtime = runtime
    install_problem_handlers(app)
    install_metrics(app, runtime.service)
    instrument_app(app, runtime.engine)

    @app.middleware("http")
    async def correlation(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        with correlation_scope(request.headers.get(CORRELATION_HEADER)) as cid:
            response = await call_next(request)
        response.headers[CORRELATION_HEADER] = cid
        return response

    @app.get("/healthz", tags=["ops"], summary="Liveness: the process is up")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"], summary="Readiness: database and NATS reachable")
    async def readyz() -> JSONResponse:
        checks = await runtime.readiness()
        ready = all(v == "ok" for v in checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "not_ready", "checks": checks}, status_code=200 if ready else 503
        )

    for router in routers:
        app.include_router(router)
    return app
