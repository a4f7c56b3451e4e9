from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_auth.models.org import Membership, Org
from adpilot_auth.models.user import User
from adpilot_auth.users.repository import UserRepository
from adpilot_common.events.contracts.user import UserRegistered
from adpilot_common.messaging.outbox import add_to_outbox, build_event


def normalise_email(email: str) -> str:
    return email.strip().casefold()


async def create_account(
    session: AsyncSession, email: str, *, password_hash: str | None, display_name: str | None
) -> User | None:
    """Create a user with a personal workspace they own, and stage ``user.v1.registered``.

    Returns None when the address is already registered (race-safe). SSO sign-ups pass ``password_hash=None``.
    """
    user = User(
        id=uuid.uuid4(), email=normalise_email(email), password_hash=password_hash, display_name=display_name
    )
    if not await UserRepository(session).insert_if_absent(user):
        return None
    # Everyone starts as the owner of a personal workspace; invitations add them to others.
    org = Org(id=uuid.uuid4(), name=f"{display_name or user.email.split('@')[0]}'s workspace"[:200])
    session.add(org)
    await session.flush()
    session.add(Membership(org_id=org.id, user_id=user.id, role="owner"))
    event = build_event(
        "user.v1.registered",
        UserRegistered(user_id=user.id, email=user.email, display_name=user.display_name),
        source="auth",
        org_id=org.id,
    )
    await add_to_outbox(session, event)
    return user
