"""The FastAPI app factory every service uses: lifespan, health, metrics, problems, correlation ids."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adpilot_common.head import HeadAsGet
from adpilot_common.logging import configure_logging, correlation_scope
from adpilot_common.metrics import install_metrics
from adpilot_common.openapi import install_error_docs
from adpilot_common.problems import install_problem_handlers
from adpilot_common.runtime import ServiceRuntime
from adpilot_common.telemetry import configure_tracing, instrument_app

CORRELATION_HEADER = "X-Correlation-ID"
_HEADER_KEY = CORRELATION_HEADER.lower().encode("latin-1")


class CorrelationIds:
    """Binds the request's ``X-Correlation-ID`` (or a new one) to its log lines and echoes it in the answer;
    a plain ASGI middleware, so streamed responses pass through untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v.decode("latin-1") for k, v in scope["headers"] if k.lower() == _HEADER_KEY), None)
        if given is not None and (len(given) > 128 or not given.isprintable()):
            given = None  # a caller's id goes into every log line: nothing long or with control characters
        with correlation_scope(given) as cid:

            async def send_with_id(message: Message) -> None:
                if message["type"] == "http.response.start":
                    headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != _HEADER_KEY]
                    message["headers"] = [*headers, (_HEADER_KEY, cid.encode("latin-1"))]
                await send(message)

            await self.app(scope, receive, send_with_id)


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
    install_error_docs(app)
    install_metrics(app, runtime.service)
    instrument_app(app, runtime.engine)

    app.add_middleware(CorrelationIds)  # log lines of every layer below carry the id
    # Outermost: every layer below, routing included, sees a HEAD request as the GET it stands for.
    app.add_middleware(HeadAsGet)

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

    if runtime.serves_api:  # a worker process answers only the ops endpoints above
        for router in routers:
            app.include_router(router)
    return app
