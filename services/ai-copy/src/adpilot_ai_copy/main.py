from fastapi import FastAPI

from adpilot_ai_copy.config import Settings
from adpilot_common.app import create_service_app
from adpilot_common.runtime import ServiceRuntime


def create_app(settings: Settings | None = None) -> FastAPI:
    runtime = ServiceRuntime(settings or Settings())
    return create_service_app(runtime, title="AdPilot ai-copy")
