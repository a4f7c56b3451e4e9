"""Runs a write job: its pending items in position order, in chunks of one operation (one platform call for a
chunk of creates, one call per item for status and budget changes), committing every chunk's results with the
job's progress and the audit entries in one transaction. A job that wrote something queues a sync of its
account as it ends, so new campaigns, ad groups and ads are mirrored (and ``campaign.v1.created`` sent) within
seconds. A status or budget change the platform accepted updates the mirror at once, with its
``campaign.v1.status_changed`` / ``campaign.v1.updated`` event, in the transaction recording the item (see
:mod:`.mirror`).

Idempotency: only pending items are ever sent, and a chunk's results commit before the next chunk is sent, so
a crashed or deferred job resumes at the first pending item and never sends a succeeded one again. Items may
refer to parents created earlier in the job; a child whose parent failed fails with ``dependency_failed``.

How a run ends:

* every item done: the job ends ``succeeded``, ``partially_failed`` or ``failed`` (:func:`finish_job`);
* rate limited: the chunk's unsent items stay pending, the connection's quota is paused for the platform's
  hint (:mod:`adpilot_connectors.quota`) and the job is deferred as long (:class:`RetryLater`);
* platform unavailable: the call's items fail as ``transient`` (a create's outcome is unknown) and the job is
  deferred with exponential back-off, so an outage costs one call per attempt, never a storm;
* the link is broken: the connection is flagged, every remaining item fails ``reconnect_required``;
* on the runner's last attempt a deferral would be the end: the remaining items fail with their (retryable)
  kind instead, and the job finishes, so ``POST /write-jobs/{id}/retry`` can pick them up later.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.jobs import JobHandler, JobLease, JobStatus, RetryLater, finish_job, update_job
from adpilot_common.logging import get_logger
from adpilot_common.messaging.outbox import add_to_outbox
from adpilot_connectors.context import Connectors
from adpilot_connectors.linking.refresh import mark_reconnect_required, refresh_connection
from adpilot_connectors.models import (
    AdAccountRow,
    ConnectionStatus,
    PlatformConnection,
    WriteJob,
    WriteJobItem,
)
from adpilot_connectors.platforms.base import (
    AdPlatformClient,
    ErrorKind,
    NewAd,
    NewAdGroup,
    NewCampaign,
    Platform,
    PlatformError,
    RateLimited,
    ReconnectRequired,
    Status,
    TransientPlatformError,
    WriteResult,
    error_kind_of,
)
from adpilot_connectors.quota import pause_for_rate_limit, pause_remaining_s
from adpilot_connectors.writes import audit, copy_outcome, mirror
from adpilot_connectors.writes.repository import FAILED, PENDING, SUCCEEDED, counts
from adpilot_connectors.writes.schemas import (
    CREATE_OPS,
    DEPENDENCY_FAILED,
    CreateAd,
    CreateAdGroup,
    CreateCampaign,
    Operation,
    SetBudget,
    SetStatus,
)
from adpilot_connectors.writes.validation import load_operation

log = get_logger(__name__)

TRANSIENT_BACKOFF_CAP_S = 300.0
DEFAULT_RATE_LIMIT_S = 60.0  # when a platform refused items for quota without saying for how long
Effect = Callable[[AsyncSession], Awaitable[None]]


def write_job_handler(connectors: Connectors) -> JobHandler:
    async def handle(job_id: uuid.UUID, lease: JobLease) -> None:
        await _JobRun(connectors, job_id, lease).run()

    return handle


async def write_job_gave_up(session: AsyncSession, job_id: uuid.UUID, error: str) -> None:
    """``JobRunner(on_give_up=...)``: the runner failed the job for good (its workers kept dying); fail the
    items still pending as ``transient`` so they show why and can be retried, and keep the partial outcome."""
    await session.execute(
        update(WriteJobItem)
        .where(WriteJobItem.job_id == job_id, WriteJobItem.status == PENDING)
        .values(
            status=FAILED,
            error=f"not attempted: {error}"[:2000],
            error_kind=ErrorKind.TRANSIENT.value,
            updated_at=func.now(),
        )
    )
    n = await counts(session, job_id)
    status = JobStatus.PARTIALLY_FAILED if n[SUCCEEDED] else JobStatus.FAILED
    await session.execute(
        update(WriteJob)
        .where(WriteJob.id == job_id)
        .values(status=status.value, succeeded=n[SUCCEEDED], failed=n[FAILED])
    )
    job = await session.get(WriteJob, job_id)
    if job is not None:  # approved copy: ai-copy learns that publishing it failed, without our error's text
        await copy_outcome.stage_job_outcome(session, job, gave_up=True)


def _named_target(op: Operation) -> str | None:
    """The platform id an operation names itself (its parent's, or for an update its target's)."""
    if isinstance(op, CreateAdGroup | SetBudget):
        return op.campaign_id
    if isinstance(op, CreateAd):
        return op.ad_group_id
    if isinstance(op, SetStatus):
        return op.external_id
    return None


def _normalised(op: Operation, parent: str | None) -> NewCampaign | NewAdGroup | NewAd:
    if isinstance(op, CreateCampaign):
        return op.to_new()
    assert parent is not None and isinstance(op, CreateAdGroup | CreateAd)
    return op.to_new(parent)


@dataclass
class _Item:
    id: uuid.UUID
    position: int
    op: Operation
    status: str
    external_id: str | None
    attempts: int


@dataclass(frozen=True)
class _Outcome:
    item: _Item
    ok: bool
    external_id: str | None = None
    error: str | None = None
    kind: str | None = None


@dataclass
class _Chunk:
    outcomes: list[_Outcome] = field(default_factory=list)
    stop: PlatformError | None = None  # what ends this run after the outcomes are recorded


@dataclass(frozen=True)
class _Job:
    id: uuid.UUID
    org_id: uuid.UUID
    account_id: uuid.UUID
    created_by: uuid.UUID
    validate_only: bool
    platform: Platform
    external_account_id: str
    account_name: str
    currency: str
    copy_id: uuid.UUID | None  # the job publishes approved copy


class _JobRun:
    def __init__(self, connectors: Connectors, job_id: uuid.UUID, lease: JobLease) -> None:
        self._c = connectors
        self._job_id = job_id
        self._lease = lease
        self._items: list[_Item] = []
        self._by_position: dict[int, _Item] = {}

    # ------------------------------------------------------------------------------------------------ run

    async def run(self) -> None:
        async with self._c.sessions() as session:
            job = await session.get(WriteJob, self._job_id)
            if job is None:
                return  # deleted with its account
            account = await session.get(AdAccountRow, job.account_id)
            connection = await session.get(PlatformConnection, account.connection_id) if account else None
            if account is None or connection is None:
                return
            session.expunge(connection)
            rows = await session.execute(
                WriteJobItem.__table__.select()
                .where(WriteJobItem.job_id == self._job_id)
                .order_by(WriteJobItem.position)
            )
            self._items = [
                _Item(r.id, r.position, load_operation(r.payload), r.status, r.external_id, r.attempts)
                for r in rows
            ]
            self._job = _Job(
                job.id,
                job.org_id,
                job.account_id,
                job.created_by,
                job.validate_only,
                Platform(account.platform),
                account.external_id,
                account.name,
                account.currency,
                job.copy_id,
            )
        self._by_position = {item.position: item for item in self._items}
        self._connection = connection

        if connection.status == ConnectionStatus.RECONNECT_REQUIRED:
            await self._commit(
                [],
                fail_rest=(
                    ErrorKind.RECONNECT_REQUIRED,
                    "not attempted: the connection must be linked again",
                ),
            )
            return
        paused = pause_remaining_s(connection)
        if paused > 0:
            quota = RateLimited("the platform quota is paused", retry_after_s=paused)
            await self._halt([], quota, pause=False)  # observed, not hit: the pause stays as it is
            return
        if not self._pending():
            await self._commit([])
            return
        try:  # renewed first when close to expiry; a refused renewal flags the connection
            credentials = await refresh_connection(self._c, connection.id)
        except ReconnectRequired as exc:
            reason = f"not attempted: {exc}"
            await self._commit([], fail_rest=(ErrorKind.RECONNECT_REQUIRED, reason))
            return
        except TransientPlatformError as exc:
            await self._halt([], exc)
            return
        async with self._c.clients.open(
            self._job.platform,
            credentials,
            connection_id=connection.id,
            org_id=self._job.org_id,
            advertiser_ids=[self._job.external_account_id] if self._job.platform is Platform.TIKTOK else None,
        ) as client:
            while chunk := self._next_chunk():
                self._lease.check()
                result = await self._run_chunk(client, chunk)
                if result.stop is not None:
                    await self._halt(result.outcomes, result.stop)
                    return
                await self._commit(result.outcomes)

    def _pending(self) -> list[_Item]:
        return [item for item in self._items if item.status == PENDING]

    def _next_chunk(self) -> list[_Item]:
        """The first pending item and the pending items right after it with the same operation."""
        pending = self._pending()
        chunk: list[_Item] = []
        for item in pending:
            if chunk and (item.op.op != chunk[0].op.op or len(chunk) >= self._c.settings.write_chunk_size):
                break
            chunk.append(item)
        return chunk

    # ----------------------------------------------------------------------------------------- one chunk

    def _target(self, item: _Item) -> tuple[str | None, _Outcome | None]:
        """The platform id of the item's parent (or target), or the outcome that settles the item without it."""
        ref = item.op.parent_ref()
        if ref is None:
            return _named_target(item.op), None
        parent = self._by_position[ref]
        if parent.status == FAILED:
            reason = f"operation {ref} ({parent.op.op}) failed"
            return None, _Outcome(item, False, error=reason, kind=DEPENDENCY_FAILED)
        if parent.status == SUCCEEDED and parent.external_id:
            return parent.external_id, None
        if parent.status == SUCCEEDED and self._job.validate_only:
            return None, _Outcome(item, True)  # the parent was only validated: this item was checked up front
        if parent.status == SUCCEEDED:
            reason = f"operation {ref} ({parent.op.op}) returned no id to refer to"
            return None, _Outcome(item, False, error=reason, kind=DEPENDENCY_FAILED)
        raise RuntimeError(f"item {item.position} runs before its parent {ref} finished")  # position order

    async def _run_chunk(self, client: AdPlatformClient, chunk: list[_Item]) -> _Chunk:
        if chunk[0].op.op in CREATE_OPS:
            return await self._create(client, chunk)
        return await self._update(client, chunk)

    async def _create(self, client: AdPlatformClient, chunk: list[_Item]) -> _Chunk:
        out = _Chunk()
        sendable: list[tuple[_Item, Any]] = []
        for item in chunk:
            parent, settled = self._target(item)
            if settled is not None:
                out.outcomes.append(settled)
                continue
            sendable.append((item, _normalised(item.op, parent)))
        if not sendable:
            return out
        account, dry = self._job.external_account_id, self._job.validate_only
        news = [new for _, new in sendable]
        try:
            if isinstance(chunk[0].op, CreateCampaign):
                results = await client.create_campaigns(account, news, validate_only=dry)
            elif isinstance(chunk[0].op, CreateAdGroup):
                results = await client.create_ad_groups(account, news, validate_only=dry)
            else:
                results = await client.create_ads(account, news, validate_only=dry)
        except (RateLimited, ReconnectRequired) as exc:
            out.stop = (
                exc  # nothing of this call was written: the items stay pending (or fail, for reconnect)
            )
            return out
        except TransientPlatformError as exc:
            message = (
                str(exc) if "outcome unknown" in str(exc) else f"{exc}; outcome unknown, check the platform"
            )
            out.outcomes += [_Outcome(i, False, error=message, kind=ErrorKind.TRANSIENT) for i, _ in sendable]
            out.stop = exc
            return out
        except PlatformError as exc:  # the whole request was refused
            out.outcomes += [_Outcome(i, False, error=str(exc), kind=error_kind_of(exc)) for i, _ in sendable]
            return out
        by_index = {r.index: r for r in results}
        for index, (item, _) in enumerate(sendable):
            result = by_index.get(index) or WriteResult(
                index, error="the platform returned no result for this item", error_kind=ErrorKind.TRANSIENT
            )
            kind = result.kind
            if kind is None:
                out.outcomes.append(_Outcome(item, True, external_id=result.external_id))
            elif kind is ErrorKind.RATE_LIMITED and result.external_id is None:
                hint = result.retry_after_s or DEFAULT_RATE_LIMIT_S
                out.stop = out.stop or RateLimited(result.error or "rate limited", retry_after_s=hint)
            else:
                if kind is ErrorKind.RECONNECT_REQUIRED:
                    out.stop = ReconnectRequired(result.error or "reconnect required")
                out.outcomes.append(
                    _Outcome(item, False, external_id=result.external_id, error=result.error, kind=kind)
                )
        return out

    async def _update(self, client: AdPlatformClient, chunk: list[_Item]) -> _Chunk:
        out = _Chunk()
        account = self._job.external_account_id
        for item in chunk:
            target, settled = self._target(item)
            if settled is not None:
                out.outcomes.append(settled)
                continue
            assert target is not None
            if self._job.validate_only:  # no dry run for updates: the checks made when the job was created
                out.outcomes.append(_Outcome(item, True, external_id=target))
                continue
            op = item.op
            try:
                if isinstance(op, SetStatus):
                    await client.set_status(account, op.level, target, Status(op.status))
                else:
                    assert isinstance(op, SetBudget)
                    await client.set_daily_budget(account, target, op.daily_budget_micros)
            except RateLimited as exc:
                out.stop = exc
                return out
            except (ReconnectRequired, TransientPlatformError) as exc:
                out.outcomes.append(_Outcome(item, False, error=str(exc), kind=error_kind_of(exc)))
                out.stop = exc
                return out
            except PlatformError as exc:
                out.outcomes.append(_Outcome(item, False, error=str(exc), kind=error_kind_of(exc)))
                continue
            out.outcomes.append(_Outcome(item, True, external_id=target))
        return out

    # ----------------------------------------------------------------------------------------- recording

    async def _halt(self, outcomes: list[_Outcome], stop: PlatformError, *, pause: bool = True) -> None:
        """Record the outcomes, then end this run the way ``stop`` asks (see the module docstring); a rate
        limit the platform just reported pauses the connection (``pause``)."""
        if isinstance(stop, ReconnectRequired):
            reason = f"not attempted: {stop}"
            await self._commit(
                outcomes,
                effect=self._flag_reconnect(str(stop)),
                fail_rest=(ErrorKind.RECONNECT_REQUIRED, reason),
            )
            return
        effect: Effect | None = None
        if isinstance(stop, RateLimited):
            kind, delay = ErrorKind.RATE_LIMITED, stop.retry_after_s
            effect = self._pause(stop) if pause else None
        else:
            kind, delay = ErrorKind.TRANSIENT, min(TRANSIENT_BACKOFF_CAP_S, 2.0**self._lease.attempt)
        if self._lease.last_attempt:
            await self._commit(outcomes, effect=effect, fail_rest=(kind, f"not attempted: {stop}"))
            return
        if await self._commit(outcomes, effect=effect):
            return  # nothing left to send
        log.info("write job deferred", job_id=str(self._job_id), kind=kind.value, delay_s=delay)
        raise RetryLater(f"{kind.value}: {stop}", delay_s=delay)

    def _pause(self, exc: RateLimited) -> Effect:
        async def effect(session: AsyncSession) -> None:
            await pause_for_rate_limit(session, self._connection, exc)

        return effect

    def _flag_reconnect(self, reason: str) -> Effect:
        async def effect(session: AsyncSession) -> None:
            await mark_reconnect_required(session, self._connection.id, reason)

        return effect

    async def _commit(
        self,
        outcomes: list[_Outcome],
        *,
        effect: Effect | None = None,
        fail_rest: tuple[ErrorKind, str] | None = None,
    ) -> bool:
        """One transaction: the outcomes (with their audit entries), ``effect``, the rest failed if asked, and
        the job's progress, or its end (and a sync) once nothing is pending. True when it ended."""
        if fail_rest is not None:
            settled = {o.item.position for o in outcomes}
            kind, reason = fail_rest
            outcomes = outcomes + [
                _Outcome(i, False, error=reason, kind=kind)
                for i in self._pending()
                if i.position not in settled
            ]
        async with self._c.sessions() as session, session.begin():
            for outcome in outcomes:
                await self._record(session, outcome)
            if effect is not None:
                await effect(session)
            for outcome in outcomes:  # in memory only now: a failed transaction above leaves the run anyway
                outcome.item.status = SUCCEEDED if outcome.ok else FAILED
                outcome.item.external_id = outcome.external_id or outcome.item.external_id
                outcome.item.attempts += 1
            succeeded = sum(i.status == SUCCEEDED for i in self._items)
            failed = sum(i.status == FAILED for i in self._items)
            if self._pending():
                await update_job(session, WriteJob, self._lease, succeeded=succeeded, failed=failed)
                return False
            if failed == 0:
                status, error = JobStatus.SUCCEEDED, None
            else:
                status = JobStatus.FAILED if succeeded == 0 else JobStatus.PARTIALLY_FAILED
                error = f"{failed} of {len(self._items)} items failed"
            if succeeded and not self._job.validate_only:
                await mirror.queue_sync(session, self._job.account_id, self._job.created_by)
            await finish_job(
                session,
                WriteJob,
                self._job_id,
                status,
                error,
                lease=self._lease,
                succeeded=succeeded,
                failed=failed,
            )
            if self._job.copy_id is not None:  # approved copy: ai-copy learns how publishing it ended
                row = await session.get(WriteJob, self._job_id)
                assert row is not None
                await copy_outcome.stage_job_outcome(session, row)
        log.info(
            "write job finished",
            job_id=str(self._job_id),
            status=status.value,
            succeeded=succeeded,
            failed=failed,
        )
        return True

    async def _record(self, session: AsyncSession, outcome: _Outcome) -> None:
        item = outcome.item
        await session.execute(
            update(WriteJobItem)
            .where(WriteJobItem.id == item.id, WriteJobItem.status == PENDING)
            .values(
                status=SUCCEEDED if outcome.ok else FAILED,
                external_id=outcome.external_id or item.external_id,
                error=outcome.error,
                error_kind=str(outcome.kind) if outcome.kind else None,
                attempts=item.attempts + 1,
                updated_at=func.now(),
            )
        )
        if outcome.ok and not self._job.validate_only and outcome.external_id:
            await self._audit_write(session, item, outcome.external_id)  # reads "before" from the mirror
            await mirror.apply_update(session, self._job, item.op, outcome.external_id)

    async def _audit_write(self, session: AsyncSession, item: _Item, external_id: str) -> None:
        """The audit entry of one accepted write ("before" as the mirror knows it, when it does)."""
        job, op = self._job, item.op
        changes: dict[str, Any] = {
            "account_id": str(job.account_id),
            "platform": job.platform.value,
            "write_job_id": str(job.id),
        }
        if isinstance(op, SetStatus):
            resource = op.level.value
            before = await mirror.status_before(session, job.account_id, op.level, external_id)
            changes.update(before=before, after={"status": op.status})
        elif isinstance(op, SetBudget):
            resource = "campaign"
            before = await mirror.budget_before(session, job.account_id, external_id)
            changes.update(before=before, after={"daily_budget_micros": op.daily_budget_micros})
        else:
            resource = CREATE_OPS[op.op].value
            changes["after"] = op.model_dump(
                mode="json", exclude={"op", "campaign_ref", "ad_group_ref"}, exclude_none=True
            )
        await add_to_outbox(
            session,
            audit.item_written(
                org_id=job.org_id,
                actor=job.created_by,
                item_id=item.id,
                operation=op.op,
                resource_type=resource,
                external_id=external_id,
                changes=changes,
            ),
        )
