"""Rows -> API answers (shared by the generation and variant endpoints)."""

from __future__ import annotations

import uuid
from collections import Counter
from decimal import Decimal

from adpilot_ai_copy.generation.schemas import (
    ApprovalOut,
    BatchOut,
    GenerationOut,
    PublishOut,
    UsageOut,
    VariantOut,
)
from adpilot_ai_copy.models import CopyVariant, Generation
from adpilot_ai_copy.rules.platforms import copy_warnings
from adpilot_common.jobs import JobStatus


def usd(amount: Decimal) -> Decimal:
    """Plain decimal notation without trailing zeros ("0", "0.000025", "10"), not "0E-8"."""
    return Decimal(format(amount.normalize(), "f"))


def variant_out(row: CopyVariant, meta_recommended: int) -> VariantOut:
    return VariantOut(
        id=row.id,
        generation_id=row.generation_id,
        platform=row.platform,
        position=row.position,
        fields=row.fields,
        status=row.status,
        edited=row.edited,
        regenerations=row.regenerations,
        warnings=copy_warnings(row.platform, row.fields, meta_recommended),
        approved_by=row.approved_by,
        approved_at=row.approved_at,
        approval=ApprovalOut.model_validate(row.approval) if row.approval else None,
        publish=publish_out(row),
        updated_at=row.updated_at,
    )


def publish_out(row: CopyVariant) -> PublishOut | None:
    if row.publish_state is None:
        return None
    return PublishOut(
        state=row.publish_state,  # the column holds only these three
        ad_id=row.published_ad_id,
        job_id=row.publish_job_id,
        reason=row.publish_error,
        updated_at=row.publish_updated_at,
    )


def generation_out(row: Generation, variants: list[CopyVariant], meta_recommended: int) -> GenerationOut:
    return GenerationOut(
        id=row.id,
        status=row.status,
        batch_id=row.batch_id,
        request=row.request,
        run_async=row.is_async,
        provider=row.provider,
        offline=row.offline,
        cached=row.cached_from is not None,
        cached_from=row.cached_from,
        usage=UsageOut(
            prompt_tokens=row.prompt_tokens,
            completion_tokens=row.completion_tokens,
            cost_usd=usd(row.cost_usd),
        ),
        error=row.error,
        failure_reason=row.failure_reason,
        created_at=row.created_at,
        finished_at=row.finished_at,
        variants=[variant_out(v, meta_recommended) for v in variants],
    )


def batch_out(batch_id: uuid.UUID, generations: list[GenerationOut]) -> BatchOut:
    counts = Counter(g.status for g in generations)
    return BatchOut(
        batch_id=batch_id,
        total=len(generations),
        queued=counts[JobStatus.QUEUED.value],
        running=counts[JobStatus.RUNNING.value],
        succeeded=counts[JobStatus.SUCCEEDED.value],
        failed=counts[JobStatus.FAILED.value],
        finished=all(JobStatus(g.status).finished for g in generations),
        generations=generations,
    )
