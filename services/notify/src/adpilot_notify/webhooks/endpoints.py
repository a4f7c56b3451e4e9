"""An org's outgoing webhooks (admins): CRUD, the one-time secret, a send-test action."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request, Response
from sqlalchemy import select

from adpilot_common.audit import Audit, changed
from adpilot_common.crypto import SecretBox
from adpilot_common.dependencies import DbSession as Session
from adpilot_common.events.envelope import EventEnvelope
from adpilot_common.problems import Problem
from adpilot_common.security.dependencies import Admin, org_of
from adpilot_common.security.tokens import AccessClaims
from adpilot_notify.config import Settings
from adpilot_notify.deliveries import repository
from adpilot_notify.models import WebhookEndpoint
from adpilot_notify.ssrf import UnsafeTarget, check_target
from adpilot_notify.webhooks.schemas import (
    TestSent,
    WebhookCreated,
    WebhookIn,
    WebhookList,
    WebhookOut,
    WebhookPatch,
)
from adpilot_notify.webhooks.signing import new_secret

router = APIRouter(prefix="/api/notify/webhooks")
TEST_EVENT_TYPE = "notify.v1.webhook_test"


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.runtime.settings
    return settings


async def _checked_url(request: Request, url: str) -> str:
    try:
        await check_target(url, allow_private=_settings(request).private_targets_allowed)
    except UnsafeTarget as exc:
        raise Problem(422, "Invalid webhook URL", str(exc)) from None
    return url


def _audited(endpoint: WebhookEndpoint) -> dict[str, Any]:
    """A webhook as its audit entries describe it: the URL's host only (a path or query often embeds a token,
    as chat webhooks do) and never the signing secret."""
    return {
        "host": urlsplit(endpoint.url).hostname,
        "description": endpoint.description,
        "event_types": list(endpoint.event_types),
        "enabled": endpoint.enabled,
    }


async def _endpoint(session: Session, caller: AccessClaims, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    endpoint = await session.scalar(
        select(WebhookEndpoint).where(
            WebhookEndpoint.id == endpoint_id, WebhookEndpoint.org_id == org_of(caller)
        )
    )
    if endpoint is None:
        raise Problem(404, "Webhook not found", f"No webhook {endpoint_id} in this organisation.")
    return endpoint


@router.post("", status_code=201)
async def create_webhook(
    body: WebhookIn, caller: Admin, session: Session, request: Request, audit: Audit
) -> WebhookCreated:
    settings = _settings(request)
    url = await _checked_url(request, body.url)
    secret = new_secret()
    box: SecretBox = request.app.state.secret_box
    endpoint = WebhookEndpoint(
        id=uuid.uuid4(),
        org_id=org_of(caller),
        url=url,
        description=body.description,
        event_types=body.event_types,
        secret_encrypted=box.encrypt(secret),
        enabled=True,
        consecutive_failures=0,
        created_by=caller.user_id,
        created_at=datetime.now(UTC),
    )
    session.add(endpoint)
    await session.flush()
    await audit.record(session, "webhook.created", "webhook", endpoint.id, _audited(endpoint))
    return WebhookCreated(
        **WebhookOut.model_validate(endpoint).model_dump(),
        secret=secret,
        replay_window_s=settings.webhooks.replay_window_s,
    )


@router.get("")
async def list_webhooks(caller: Admin, session: Session) -> WebhookList:
    rows = await session.scalars(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.org_id == org_of(caller))
        .order_by(WebhookEndpoint.created_at)
    )
    return WebhookList(items=[WebhookOut.model_validate(e) for e in rows])


@router.get("/{endpoint_id}")
async def get_webhook(endpoint_id: uuid.UUID, caller: Admin, session: Session) -> WebhookOut:
    return WebhookOut.model_validate(await _endpoint(session, caller, endpoint_id))


@router.patch("/{endpoint_id}")
async def update_webhook(
    endpoint_id: uuid.UUID,
    body: WebhookPatch,
    caller: Admin,
    session: Session,
    request: Request,
    audit: Audit,
) -> WebhookOut:
    endpoint = await _endpoint(session, caller, endpoint_id)
    before, old_url = _audited(endpoint), endpoint.url
    if body.url is not None:
        endpoint.url = await _checked_url(request, body.url)
    if body.event_types is not None:
        endpoint.event_types = body.event_types
    if body.description is not None:
        endpoint.description = body.description
    if body.enabled is not None:
        endpoint.enabled = body.enabled
        if body.enabled:  # re-enabling starts the failure count afresh
            endpoint.consecutive_failures = 0
            endpoint.disabled_reason = None
        else:
            endpoint.disabled_reason = "disabled by an administrator"
    await session.flush()
    after = _audited(endpoint)
    changes = changed(before, after)
    if endpoint.url != old_url:  # a new URL on the same host is a change too
        changes["host"] = {"old": before["host"], "new": after["host"]}
    if changes:
        await audit.record(session, "webhook.updated", "webhook", endpoint.id, changes)
    return WebhookOut.model_validate(endpoint)


@router.delete("/{endpoint_id}", status_code=204)
async def delete_webhook(endpoint_id: uuid.UUID, caller: Admin, session: Session, audit: Audit) -> Response:
    endpoint = await _endpoint(session, caller, endpoint_id)
    await audit.record(session, "webhook.deleted", "webhook", endpoint.id, _audited(endpoint))
    await session.delete(endpoint)
    return Response(status_code=204)


@router.post("/{endpoint_id}/test", status_code=202)
async def send_test(endpoint_id: uuid.UUID, caller: Admin, session: Session) -> TestSent:
    """Queue a signed test event (type notify.v1.webhook_test) to this endpoint; see it in the delivery log."""
    endpoint = await _endpoint(session, caller, endpoint_id)
    if not endpoint.enabled:
        raise Problem(409, "Webhook disabled", "Enable the webhook before sending a test.")
    event = EventEnvelope(
        type=TEST_EVENT_TYPE,
        source="notify",
        org_id=endpoint.org_id,
        data={"message": "This is a test event from AdPilot.", "webhook_id": str(endpoint.id)},
    )
    delivery_id = await repository.enqueue(
        session,
        event_id=event.id,
        event_type=TEST_EVENT_TYPE,
        org_id=endpoint.org_id,
        user_id=caller.user_id,
        channel="webhook",
        destination=str(endpoint.id),
        endpoint_id=endpoint.id,
        template="webhook",
        context={"body": event.model_dump_json()},
        urgent=True,
    )
    assert delivery_id is not None
    return TestSent(delivery_id=delivery_id)
