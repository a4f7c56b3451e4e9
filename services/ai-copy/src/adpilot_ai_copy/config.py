from typing import ClassVar

from adpilot_common.settings import BaseServiceSettings, service_config


class Settings(BaseServiceSettings):
    """Environment variables are prefixed AI_COPY_ (e.g. AI_COPY_DATABASE_URL)."""

    model_config = service_config("AI_COPY_")
    service_name: ClassVar[str] = "ai-copy"

    http_port: int = 8003
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:15432/adpilot_ai_copy"
