"""The writes and the mirrored structure.

* A status or budget change the platform accepted is applied to the mirror at once (:func:`apply_update`,
  through the sync's :func:`~adpilot_connectors.sync.structure.apply_known_change`), which also stages the
  ``campaign.v1.status_changed`` / ``campaign.v1.updated`` event; the next sync then finds the row unchanged.
* New campaigns, ad groups and ads are mirrored by a sync the job queues when it ends (:func:`queue_sync`): the
  platform fills in what the request did not say (ids of parents, defaults), so its listing is the truth.
* The mirror is read for the audit entry's "before" (before :func:`apply_update` runs).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.jobs import wake_runners
from adpilot_connectors.models import AdAccountRow, AdGroupRow, AdRow, CampaignRow, SyncRun
from adpilot_connectors.platforms.base import Level
from adpilot_connectors.sync.repository import queue_run
from adpilot_connectors.sync.structure import AccountScope, apply_known_change
from adpilot_connectors.writes.schemas import Operation, SetBudget, SetStatus

_TABLES: dict[Level, Any] = {Level.CAMPAIGN: CampaignRow, Level.AD_GROUP: AdGroupRow, Level.AD: AdRow}


async def _before(
    session: AsyncSession, model: Any, account_id: uuid.UUID, external_id: str, column: str
) -> dict[str, Any] | None:
    """``{column: mirrored value}``, or None when the row is not mirrored (yet)."""
    row = (
        await session.execute(
            select(getattr(model, column)).where(
                model.account_id == account_id, model.external_id == external_id
            )
        )
    ).first()
    return None if row is None else {column: row[0]}


async def status_before(
    session: AsyncSession, account_id: uuid.UUID, level: Level, external_id: str
) -> dict[str, Any] | None:
    return await _before(session, _TABLES[level], account_id, external_id, "status")


async def budget_before(
    session: AsyncSession, account_id: uuid.UUID, campaign_id: str
) -> dict[str, Any] | None:
    return await _before(session, CampaignRow, account_id, campaign_id, "daily_budget_micros")


async def queue_sync(session: AsyncSession, account_id: uuid.UUID, requested_by: uuid.UUID) -> None:
    """Queue a sync of the account (unless one is queued or running already, or the account's sync is off)."""
    account = await session.get(AdAccountRow, account_id)
    if account is None or not account.sync_enabled or account.is_manager:
        return
    if await queue_run(session, account.org_id, account.id, requested_by) is not None:
        await wake_runners(session, SyncRun.__tablename__)


async def apply_update(session: AsyncSession, scope: AccountScope, op: Operation, external_id: str) -> None:
    """Mirror an accepted status or budget change now (creates wait for the job's closing sync)."""
    if isinstance(op, SetStatus):
        await apply_known_change(session, scope, _TABLES[op.level], external_id, {"status": op.status})
    elif isinstance(op, SetBudget):
        await apply_known_change(
            session, scope, CampaignRow, external_id, {"daily_budget_micros": op.daily_budget_micros}
        )
