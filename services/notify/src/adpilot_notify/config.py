from typing import ClassVar

from adpilot_common.settings import BaseServiceSettings, service_config


class Settings(BaseServiceSettings):
    """Environment variables are prefixed NOTIFY_ (e.g. NOTIFY_DATABASE_URL)."""

    model_config = service_config("NOTIFY_")
    service_name: ClassVar[str] = "notify"

    http_port: int = 8005
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:15432/adpilot_notify"
