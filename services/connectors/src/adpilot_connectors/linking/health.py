"""Token health of a connection, as the API shows it and the token check acts on it.

* ``reconnect_required``: the platform refused the token (or it expired and cannot be renewed); the user must
  link the login again.
* ``expires_soon``: the token expires within ``token_expiry_warning_days`` and AdPilot cannot renew it by
  itself. Google access tokens with a refresh token never count (they are renewed every hour); a Meta token
  only counts once re-extending it has not moved its expiry out of the window.
* ``ok``: everything else, including TikTok and sandbox tokens, which do not expire.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from adpilot_connectors.config import Settings
from adpilot_connectors.models import ConnectionStatus, PlatformConnection
from adpilot_connectors.platforms.base import Platform

Health = Literal["ok", "expires_soon", "reconnect_required"]


def renewable(connection: PlatformConnection) -> bool:
    """Can AdPilot get a new access token whenever it wants (Google with a refresh token)?"""
    return connection.platform == Platform.GOOGLE.value and connection.refresh_token_encrypted is not None


def expired(connection: PlatformConnection, now: datetime) -> bool:
    """Expired beyond what AdPilot can renew."""
    exp = connection.token_expires_at
    return exp is not None and exp <= now and not renewable(connection)


def health_of(connection: PlatformConnection, now: datetime, settings: Settings) -> Health:
    if connection.status == ConnectionStatus.RECONNECT_REQUIRED:
        return "reconnect_required"
    exp = connection.token_expires_at
    if exp is None or renewable(connection):
        return "ok"
    if exp <= now:
        return "reconnect_required"
    if exp - now <= timedelta(days=settings.token_expiry_warning_days):
        return "expires_soon"
    return "ok"
