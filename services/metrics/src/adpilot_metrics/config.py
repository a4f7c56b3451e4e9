from typing import ClassVar

from pydantic import Field

from adpilot_common.security.settings import TokenVerificationSettings
from adpilot_common.settings import BaseServiceSettings, service_config


class Settings(BaseServiceSettings, TokenVerificationSettings):
    """Environment variables are prefixed METRICS_ (e.g. METRICS_DATABASE_URL)."""

    model_config = service_config("METRICS_")
    service_name: ClassVar[str] = "metrics"

    http_port: int = 8004
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:15432/adpilot_metrics"
    # Longest date range one query may cover (KPI and time-series endpoints).
    max_query_days: int = Field(default=1096, ge=31)
    # Report jobs rendered at once per replica (PDF layout is CPU-bound: one per core at most).
    report_concurrency: int = Field(default=1, ge=1, le=16)
    # Finished reports (and their files) are deleted this many days after they were made.
    report_retention_days: int = Field(default=90, ge=1)
