from __future__ import annotations

from datetime import time
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, WithJsonSchema, field_validator

from adpilot_notify.deliveries.events import ORG_EVENTS

PersonalChannel = Literal["email", "whatsapp", "signal"]
# A local wall-clock time, sent and answered as "HH:MM[:SS]". JSON Schema's "format": "time" (what pydantic
# documents) is RFC 3339's full-time, which requires a UTC offset these never have.
LocalTime = Annotated[
    time,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$",
            "description": "HH:MM[:SS]",
        }
    ),
]


class QuietHours(BaseModel):
    """Local times in ``time_zone``; ``start`` after ``end`` spans midnight (22:00-07:00)."""

    start: LocalTime
    end: LocalTime


class SubscriptionIn(BaseModel):
    event_type: str
    channel: PersonalChannel

    @field_validator("event_type")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in ORG_EVENTS:
            raise ValueError(f"unknown event type; one of {', '.join(ORG_EVENTS)}")
        return value


class PreferencesIn(BaseModel):
    time_zone: str = "UTC"
    quiet_hours: QuietHours | None = None
    digest: Literal["off", "hourly", "daily"] = "off"
    locale: str = Field(default="en", max_length=16)
    subscriptions: list[SubscriptionIn] = Field(default_factory=list, max_length=100)

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not an IANA time zone (e.g. Europe/Berlin)") from None
        return value


class PreferencesOut(PreferencesIn):
    event_types: list[str] = Field(
        default_factory=lambda: list(ORG_EVENTS), description="What can be subscribed"
    )
