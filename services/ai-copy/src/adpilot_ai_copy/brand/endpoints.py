"""Brand voice: read by any member of the org, set by admins. Always the caller's own org."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from adpilot_ai_copy.brand import repository
from adpilot_ai_copy.brand.schemas import BrandVoiceIn, BrandVoiceOut
from adpilot_ai_copy.context import Ctx
from adpilot_ai_copy.models import BrandVoice
from adpilot_common.audit import Audit
from adpilot_common.dependencies import DbSession as Db
from adpilot_common.security.dependencies import Admin, Viewer

router = APIRouter(prefix="/api/ai-copy/brand-voice", tags=["brand voice"])


def _out(row: BrandVoice | None, defaults: list[str]) -> BrandVoiceOut:
    return BrandVoiceOut(
        voice=row.voice if row else "",
        guidelines=row.guidelines if row else "",
        banned_terms=row.banned_terms if row else [],
        default_banned_terms=defaults,
        version=row.version if row else 0,
        updated_at=row.updated_at if row else None,
    )


def _changes(before: BrandVoiceOut, after: BrandVoiceOut) -> dict[str, Any]:
    """What an audit entry says of a new brand voice: which texts changed (not the texts: up to pages of prose)
    and the banned terms added or removed; empty when nothing changed."""
    texts = [f for f in ("voice", "guidelines") if getattr(before, f) != getattr(after, f)]
    added = sorted(set(after.banned_terms) - set(before.banned_terms))
    removed = sorted(set(before.banned_terms) - set(after.banned_terms))
    if not (texts or added or removed):
        return {}
    return {
        "version": after.version,
        "changed": texts,
        "banned_terms_added": added,
        "banned_terms_removed": removed,
    }


@router.get("", summary="The org's brand voice, guidelines and banned terms")
async def get_brand_voice(caller: Viewer, ctx: Ctx, session: Db) -> BrandVoiceOut:
    assert caller.org_id is not None  # require_role refuses callers without an org
    return _out(await repository.get(session, caller.org_id), ctx.settings.default_banned_terms)


@router.put("", summary="Set the org's brand voice (admin)")
async def put_brand_voice(
    body: BrandVoiceIn, caller: Admin, ctx: Ctx, session: Db, audit: Audit
) -> BrandVoiceOut:
    assert caller.org_id is not None
    defaults = ctx.settings.default_banned_terms
    before = _out(await repository.get(session, caller.org_id), defaults)  # saving refreshes the row in place
    row = await repository.save(
        session, caller.org_id, body.voice.strip(), body.guidelines.strip(), body.banned_terms, caller.user_id
    )
    after = _out(row, defaults)
    changes = _changes(before, after)
    if changes:
        await audit.record(session, "brand_voice.updated", "brand_voice", caller.org_id, changes)
    return after
