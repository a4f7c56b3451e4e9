"""The leased job queue against a real PostgreSQL: claims, leases and takeover, retries, give-up, NOTIFY wakeup."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import String, insert, select, text, update
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from adpilot_common.db import asyncpg_dsn, create_engine, create_session_factory, service_metadata
from adpilot_common.jobs import (
    JobColumns,
    JobLease,
    JobRunner,
    JobStatus,
    LeaseLost,
    RetryLater,
    finish_job,
    update_job,
    wake_runners,
)
from adpilot_common.testing.waiting import eventually


class ProbeBase(DeclarativeBase):
    metadata = service_metadata()


class ProbeJob(JobColumns, ProbeBase):
    __tablename__ = "probe_jobs"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    note: Mapped[str | None] = mapped_column(String(200))


@dataclass
class JobsDb:
    url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]

    async def add(self, n: int = 1, *, wake: bool = False) -> list[uuid.UUID]:
        ids = [uuid.uuid4() for _ in range(n)]
        async with self.sessions() as session, session.begin():
            await session.execute(insert(ProbeJob), [{"id": i, "status": "queued"} for i in ids])
            if wake:
                await wake_runners(session, ProbeJob.__tablename__)
        return ids

    async def job(self, job_id: uuid.UUID) -> ProbeJob:
        async with self.sessions() as session:
            return (await session.execute(select(ProbeJob).where(ProbeJob.id == job_id))).scalar_one()

    async def make_due(self, job_id: uuid.UUID) -> None:
        """Skip a retry's back-off (the delay itself is asserted where it matters)."""
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(ProbeJob).where(ProbeJob.id == job_id).values(available_at=text("now()"))
            )

    async def statuses(self) -> dict[str, int]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(text("SELECT status, count(*) FROM probe_jobs GROUP BY status"))
            return {status: count for status, count in rows}

    def runner(self, handler: Callable[[uuid.UUID, JobLease], Awaitable[None]], **kwargs: Any) -> JobRunner:
        kwargs.setdefault("poll_interval_s", 0.05)
        return JobRunner(ProbeJob, self.sessions, handler, **kwargs)


@pytest.fixture
async def jobs_db(new_database: Callable[..., str]) -> AsyncIterator[JobsDb]:
    url = new_database()
    engine = create_engine(url, pool_size=10)
    async with engine.begin() as conn:
        await conn.run_sync(ProbeBase.metadata.create_all)
        await conn.execute(text("CREATE TABLE give_ups (job_id uuid PRIMARY KEY, reason text NOT NULL)"))
    yield JobsDb(url, engine, create_session_factory(engine))
    await engine.dispose()


def finishing(
    db: JobsDb, seen: list[tuple[uuid.UUID, int]]
) -> Callable[[uuid.UUID, JobLease], Awaitable[None]]:
    async def handle(job_id: uuid.UUID, lease: JobLease) -> None:
        seen.append((job_id, lease.attempt))
        async with db.sessions() as session, session.begin():
            await finish_job(session, ProbeJob, job_id, JobStatus.SUCCEEDED, lease=lease, note="done")

    return handle


async def record_give_up(session: AsyncSession, job_id: uuid.UUID, reason: str) -> None:
    await session.execute(
        text("INSERT INTO give_ups (job_id, reason) VALUES (:id, :reason)"), {"id": job_id, "reason": reason}
    )


async def give_ups(db: JobsDb) -> dict[uuid.UUID, str]:
    async with db.engine.connect() as conn:
        return {row[0]: row[1] for row in await conn.execute(text("SELECT job_id, reason FROM give_ups"))}


async def test_a_claimed_job_runs_once_and_commits_its_outcome(jobs_db: JobsDb) -> None:
    (job_id,) = await jobs_db.add()
    seen: list[tuple[uuid.UUID, int]] = []
    runner = jobs_db.runner(finishing(jobs_db, seen))

    assert await runner.run_one() is True
    assert await runner.run_one() is False  # finished jobs are never claimed again

    job = await jobs_db.job(job_id)
    assert seen == [(job_id, 1)]
    assert (job.status, job.attempts, job.note) == ("succeeded", 1, "done")
    assert job.started_at is not None and job.finished_at is not None
    assert job.leased_by is None and job.lease_expires_at is None


async def test_a_dead_workers_job_is_taken_over_when_its_lease_runs_out(jobs_db: JobsDb) -> None:
    (job_id,) = await jobs_db.add()
    started = asyncio.Event()

    async def hang(job_id: uuid.UUID, lease: JobLease) -> None:
        started.set()
        await asyncio.Event().wait()  # the worker "dies" mid-job below

    first = jobs_db.runner(hang, lease_s=0.6)
    task = asyncio.create_task(first.run_one())
    await started.wait()
    task.cancel()  # killed: no requeue, no finish; only the lease (no longer renewed) says who owns the job
    with pytest.raises(asyncio.CancelledError):
        await task
    held = await jobs_db.job(job_id)
    assert held.status == "running" and held.leased_by is not None

    seen: list[tuple[uuid.UUID, int]] = []
    second = jobs_db.runner(finishing(jobs_db, seen), lease_s=30)

    async def taken_over() -> bool:
        return await second.run_one()

    await eventually(taken_over, what="the expired lease to be claimed by the second runner")
    assert seen == [(job_id, 2)]
    job = await jobs_db.job(job_id)
    assert (job.status, job.attempts) == ("succeeded", 2)


async def test_a_live_lease_is_renewed_so_a_slow_job_is_not_taken_over(jobs_db: JobsDb) -> None:
    (job_id,) = await jobs_db.add()
    release = asyncio.Event()
    renewed = asyncio.Event()

    async def slow(job_id: uuid.UUID, lease: JobLease) -> None:
        first_expiry = (await jobs_db.job(job_id)).lease_expires_at

        async def extended() -> bool:
            return (await jobs_db.job(job_id)).lease_expires_at != first_expiry

        await eventually(extended, what="the heartbeat to extend the lease")
        renewed.set()
        await release.wait()
        async with jobs_db.sessions() as session, session.begin():
            await finish_job(session, ProbeJob, job_id, JobStatus.SUCCEEDED, lease=lease)

    owner = jobs_db.runner(slow, lease_s=3)  # renewed every second; the check below has seconds to spare
    task = asyncio.create_task(owner.run_one())
    await renewed.wait()  # the heartbeat extended the lease at least once
    other = jobs_db.runner(finishing(jobs_db, []))
    assert await other.run_one() is False  # a renewed lease is not up for grabs
    release.set()
    assert await task is True
    assert (await jobs_db.job(job_id)).status == "succeeded"


async def test_a_stalled_worker_cannot_write_after_a_takeover(jobs_db: JobsDb) -> None:
    (job_id,) = await jobs_db.add()
    stalled_runner = jobs_db.runner(finishing(jobs_db, []), lease_s=0.3)
    stalled = await stalled_runner.claim()  # claimed, then no heartbeat: as if its process froze
    assert stalled is not None and stalled.attempt == 1
    other = jobs_db.runner(finishing(jobs_db, []), lease_s=30)
    current: JobLease | None = None

    async def taken() -> bool:
        nonlocal current
        current = await other.claim()
        return current is not None

    await eventually(taken, what="the takeover")
    assert current is not None and current.attempt == 2

    async with jobs_db.sessions() as session, session.begin():
        with pytest.raises(LeaseLost):
            await update_job(session, ProbeJob, stalled, note="stale progress")
    assert stalled.lost
    with pytest.raises(LeaseLost):
        async with jobs_db.sessions() as session, session.begin():
            await session.execute(
                text("INSERT INTO give_ups (job_id, reason) VALUES (:id, 'effect of the stale worker')"),
                {"id": job_id},
            )
            await finish_job(session, ProbeJob, job_id, JobStatus.SUCCEEDED, lease=stalled)
    assert await give_ups(jobs_db) == {}  # the stale worker's effect rolled back with its finish

    job = await jobs_db.job(job_id)
    assert (job.status, job.note, job.leased_by) == ("running", None, current.worker)
    async with jobs_db.sessions() as session, session.begin():
        await update_job(session, ProbeJob, current, note="progress")
        await finish_job(session, ProbeJob, job_id, JobStatus.SUCCEEDED, lease=current)
    job = await jobs_db.job(job_id)
    assert (job.status, job.note) == ("succeeded", "progress")


async def test_retry_later_requeues_after_the_delay_and_counts_the_attempt(jobs_db: JobsDb) -> None:
    (job_id,) = await jobs_db.add()
    seen: list[int] = []

    async def quota_then_done(job_id: uuid.UUID, lease: JobLease) -> None:
        seen.append(lease.attempt)
        if lease.attempt == 1:
            raise RetryLater("quota exhausted", delay_s=3600)
        async with jobs_db.sessions() as session, session.begin():
            await finish_job(session, ProbeJob, job_id, JobStatus.SUCCEEDED, lease=lease)

    runner = jobs_db.runner(quota_then_done)
    assert await runner.run_one() is True
    job = await jobs_db.job(job_id)
    assert (job.status, job.error, job.leased_by) == ("queued", "quota exhausted", None)
    async with jobs_db.engine.connect() as conn:
        delay = (
            await conn.execute(
                text("SELECT extract(epoch FROM available_at - now()) FROM probe_jobs WHERE id = :id"),
                {"id": job_id},
            )
        ).scalar_one()
    assert 3000 < delay <= 3600
    assert await runner.run_one() is False  # not due yet

    await jobs_db.make_due(job_id)
    assert await runner.run_one() is True
    assert seen == [1, 2]
    assert (await jobs_db.job(job_id)).status == "succeeded"


@pytest.mark.parametrize("failure", ["exception", "retry_later"])
async def test_gives_up_after_max_attempts_and_tells_the_owner(jobs_db: JobsDb, failure: str) -> None:
    (job_id,) = await jobs_db.add()
    seen: list[int] = []

    async def always_fails(job_id: uuid.UUID, lease: JobLease) -> None:
        seen.append(lease.attempt)
        assert lease.last_attempt is (lease.attempt == 3)
        if failure == "exception":
            raise ValueError(f"broken input (attempt {lease.attempt})")
        raise RetryLater(f"platform down (attempt {lease.attempt})", delay_s=0)

    runner = jobs_db.runner(always_fails, max_attempts=3, on_give_up=record_give_up)
    for attempt in (1, 2, 3):
        assert await runner.run_one() is True
        job = await jobs_db.job(job_id)
        if attempt < 3:
            assert job.status == "queued"
            assert await give_ups(jobs_db) == {}
            await jobs_db.make_due(job_id)
    assert seen == [1, 2, 3]
    job = await jobs_db.job(job_id)
    assert (job.status, job.attempts) == ("failed", 3)
    if failure == "exception":  # our own failure: its text (SQL, parameters) stays in the logs
        assert job.error == (
            "Internal error (ValueError): the job failed on our side. The details are in the service's logs."
        )
    else:  # the handler's own reason is meant to be shown
        assert job.error is not None and "attempt 3" in job.error
    assert job.finished_at is not None and job.leased_by is None
    assert await give_ups(jobs_db) == {job_id: job.error}  # same transaction as the failure
    assert await runner.run_one() is False


async def test_a_crash_looping_job_is_failed_without_running_it_again(jobs_db: JobsDb) -> None:
    (job_id,) = await jobs_db.add()
    async with jobs_db.sessions() as session, session.begin():
        # Three workers died holding it; the last lease has run out.
        await session.execute(
            update(ProbeJob)
            .where(ProbeJob.id == job_id)
            .values(
                status="running",
                attempts=3,
                leased_by="gone:1",
                lease_expires_at=text("now() - interval '1 second'"),
            )
        )
    seen: list[tuple[uuid.UUID, int]] = []
    runner = jobs_db.runner(finishing(jobs_db, seen), max_attempts=3, on_give_up=record_give_up)
    assert await runner.run_one() is True
    assert seen == []
    job = await jobs_db.job(job_id)
    assert job.status == "failed" and job.error is not None and "gave up after 3 attempts" in job.error
    assert list(await give_ups(jobs_db)) == [job_id]


async def test_a_broken_give_up_hook_still_fails_the_job(jobs_db: JobsDb) -> None:
    (job_id,) = await jobs_db.add()

    async def fails(job_id: uuid.UUID, lease: JobLease) -> None:
        raise ValueError("nope")

    async def broken_hook(session: AsyncSession, job_id: uuid.UUID, reason: str) -> None:
        raise RuntimeError("hook bug")

    runner = jobs_db.runner(fails, max_attempts=1, on_give_up=broken_hook)
    assert await runner.run_one() is True
    assert (await jobs_db.job(job_id)).status == "failed"


async def test_two_runners_never_run_one_job_twice(jobs_db: JobsDb, new_database: Callable[..., str]) -> None:
    ids = await jobs_db.add(60)
    runs: list[tuple[uuid.UUID, str]] = []

    def handler(name: str) -> Callable[[uuid.UUID, JobLease], Awaitable[None]]:
        async def handle(job_id: uuid.UUID, lease: JobLease) -> None:
            runs.append((job_id, name))
            await asyncio.sleep(0.01)  # overlap the runners' claims
            async with jobs_db.sessions() as session, session.begin():
                await finish_job(session, ProbeJob, job_id, JobStatus.SUCCEEDED, lease=lease)

        return handle

    # Two "replicas": separate engines (connection pools), four workers each.
    other_engine = create_engine(jobs_db.url, pool_size=10)
    replicas = [
        jobs_db.runner(handler("a"), concurrency=4),
        JobRunner(
            ProbeJob, create_session_factory(other_engine), handler("b"), concurrency=4, poll_interval_s=0.05
        ),
    ]
    try:
        for runner in replicas:
            await runner.start()

        async def all_done() -> bool:
            return (await jobs_db.statuses()) == {"succeeded": 60}

        await eventually(all_done, what="every job to finish")
    finally:
        for runner in replicas:
            await runner.stop()
        await other_engine.dispose()
    assert sorted(job_id for job_id, _ in runs) == sorted(ids)  # each exactly once
    assert {name for _, name in runs} == {"a", "b"}  # both replicas took part


class ObservedRunner(JobRunner):
    """Tells the test when a worker found nothing to do (it is about to sleep until woken or polled)."""

    idle = asyncio.Event()

    async def claim(self) -> JobLease | None:
        lease = await super().claim()
        if lease is None:
            self.idle.set()
        return lease


async def test_notify_wakes_an_idle_runner_at_commit(jobs_db: JobsDb) -> None:
    done = asyncio.Event()

    async def handle(job_id: uuid.UUID, lease: JobLease) -> None:
        async with jobs_db.sessions() as session, session.begin():
            await finish_job(session, ProbeJob, job_id, JobStatus.SUCCEEDED, lease=lease)
        done.set()

    # Polling once an hour: only the NOTIFY sent at commit can make this job run within the test's lifetime.
    runner = ObservedRunner(
        ProbeJob,
        jobs_db.sessions,
        handle,
        listen_dsn=asyncpg_dsn(jobs_db.url),
        concurrency=1,
        poll_interval_s=3600,
    )
    runner.idle = asyncio.Event()
    await runner.start()
    try:
        await runner.idle.wait()
        (job_id,) = await jobs_db.add(wake=True)
        await asyncio.wait_for(done.wait(), timeout=60)
    finally:
        await runner.stop()
    assert (await jobs_db.job(job_id)).status == "succeeded"
