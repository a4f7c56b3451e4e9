"""Shared bits of the HTTP API: the caller's org and roles."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.dependencies import db_session
from adpilot_common.security.dependencies import require_role
from adpilot_common.security.tokens import AccessClaims, Role

Session = Annotated[AsyncSession, Depends(db_session)]
Viewer = Annotated[AccessClaims, Depends(require_role(Role.VIEWER))]
Admin = Annotated[AccessClaims, Depends(require_role(Role.ADMIN))]


def org_of(caller: AccessClaims) -> uuid.UUID:
    assert caller.org_id is not None  # require_role admits only callers with an active org
    return caller.org_id
