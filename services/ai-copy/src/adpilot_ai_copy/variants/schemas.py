from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from adpilot_ai_copy.brief import HttpsUrl

ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.~-]+$")]


class EditRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fields: dict[str, Any] = Field(
        min_length=1, description="Fields to replace (e.g. {'headline': '...'}); the result is re-validated"
    )


class RegenerateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: str = Field(description="e.g. headlines, descriptions, path1, primary_text, headline, ad_text")
    index: int | None = Field(
        default=None, ge=0, description="One line of a list field; None = the whole field"
    )


class ApproveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account_id: uuid.UUID | None = Field(default=None, description="AdPilot's id of the target ad account")
    ad_group_id: ExternalId | None = Field(
        default=None, description="The platform's id of the target ad group"
    )
    final_url: HttpsUrl | None = Field(default=None, description="Defaults to the request's final_url")
