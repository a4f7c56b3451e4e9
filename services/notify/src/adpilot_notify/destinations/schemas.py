from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

PersonalChannel = Literal["email", "whatsapp", "signal"]


class DestinationIn(BaseModel):
    channel: PersonalChannel
    address: str = Field(min_length=3, max_length=320)


class DestinationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    channel: str
    address: str
    verified: bool
    verified_at: datetime | None
    created_at: datetime


class DestinationList(BaseModel):
    items: list[DestinationOut]


class CodeIn(BaseModel):
    code: str = Field(min_length=4, max_length=12)
