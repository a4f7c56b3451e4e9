"""Orgs (workspaces), memberships and roles, invitations. Every read is scoped: a non-member sees 404."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_auth.audit.service import RequestContext, record
from adpilot_auth.models.invitation import Invitation
from adpilot_auth.models.org import ROLES, Membership, Org
from adpilot_auth.models.user import User
from adpilot_auth.sessions.tokens import digest
from adpilot_auth.users.service import normalise_email
from adpilot_common import audit
from adpilot_common.events.contracts.user import UserInvited
from adpilot_common.messaging.outbox import add_to_outbox, build_event
from adpilot_common.problems import Problem

INVITATION_TTL = timedelta(days=7)
NOT_FOUND = Problem(404, detail="No such organisation.")


def rank(role: str) -> int:
    return ROLES.index(role)


async def membership_or_404(session: AsyncSession, org_id: uuid.UUID, user_id: uuid.UUID) -> Membership:
    membership = await session.get(Membership, (org_id, user_id))
    if membership is None:
        raise NOT_FOUND
    return membership


async def require_role(
    session: AsyncSession, org_id: uuid.UUID, user_id: uuid.UUID, minimum: str
) -> Membership:
    """The caller's membership, re-read from the database so a role change applies at once."""
    membership = await membership_or_404(session, org_id, user_id)
    if rank(membership.role) < rank(minimum):
        raise Problem(403, detail=f"This needs the {minimum} role in the organisation.")
    return membership


async def my_orgs(session: AsyncSession, user_id: uuid.UUID) -> list[tuple[Org, str]]:
    rows = await session.execute(
        select(Org, Membership.role)
        .join(Membership, Membership.org_id == Org.id)
        .where(Membership.user_id == user_id)
        .order_by(Membership.created_at)
    )
    return [(org, role) for org, role in rows.all()]


async def create_org(session: AsyncSession, user_id: uuid.UUID, name: str, context: RequestContext) -> Org:
    org = Org(id=uuid.uuid4(), name=name)
    session.add(org)
    await session.flush()
    session.add(Membership(org_id=org.id, user_id=user_id, role="owner"))
    await record(
        session,
        "org.created",
        context=context,
        actor_user_id=user_id,
        org_id=org.id,
        resource_type="org",
        resource_id=str(org.id),
        changes={"name": {"new": name}},
    )
    return org


async def update_org(
    session: AsyncSession,
    org_id: uuid.UUID,
    user_id: uuid.UUID,
    *,
    name: str | None,
    require_mfa: bool | None,
    context: RequestContext,
) -> Org:
    await require_role(session, org_id, user_id, "owner" if require_mfa is not None else "admin")
    org = await session.get(Org, org_id)
    assert org is not None
    requested = {"name": name, "require_mfa": require_mfa}
    wanted = {field: value for field, value in requested.items() if value is not None}
    changes = audit.changed({field: getattr(org, field) for field in wanted}, wanted)
    for field, value in wanted.items():
        setattr(org, field, value)
    if changes:
        await record(
            session,
            "org.updated",
            context=context,
            actor_user_id=user_id,
            org_id=org_id,
            resource_type="org",
            resource_id=str(org_id),
            changes=changes,
        )
    return org


async def members(
    session: AsyncSession, org_id: uuid.UUID, user_id: uuid.UUID
) -> list[tuple[User, Membership]]:
    await membership_or_404(session, org_id, user_id)
    rows = await session.execute(
        select(User, Membership)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.org_id == org_id)
        .order_by(Membership.created_at)
    )
    return [(u, m) for u, m in rows.all()]


async def _owners(session: AsyncSession, org_id: uuid.UUID) -> int:
    return int(
        (
            await session.execute(
                select(func.count())
                .select_from(Membership)
                .where(Membership.org_id == org_id, Membership.role == "owner")
            )
        ).scalar_one()
    )


async def change_role(
    session: AsyncSession,
    org_id: uuid.UUID,
    actor_id: uuid.UUID,
    target_id: uuid.UUID,
    role: str,
    context: RequestContext,
) -> Membership:
    actor = await require_role(session, org_id, actor_id, "admin")
    target = await membership_or_404(session, org_id, target_id)
    if target.role == role:
        return target
    # Only owners grant or take away ownership; admins manage everyone below owner.
    if "owner" in (role, target.role) and actor.role != "owner":
        raise Problem(403, detail="Only an owner can grant or remove the owner role.")
    if target.role == "owner" and await _owners(session, org_id) == 1:
        raise Problem(409, detail="An organisation needs at least one owner.")
    old = target.role
    target.role = role
    await record(
        session,
        "member.role_changed",
        context=context,
        actor_user_id=actor_id,
        org_id=org_id,
        resource_type="membership",
        resource_id=str(target_id),
        changes={"role": {"old": old, "new": role}},
    )
    return target


async def remove_member(
    session: AsyncSession,
    org_id: uuid.UUID,
    actor_id: uuid.UUID,
    target_id: uuid.UUID,
    context: RequestContext,
) -> None:
    target = await membership_or_404(session, org_id, actor_id if actor_id == target_id else target_id)
    if actor_id != target_id:
        actor = await require_role(session, org_id, actor_id, "admin")
        if target.role == "owner" and actor.role != "owner":
            raise Problem(403, detail="Only an owner can remove an owner.")
    if target.role == "owner" and await _owners(session, org_id) == 1:
        raise Problem(409, detail="An organisation needs at least one owner.")
    await session.delete(target)
    await record(
        session,
        "member.removed",
        context=context,
        actor_user_id=actor_id,
        org_id=org_id,
        resource_type="membership",
        resource_id=str(target_id),
        changes={"role": {"old": target.role}},
    )


async def _refuse_member_or_pending(session: AsyncSession, org_id: uuid.UUID, address: str) -> None:
    """409 for an address that is already a member, or already has a pending invitation (revoke that one to
    send a new link): one invitation, one email, per address. Addresses are compared normalised."""
    member = await session.scalar(
        select(Membership.user_id)
        .join(User, User.id == Membership.user_id)
        .where(Membership.org_id == org_id, User.email == address)
    )
    if member is not None:
        raise Problem(409, "Already a member", f"{address} is already a member of this organisation.")
    pending = await session.scalar(
        select(Invitation.id).where(
            Invitation.org_id == org_id,
            Invitation.email == address,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > datetime.now(UTC),
        )
    )
    if pending is not None:
        raise Problem(
            409,
            "Already invited",
            f"{address} already has a pending invitation; revoke it to send a new one.",
        )


async def invite(
    session: AsyncSession,
    org_id: uuid.UUID,
    actor_id: uuid.UUID,
    email: str,
    role: str,
    context: RequestContext,
) -> Invitation:
    await require_role(session, org_id, actor_id, "admin")
    # Locked: two invitations to one address sent at the same moment are checked one after the other.
    org = (await session.execute(select(Org).where(Org.id == org_id).with_for_update())).scalar_one()
    address = normalise_email(email)
    await _refuse_member_or_pending(session, org_id, address)
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        id=uuid.uuid4(),
        org_id=org_id,
        email=address,
        role=role,
        token_hash=digest(token),
        invited_by=actor_id,
        expires_at=datetime.now(UTC) + INVITATION_TTL,
    )
    session.add(invitation)
    await session.flush()
    await record(
        session,
        "invitation.created",
        context=context,
        actor_user_id=actor_id,
        org_id=org_id,
        resource_type="invitation",
        resource_id=str(invitation.id),
        changes={"email": {"new": invitation.email}, "role": {"new": role}},
    )
    await add_to_outbox(
        session,
        build_event(
            "user.v1.invited",
            UserInvited(
                invitation_id=invitation.id,
                org_id=org_id,
                org_name=org.name,
                email=invitation.email,
                role=role,
                token=token,
                expires_at=invitation.expires_at,
            ),
            source="auth",
            org_id=org_id,
        ),
    )
    return invitation


async def invitations(session: AsyncSession, org_id: uuid.UUID, actor_id: uuid.UUID) -> list[Invitation]:
    await require_role(session, org_id, actor_id, "admin")
    rows = await session.execute(
        select(Invitation)
        .where(Invitation.org_id == org_id, Invitation.revoked_at.is_(None))
        .order_by(Invitation.created_at.desc())
    )
    return list(rows.scalars())


async def revoke_invitation(
    session: AsyncSession,
    org_id: uuid.UUID,
    actor_id: uuid.UUID,
    invitation_id: uuid.UUID,
    context: RequestContext,
) -> None:
    await require_role(session, org_id, actor_id, "admin")
    invitation = await session.get(Invitation, invitation_id)
    if invitation is None or invitation.org_id != org_id or invitation.revoked_at is not None:
        raise Problem(404, detail="No such invitation.")
    invitation.revoked_at = datetime.now(UTC)
    await record(
        session,
        "invitation.revoked",
        context=context,
        actor_user_id=actor_id,
        org_id=org_id,
        resource_type="invitation",
        resource_id=str(invitation_id),
    )


async def accept_invitation(
    session: AsyncSession, user_id: uuid.UUID, token: str, context: RequestContext
) -> Org:
    """The signed-in user joins; the invitation must be addressed to their (verified-by-login) email."""
    invitation = (
        await session.execute(
            select(Invitation).where(Invitation.token_hash == digest(token)).with_for_update()
        )
    ).scalar_one_or_none()
    now = datetime.now(UTC)
    user = await session.get(User, user_id)
    if (
        invitation is None
        or user is None
        or invitation.accepted_at is not None
        or invitation.revoked_at is not None
        or invitation.expires_at <= now
        or invitation.email != user.email
    ):
        raise Problem(404, detail="This invitation is not valid for your account.")
    invitation.accepted_at = now
    if await session.get(Membership, (invitation.org_id, user_id)) is None:
        session.add(Membership(org_id=invitation.org_id, user_id=user_id, role=invitation.role))
    await record(
        session,
        "invitation.accepted",
        context=context,
        actor_user_id=user_id,
        org_id=invitation.org_id,
        resource_type="invitation",
        resource_id=str(invitation.id),
        changes={"role": {"new": invitation.role}},
    )
    org = await session.get(Org, invitation.org_id)
    assert org is not None
    return org
