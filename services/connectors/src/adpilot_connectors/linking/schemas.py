"""Request and response bodies of the linking endpoints (never a token, not even encrypted)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from adpilot_common.events.contracts.connector import PlatformName
from adpilot_connectors.linking.health import Health


class PlatformInfo(BaseModel):
    platform: PlatformName
    available: bool = Field(description="Configured on this server (the sandbox: enabled)")
    oauth: bool = Field(description="Linked through the platform's consent screen (false for the sandbox)")
    api_version: str | None
    missing_settings: list[str] = Field(
        default_factory=list, description="Environment variables to set before it can be linked"
    )


class AuthorizationStart(BaseModel):
    authorization_url: str = Field(description="Open this in the same browser; the platform sends it back")
    expires_at: datetime


class ConnectionOut(BaseModel):
    id: uuid.UUID
    platform: PlatformName
    label: str
    status: str
    status_reason: str | None
    health: Health
    token_expires_at: datetime | None
    accounts: int = Field(description="Ad accounts reachable through this connection")
    last_refreshed_at: datetime | None
    paused_until: datetime | None = Field(
        description="The platform's quota for this login is spent until then"
    )
    created_at: datetime
