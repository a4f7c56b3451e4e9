from typing import ClassVar

from adpilot_common.settings import BaseServiceSettings, service_config


class Settings(BaseServiceSettings):
    """Environment variables are prefixed CONNECTORS_ (e.g. CONNECTORS_DATABASE_URL)."""

    model_config = service_config("CONNECTORS_")
    service_name: ClassVar[str] = "connectors"

    http_port: int = 8002
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:15432/adpilot_connectors"
