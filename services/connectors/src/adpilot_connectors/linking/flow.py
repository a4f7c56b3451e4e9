"""The OAuth callback, step by step: spend the state, check the session, exchange the code, find the accounts,
store everything in one transaction. Any refusal ends in a short ``link_error`` code and writes no connection."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from adpilot_common.logging import get_logger
from adpilot_common.security.revocations import RevocationSet
from adpilot_connectors.context import Connectors
from adpilot_connectors.linking import oauth, state
from adpilot_connectors.linking.oauth import OAuthRefused, OAuthUnavailable
from adpilot_connectors.linking.service import Actor, discover_accounts, save_link
from adpilot_connectors.linking.state import LinkError
from adpilot_connectors.platforms.base import Platform, PlatformError

log = get_logger(__name__)

# What the platforms send back when the user declines (Google, Meta: access_denied; Meta adds user_denied).
_DECLINED = frozenset({"access_denied", "user_denied", "consent_required"})


@dataclass(frozen=True)
class Outcome:
    connection_id: uuid.UUID | None = None
    error: str | None = None


async def complete(
    connectors: Connectors,
    revocations: RevocationSet,
    platform: Platform,
    *,
    state_value: str | None,
    browser_nonce: str | None,
    code: str | None,
    error: str | None,
    ip: str | None = None,
    user_agent: str | None = None,
) -> Outcome:
    def refused(reason: str, **details: object) -> Outcome:
        log.info("platform link refused", platform=platform.value, reason=reason, **details)
        return Outcome(error=reason)

    if not state_value:
        return refused(LinkError.INVALID_STATE)
    async with connectors.sessions() as session, session.begin():  # commits: the state is spent either way
        consumed = await state.consume(
            session, connectors.box, state=state_value, platform=platform, browser_nonce=browser_nonce
        )
    pending = consumed.pending
    if pending is None:
        return refused(consumed.error or LinkError.INVALID_STATE)
    if revocations.is_revoked(pending.session_id):
        return refused(LinkError.SESSION_REVOKED, org_id=str(pending.org_id))
    if error or not code:
        declined = not error or error in _DECLINED
        return refused(
            LinkError.ACCESS_DENIED if declined else LinkError.PLATFORM_ERROR,
            platform_error=(error or "")[:64],
        )
    settings = connectors.settings
    if oauth.missing_settings(settings, platform):
        return refused(LinkError.NOT_CONFIGURED)

    try:
        grant = await oauth.exchange_code(settings, platform, code, code_verifier=pending.code_verifier)
    except OAuthRefused as exc:
        return refused(LinkError.EXCHANGE_FAILED, detail=str(exc))
    except OAuthUnavailable as exc:
        return refused(LinkError.PLATFORM_ERROR, detail=str(exc))
    try:
        accounts = await discover_accounts(
            connectors,
            platform,
            grant.credentials,
            connection_id=uuid.uuid4(),
            org_id=pending.org_id,
            advertiser_ids=grant.advertiser_ids,
        )
    except PlatformError as exc:  # messages of the clients' errors never carry tokens
        return refused(LinkError.PLATFORM_ERROR, detail=str(exc)[:300])
    if not accounts:
        return refused(LinkError.NO_ACCOUNTS, org_id=str(pending.org_id))

    async with connectors.sessions() as session, session.begin():
        linked = await save_link(
            session,
            connectors.box,
            org_id=pending.org_id,
            platform=platform,
            grant=grant,
            accounts=accounts,
            actor=Actor(pending.user_id, ip, user_agent),
        )
    log.info(
        "platform linked",
        platform=platform.value,
        org_id=str(pending.org_id),
        connection_id=str(linked.connection.id),
        accounts=len(accounts),
        relinked=linked.relinked,
    )
    return Outcome(connection_id=linked.connection.id)
