from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_auth.models.user import User
from adpilot_auth.users.passwords import hash_password
from adpilot_auth.users.repository import UserRepository
from adpilot_auth.users.schemas import RegistrationRequest
from adpilot_common.events.contracts.user import UserRegistered
from adpilot_common.messaging.outbox import add_to_outbox, build_event


def normalise_email(email: str) -> str:
    return email.strip().casefold()


async def register_user(session: AsyncSession, request: RegistrationRequest) -> uuid.UUID | None:
    """Create the account and stage ``user.v1.registered`` in the same transaction.

    Returns None when the address is already registered: the caller answers identically either way so the
    endpoint cannot be used to discover accounts.
    """
    user = User(
        id=uuid.uuid4(),
        email=normalise_email(request.email),
        password_hash=await hash_password(request.password),
        display_name=request.display_name,
    )
    if not await UserRepository(session).insert_if_absent(user):
        return None
    event = build_event(
        "user.v1.registered",
        UserRegistered(user_id=user.id, email=user.email, display_name=user.display_name),
        source="auth",
    )
    await add_to_outbox(session, event)
    return user.id
