"""Which personal channels this server can send on, so clients offer only those (as connectors' /platforms)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from adpilot_common.security.dependencies import Viewer
from adpilot_notify.channels.registry import PERSONAL_CHANNELS, missing_settings
from adpilot_notify.channels.schemas import ChannelInfo, ChannelList
from adpilot_notify.config import Settings

router = APIRouter(prefix="/api/notify/channels")


@router.get("")
async def list_channels(caller: Viewer, request: Request) -> ChannelList:
    """Every channel a destination can be added for, and whether it is configured on this server."""
    settings: Settings = request.app.state.runtime.settings
    items = []
    for channel in PERSONAL_CHANNELS:
        missing = missing_settings(settings, channel)
        items.append(ChannelInfo(channel=channel, available=not missing, missing_settings=missing))
    return ChannelList(items=items)
