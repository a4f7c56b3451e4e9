"""A leased job queue in the service's own PostgreSQL: long work (syncs, bulk writes, reports) that must survive
crashes and be shared by every replica.

Why not a JetStream consumer: a sync runs for minutes and commits many times as it goes; the event consumer
holds one transaction per batch and an ack deadline. A job row instead records progress, shows its status to
the API, and is claimed with ``FOR UPDATE SKIP LOCKED`` under a *lease*: the worker extends the lease while it
runs, so a killed replica's job is picked up by another once the lease runs out, and never by two at once.

A job table mixes in :class:`JobColumns`; :class:`JobRunner` claims and runs its rows::

    class SyncRun(Base, JobColumns): __tablename__ = "sync_runs"; ...
    runner = JobRunner(SyncRun, sessions, handle_sync, listen_dsn=..., concurrency=4)
    runtime.in_background(runner.start, runner.stop)  # runs where the service's role does work

The handler receives the job id and a :class:`JobLease`; it finishes the job with :func:`finish_job` in its
last transaction (so the outcome commits with the work). Raising :class:`RetryLater` puts the job back in the
queue for later; any other exception is retried with back-off. Every claim is an attempt: after ``max_attempts``
(handler errors, RetryLater, or workers that died holding the job) the runner marks the job failed and calls its
``on_give_up`` hook in that same transaction, so the job's owner can record the failure (a job is never silently
dropped, and never failed without its owner knowing).

A worker whose lease ran out (it stalled; another worker took the job over) must not write to the job any more:
pass the lease to :func:`finish_job` and :func:`update_job`, which only touch the row while this worker holds it
and raise :class:`LeaseLost` otherwise, rolling back the caller's transaction with them.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

import asyncpg
from sqlalchemy import ColumnElement, DateTime, Integer, String, Table, Text, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from adpilot_common.cancellation import cancel_and_wait
from adpilot_common.logging import get_logger
from adpilot_common.problems import internal_error_text

log = get_logger(__name__)


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIALLY_FAILED = "partially_failed"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        return self in (JobStatus.SUCCEEDED, JobStatus.PARTIALLY_FAILED, JobStatus.FAILED)


ACTIVE_STATUSES = (JobStatus.QUEUED.value, JobStatus.RUNNING.value)


class JobColumns:
    """Columns every job table has (mix into a declarative model next to its own columns)."""

    status: Mapped[str] = mapped_column(String(24), default=JobStatus.QUEUED.value, index=True)
    available_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    leased_by: Mapped[str | None] = mapped_column(String(128))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    queued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)


class JobModel(Protocol):
    __tablename__: str
    id: Any
    status: Any


class RetryLater(Exception):
    """Put the job back in the queue, runnable again after ``delay_s`` (quota exhausted, platform down...).

    It uses up an attempt like any failure: on the last attempt the runner gives up and fails the job."""

    def __init__(self, reason: str, *, delay_s: float) -> None:
        super().__init__(reason)
        self.delay_s = delay_s


class LeaseLost(Exception):
    """Another worker owns the job now (our lease expired while we were stalled); stop touching it."""


def notify_channel(table: str) -> str:
    return f"adpilot_jobs_{table}"


async def wake_runners(session: AsyncSession, table: str) -> None:
    """Call after inserting a queued job: every runner of ``table`` wakes when the transaction commits."""
    await session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": notify_channel(table)})


async def finish_job(
    session: AsyncSession,
    model: type[Any],
    job_id: uuid.UUID,
    status: JobStatus,
    error: str | None = None,
    *,
    lease: JobLease | None = None,
    **values: Any,
) -> None:
    """Mark a job finished in the caller's transaction (commit it together with the job's last effects).

    With ``lease``, only while this worker still holds the job: otherwise :class:`LeaseLost` is raised (and the
    caller's transaction, with the effects it carries, rolls back). ``values`` sets the job's own columns too."""
    values.update(
        status=status.value, finished_at=func.now(), lease_expires_at=None, leased_by=None, error=error
    )
    if lease is None:
        await session.execute(update(_table(model)).where(model.id == job_id).values(**values))
        return
    await update_job(session, model, lease, **values)


async def update_job(session: AsyncSession, model: type[Any], lease: JobLease, **values: Any) -> None:
    """Write the job's own columns (progress, counters) in the caller's transaction, only while this worker
    holds the job; raises :class:`LeaseLost` otherwise (a stalled worker's writes must not land after a
    takeover, and the effects committed with them must roll back)."""
    result = await session.execute(
        update(_table(model))  # a Core UPDATE: no ORM bookkeeping on the hot path (once per synced batch)
        .where(
            model.id == lease.job_id,
            model.leased_by == lease.worker,
            model.status == JobStatus.RUNNING.value,
        )
        .values(**values)
    )
    if getattr(result, "rowcount", 1) == 0:
        lease.lost = True
        raise LeaseLost(f"job {lease.job_id} is no longer held by {lease.worker}")


class JobLease:
    """What a handler knows about its claim: the job id, the attempt number (1-based, of ``max_attempts``) and
    whether the lease is still ours."""

    def __init__(self, job_id: uuid.UUID, attempt: int, worker: str, max_attempts: int = 5) -> None:
        self.job_id = job_id
        self.attempt = attempt
        self.worker = worker
        self.max_attempts = max_attempts
        self.lost = False

    @property
    def last_attempt(self) -> bool:
        """No retry follows this attempt: a handler that wants to record its own failure does it now."""
        return self.attempt >= self.max_attempts

    def check(self) -> None:
        if self.lost:
            raise LeaseLost(f"job {self.job_id} was taken over by another worker")


JobHandler = Callable[[uuid.UUID, JobLease], Awaitable[None]]
# Called in the transaction that marks a job failed when the runner gives up on it: (session, job id, error).
GiveUpHook = Callable[[AsyncSession, uuid.UUID, str], Awaitable[None]]


class JobRunner:
    """Claims runnable rows of one job table and runs ``handler`` on them, ``concurrency`` at a time."""

    def __init__(
        self,
        model: type[Any],
        sessions: async_sessionmaker[AsyncSession],
        handler: JobHandler,
        *,
        listen_dsn: str | None = None,
        concurrency: int = 2,
        lease_s: float = 60.0,
        poll_interval_s: float = 2.0,
        max_attempts: int = 5,
        stop_grace_s: float = 5.0,
        on_give_up: GiveUpHook | None = None,
        claim_filter: ColumnElement[bool] | None = None,
    ) -> None:
        """``claim_filter`` narrows which rows this runner takes (e.g. one channel's deliveries)."""
        self._model = model
        self._claim_filter = claim_filter
        self._table: str = model.__tablename__
        self._sessions = sessions
        self._handler = handler
        self._listen_dsn = listen_dsn
        self._concurrency = concurrency
        self._lease_s = lease_s
        self._poll_interval_s = poll_interval_s
        self._max_attempts = max_attempts
        self._stop_grace_s = stop_grace_s
        self._on_give_up = on_give_up
        self._worker = f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._listener: asyncpg.Connection | None = None
        self.completed = 0

    async def claim(self) -> JobLease | None:
        """Take the oldest runnable job (queued and due, or running with an expired lease), or None."""
        m = self._model
        runnable = ((m.status == JobStatus.QUEUED.value) & (m.available_at <= func.now())) | (
            (m.status == JobStatus.RUNNING.value) & (m.lease_expires_at < func.now())
        )
        if self._claim_filter is not None:
            runnable = runnable & self._claim_filter
        due = (
            select(m.id)
            .where(runnable)
            .order_by(m.available_at)
            .limit(1)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        async with self._sessions() as session, session.begin():
            row = (
                await session.execute(
                    update(m)
                    .where(m.id == due)
                    .values(
                        status=JobStatus.RUNNING.value,
                        lease_expires_at=func.now() + _seconds(self._lease_s),
                        leased_by=self._worker,
                        attempts=m.attempts + 1,
                        started_at=func.coalesce(m.started_at, func.now()),
                    )
                    .returning(m.id, m.attempts)
                )
            ).first()
        return JobLease(row[0], row[1], self._worker, self._max_attempts) if row is not None else None

    async def run_one(self) -> bool:
        """Claim and run one job; False when nothing was runnable."""
        lease = await self.claim()
        if lease is None:
            return False
        if lease.attempt > self._max_attempts:
            # Every earlier attempt ended with its worker gone (killed, or stalled past its lease) before the
            # job finished: running it again would repeat a crash loop forever.
            await self._give_up(
                lease,
                f"gave up after {self._max_attempts} attempts: the worker stopped before the job finished",
            )
            self.completed += 1
            return True
        heartbeat = asyncio.create_task(self._keep_lease(lease), name=f"lease-{lease.job_id}")
        try:
            await self._handler(lease.job_id, lease)
        except LeaseLost:
            log.warning(
                "job lease lost; another worker continues", table=self._table, job_id=str(lease.job_id)
            )
        except RetryLater as exc:
            await self._requeue(lease, str(exc), exc.delay_s)
        except asyncio.CancelledError:
            raise  # shutdown: the lease runs out and another worker (or we, after restart) resumes
        except Exception as exc:
            log.exception("job failed", table=self._table, job_id=str(lease.job_id), attempt=lease.attempt)
            await self._fail_or_retry(lease, exc)
        finally:
            await cancel_and_wait(heartbeat)
        self.completed += 1
        return True

    async def _keep_lease(self, lease: JobLease) -> None:
        m = self._model
        while True:
            await asyncio.sleep(self._lease_s / 3)
            try:
                async with self._sessions() as session, session.begin():
                    result = await session.execute(
                        update(m)
                        .where(
                            m.id == lease.job_id,
                            m.leased_by == self._worker,
                            m.status == JobStatus.RUNNING.value,
                        )
                        .values(lease_expires_at=func.now() + _seconds(self._lease_s))
                    )
                if getattr(result, "rowcount", 1) == 0:
                    lease.lost = True
                    return
            except Exception as exc:  # the DB is away: keep trying, the handler will notice on its own writes
                log.warning("job lease renewal failed", table=self._table, error=repr(exc))

    async def _requeue(self, lease: JobLease, reason: str, delay_s: float) -> None:
        if lease.last_attempt:
            await self._give_up(lease, reason)
            return
        m = self._model
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(m)
                .where(m.id == lease.job_id, m.leased_by == self._worker)
                .values(
                    status=JobStatus.QUEUED.value,
                    available_at=func.now() + _seconds(delay_s),
                    lease_expires_at=None,
                    leased_by=None,
                    error=reason[:2000],
                )
            )
        log.info("job deferred", table=self._table, job_id=str(lease.job_id), delay_s=delay_s, reason=reason)

    async def _fail_or_retry(self, lease: JobLease, exc: Exception) -> None:
        # The job's error is shown by the owners' APIs (write jobs, sync runs, reports); the exception itself was
        # logged with its stack where it was caught.
        error = internal_error_text(exc, "the job failed on our side")
        await self._requeue(lease, error, delay_s=min(300.0, 2.0**lease.attempt))

    async def _give_up(self, lease: JobLease, reason: str) -> None:
        """Fail the job for good (only while we hold it), with the owner's hook in the same transaction."""
        reason = reason[:2000]
        try:
            async with self._sessions() as session, session.begin():
                await finish_job(session, self._model, lease.job_id, JobStatus.FAILED, reason, lease=lease)
                if self._on_give_up is not None:
                    await self._on_give_up(session, lease.job_id, reason)
        except LeaseLost:
            return  # another worker owns it now and decides
        except Exception:
            if self._on_give_up is None:
                raise
            # A broken hook must not keep the job in a crash loop: fail it without the hook, loudly.
            log.exception("job give-up hook failed", table=self._table, job_id=str(lease.job_id))
            try:
                async with self._sessions() as session, session.begin():
                    await finish_job(
                        session, self._model, lease.job_id, JobStatus.FAILED, reason, lease=lease
                    )
            except LeaseLost:
                return
        log.warning(
            "job failed for good", table=self._table, job_id=str(lease.job_id), attempts=lease.attempt
        )

    async def _work(self) -> None:
        backoff = self._poll_interval_s
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                if await self.run_one():
                    backoff = self._poll_interval_s
                    continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # DB unreachable: back off, keep the loop alive
                log.warning("job runner cycle failed", table=self._table, error=repr(exc))
                backoff = min(backoff * 2, 30.0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=backoff)

    async def start(self) -> None:
        if self._listen_dsn is not None:
            try:
                self._listener = await asyncpg.connect(self._listen_dsn)
                await self._listener.add_listener(notify_channel(self._table), self._on_notify)
            except Exception as exc:
                log.warning("job LISTEN unavailable, polling only", table=self._table, error=repr(exc))
                self._listener = None
        self._tasks = [
            asyncio.create_task(self._work(), name=f"jobs-{self._table}-{i}")
            for i in range(self._concurrency)
        ]

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def stop(self) -> None:
        """Stop claiming; give running jobs a grace period, then cancel them (their leases will expire)."""
        self._stopping.set()
        self._wake.set()
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=self._stop_grace_s)
            await asyncio.gather(*(cancel_and_wait(task) for task in pending), return_exceptions=True)
        if self._listener is not None:
            with contextlib.suppress(Exception):
                # Bounded: asyncpg waits for the server's goodbye otherwise, and terminates after the timeout.
                await self._listener.close(timeout=5)


def _table(model: type[Any]) -> Table:
    table: Table = model.__table__
    return table


def _seconds(value: float) -> Any:
    return func.make_interval(0, 0, 0, 0, 0, 0, value)
