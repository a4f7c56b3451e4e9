"""SQL of budgets, usage and the per-user request counter."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import delete, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_ai_copy.models import LlmUsage, OrgBudget, RateLimitWindow
from adpilot_ai_copy.providers.base import Completion


async def month_start(session: AsyncSession) -> datetime:
    """The start of the current UTC month, by the database clock (every replica agrees)."""
    value = await session.scalar(
        text("SELECT date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'")
    )
    assert isinstance(value, datetime)
    return value


async def spent_since(session: AsyncSession, org_id: uuid.UUID, since: datetime) -> Decimal:
    total = await session.scalar(
        select(func.coalesce(func.sum(LlmUsage.cost_usd), 0)).where(
            LlmUsage.org_id == org_id, LlmUsage.created_at >= since
        )
    )
    return Decimal(total or 0)


async def org_budget(session: AsyncSession, org_id: uuid.UUID) -> OrgBudget | None:
    return await session.get(OrgBudget, org_id)


async def set_org_budget(
    session: AsyncSession, org_id: uuid.UUID, amount: Decimal | None, user_id: uuid.UUID
) -> None:
    if amount is None:
        await session.execute(delete(OrgBudget).where(OrgBudget.org_id == org_id))
        return
    stmt = insert(OrgBudget).values(org_id=org_id, monthly_budget_usd=amount, updated_by=user_id)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[OrgBudget.org_id],
            set_={"monthly_budget_usd": amount, "updated_by": user_id, "updated_at": func.now()},
        )
    )
    # The upsert bypasses the session's identity map: a budget read before it (the caller's old value) would
    # otherwise be what every later read in this session answers (brand voice's save refreshes its row too).
    await session.get(OrgBudget, org_id, populate_existing=True)


async def record_usage(
    session: AsyncSession,
    completions: list[Completion],
    *,
    org_id: uuid.UUID,
    user_id: uuid.UUID,
    purpose: str,
    generation_id: uuid.UUID | None = None,
    variant_id: uuid.UUID | None = None,
) -> None:
    """One row per answered call (offline answers are free but recorded, so usage shows every request)."""
    if not completions:
        return
    await session.execute(
        insert(LlmUsage),
        [
            {
                "id": uuid.uuid4(),
                "org_id": org_id,
                "user_id": user_id,
                "generation_id": generation_id,
                "variant_id": variant_id,
                "purpose": purpose,
                "provider": c.provider,
                "prompt_tokens": c.prompt_tokens,
                "completion_tokens": c.completion_tokens,
                "cost_usd": c.cost_usd,
            }
            for c in completions
        ],
    )


async def count_request(session: AsyncSession, user_id: uuid.UUID) -> tuple[int, float]:
    """Count one request in the user's current minute; returns (requests this minute, seconds left in it)."""
    window = func.date_trunc("minute", func.now())
    upsert = insert(RateLimitWindow).values(user_id=user_id, window_start=window, hits=1)
    stmt = upsert.on_conflict_do_update(
        index_elements=[RateLimitWindow.user_id, RateLimitWindow.window_start],
        set_={"hits": RateLimitWindow.hits + 1},
    ).returning(
        RateLimitWindow.hits,
        func.extract("epoch", RateLimitWindow.window_start + text("interval '1 minute'") - func.now()),
    )
    hits, left = (await session.execute(stmt)).one()
    # Old windows of this user go as they age out (cheap: the primary key's prefix).
    await session.execute(
        delete(RateLimitWindow).where(
            RateLimitWindow.user_id == user_id,
            RateLimitWindow.window_start < func.now() - text("interval '10 minutes'"),
        )
    )
    return int(hits), float(left)
