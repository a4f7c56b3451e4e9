"""What a person asks copy for: the product, offer, audience, tone and platforms (validated, normalised)."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, field_validator

from adpilot_ai_copy.rules.text import clean_value
from adpilot_common.events.contracts.copy import CopyPlatform

_Clean = BeforeValidator(clean_value)
Product = Annotated[str, _Clean, StringConstraints(min_length=1, max_length=200)]
Offer = Annotated[str, _Clean, StringConstraints(min_length=1, max_length=300)]
Audience = Annotated[str, _Clean, StringConstraints(min_length=1, max_length=300)]
Tone = Annotated[str, _Clean, StringConstraints(min_length=1, max_length=60)]
Keyword = Annotated[str, _Clean, StringConstraints(min_length=1, max_length=80)]
HttpsUrl = Annotated[
    str, StringConstraints(max_length=2048, pattern=r"^https://[^\s/?#@]+\.[^\s/?#@]+([/?#]\S*)?$")
]


class CopyBrief(BaseModel):
    """User-provided data: it reaches a model only inside the delimited data block of the user message."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    product: Product = Field(description="What is advertised")
    offer: Offer | None = Field(default=None, description="The deal, e.g. '20% off the first box'")
    audience: Audience = Field(description="Who the ad is for")
    tone: Tone = "friendly"
    language: str = Field(default="en", pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
    platforms: list[CopyPlatform] = Field(min_length=1, max_length=3)
    variants: int = Field(default=3, ge=1, le=50)
    final_url: HttpsUrl | None = None
    keywords: list[Keyword] = Field(default_factory=list, max_length=20)

    @field_validator("platforms")
    @classmethod
    def _unique_platforms(cls, value: list[CopyPlatform]) -> list[CopyPlatform]:
        if len(set(value)) != len(value):
            raise ValueError("each platform may appear once")
        return sorted(value)

    def cache_key(self, brand_voice_version: int, generator: str) -> str:
        """Identical requests (same org, same normalised brief, same brand voice version, same generator)
        share a key; whitespace and the case of tone and language do not matter."""
        body = self.model_dump(mode="json")
        body["tone"] = body["tone"].casefold()
        body["language"] = body["language"].casefold()
        material = json.dumps(
            {"brief": body, "brand_voice_version": brand_voice_version, "generator": generator},
            sort_keys=True,
            ensure_ascii=False,
        )
        return hashlib.sha256(material.encode()).hexdigest()
