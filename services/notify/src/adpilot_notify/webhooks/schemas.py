from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from adpilot_notify.deliveries.events import ORG_EVENTS


def _check_types(values: list[str]) -> list[str]:
    unknown = sorted(set(values) - set(ORG_EVENTS))
    if unknown:
        raise ValueError(f"unknown event types {unknown}; one of {', '.join(ORG_EVENTS)}")
    return sorted(set(values))


class WebhookIn(BaseModel):
    url: str = Field(max_length=2048)
    event_types: list[str] = Field(min_length=1)
    description: str | None = Field(default=None, max_length=500)

    _types = field_validator("event_types")(_check_types)


class WebhookPatch(BaseModel):
    url: str | None = Field(default=None, max_length=2048)
    event_types: list[str] | None = Field(default=None, min_length=1)
    description: str | None = Field(default=None, max_length=500)
    enabled: bool | None = None

    @field_validator("event_types")
    @classmethod
    def _types(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _check_types(value)


class WebhookOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    url: str
    description: str | None
    event_types: list[str]
    enabled: bool
    consecutive_failures: int
    disabled_reason: str | None
    created_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="Signing secret: shown only in this response")
    signature_scheme: str = (
        "X-AdPilot-Signature: v1=hex(HMAC-SHA256(secret, '<X-AdPilot-Timestamp>.<raw body>')); "
        "reject timestamps older than the replay window"
    )
    replay_window_s: int


class WebhookList(BaseModel):
    items: list[WebhookOut]


class TestSent(BaseModel):
    delivery_id: uuid.UUID
