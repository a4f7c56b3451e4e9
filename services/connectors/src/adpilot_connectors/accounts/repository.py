"""Org-scoped lookups: a row of another org is reported exactly like a row that does not exist (404)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.problems import Problem
from adpilot_connectors.models import AdAccountRow, PlatformConnection


def parse_id(value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Problem(404, f"Unknown {what}", f"{value!r} is not a {what} id.") from None


async def account_in_org(
    session: AsyncSession, org_id: uuid.UUID, account_id: uuid.UUID, *, for_update: bool = False
) -> AdAccountRow:
    query = select(AdAccountRow).where(AdAccountRow.id == account_id, AdAccountRow.org_id == org_id)
    if for_update:
        query = query.with_for_update()
    account = (await session.execute(query)).scalar_one_or_none()
    if account is None:
        raise Problem(404, "Unknown ad account", "No such ad account in this organisation.")
    return account


async def connection_in_org(
    session: AsyncSession, org_id: uuid.UUID, connection_id: uuid.UUID, *, for_update: bool = False
) -> PlatformConnection:
    query = select(PlatformConnection).where(
        PlatformConnection.id == connection_id, PlatformConnection.org_id == org_id
    )
    if for_update:
        query = query.with_for_update()
    connection = (await session.execute(query)).scalar_one_or_none()
    if connection is None:
        raise Problem(404, "Unknown connection", "No such platform connection in this organisation.")
    return connection
