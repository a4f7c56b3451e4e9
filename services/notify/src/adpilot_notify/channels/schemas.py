from __future__ import annotations

from pydantic import BaseModel, Field

from adpilot_notify.destinations.schemas import PersonalChannel


class ChannelInfo(BaseModel):
    channel: PersonalChannel
    available: bool = Field(description="Configured on this server: destinations can be added for it")
    missing_settings: list[str] = Field(
        default_factory=list, description="Environment variables to set before it can be used"
    )


class ChannelList(BaseModel):
    items: list[ChannelInfo]
