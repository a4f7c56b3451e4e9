"""Events published by the auth service about login sessions."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel


class SessionRevoked(BaseModel):
    """A session ended early (logout, revoke, refresh-token reuse, password change, account disabled).

    Every service drops access tokens carrying this ``sid`` until they would have expired anyway.
    """

    session_id: uuid.UUID
    user_id: uuid.UUID
    revoked_at: datetime
    reason: str
