"""Runs one sync run (a leased job): structure mirror, then incremental metrics, then the outcome.

Every outcome is decided here, so a run never ends without its event: success commits the cursor, the run and
``connector.v1.sync_completed`` together; a failure commits the run, the connection's pause or reconnect flag
and ``connector.v1.sync_failed`` together. Only transient trouble (platform 5xx, our database blinking) goes
back to the queue (RetryLater, bounded back-off), and on the last attempt it fails the run like the rest. A
lost lease (another worker took the run over) stops this attempt without writing anything more.
"""

from __future__ import annotations

import asyncio
import time
import traceback
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.jobs import GiveUpHook, JobHandler, JobLease, LeaseLost, RetryLater
from adpilot_common.logging import get_logger
from adpilot_connectors.context import Connectors
from adpilot_connectors.linking.refresh import refresh_connection
from adpilot_connectors.models import PlatformConnection
from adpilot_connectors.platforms.base import Credentials, RateLimited
from adpilot_connectors.quota import pause_remaining_s
from adpilot_connectors.sync import runs
from adpilot_connectors.sync.errors import SyncFailure, backoff_s, classify, redact
from adpilot_connectors.sync.metrics import metrics_window, send_metrics
from adpilot_connectors.sync.observability import count_run
from adpilot_connectors.sync.structure import apply_structure, fetch_structure
from adpilot_connectors.sync.target import SyncTarget

log = get_logger(__name__)


def sync_job_handler(connectors: Connectors) -> JobHandler:
    async def handle(job_id: uuid.UUID, lease: JobLease) -> None:
        await run_sync(connectors, job_id, lease)

    return handle


def sync_give_up_hook(connectors: Connectors) -> GiveUpHook:
    """For ``JobRunner(on_give_up=...)``: when the runner fails a run itself (its workers kept dying), the
    account and ``connector.v1.sync_failed`` still say so."""

    async def on_give_up(session: AsyncSession, job_id: uuid.UUID, reason: str) -> None:
        target = await runs.load_target(session, connectors, job_id)
        if target is not None:
            await runs.fail(session, target, SyncFailure("internal", reason), lease=None)
            count_run(target.platform.value, "failed", kind="internal")

    return on_give_up


async def run_sync(connectors: Connectors, job_id: uuid.UUID, lease: JobLease) -> None:
    async with connectors.sessions() as session, session.begin():
        loaded = await runs.load_run(session, connectors, job_id)
    if loaded is None:
        return  # the account (and with it the run) was deleted meanwhile
    target = loaded.target
    credentials: Credentials | None = None
    started = time.monotonic()
    try:
        _refuse_if_paused(loaded.connection)
        credentials = await refresh_connection(connectors, target.connection_id)
        async with connectors.clients.open(
            target.platform, credentials, connection_id=target.connection_id, org_id=target.org_id
        ) as client:
            structure = await fetch_structure(client, target.external_account_id)
            window = metrics_window(connectors, target, client)
            lease.check()
            async with connectors.sessions() as session, session.begin():
                changes = await apply_structure(session, target, structure)
                await runs.record_structure(session, lease, changes, window)
            rows = await send_metrics(connectors, target, client, lease, window)
        async with connectors.sessions() as session, session.begin():
            await runs.complete(session, target, lease, window.complete_through)
        count_run(target.platform.value, "succeeded", time.monotonic() - started)
        log.info(
            "sync run succeeded",
            run_id=str(target.run_id),
            account_id=str(target.account_id),
            campaigns_created=changes.campaigns_created,
            campaigns_updated=changes.campaigns_updated,
            metrics_from=window.start.isoformat(),
            metrics_to=window.end.isoformat(),
            metric_rows=rows,
        )
    except (LeaseLost, asyncio.CancelledError):
        raise
    except Exception as exc:
        secrets = (credentials.access_token, credentials.refresh_token) if credentials else ()
        failure = classify(exc, secrets)
        _log_failure(target, lease, exc, failure, secrets)
        if failure.retryable and not lease.last_attempt:
            count_run(target.platform.value, "retried", time.monotonic() - started)
            raise RetryLater(failure.message, delay_s=backoff_s(lease.attempt)) from None
        async with connectors.sessions() as session, session.begin():
            await runs.fail(session, target, failure, lease=lease)
        count_run(target.platform.value, "failed", time.monotonic() - started, kind=failure.kind)


def _refuse_if_paused(connection: PlatformConnection) -> None:
    """A run queued before its connection's quota ran out fails at once, without calling the platform (a
    connection that needs reconnecting is refused by ``refresh_connection``)."""
    remaining = pause_remaining_s(connection)
    if remaining > 0:
        assert connection.paused_until is not None
        raise RateLimited(
            f"the platform's quota for this connection is exhausted until {connection.paused_until.isoformat()}",
            retry_after_s=remaining,
            scope="connection",
        )


def _log_failure(
    target: SyncTarget, lease: JobLease, exc: Exception, failure: SyncFailure, secrets: tuple[str | None, ...]
) -> None:
    fields = {
        "run_id": str(target.run_id),
        "account_id": str(target.account_id),
        "attempt": lease.attempt,
        "error_kind": failure.kind,
        "error": failure.message,
    }
    if failure.kind == "internal":  # ours: the full text and the stack, here only, without anything secret
        fields["detail"] = redact(f"{type(exc).__name__}: {exc}", secrets, limit=None)
        fields["traceback"] = redact("".join(traceback.format_exception(exc)), secrets, limit=None)
    log.warning("sync attempt failed", **fields)
