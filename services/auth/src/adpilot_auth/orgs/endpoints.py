"""Orgs, members and roles, invitations. Role and org claims in the body are never read (no mass assignment)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from adpilot_auth.context import Caller, Deps
from adpilot_auth.models.org import Membership, Org
from adpilot_auth.orgs import service
from adpilot_auth.orgs.schemas import (
    InvitationAccept,
    InvitationCreate,
    InvitationOut,
    MemberOut,
    OrgCreate,
    OrgOut,
    OrgUpdate,
    RoleChange,
)
from adpilot_auth.sessions import service as sessions
from adpilot_auth.sessions.schemas import TokenResponse

router = APIRouter(prefix="/api/auth/orgs", tags=["orgs"])


def _org_out(org: Org, role: str) -> OrgOut:
    return OrgOut.model_validate(
        {"id": org.id, "name": org.name, "role": role, "require_mfa": org.require_mfa}
    )


@router.get("", response_model=list[OrgOut], summary="Organisations I belong to")
async def list_orgs(caller: Caller, deps: Deps) -> list[OrgOut]:
    async with deps.sessions() as session, session.begin():
        return [_org_out(org, role) for org, role in await service.my_orgs(session, caller.user_id)]


@router.post("", response_model=OrgOut, status_code=201)
async def create_org(body: OrgCreate, caller: Caller, deps: Deps) -> OrgOut:
    async with deps.sessions() as session, session.begin():
        org = await service.create_org(session, caller.user_id, body.name, deps.context)
        return _org_out(org, "owner")


@router.patch("/{org_id}", response_model=OrgOut, responses={403: {}, 404: {}})
async def update_org(org_id: uuid.UUID, body: OrgUpdate, caller: Caller, deps: Deps) -> OrgOut:
    async with deps.sessions() as session, session.begin():
        org = await service.update_org(
            session,
            org_id,
            caller.user_id,
            name=body.name,
            require_mfa=body.require_mfa,
            context=deps.context,
        )
        membership = await service.membership_or_404(session, org_id, caller.user_id)
        return _org_out(org, membership.role)


@router.post(
    "/{org_id}/switch",
    response_model=TokenResponse,
    responses={403: {"description": "The org requires MFA and this session has none"}, 404: {}},
)
async def switch_org(org_id: uuid.UUID, caller: Caller, deps: Deps, response: Response) -> TokenResponse:
    """Make ``org_id`` the session's active org; the new access token carries it and the role there."""
    async with deps.sessions() as session, session.begin():
        membership: Membership = await service.membership_or_404(session, org_id, caller.user_id)
        issued = await sessions.switch_org(session, deps.settings, deps.box, caller.session_id, membership)
    response.headers["Cache-Control"] = "no-store"
    return TokenResponse(access_token=issued[0], expires_at=issued[1], session_id=caller.session_id)


@router.get("/{org_id}/members", response_model=list[MemberOut], responses={404: {}})
async def list_members(org_id: uuid.UUID, caller: Caller, deps: Deps) -> list[MemberOut]:
    async with deps.sessions() as session, session.begin():
        rows = await service.members(session, org_id, caller.user_id)
    return [
        MemberOut(
            user_id=u.id,
            email=u.email,
            display_name=u.display_name,
            role=m.role,
            joined_at=m.created_at,
        )
        for u, m in rows
    ]


@router.put(
    "/{org_id}/members/{user_id}/role", response_model=MemberOut, responses={403: {}, 404: {}, 409: {}}
)
async def change_role(
    org_id: uuid.UUID, user_id: uuid.UUID, body: RoleChange, caller: Caller, deps: Deps
) -> MemberOut:
    async with deps.sessions() as session, session.begin():
        membership = await service.change_role(
            session, org_id, caller.user_id, user_id, body.role, deps.context
        )
        [(user, _)] = [
            (u, m) for u, m in await service.members(session, org_id, caller.user_id) if u.id == user_id
        ]
    return MemberOut(
        user_id=user.id,
        email=user.email,
        display_name=user.display_name,
        role=membership.role,
        joined_at=membership.created_at,
    )


@router.delete("/{org_id}/members/{user_id}", status_code=204, responses={403: {}, 404: {}, 409: {}})
async def remove_member(org_id: uuid.UUID, user_id: uuid.UUID, caller: Caller, deps: Deps) -> Response:
    async with deps.sessions() as session, session.begin():
        await service.remove_member(session, org_id, caller.user_id, user_id, deps.context)
    return Response(status_code=204)


@router.post(
    "/{org_id}/invitations",
    response_model=InvitationOut,
    status_code=201,
    responses={403: {}, 404: {}, 409: {"description": "Already a member, or already invited"}},
)
async def invite(org_id: uuid.UUID, body: InvitationCreate, caller: Caller, deps: Deps) -> InvitationOut:
    async with deps.sessions() as session, session.begin():
        invitation = await service.invite(
            session, org_id, caller.user_id, body.email, body.role, deps.context
        )
    return InvitationOut.model_validate(invitation, from_attributes=True)


@router.get("/{org_id}/invitations", response_model=list[InvitationOut], responses={403: {}, 404: {}})
async def list_invitations(org_id: uuid.UUID, caller: Caller, deps: Deps) -> list[InvitationOut]:
    async with deps.sessions() as session, session.begin():
        rows = await service.invitations(session, org_id, caller.user_id)
    return [InvitationOut.model_validate(i, from_attributes=True) for i in rows]


@router.delete("/{org_id}/invitations/{invitation_id}", status_code=204, responses={403: {}, 404: {}})
async def revoke_invitation(
    org_id: uuid.UUID, invitation_id: uuid.UUID, caller: Caller, deps: Deps
) -> Response:
    async with deps.sessions() as session, session.begin():
        await service.revoke_invitation(session, org_id, caller.user_id, invitation_id, deps.context)
    return Response(status_code=204)


@router.post("/invitations/accept", response_model=OrgOut, responses={404: {}})
async def accept_invitation(body: InvitationAccept, caller: Caller, deps: Deps) -> OrgOut:
    async with deps.sessions() as session, session.begin():
        org = await service.accept_invitation(session, caller.user_id, body.token, deps.context)
        membership = await service.membership_or_404(session, org.id, caller.user_id)
        return _org_out(org, membership.role)
