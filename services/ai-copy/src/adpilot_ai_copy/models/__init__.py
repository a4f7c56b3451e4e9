"""SQLAlchemy models of the ai-copy service (one module per table)."""

from sqlalchemy.orm import DeclarativeBase

from adpilot_common.db import service_metadata


class Base(DeclarativeBase):
    metadata = service_metadata()


from adpilot_ai_copy.models.brand_voice import BrandVoice  # noqa: E402
from adpilot_ai_copy.models.budget import OrgBudget  # noqa: E402
from adpilot_ai_copy.models.generation import Generation  # noqa: E402
from adpilot_ai_copy.models.idempotency_key import IdempotencyKey  # noqa: E402
from adpilot_ai_copy.models.rate_limit import RateLimitWindow  # noqa: E402
from adpilot_ai_copy.models.usage import LlmUsage  # noqa: E402
from adpilot_ai_copy.models.variant import CopyVariant  # noqa: E402

__all__ = [
    "Base",
    "BrandVoice",
    "CopyVariant",
    "Generation",
    "IdempotencyKey",
    "LlmUsage",
    "OrgBudget",
    "RateLimitWindow",
]
