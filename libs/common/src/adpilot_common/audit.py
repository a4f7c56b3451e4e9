"""Entries for the org's audit log, which auth keeps: a service stages ``audit.v1.requested`` in its outbox in the
transaction of the change it records, so the entry exists exactly when the change committed (a refused write,
rolled back, leaves none).

In an endpoint, the :data:`Audit` dependency knows the caller (actor, org, address) and the service::

    @router.delete("/budgets/{budget_id}", status_code=204)
    async def delete_budget(budget_id: uuid.UUID, caller: Member, session: Session, audit: Audit) -> Response:
        ...
        await audit.record(session, "budget.deleted", "budget", budget.id, {"amount_micros": ...})

``changes`` is a small dict of what an admin reading the log needs: ids, names, amounts, flags, never a secret,
a token or a message body. An update records only what differs, as auth does (:func:`changed`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.dependencies import runtime_of
from adpilot_common.events.contracts.audit import AuditRequested
from adpilot_common.events.envelope import EventEnvelope
from adpilot_common.messaging.outbox import add_to_outbox, build_event
from adpilot_common.security.dependencies import Principal

SUBJECT = "audit.v1.requested"
IP_MAX = 64
USER_AGENT_MAX = 512


@dataclass(frozen=True)
class AuditActor:
    """Who asked, from where: a signed-in user (their address as uvicorn's proxy headers give it), or a user on
    whose behalf an event is handled (no address)."""

    user_id: uuid.UUID | None
    ip: str | None = None
    user_agent: str | None = None

    @classmethod
    def of(cls, request: Request, user_id: uuid.UUID) -> AuditActor:
        return cls(
            user_id, request.client.host if request.client else None, request.headers.get("user-agent")
        )


def audit_event(
    action: str,
    *,
    source: str,
    org_id: uuid.UUID,
    actor: AuditActor,
    resource_type: str,
    resource_id: uuid.UUID | str,
    changes: Mapping[str, Any] | None = None,
    event_id: uuid.UUID | None = None,
) -> EventEnvelope:
    """The ``audit.v1.requested`` envelope of one action (``<area>.<verb>``, e.g. ``budget.created``); the
    address and user agent are cut to what the contract stores. ``event_id`` makes the entry exist once when the
    same action may be staged again (see :func:`adpilot_common.messaging.outbox.build_event`)."""
    entry = AuditRequested(
        action=action,
        actor_user_id=actor.user_id,
        resource_type=resource_type,
        resource_id=str(resource_id),
        changes=dict(changes) if changes is not None else None,
        ip=actor.ip[:IP_MAX] if actor.ip else None,
        user_agent=actor.user_agent[:USER_AGENT_MAX] if actor.user_agent else None,
    )
    return build_event(SUBJECT, entry, source=source, org_id=org_id, event_id=event_id)


def changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Auth's shape of an update: ``{field: {"old": ..., "new": ...}}`` for the fields of ``after`` that differ
    (empty when nothing did: a no-op write is not audited)."""
    return {k: {"old": before.get(k), "new": v} for k, v in after.items() if before.get(k) != v}


@dataclass(frozen=True)
class AuditTrail:
    """The calling user's audit entries in one request, staged in the request's transaction."""

    source: str
    org_id: uuid.UUID | None
    actor: AuditActor

    async def record(
        self,
        session: AsyncSession,
        action: str,
        resource_type: str,
        resource_id: uuid.UUID | str,
        changes: Mapping[str, Any] | None = None,
    ) -> None:
        assert self.org_id is not None, "audited endpoints act for an org (require_role)"
        event = audit_event(
            action,
            source=self.source,
            org_id=self.org_id,
            actor=self.actor,
            resource_type=resource_type,
            resource_id=resource_id,
            changes=changes,
        )
        await add_to_outbox(session, event)


def audit_trail(request: Request, caller: Principal) -> AuditTrail:
    """The caller's trail (the claims are the ones the role dependency already verified: FastAPI caches them)."""
    return AuditTrail(runtime_of(request).service, caller.org_id, AuditActor.of(request, caller.user_id))


Audit = Annotated[AuditTrail, Depends(audit_trail)]
