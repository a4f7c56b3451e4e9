"""Storing linked logins: one encrypted connection per platform login, its ad accounts, the audit trail.

Re-linking is recognised by the accounts a login reaches, since the platforms' scopes we ask for reveal no
stable user id: an existing connection of the org whose accounts are all reachable through the new login is
the same login linked again (typically after "reconnect required"), so its tokens are replaced instead of a
second connection appearing. Accounts reachable through the new login but still held by another connection
move to this one (ad accounts are unique per org, platform and external id; their sync state moves with them).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.crypto import SecretBox
from adpilot_common.problems import Problem
from adpilot_connectors.accounts.repository import connection_in_org
from adpilot_connectors.context import Connectors
from adpilot_connectors.credentials import store_credentials
from adpilot_connectors.identity import account_id_for
from adpilot_connectors.linking import events
from adpilot_connectors.linking.oauth import TokenGrant
from adpilot_connectors.models import AdAccountRow, ConnectionStatus, PlatformConnection
from adpilot_connectors.platforms.base import AdAccount, Credentials, Platform
from adpilot_connectors.writes import copy_outcome

PLATFORM_NAMES = {
    Platform.GOOGLE: "Google Ads",
    Platform.META: "Meta",
    Platform.TIKTOK: "TikTok",
    Platform.SANDBOX: "Sandbox",
}
AUDITED_ACCOUNT_IDS = 100  # an audit entry lists at most this many account ids


@dataclass(frozen=True)
class Actor:
    """Who asked, for the audit log."""

    user_id: uuid.UUID
    ip: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True)
class Linked:
    connection: PlatformConnection
    relinked: bool  # an existing connection got the new tokens


async def discover_accounts(
    connectors: Connectors,
    platform: Platform,
    credentials: Credentials,
    *,
    connection_id: uuid.UUID,
    org_id: uuid.UUID,
    advertiser_ids: Sequence[str] | None = None,
) -> list[AdAccount]:
    """The ad accounts the login reaches (raises the client's PlatformError subclasses)."""
    async with connectors.clients.open(
        platform,
        credentials,
        connection_id=connection_id,
        org_id=org_id,
        advertiser_ids=list(advertiser_ids) if advertiser_ids is not None else None,
    ) as client:
        return await client.list_accounts()


def label_for(platform: Platform, accounts: Sequence[AdAccount]) -> str:
    name = PLATFORM_NAMES[platform]
    if not accounts:
        return name
    more = f" and {len(accounts) - 1} more" if len(accounts) > 1 else ""
    return f"{name}: {accounts[0].name}{more}"[:200]


async def _lock_org_platform(session: AsyncSession, org_id: uuid.UUID, platform: Platform) -> None:
    """Serialise linking per org and platform until commit (two callbacks at once must not both create)."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
        {"key": f"connectors:link:{org_id}:{platform.value}"},
    )


async def upsert_accounts(
    session: AsyncSession, connection: PlatformConnection, accounts: Sequence[AdAccount]
) -> None:
    if not accounts:
        return
    rows = [
        {
            # A row that still exists keeps its id (ON CONFLICT below); a new one gets the derived id.
            "id": account_id_for(connection.org_id, connection.platform, a.external_id),
            "org_id": connection.org_id,
            "connection_id": connection.id,
            "platform": connection.platform,
            "external_id": a.external_id,
            "name": a.name[:300],
            "currency": a.currency[:3],
            "time_zone": a.time_zone[:64],
            "status": a.status.value,
            "is_manager": a.is_manager,
            "sync_enabled": True,
        }
        for a in {a.external_id: a for a in accounts}.values()
    ]
    statement = insert(AdAccountRow).values(rows)
    excluded = statement.excluded
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[AdAccountRow.org_id, AdAccountRow.platform, AdAccountRow.external_id],
            # The platform's facts and the owning connection; the sync state and settings stay.
            set_={
                "connection_id": excluded.connection_id,
                "name": excluded.name,
                "currency": excluded.currency,
                "time_zone": excluded.time_zone,
                "status": excluded.status,
                "is_manager": excluded.is_manager,
            },
        )
    )


async def _same_login(
    session: AsyncSession, org_id: uuid.UUID, platform: Platform, external_ids: list[str]
) -> PlatformConnection | None:
    """The connection whose accounts are all reachable through the new login (the largest such one)."""
    reachable = func.count().filter(AdAccountRow.external_id.in_(external_ids))
    rows = await session.execute(
        select(AdAccountRow.connection_id, func.count(), reachable)
        .where(AdAccountRow.org_id == org_id, AdAccountRow.platform == platform.value)
        .group_by(AdAccountRow.connection_id)
    )
    candidates = [(total, connection_id) for connection_id, total, hits in rows if total and hits == total]
    if not candidates:
        return None
    _, connection_id = max(candidates, key=lambda c: c[0])
    return await session.get(PlatformConnection, connection_id, with_for_update=True)


async def save_link(
    session: AsyncSession,
    box: SecretBox,
    *,
    org_id: uuid.UUID,
    platform: Platform,
    grant: TokenGrant,
    accounts: Sequence[AdAccount],
    actor: Actor,
    new_connection_id: uuid.UUID | None = None,
) -> Linked:
    """Store a completed link in the caller's transaction: connection, accounts, audit entry.

    ``new_connection_id`` is the id a new connection gets (the sandbox keys its simulated data by it)."""
    await _lock_org_platform(session, org_id, platform)
    now = datetime.now(UTC)
    connection = await _same_login(session, org_id, platform, [a.external_id for a in accounts])
    relinked = connection is not None
    # Whoever was told it needs attention (reconnect, or expiring) hears that it is fine again.
    all_clear = connection is not None and (
        connection.status == ConnectionStatus.RECONNECT_REQUIRED or connection.expiry_warned_for is not None
    )
    if connection is None:
        connection = PlatformConnection(
            id=new_connection_id or uuid.uuid4(), org_id=org_id, platform=platform.value
        )
        session.add(connection)
    connection.created_by = actor.user_id  # the one to tell when it needs reconnecting
    connection.label = label_for(platform, accounts)
    connection.scopes = grant.scopes
    connection.status = ConnectionStatus.ACTIVE
    connection.status_reason = None
    connection.expiry_warned_for = None
    connection.last_refreshed_at = now
    store_credentials(connection, box, grant.credentials)
    await session.flush()
    await upsert_accounts(session, connection, accounts)
    await events.audit(
        session,
        "connector.linked",
        connection,
        actor_user_id=actor.user_id,
        changes={
            "platform": platform.value,
            "relinked": relinked,
            "accounts": len(accounts),
            "account_ids": [a.external_id for a in accounts[:AUDITED_ACCOUNT_IDS]],
        },
        ip=actor.ip,
        user_agent=actor.user_agent,
    )
    if all_clear:
        await events.health_changed(session, connection, "ok", "linked again")
    return Linked(connection, relinked)


async def link_sandbox(connectors: Connectors, org_id: uuid.UUID, actor: Actor) -> PlatformConnection:
    """The org's one sandbox connection (409 when it exists); the simulated platform needs no real token."""
    async with connectors.sessions() as session, session.begin():
        await _lock_org_platform(session, org_id, Platform.SANDBOX)
        existing = (
            await session.execute(
                select(PlatformConnection.id).where(
                    PlatformConnection.org_id == org_id, PlatformConnection.platform == Platform.SANDBOX.value
                )
            )
        ).scalar_one_or_none()
        if existing is not None:
            raise Problem(
                409,
                "Sandbox already linked",
                "This organisation already has a sandbox connection.",
                connection_id=str(existing),
            )
        connection_id = uuid.uuid4()
        # A random placeholder keeps the column shape of real connections (and exercises the encryption path).
        credentials = Credentials(access_token=secrets.token_urlsafe(32))
        accounts = await discover_accounts(
            connectors, Platform.SANDBOX, credentials, connection_id=connection_id, org_id=org_id
        )
        linked = await save_link(
            session,
            connectors.box,
            org_id=org_id,
            platform=Platform.SANDBOX,
            grant=TokenGrant(credentials),
            accounts=accounts,
            actor=actor,
            new_connection_id=connection_id,
        )
    return linked.connection


async def list_connections(session: AsyncSession, org_id: uuid.UUID) -> list[tuple[PlatformConnection, int]]:
    counts = (
        select(AdAccountRow.connection_id, func.count().label("accounts"))
        .where(AdAccountRow.org_id == org_id)
        .group_by(AdAccountRow.connection_id)
        .subquery()
    )
    rows = await session.execute(
        select(PlatformConnection, func.coalesce(counts.c.accounts, 0))
        .outerjoin(counts, counts.c.connection_id == PlatformConnection.id)
        .where(PlatformConnection.org_id == org_id)
        .order_by(PlatformConnection.created_at, PlatformConnection.id)
    )
    return [(connection, int(accounts)) for connection, accounts in rows]


async def unlink(session: AsyncSession, org_id: uuid.UUID, connection_id: uuid.UUID, actor: Actor) -> None:
    """Delete a connection of the org (its ad accounts, mirror and jobs cascade); 404 for other orgs' ids.
    Copy still waiting to be published to its accounts is reported back to ai-copy as failed."""
    connection = await connection_in_org(session, org_id, connection_id, for_update=True)
    accounts = await session.scalar(
        select(func.count()).select_from(AdAccountRow).where(AdAccountRow.connection_id == connection.id)
    )
    await events.audit(
        session,
        "connector.unlinked",
        connection,
        actor_user_id=actor.user_id,
        changes={"platform": connection.platform, "label": connection.label, "accounts": int(accounts or 0)},
        ip=actor.ip,
        user_agent=actor.user_agent,
    )
    await copy_outcome.stage_unlinked(session, connection.id)
    await session.delete(connection)
