from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from adpilot_ai_copy.rules.text import clean_value

Term = Annotated[str, BeforeValidator(clean_value), StringConstraints(min_length=1, max_length=80)]


class BrandVoiceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    voice: str = Field(
        default="", max_length=2000, description="How the brand sounds, e.g. 'warm, plain, witty'"
    )
    guidelines: str = Field(default="", max_length=4000, description="Do's and don'ts for copywriters")
    banned_terms: list[Term] = Field(
        default_factory=list, max_length=200, description="Words and claims never used"
    )


class BrandVoiceOut(BaseModel):
    voice: str
    guidelines: str
    banned_terms: list[str]
    default_banned_terms: list[str] = Field(description="Refused for every org (service setting)")
    version: int = Field(description="0 until first set; grows on every change")
    updated_at: datetime | None
