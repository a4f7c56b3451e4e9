"""An org's brand voice as generation uses it: rules for the validator, data for the prompt, a version for
the cache key."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_ai_copy.brand import repository
from adpilot_ai_copy.config import Settings
from adpilot_ai_copy.rules.banned import BannedTerms
from adpilot_ai_copy.rules.platforms import RuleContext


@dataclass(frozen=True)
class BrandProfile:
    version: int
    voice: str
    guidelines: str
    rules: RuleContext

    def prompt_data(self) -> dict[str, Any]:
        """User-provided, so it goes in the delimited data block, never the system prompt."""
        return {
            "brand_voice": self.voice,
            "brand_guidelines": self.guidelines,
            "banned_terms": list(self.rules.banned.terms),
        }


async def load_profile(session: AsyncSession, org_id: uuid.UUID, settings: Settings) -> BrandProfile:
    row = await repository.get(session, org_id)
    banned = BannedTerms.of(settings.default_banned_terms, row.banned_terms if row else [])
    return BrandProfile(
        version=row.version if row else 0,
        voice=row.voice if row else "",
        guidelines=row.guidelines if row else "",
        rules=RuleContext(banned=banned, meta_primary_text_max=settings.meta_primary_text_max),
    )
