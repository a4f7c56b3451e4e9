"""What endpoints, subscribers and jobs of the connectors service share (one per process, on ``app.state``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adpilot_common.crypto import SecretBox
from adpilot_connectors.config import Settings
from adpilot_connectors.platforms.factory import PlatformClients


@dataclass(frozen=True)
class Connectors:
    settings: Settings
    box: SecretBox  # encrypts platform tokens at rest
    sessions: async_sessionmaker[AsyncSession]
    clients: PlatformClients


def connectors_of(request: Request) -> Connectors:
    connectors: Connectors = request.app.state.connectors
    return connectors


Ctx = Annotated[Connectors, Depends(connectors_of)]
# Reading accounts, campaigns and sync history: any member of the org (viewer and up).
# Linking accounts, syncing, writing to the platforms: member and up.
