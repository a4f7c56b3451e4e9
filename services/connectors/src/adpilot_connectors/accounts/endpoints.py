"""Ad accounts and the mirrored campaign structure, as the org sees them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from adpilot_common.problems import Problem
from adpilot_common.security.dependencies import Member, Viewer
from adpilot_connectors.accounts import queries
from adpilot_connectors.accounts.queries import CAMPAIGN_SORT_PATTERN, AccountRecord, CampaignFilter
from adpilot_connectors.accounts.repository import account_in_org, parse_id
from adpilot_connectors.accounts.schemas import (
    AccountOut,
    AccountPatch,
    ActiveRun,
    AdGroupOut,
    AdOut,
    CampaignDetail,
    CampaignOut,
    CampaignPage,
    CampaignStatus,
    ConnectionSummary,
    PlatformName,
)
from adpilot_connectors.config import Settings
from adpilot_connectors.context import Connectors, Ctx
from adpilot_connectors.linking.health import health_of
from adpilot_connectors.models import AdAccountRow, CampaignRow
from adpilot_connectors.platforms.base import Platform

router = APIRouter(prefix="/api/connectors", tags=["accounts"])

PROBLEMS: dict[int | str, dict[str, str]] = {
    404: {"description": "No such account or campaign in this organisation"},
    422: {"description": "Invalid body or query parameters"},
}


@router.get("/accounts", response_model=list[AccountOut], responses=PROBLEMS, summary="The org's ad accounts")
async def list_accounts(
    caller: Viewer,
    ctx: Ctx,
    platform: PlatformName | None = None,
    connection_id: uuid.UUID | None = None,
) -> list[AccountOut]:
    """Every ad account of the org with its connection's health and its sync state (active run included)."""
    assert caller.org_id is not None
    async with ctx.sessions() as session, session.begin():
        records = await queries.accounts(
            session, caller.org_id, platform=platform, connection_id=connection_id
        )
    now = datetime.now(UTC)
    return [_account_out(r, ctx, now) for r in records]


@router.patch(
    "/accounts/{account_id}", response_model=AccountOut, responses=PROBLEMS, summary="Sync settings"
)
async def update_account(account_id: str, body: AccountPatch, caller: Member, ctx: Ctx) -> AccountOut:
    """Turn scheduled syncs on or off, or override the restatement lookback (0-90 days; null: default)."""
    assert caller.org_id is not None
    changes = body.model_dump(include=body.model_fields_set)
    if not changes:
        raise Problem(422, "Validation failed", "Send sync_enabled and/or lookback_days.")
    if "sync_enabled" in changes and changes["sync_enabled"] is None:
        raise Problem(422, "Validation failed", "sync_enabled must be true or false.")
    async with ctx.sessions() as session, session.begin():
        account = await account_in_org(
            session, caller.org_id, parse_id(account_id, "ad account"), for_update=True
        )
        for name, value in changes.items():
            setattr(account, name, value)
        await session.flush()
        (record,) = await queries.accounts(session, caller.org_id, account_id=account.id)
    return _account_out(record, ctx, datetime.now(UTC))


@router.get("/campaigns", response_model=CampaignPage, responses=PROBLEMS, summary="Mirrored campaigns")
async def list_campaigns(
    caller: Viewer,
    ctx: Ctx,
    account_id: uuid.UUID | None = None,
    platform: PlatformName | None = None,
    status: CampaignStatus | None = None,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Name contains (case-insensitive), platform campaign id starts with, or AdPilot campaign id",
        ),
    ] = None,
    sort: Annotated[
        str, Query(pattern=CAMPAIGN_SORT_PATTERN, description="name|status|budget|updated; '-' = descending")
    ] = "name",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> CampaignPage:
    assert caller.org_id is not None
    f = CampaignFilter(account_id=account_id, platform=platform, status=status, q=q)
    async with ctx.sessions() as session, session.begin():
        # Another org's or an unknown account: 404, as on every account-scoped path.
        if account_id is not None:
            await account_in_org(session, caller.org_id, account_id)
        rows, total = await queries.campaign_page(session, caller.org_id, f, sort, limit, offset)
    return CampaignPage(items=[_campaign_out(c, a) for c, a in rows], total=total, limit=limit, offset=offset)


@router.get(
    "/campaigns/{campaign_id}",
    response_model=CampaignDetail,
    responses=PROBLEMS,
    summary="A campaign with its ad groups and ads",
)
async def get_campaign(campaign_id: str, caller: Viewer, ctx: Ctx) -> CampaignDetail:
    assert caller.org_id is not None
    async with ctx.sessions() as session, session.begin():
        campaign, account = await queries.campaign_in_org(
            session, caller.org_id, parse_id(campaign_id, "campaign")
        )
        structure = await queries.campaign_structure(session, campaign)
    return CampaignDetail(
        **_campaign_out(campaign, account).model_dump(),
        ad_groups=[
            AdGroupOut(
                id=g.id,
                external_id=g.external_id,
                name=g.name,
                status=g.status,
                updated_at=g.updated_at,
                ads=[AdOut.model_validate(ad) for ad in ads],
            )
            for g, ads in structure
        ],
    )


def _account_out(record: AccountRecord, ctx: Connectors, now: datetime) -> AccountOut:
    a, c, run = record.account, record.connection, record.active_run
    settings: Settings = ctx.settings
    health = health_of(c, now, settings)
    return AccountOut(
        id=a.id,
        connection_id=a.connection_id,
        platform=a.platform,
        external_id=a.external_id,
        name=a.name,
        currency=a.currency,
        time_zone=a.time_zone,
        status=a.status,
        is_manager=a.is_manager,
        sync_enabled=a.sync_enabled,
        lookback_days=a.lookback_days,
        effective_lookback_days=(
            a.lookback_days if a.lookback_days is not None else ctx.clients.lookback_days(_platform(a))
        ),
        metrics_synced_through=a.metrics_synced_through,
        structure_synced_at=a.structure_synced_at,
        last_sync_status=a.last_sync_status,
        last_sync_at=a.last_sync_at,
        connection_health=health,
        connection=ConnectionSummary(
            id=c.id,
            label=c.label,
            status=c.status,
            status_reason=c.status_reason,
            health=health,
            token_expires_at=c.token_expires_at,
            paused_until=c.paused_until if c.paused_until is not None and c.paused_until > now else None,
        ),
        active_run=(
            ActiveRun(
                id=run.id,
                status=run.status,
                trigger=run.trigger,
                queued_at=run.queued_at,
                started_at=run.started_at,
                metric_rows=run.metric_rows,
            )
            if run is not None
            else None
        ),
    )


def _platform(account: AdAccountRow) -> Platform:
    return Platform(account.platform)


def _campaign_out(c: CampaignRow, a: AdAccountRow) -> CampaignOut:
    return CampaignOut(
        id=c.id,
        account_id=a.id,
        account_name=a.name,
        platform=a.platform,
        external_account_id=a.external_id,
        external_id=c.external_id,
        name=c.name,
        status=c.status,
        objective=c.objective,
        daily_budget_micros=c.daily_budget_micros,
        currency=a.currency,
        first_seen_at=c.first_seen_at,
        updated_at=c.updated_at,
    )
