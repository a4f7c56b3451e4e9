"""The copy.v1.generated / copy.v1.failed events of a generation, staged in the caller's transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.events.contracts.copy import CopyFailed, CopyFailureReason, CopyGenerated, CopyPlatform
from adpilot_common.messaging.outbox import add_to_outbox, build_event

SOURCE = "ai-copy"


@dataclass(frozen=True)
class GenerationRef:
    """Who asked for which generation (what every event and usage record of it names)."""

    id: uuid.UUID
    org_id: uuid.UUID
    user_id: uuid.UUID
    batch_id: uuid.UUID | None
    platforms: list[CopyPlatform]


async def generated(
    session: AsyncSession,
    ref: GenerationRef,
    variant_ids: list[uuid.UUID],
    *,
    provider: str,
    offline: bool,
    cached: bool,
    prompt_tokens: int,
    completion_tokens: int,
    cost_usd: Decimal,
) -> None:
    data = CopyGenerated(
        generation_id=ref.id,
        batch_id=ref.batch_id,
        requested_by=ref.user_id,
        platforms=ref.platforms,
        variant_ids=variant_ids,
        provider=provider,
        offline=offline,
        cached=cached,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        cost_usd=cost_usd,
    )
    await add_to_outbox(session, build_event("copy.v1.generated", data, source=SOURCE, org_id=ref.org_id))


async def failed(session: AsyncSession, ref: GenerationRef, reason: CopyFailureReason, message: str) -> None:
    data = CopyFailed(
        generation_id=ref.id,
        batch_id=ref.batch_id,
        requested_by=ref.user_id,
        platforms=ref.platforms,
        reason=reason,
        message=message[:2000],
    )
    await add_to_outbox(session, build_event("copy.v1.failed", data, source=SOURCE, org_id=ref.org_id))
