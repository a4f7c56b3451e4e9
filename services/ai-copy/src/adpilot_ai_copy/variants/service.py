"""Working on one variant: regenerate a field, edit by hand (re-validated), approve (-> copy.v1.approved)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_ai_copy.brand.profile import load_profile
from adpilot_ai_copy.brief import CopyBrief
from adpilot_ai_copy.budget.repository import record_usage
from adpilot_ai_copy.budget.service import count_request, ensure_budget
from adpilot_ai_copy.context import AiCopy
from adpilot_ai_copy.generation.engine import InvalidOutput, Ledger
from adpilot_ai_copy.generation.events import SOURCE
from adpilot_ai_copy.generation.service import Failure
from adpilot_ai_copy.models import CopyVariant, Generation
from adpilot_ai_copy.providers.base import ProviderUnavailable
from adpilot_ai_copy.rules.platforms import MODELS, copy_fields, validate_copy
from adpilot_ai_copy.variants import publishing, repository
from adpilot_ai_copy.variants.schemas import ApproveRequest, EditRequest, RegenerateRequest
from adpilot_common.audit import AuditTrail
from adpilot_common.events.contracts.copy import CopyApproved
from adpilot_common.messaging.outbox import add_to_outbox, build_event
from adpilot_common.problems import Problem
from adpilot_common.security.tokens import AccessClaims

APPROVED = "approved"


def _invalid(errors: list[str]) -> Problem:
    return Problem(
        422, "Copy breaks the platform rules", "Fix every listed problem and try again.", errors=errors
    )


async def _draft(
    session: AsyncSession, caller: AccessClaims, variant_id: uuid.UUID, *, reapprovable: bool = False
) -> tuple[CopyVariant, Generation]:
    """The variant, locked; 409 once approved (``reapprovable``: unless publishing the approval failed)."""
    assert caller.org_id is not None  # require_role refuses callers without an org
    found = await repository.get(session, caller.org_id, variant_id, for_update=True)
    if found is None:
        raise Problem(404, detail="No such copy variant.")
    variant = found[0]
    if variant.status == APPROVED and not (reapprovable and variant.publish_state == publishing.FAILED):
        raise Problem(409, detail="This variant is approved already; approved copy cannot change.")
    return found


async def edit(
    ai: AiCopy, session: AsyncSession, caller: AccessClaims, variant_id: uuid.UUID, body: EditRequest
) -> CopyVariant:
    variant, _ = await _draft(session, caller, variant_id)
    assert caller.org_id is not None
    profile = await load_profile(session, caller.org_id, ai.settings)
    copy, errors = validate_copy(variant.platform, {**variant.fields, **body.fields}, profile.rules, "fields")
    if copy is None:
        raise _invalid(errors)
    variant.fields = copy_fields(copy)
    variant.edited = True
    variant.updated_at = func.now()
    await session.flush()
    await session.refresh(variant)
    return variant


async def regenerate(
    ai: AiCopy, caller: AccessClaims, variant_id: uuid.UUID, body: RegenerateRequest
) -> uuid.UUID:
    """Ask the generator for a new value of one field; the rest of the variant stays as it is."""
    assert caller.org_id is not None
    async with ai.sessions() as session, session.begin():
        await count_request(session, caller.user_id, ai.settings)
    async with ai.sessions() as session, session.begin():
        variant, generation = await _draft(session, caller, variant_id)
        _check_target(variant, body)
        profile = await load_profile(session, caller.org_id, ai.settings)
        await ensure_budget(session, caller.org_id, ai.settings)
        current, platform, seed = dict(variant.fields), variant.platform, variant.regenerations + 1
        brief = CopyBrief.model_validate(generation.request)
    ledger = Ledger()
    failure: Failure | None = None
    try:
        copy = await ai.engine.field(
            brief,
            platform,
            profile.rules,
            profile.prompt_data(),
            current,
            body.field,
            body.index,
            ledger,
            seed,
        )
    except (InvalidOutput, ProviderUnavailable) as exc:
        failure = Failure.of(exc)
    async with ai.sessions() as session, session.begin():  # spent whatever happens next
        await _usage(session, caller, ledger, generation.id, variant_id)
    if failure is not None:
        raise failure.problem(generation.id)
    async with ai.sessions() as session, session.begin():
        variant, _ = await _draft(session, caller, variant_id)  # approved meanwhile: 409
        variant.fields = copy_fields(copy)
        variant.regenerations += 1
        variant.updated_at = func.now()
    return variant_id


def _check_target(variant: CopyVariant, body: RegenerateRequest) -> None:
    names = list(MODELS[variant.platform].model_fields)
    if body.field not in names:
        raise _invalid(
            [f"field: {variant.platform} copy has no field {body.field!r} (it has {', '.join(names)})"]
        )
    value = variant.fields.get(body.field)
    if body.index is not None and not (isinstance(value, list) and body.index < len(value)):
        raise _invalid([f"index: {body.field} has no line {body.index}"])


async def _usage(
    session: AsyncSession,
    caller: AccessClaims,
    ledger: Ledger,
    generation_id: uuid.UUID,
    variant_id: uuid.UUID,
) -> None:
    assert caller.org_id is not None
    await record_usage(
        session, ledger.completions, org_id=caller.org_id, user_id=caller.user_id, purpose="regenerate",
        generation_id=generation_id, variant_id=variant_id,
    )  # fmt: skip


async def approve(
    session: AsyncSession,
    caller: AccessClaims,
    variant_id: uuid.UUID,
    body: ApproveRequest,
    audit: AuditTrail,
) -> CopyVariant:
    """Mark approved and stage ``copy.v1.approved`` in the same transaction. With a complete target (account,
    ad group, final URL: what connectors need to create the ad) the variant's publishing is ``queued`` until
    connectors report how it ended. Approved copy whose publishing failed may be approved again with a corrected
    target; its copy stays frozen, and only the outcome of the latest approval counts (the event id)."""
    variant, generation = await _draft(session, caller, variant_id, reapprovable=True)
    retarget = variant.status == APPROVED  # publishing its earlier approval failed
    final_url = body.final_url or generation.request.get("final_url")
    target = body.account_id is not None and body.ad_group_id is not None and final_url is not None
    if retarget and not target:
        raise Problem(
            422,
            "Target needed",
            "Publishing this copy failed; name the ad account, ad group and final URL to try again.",
        )
    approval = {"account_id": str(body.account_id) if body.account_id else None, "ad_group_id": body.ad_group_id,
                "final_url": final_url}  # fmt: skip
    approval_id = uuid.uuid4()  # the event's id: connectors' outcome events name it
    variant.status = APPROVED
    variant.approved_by = caller.user_id
    variant.approved_at = func.now()
    variant.approval = approval
    variant.updated_at = func.now()
    publishing.queue(variant, approval_id if target else None)
    headlines, descriptions = connector_lines(variant.platform, variant.fields)
    data = CopyApproved(
        copy_id=variant.id,
        generation_id=generation.id,
        platform=variant.platform,
        approved_by=caller.user_id,
        account_id=body.account_id,
        ad_group_id=body.ad_group_id,
        final_url=final_url,
        name=f"{generation.request['product']} - {variant.platform} {variant.position + 1}"[:255],
        headlines=headlines,
        descriptions=descriptions,
        path1=variant.fields.get("path1"),
        path2=variant.fields.get("path2"),
        fields=variant.fields,
        provider=generation.provider or "",
        offline=bool(generation.offline),
    )
    event = build_event("copy.v1.approved", data, source=SOURCE, org_id=caller.org_id, event_id=approval_id)
    await add_to_outbox(session, event)
    # Where the copy goes (the approval's target), not the copy: the variant and the event keep that.
    where = {"generation_id": str(generation.id), "platform": variant.platform, **approval}
    await audit.record(session, "copy.approved", "copy", variant.id, {**where, "reapproval": retarget})
    await session.flush()
    await session.refresh(variant)
    return variant


def connector_lines(platform: str, fields: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The copy in connectors' create_ad shape (see CopyApproved)."""
    if platform == "google":
        return list(fields["headlines"]), list(fields["descriptions"])
    if platform == "meta":
        return [fields["headline"]], [fields["primary_text"], fields["description"]]
    return [], [fields["ad_text"]]
