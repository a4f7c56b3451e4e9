from typing import ClassVar

from adpilot_common.settings import BaseServiceSettings, service_config


class Settings(BaseServiceSettings):
    """Environment variables are prefixed METRICS_ (e.g. METRICS_DATABASE_URL)."""

    model_config = service_config("METRICS_")
    service_name: ClassVar[str] = "metrics"

    http_port: int = 8004
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:15432/adpilot_metrics"
