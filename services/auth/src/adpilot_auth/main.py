from fastapi import FastAPI

from adpilot_auth.config import Settings
from adpilot_auth.users.endpoints import router as users_router
from adpilot_common.app import create_service_app
from adpilot_common.runtime import ServiceRuntime


def create_app(settings: Settings | None = None) -> FastAPI:
    runtime = ServiceRuntime(settings or Settings())
    return create_service_app(runtime, title="AdPilot auth", routers=[users_router])
