from fastapi import FastAPI

from adpilot_common.app import create_service_app
from adpilot_common.runtime import ServiceRuntime
from adpilot_notify.config import Settings
from adpilot_notify.deliveries.subscribers import on_user_registered


def create_app(settings: Settings | None = None) -> FastAPI:
    runtime = ServiceRuntime(settings or Settings())
    runtime.consume("user.v1.registered", on_user_registered)
    return create_service_app(runtime, title="AdPilot notify")
