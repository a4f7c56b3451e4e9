from typing import ClassVar

from adpilot_common.settings import BaseServiceSettings, service_config


class Settings(BaseServiceSettings):
    """Environment variables are prefixed AUTH_ (e.g. AUTH_DATABASE_URL)."""

    model_config = service_config("AUTH_")
    service_name: ClassVar[str] = "auth"

    http_port: int = 8001
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:15432/adpilot_auth"
