"""Sync now: queue a manual run, or explain (409) why the account cannot sync at the moment."""

from __future__ import annotations

import math
import uuid
from datetime import UTC

from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.jobs import wake_runners
from adpilot_common.problems import Problem
from adpilot_connectors.models import AdAccountRow, ConnectionStatus, PlatformConnection, SyncRun
from adpilot_connectors.quota import pause_remaining_s
from adpilot_connectors.sync import repository


async def request_sync(session: AsyncSession, account: AdAccountRow, requested_by: uuid.UUID) -> SyncRun:
    """The account's queued or running run: a new manual one, or the one already active (never two)."""
    connection = await session.get(PlatformConnection, account.connection_id)
    assert connection is not None  # the foreign key cascades: an account always has its connection
    refuse_if_blocked(account, connection)
    # A run can finish between our conflicting insert and the look-up of the active one: then queue again.
    for _ in range(3):
        run = await repository.queue_run(session, account.org_id, account.id, requested_by)
        if run is not None:
            await wake_runners(session, SyncRun.__tablename__)
            return run
        active = await repository.active_run(session, account.id)
        if active is not None:
            return active
    raise Problem(503, "Sync busy", "The account's sync state keeps changing; try again.")


def refuse_if_blocked(account: AdAccountRow, connection: PlatformConnection) -> None:
    if account.is_manager:
        raise Problem(
            409,
            "Manager account",
            "A manager account has no campaigns or metrics of its own; sync its client accounts instead.",
        )
    if connection.status != ConnectionStatus.ACTIVE:
        raise Problem(
            409,
            "Reconnect required",
            f"The connection {connection.label!r} must be linked again before this account can sync"
            + (f": {connection.status_reason}" if connection.status_reason else "."),
            connection_id=str(connection.id),
            connection_status=connection.status,
        )
    remaining = pause_remaining_s(connection)
    if remaining > 0 and connection.paused_until is not None:
        until = connection.paused_until.astimezone(UTC)
        raise Problem(
            409,
            "Sync paused",
            f"The platform's API quota for the connection {connection.label!r} is exhausted; "
            f"syncing resumes at {until.isoformat(timespec='seconds')}.",
            headers={"Retry-After": str(math.ceil(remaining))},
            connection_id=str(connection.id),
            paused_until=until.isoformat(),
        )
