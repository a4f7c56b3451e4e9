import httpx
from fastapi import FastAPI

from adpilot_common.app import create_service_app
from adpilot_common.runtime import ServiceRuntime
from adpilot_gateway.config import Settings
from adpilot_gateway.proxy import build_proxy_router
from adpilot_gateway.spa import build_spa_router
from adpilot_gateway.status import build_status_router


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = ServiceRuntime(settings, uses_database=False)
    client = httpx.AsyncClient(timeout=settings.upstream_timeout_s)

    runtime.on_stop(client.aclose)
    upstreams = settings.upstreams()
    app = create_service_app(
        runtime,
        title="AdPilot gateway",
        routers=[
            build_status_router(client, upstreams),
            build_proxy_router(client, upstreams),
            build_spa_router(settings.spa_dir),  # last: catch-all
        ],
    )
    return app
