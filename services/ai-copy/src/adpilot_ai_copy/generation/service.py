"""Generating copy for a brief: cache, budget, provider calls with validation, storage and events.

No transaction is held open while a provider answers (that can take seconds): reads happen before the
call, and the outcome commits after it in one transaction with its usage rows and its event. A failed
request still records the usage it consumed, with its ``copy.v1.failed`` event. A request with an
``Idempotency-Key`` claims it in its first transaction and records its answer with its outcome (see
:mod:`~adpilot_ai_copy.generation.idempotency`)."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_ai_copy.brand.profile import BrandProfile, load_profile
from adpilot_ai_copy.brief import CopyBrief
from adpilot_ai_copy.budget.repository import record_usage
from adpilot_ai_copy.budget.service import BudgetExhausted, count_request, ensure_budget
from adpilot_ai_copy.context import AiCopy
from adpilot_ai_copy.generation import events, idempotency
from adpilot_ai_copy.generation import repository as repo
from adpilot_ai_copy.generation.engine import InvalidOutput, Ledger
from adpilot_ai_copy.generation.events import GenerationRef
from adpilot_ai_copy.generation.idempotency import IdempotentRequest
from adpilot_ai_copy.models import Generation
from adpilot_ai_copy.providers.base import ProviderUnavailable
from adpilot_ai_copy.rules.platforms import copy_fields
from adpilot_common.events.contracts.copy import CopyFailureReason
from adpilot_common.jobs import JobLease, JobStatus, RetryLater, finish_job, wake_runners
from adpilot_common.problems import Problem
from adpilot_common.security.tokens import AccessClaims

PROVIDER_RETRY_AFTER_S = 30


@dataclass(frozen=True)
class Outcome:
    copies: list[tuple[str, dict[str, Any]]]  # (platform, fields), variants in order
    provider: str
    offline: bool
    ledger: Ledger
    cache_key: str
    brand_voice_version: int
    cached_from: uuid.UUID | None = None

    def values(self) -> dict[str, Any]:
        """The generation row's columns for this outcome."""
        return {
            "provider": self.provider,
            "offline": self.offline,
            "cached_from": self.cached_from,
            "cache_key": self.cache_key,
            "brand_voice_version": self.brand_voice_version,
            "prompt_tokens": self.ledger.prompt_tokens,
            "completion_tokens": self.ledger.completion_tokens,
            "cost_usd": self.ledger.cost_usd,
        }


@dataclass(frozen=True)
class Failure:
    reason: CopyFailureReason
    message: str
    errors: list[str]

    @classmethod
    def of(cls, exc: Exception) -> Failure:
        if isinstance(exc, InvalidOutput):
            return cls("invalid_output", "The generated copy kept breaking the platform rules.", exc.errors)
        if isinstance(exc, BudgetExhausted):
            return cls("budget_exceeded", exc.detail or "The monthly AI budget is exhausted.", [])
        return cls("provider_unavailable", str(exc), [])

    def problem(self, generation_id: uuid.UUID) -> Problem:
        if self.reason == "invalid_output":
            return Problem(
                502,
                "Generated copy failed validation",
                f"{self.message} It was re-asked with the errors and still failed; try again or change the brief.",
                generation_id=str(generation_id),
                errors=self.errors,
            )
        return Problem(
            503,
            "AI providers unavailable",
            "No configured AI provider answered; try again shortly.",
            headers={"Retry-After": str(PROVIDER_RETRY_AFTER_S)},
            generation_id=str(generation_id),
        )


def ensure_variant_count(brief: CopyBrief, ai: AiCopy, where: tuple[str | int, ...] = ()) -> None:
    if brief.variants > ai.settings.max_variants:
        raise Problem(
            422,
            "Validation failed",
            "The request has invalid fields.",
            errors=[
                {
                    "loc": ["body", *where, "variants"],
                    "msg": f"at most {ai.settings.max_variants} variants per request",
                    "type": "less_than_equal",
                }
            ],
        )


@dataclass(frozen=True)
class Answer:
    """How ``POST /generations`` answers: the generation and its status code; ``replayed`` when an earlier
    request with the same idempotency key gave this answer (``failure``: it failed, answer its problem)."""

    generation_id: uuid.UUID
    status_code: int
    replayed: bool = False
    failure: Failure | None = None


class GenerationFailed(Exception):
    """A request ended without copy; ``ledger`` holds what it consumed on the way."""

    def __init__(self, failure: Failure, ledger: Ledger) -> None:
        super().__init__(failure.message)
        self.failure = failure
        self.ledger = ledger


class Generations:
    def __init__(self, ai: AiCopy) -> None:
        self.ai = ai

    # ------------------------------------------------------------------------------------------- requests

    async def generate_now(
        self, caller: AccessClaims, brief: CopyBrief, key: IdempotentRequest | None = None
    ) -> Answer:
        """Run a request in the caller's HTTP request; raises a problem when it fails (the failure is stored)."""
        ref = _ref(caller, brief.platforms)
        async with self.ai.sessions() as session, session.begin():
            replay = await self._admit(session, caller, key, ref.id)
        if replay is not None:
            return replay
        try:
            outcome = await self._produce(ref, brief)
        except GenerationFailed as exc:
            failure = exc.failure
            problem = failure.problem(ref.id)
            async with self.ai.sessions() as session, session.begin():
                session.add(_row(ref, brief, is_async=False, status=JobStatus.FAILED, error=failure.message,
                                 failure_reason=failure.reason, finished_at=func.now()))  # fmt: skip
                await session.flush()
                await _record_failure(session, ref, failure, exc.ledger)
                await _settle(session, ref, key, problem.status, failure)
            raise problem from None
        except BaseException:
            # Refused before a generation existed (budget) or broke: the key must not stay taken.
            await self._release(ref, key)
            raise
        try:
            async with self.ai.sessions() as session, session.begin():
                session.add(_row(ref, brief, is_async=False, status=JobStatus.SUCCEEDED, finished_at=func.now(),
                                 started_at=func.now(), **outcome.values()))  # fmt: skip
                await session.flush()
                await _store(session, ref, outcome)
                await _settle(session, ref, key, 201)
        except BaseException:
            await self._release(ref, key)
            raise
        return Answer(ref.id, 201)

    async def enqueue_one(
        self, caller: AccessClaims, brief: CopyBrief, key: IdempotentRequest | None = None
    ) -> Answer:
        """Queue one request as a leased job (202)."""
        return await self._enqueue(caller, [brief], None, key)

    async def enqueue_batch(self, caller: AccessClaims, briefs: list[CopyBrief]) -> uuid.UUID:
        """Queue requests as one batch of leased jobs; returns the batch id."""
        batch_id = uuid.uuid4()
        await self._enqueue(caller, briefs, batch_id, None)
        return batch_id

    async def _enqueue(
        self,
        caller: AccessClaims,
        briefs: list[CopyBrief],
        batch_id: uuid.UUID | None,
        key: IdempotentRequest | None,
    ) -> Answer:
        """Queue requests as leased jobs (one HTTP request counts once against the rate limit), in the
        transaction that claims the idempotency key: a concurrent request with the key waits for it and then
        answers these generations. The answer names the first one (a single request's)."""
        assert caller.org_id is not None
        refs = [_ref(caller, brief.platforms, batch_id) for brief in briefs]
        refused: BudgetExhausted | None = None
        async with self.ai.sessions() as session, session.begin():
            replay = await self._admit(session, caller, key, refs[0].id)
            if replay is not None:
                return replay
            try:
                await ensure_budget(session, caller.org_id, self.ai.settings)  # refuse now rather than later
            except BudgetExhausted as exc:
                refused = exc  # the request still counts against the rate limit; the key is free again
                if key is not None:
                    await repo.release_key(session, caller.org_id, caller.user_id, key.key, refs[0].id)
            else:
                session.add_all(
                    _row(ref, brief, is_async=True, status=JobStatus.QUEUED)
                    for ref, brief in zip(refs, briefs, strict=True)
                )
                await session.flush()
                await _settle(session, refs[0], key, 202)
                await wake_runners(session, Generation.__tablename__)
        if refused is not None:
            raise refused
        return Answer(refs[0].id, 202)

    async def _admit(
        self,
        session: AsyncSession,
        caller: AccessClaims,
        key: IdempotentRequest | None,
        generation_id: uuid.UUID,
    ) -> Answer | None:
        """Claim the request's idempotency key and count the request against the caller's rate limit; a
        request whose key was used before answers what that one did (None: go ahead) and is not counted."""
        assert caller.org_id is not None
        for _ in range(3):  # a key freed between our claim and our read: claim again
            if key is None or await repo.insert_key(
                session, caller.org_id, caller.user_id, key.key, key.request_hash, generation_id,
                retention=idempotency.RETENTION, in_flight_stale=idempotency.IN_FLIGHT_STALE,
            ):  # fmt: skip
                await count_request(session, caller.user_id, self.ai.settings)
                return None
            used = await repo.get_key(session, caller.org_id, caller.user_id, key.key)
            if used is None:
                continue
            if used.request_hash != key.request_hash:
                raise idempotency.reused()
            if used.status_code is None:
                raise idempotency.in_flight()
            failure = Failure(**used.failure) if used.failure is not None else None
            return Answer(used.generation_id, used.status_code, replayed=True, failure=failure)
        raise idempotency.in_flight()

    async def _release(self, ref: GenerationRef, key: IdempotentRequest | None) -> None:
        if key is not None:
            async with self.ai.sessions() as session, session.begin():
                await repo.release_key(session, ref.org_id, ref.user_id, key.key, ref.id)

    # --------------------------------------------------------------------------------------------- jobs

    async def run_job(self, job_id: uuid.UUID, lease: JobLease) -> None:
        """:class:`JobRunner` handler of a queued generation. Providers down: retried later (with back-off)
        until the last attempt; invalid output or an exhausted budget: failed at once."""
        async with self.ai.sessions() as session:
            row = await session.get(Generation, job_id)
            if row is None or JobStatus(row.status).finished:
                return
            ref = GenerationRef(
                row.id, row.org_id, row.created_by, row.batch_id, list(row.request["platforms"])
            )
            brief = CopyBrief.model_validate(row.request)
        try:
            outcome = await self._produce(ref, brief)
        except BudgetExhausted as exc:
            await self._fail(ref, Failure.of(exc), None, lease)
            return
        except GenerationFailed as exc:
            if exc.failure.reason == "provider_unavailable" and not lease.last_attempt:
                async with self.ai.sessions() as session, session.begin():
                    await record_usage(
                        session, exc.ledger.completions, org_id=ref.org_id, user_id=ref.user_id,
                        purpose="generate", generation_id=ref.id,
                    )  # fmt: skip
                raise RetryLater(exc.failure.message, delay_s=self.ai.settings.job_retry_delay_s) from exc
            await self._fail(ref, exc.failure, exc.ledger, lease)
            return
        async with self.ai.sessions() as session, session.begin():
            await finish_job(
                session, Generation, ref.id, JobStatus.SUCCEEDED, lease=lease, **outcome.values()
            )
            await _store(session, ref, outcome)

    async def _fail(
        self, ref: GenerationRef, failure: Failure, ledger: Ledger | None, lease: JobLease
    ) -> None:
        async with self.ai.sessions() as session, session.begin():
            await finish_job(
                session, Generation, ref.id, JobStatus.FAILED, failure.message, lease=lease,
                failure_reason=failure.reason,
            )  # fmt: skip
            await _record_failure(session, ref, failure, ledger)

    async def gave_up(self, session: AsyncSession, job_id: uuid.UUID, error: str) -> None:
        """``JobRunner(on_give_up=...)``: the job's workers kept dying; announce the failure with it."""
        row = await session.get(Generation, job_id)
        if row is None:
            return
        row.failure_reason = "gave_up"
        ref = GenerationRef(row.id, row.org_id, row.created_by, row.batch_id, list(row.request["platforms"]))
        await events.failed(session, ref, "gave_up", error)

    # ----------------------------------------------------------------------------------------- producing

    async def _produce(self, ref: GenerationRef, brief: CopyBrief) -> Outcome:
        """Copy from the cache, else from the provider (within budget); raises :class:`GenerationFailed`."""
        async with self.ai.sessions() as session, session.begin():
            profile = await load_profile(session, ref.org_id, self.ai.settings)
            key = brief.cache_key(profile.version, self.ai.engine.provider.name)
            cached = await repo.find_cached(session, ref.org_id, key, self.ai.settings.cache_ttl_days)
            if cached is not None:
                source, variants = cached
                return Outcome(
                    copies=[(v.platform, v.generated) for v in variants],
                    provider=source.provider or "",
                    offline=bool(source.offline),
                    ledger=Ledger(),  # a cache hit costs nothing
                    cache_key=key,
                    brand_voice_version=profile.version,
                    cached_from=source.id,
                )
            await ensure_budget(session, ref.org_id, self.ai.settings)
        return await self._call(brief, profile, key)

    async def _call(self, brief: CopyBrief, profile: BrandProfile, key: str) -> Outcome:
        ledger = Ledger()
        copies: list[tuple[str, dict[str, Any]]] = []
        try:
            for platform in brief.platforms:
                found = await self.ai.engine.variants(
                    brief, platform, brief.variants, profile.rules, profile.prompt_data(), ledger
                )
                copies += [(platform, copy_fields(copy)) for copy in found]
        except (InvalidOutput, ProviderUnavailable) as exc:
            raise GenerationFailed(Failure.of(exc), ledger) from exc
        last = ledger.completions[-1]
        return Outcome(copies, last.provider, last.offline, ledger, key, profile.version)


def _ref(caller: AccessClaims, platforms: list[Any], batch_id: uuid.UUID | None = None) -> GenerationRef:
    assert caller.org_id is not None  # require_role refuses callers without an org
    return GenerationRef(uuid.uuid4(), caller.org_id, caller.user_id, batch_id, list(platforms))


def _row(
    ref: GenerationRef, brief: CopyBrief, *, is_async: bool, status: JobStatus, **values: Any
) -> Generation:
    values.setdefault("cache_key", "")
    values.setdefault("brand_voice_version", 0)
    return Generation(
        id=ref.id,
        org_id=ref.org_id,
        created_by=ref.user_id,
        batch_id=ref.batch_id,
        request=brief.model_dump(mode="json"),
        is_async=is_async,
        status=status.value,
        **values,
    )


async def _settle(
    session: AsyncSession,
    ref: GenerationRef,
    key: IdempotentRequest | None,
    status_code: int,
    failure: Failure | None = None,
) -> None:
    """Record the answer of a keyed request with its outcome (a retry with the key replays it)."""
    if key is not None:
        await repo.settle_key(
            session, ref.org_id, ref.user_id, key.key, ref.id, status_code,
            asdict(failure) if failure is not None else None,
        )  # fmt: skip


async def _store(session: AsyncSession, ref: GenerationRef, outcome: Outcome) -> None:
    """Variants, usage and ``copy.v1.generated`` of a finished generation (its row exists)."""
    variants = await repo.add_variants(session, ref.org_id, ref.id, outcome.copies)
    await record_usage(
        session, outcome.ledger.completions, org_id=ref.org_id, user_id=ref.user_id, purpose="generate",
        generation_id=ref.id,
    )  # fmt: skip
    await events.generated(
        session,
        ref,
        [v.id for v in variants],
        provider=outcome.provider,
        offline=outcome.offline,
        cached=outcome.cached_from is not None,
        prompt_tokens=outcome.ledger.prompt_tokens,
        completion_tokens=outcome.ledger.completion_tokens,
        cost_usd=outcome.ledger.cost_usd,
    )


async def _record_failure(
    session: AsyncSession, ref: GenerationRef, failure: Failure, ledger: Ledger | None
) -> None:
    if ledger is not None:
        await record_usage(
            session, ledger.completions, org_id=ref.org_id, user_id=ref.user_id, purpose="generate",
            generation_id=ref.id,
        )  # fmt: skip
    await events.failed(session, ref, failure.reason, failure.message)
