"""One variant: read (viewer), edit / regenerate a field / approve (member). Another org's id: 404."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter

from adpilot_ai_copy.context import Ctx
from adpilot_ai_copy.generation.schemas import VariantOut
from adpilot_ai_copy.generation.views import variant_out
from adpilot_ai_copy.variants import repository, service
from adpilot_ai_copy.variants.schemas import ApproveRequest, EditRequest, RegenerateRequest
from adpilot_common.audit import Audit
from adpilot_common.dependencies import DbSession as Db
from adpilot_common.problems import Problem
from adpilot_common.security.dependencies import Member, Viewer

router = APIRouter(prefix="/api/ai-copy/variants", tags=["variants"])
APPROVED_ALREADY: dict[int | str, dict[str, Any]] = {
    409: {"description": "The variant is approved already; approved copy cannot change"}
}


@router.get("/{variant_id}", summary="One copy variant")
async def get_variant(variant_id: uuid.UUID, caller: Viewer, ai: Ctx, session: Db) -> VariantOut:
    assert caller.org_id is not None
    found = await repository.get(session, caller.org_id, variant_id)
    if found is None:
        raise Problem(404, detail="No such copy variant.")
    return variant_out(found[0], ai.settings.meta_primary_text_recommended)


@router.patch(
    "/{variant_id}",
    summary="Edit copy by hand (re-validated against the platform rules)",
    responses=APPROVED_ALREADY,
)
async def edit_variant(
    variant_id: uuid.UUID, body: EditRequest, caller: Member, ai: Ctx, session: Db
) -> VariantOut:
    variant = await service.edit(ai, session, caller, variant_id, body)
    return variant_out(variant, ai.settings.meta_primary_text_recommended)


@router.post(
    "/{variant_id}/regenerate",
    summary="Write one field (or one line of it) again",
    responses=APPROVED_ALREADY,
)
async def regenerate_field(
    variant_id: uuid.UUID, body: RegenerateRequest, caller: Member, ai: Ctx
) -> VariantOut:
    await service.regenerate(ai, caller, variant_id, body)
    assert caller.org_id is not None
    async with ai.sessions() as session:
        found = await repository.get(session, caller.org_id, variant_id)
        assert found is not None
        return variant_out(found[0], ai.settings.meta_primary_text_recommended)


@router.post(
    "/{variant_id}/approve",
    summary="Approve: publishes copy.v1.approved for connectors (ad created PAUSED); a failed publish may be "
    "approved again with a corrected target",
    responses={
        409: {"description": "Approved already (and not failed to publish); approved copy cannot change"},
        422: {"description": "Invalid target, or a re-approval without a complete target"},
    },
)
async def approve_variant(
    variant_id: uuid.UUID, body: ApproveRequest, caller: Member, ai: Ctx, session: Db, audit: Audit
) -> VariantOut:
    variant = await service.approve(session, caller, variant_id, body, audit)
    return variant_out(variant, ai.settings.meta_primary_text_recommended)
