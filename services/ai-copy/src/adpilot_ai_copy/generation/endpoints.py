"""Generation API: ask for copy (sync, async or bulk), follow jobs and batches, read results."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_ai_copy.context import AiCopy, Ctx
from adpilot_ai_copy.generation import idempotency
from adpilot_ai_copy.generation import repository as repo
from adpilot_ai_copy.generation.idempotency import IdempotentRequest
from adpilot_ai_copy.generation.schemas import BatchOut, BulkRequest, GenerationOut, GenerationRequest
from adpilot_ai_copy.generation.service import Generations, ensure_variant_count
from adpilot_ai_copy.generation.views import batch_out, generation_out
from adpilot_ai_copy.models import Generation
from adpilot_common.dependencies import DbSession as Db
from adpilot_common.problems import Problem
from adpilot_common.security.dependencies import Member, Viewer

router = APIRouter(prefix="/api/ai-copy", tags=["generations"])


async def _outs(session: AsyncSession, ai: AiCopy, rows: list[Generation]) -> list[GenerationOut]:
    variants = await repo.variants_of(session, [r.id for r in rows])
    return [generation_out(r, variants[r.id], ai.settings.meta_primary_text_recommended) for r in rows]


async def _one(ai: AiCopy, org_id: uuid.UUID, generation_id: uuid.UUID) -> GenerationOut:
    async with ai.sessions() as session:
        row = await repo.get(session, org_id, generation_id)
        if row is None:
            raise Problem(404, detail="No such generation.")
        return (await _outs(session, ai, [row]))[0]


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias=idempotency.HEADER,
        min_length=1,
        max_length=idempotency.KEY_MAX_LENGTH,
        pattern=idempotency.KEY_PATTERN,
        description=idempotency.KEY_DESCRIPTION,
    ),
]


@router.post(
    "/generations",
    status_code=status.HTTP_201_CREATED,
    summary="Generate copy variants (201 when done; 202 and a queued job with async=true)",
    responses={
        201: {"headers": idempotency.REPLAYED_DOC},
        202: {"model": GenerationOut, "headers": idempotency.REPLAYED_DOC},
        402: {},
        409: {"description": f"The first request with this {idempotency.HEADER} is still running"},
        429: {},
        502: {},
        503: {},
    },
)
async def create_generation(
    body: GenerationRequest,
    caller: Member,
    ai: Ctx,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> GenerationOut:
    assert caller.org_id is not None  # require_role refuses callers without an org
    brief = body.brief()
    ensure_variant_count(brief, ai)
    generations = Generations(ai)
    key = IdempotentRequest.of(idempotency_key, body)
    if body.run_async:
        answer = await generations.enqueue_one(caller, brief, key)
    else:
        answer = await generations.generate_now(caller, brief, key)
    if answer.failure is not None:  # a replay of a failed synchronous request: its problem again
        problem = answer.failure.problem(answer.generation_id)
        problem.headers = {**(problem.headers or {}), idempotency.REPLAYED_HEADER: "true"}
        raise problem
    if answer.replayed:
        response.headers[idempotency.REPLAYED_HEADER] = "true"
    response.status_code = answer.status_code
    response.headers["Location"] = f"/api/ai-copy/generations/{answer.generation_id}"
    return await _one(ai, caller.org_id, answer.generation_id)


@router.post(
    "/generations/bulk",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Queue many generation requests as one batch of leased jobs",
)
async def create_bulk(body: BulkRequest, caller: Member, ai: Ctx, response: Response) -> BatchOut:
    assert caller.org_id is not None
    if len(body.items) > ai.settings.bulk_max_items:
        raise Problem(
            422,
            "Validation failed",
            "The request has invalid fields.",
            errors=[{"loc": ["body", "items"], "msg": f"at most {ai.settings.bulk_max_items} items per batch",
                     "type": "too_long"}],
        )  # fmt: skip
    for i, brief in enumerate(body.items):
        ensure_variant_count(brief, ai, ("items", i))
    batch_id = await Generations(ai).enqueue_batch(caller, body.items)
    response.headers["Location"] = f"/api/ai-copy/batches/{batch_id}"
    async with ai.sessions() as session:
        return batch_out(
            batch_id, await _outs(session, ai, await repo.of_batch(session, caller.org_id, batch_id))
        )


@router.get("/generations", summary="Recent generations of the org, newest first")
async def list_generations(
    caller: Viewer, ai: Ctx, session: Db, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> list[GenerationOut]:
    assert caller.org_id is not None
    return await _outs(session, ai, await repo.recent(session, caller.org_id, limit))


@router.get("/generations/{generation_id}", summary="One generation: status (jobs), usage and variants")
async def get_generation(generation_id: uuid.UUID, caller: Viewer, ai: Ctx) -> GenerationOut:
    assert caller.org_id is not None
    return await _one(ai, caller.org_id, generation_id)


@router.get("/batches/{batch_id}", summary="Progress and results of a bulk request")
async def get_batch(batch_id: uuid.UUID, caller: Viewer, ai: Ctx, session: Db) -> BatchOut:
    assert caller.org_id is not None
    rows = await repo.of_batch(session, caller.org_id, batch_id)
    if not rows:
        raise Problem(404, detail="No such batch.")
    return batch_out(batch_id, await _outs(session, ai, rows))
