from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_auth.users.schemas import RegistrationAccepted, RegistrationRequest
from adpilot_auth.users.service import register_user
from adpilot_common.dependencies import db_session

router = APIRouter(prefix="/api/auth", tags=["accounts"])


@router.post("/register", status_code=status.HTTP_202_ACCEPTED, response_model=RegistrationAccepted)
async def register(
    body: RegistrationRequest, session: Annotated[AsyncSession, Depends(db_session)]
) -> RegistrationAccepted:
    """Create an account; the verification email goes out through ``user.v1.registered``."""
    await register_user(session, body)
    return RegistrationAccepted()
