"""Generating copy for a brief: cache, budget, provider calls with validation, storage and events.

No transaction is held open while a provider answers (that can take seconds): reads happen before the
call, and the outcome commits after it in one transaction with its usage rows and its event. A failed
request still records the usage it consumed, with its ``copy.v1.failed`` event."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_ai_copy.brand.profile import BrandProfile, load_profile
from adpilot_ai_copy.brief import CopyBrief
from adpilot_ai_copy.budget.repository import record_usage
from adpilot_ai_copy.budget.service import BudgetExhausted, count_request, ensure_budget
from adpilot_ai_copy.context import AiCopy
from adpilot_ai_copy.generation import events
from adpilot_ai_copy.generation import repository as repo
from adpilot_ai_copy.generation.engine import InvalidOutput, Ledger
from adpilot_ai_copy.generation.events import GenerationRef
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

    async def generate_now(self, caller: AccessClaims, brief: CopyBrief) -> uuid.UUID:
        """Run a request in the caller's HTTP request; raises a problem when it fails (the failure is stored)."""
        ref = _ref(caller, brief.platforms)
        async with self.ai.sessions() as session, session.begin():
            await count_request(session, caller.user_id, self.ai.settings)
        try:
            outcome = await self._produce(ref, brief)
        except GenerationFailed as exc:
            failure = exc.failure
            async with self.ai.sessions() as session, session.begin():
                session.add(_row(ref, brief, is_async=False, status=JobStatus.FAILED, error=failure.message,
                                 failure_reason=failure.reason, finished_at=func.now()))  # fmt: skip
                await session.flush()
                await _record_failure(session, ref, failure, exc.ledger)
            raise failure.problem(ref.id) from None
        async with self.ai.sessions() as session, session.begin():
            session.add(_row(ref, brief, is_async=False, status=JobStatus.SUCCEEDED, finished_at=func.now(),
                             started_at=func.now(), **outcome.values()))  # fmt: skip
            await session.flush()
            await _store(session, ref, outcome)
        return ref.id

    async def enqueue(
        self, caller: AccessClaims, briefs: list[CopyBrief], *, batch: bool
    ) -> tuple[uuid.UUID | None, list[uuid.UUID]]:
        """Queue requests as leased jobs (one HTTP request counts once against the rate limit); returns the
        batch id (with ``batch``) and the generation ids."""
        batch_id = uuid.uuid4() if batch else None
        async with self.ai.sessions() as session, session.begin():
            await count_request(session, caller.user_id, self.ai.settings)
        async with self.ai.sessions() as session, session.begin():
            assert caller.org_id is not None
            await ensure_budget(session, caller.org_id, self.ai.settings)  # refuse now rather than later
            refs = [_ref(caller, brief.platforms, batch_id) for brief in briefs]
            session.add_all(
                _row(ref, brief, is_async=True, status=JobStatus.QUEUED)
                for ref, brief in zip(refs, briefs, strict=True)
            )
            await session.flush()
            await wake_runners(session, Generation.__tablename__)
        return batch_id, [ref.id for ref in refs]

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
