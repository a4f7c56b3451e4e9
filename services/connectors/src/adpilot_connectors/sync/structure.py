"""Mirror an account's campaigns, ad groups and ads, and announce campaign changes.

Two paths change the mirror, with the same events: a sync (:func:`apply_structure`, what the platform lists)
and a write the platform just accepted (:func:`apply_known_change`, so the UI and subscribers see a pause or a
budget change at once). Either way the row's fingerprint moves with its values, so the other path finds
nothing new and nothing is announced twice.

Each row stores a ``fingerprint`` (sha256 of the compared fields), so a sync of unchanged data compares one
string per row, writes nothing and emits nothing. Campaign events go to the outbox in the transaction that
writes the mirror, so the mirror and what the rest of the system was told never disagree; a retried attempt
finds the mirror already updated and emits nothing twice. A row the platform no longer lists is marked REMOVED
(it is kept: metrics and history still reference it).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

from pydantic import BaseModel
from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.events.contracts.campaign import CampaignCreated, CampaignStatusChanged, CampaignUpdated
from adpilot_common.events.envelope import EventEnvelope
from adpilot_common.messaging.outbox import add_to_outbox, build_event
from adpilot_connectors.identity import mirror_id_for
from adpilot_connectors.models import AdAccountRow, AdGroupRow, AdRow, CampaignRow
from adpilot_connectors.platforms.base import Ad, AdGroup, AdPlatformClient, Campaign, Status
from adpilot_connectors.sync.storable import fit_mirror_row
from adpilot_connectors.sync.target import SOURCE, SyncTarget

Values = dict[str, Any]

CAMPAIGN_COLUMNS = ("name", "status", "objective", "daily_budget_micros")
# campaign.v1.updated covers these; a status change has its own event.
CAMPAIGN_UPDATE_FIELDS = ("name", "objective", "daily_budget_micros")
AD_GROUP_COLUMNS = ("campaign_external_id", "name", "status")
AD_COLUMNS = ("ad_group_external_id", "name", "status", "headlines", "descriptions", "final_url")


class AccountScope(Protocol):
    """The account whose mirror is changed (a :class:`SyncTarget`, or a write job's account)."""

    @property
    def org_id(self) -> uuid.UUID: ...
    @property
    def account_id(self) -> uuid.UUID: ...
    @property
    def platform(self) -> Any: ...
    @property
    def external_account_id(self) -> str: ...
    @property
    def account_name(self) -> str: ...
    @property
    def currency(self) -> str: ...


@dataclass(frozen=True)
class Structure:
    campaigns: list[Campaign]
    ad_groups: list[AdGroup]
    ads: list[Ad]


@dataclass
class MirrorDiff:
    inserted: list[tuple[uuid.UUID, str, Values]] = field(default_factory=list)  # (id, external id, values)
    changed: list[tuple[uuid.UUID, str, Values, Values]] = field(default_factory=list)  # (..., before, after)


@dataclass(frozen=True)
class StructureChanges:
    campaigns_created: int
    campaigns_updated: int


async def fetch_structure(client: AdPlatformClient, external_account_id: str) -> Structure:
    return Structure(
        campaigns=await client.list_campaigns(external_account_id),
        ad_groups=await client.list_ad_groups(external_account_id),
        ads=await client.list_ads(external_account_id),
    )


async def apply_structure(
    session: AsyncSession, target: SyncTarget, structure: Structure
) -> StructureChanges:
    """Upsert the mirror and stage the campaign events in the caller's transaction."""
    campaigns = await mirror(
        session,
        CampaignRow,
        CAMPAIGN_COLUMNS,
        target,
        {c.external_id: campaign_values(c) for c in structure.campaigns},
    )
    await mirror(
        session,
        AdGroupRow,
        AD_GROUP_COLUMNS,
        target,
        {g.external_id: ad_group_values(g) for g in structure.ad_groups},
    )
    await mirror(session, AdRow, AD_COLUMNS, target, {a.external_id: ad_values(a) for a in structure.ads})
    await add_to_outbox(session, *campaign_events(target, campaigns))
    changes = StructureChanges(len(campaigns.inserted), len(campaigns.changed))
    await session.execute(
        update(AdAccountRow)
        .where(AdAccountRow.id == target.account_id)
        .values(structure_synced_at=func.now())
    )
    return changes


_COLUMNS: dict[type[Any], tuple[str, ...]] = {
    CampaignRow: CAMPAIGN_COLUMNS,
    AdGroupRow: AD_GROUP_COLUMNS,
    AdRow: AD_COLUMNS,
}


async def apply_known_change(
    session: AsyncSession,
    scope: AccountScope,
    model: type[CampaignRow] | type[AdGroupRow] | type[AdRow],
    external_id: str,
    changes: Values,
) -> bool:
    """A write the platform accepted: update the mirrored row now (with its fingerprint) and stage the campaign
    events the next sync would otherwise send, in the caller's transaction. False when the row is not mirrored
    yet (a sync will create it) or nothing changed."""
    columns = _COLUMNS[model]
    row = (
        await session.execute(
            select(model.id, *(getattr(model, c) for c in columns))
            .where(model.account_id == scope.account_id, model.external_id == external_id)
            .with_for_update()
        )
    ).first()
    if row is None:
        return False
    before: Values = {c: getattr(row, c) for c in columns}
    after = {**before, **changes}
    if after == before:
        return False
    await session.execute(
        update(model)
        .where(model.id == row.id)
        .values(**changes, fingerprint=fingerprint(after), updated_at=func.now())
    )
    if model is CampaignRow:
        diff = MirrorDiff(changed=[(row.id, external_id, before, after)])
        await add_to_outbox(session, *campaign_events(scope, diff))
    return True


def fingerprint(values: Values) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def campaign_values(c: Campaign) -> Values:
    return {
        "name": c.name,
        "status": Status(c.status).value,
        "objective": c.objective,
        "daily_budget_micros": c.daily_budget_micros,
    }


def ad_group_values(g: AdGroup) -> Values:
    return {"campaign_external_id": g.campaign_id, "name": g.name, "status": Status(g.status).value}


def ad_values(a: Ad) -> Values:
    return {
        "ad_group_external_id": a.ad_group_id,
        "name": a.name,
        "status": Status(a.status).value,
        "headlines": list(a.headlines),
        "descriptions": list(a.descriptions),
        "final_url": a.final_url,
    }


async def mirror(
    session: AsyncSession,
    model: type[CampaignRow] | type[AdGroupRow] | type[AdRow],
    columns: Sequence[str],
    target: SyncTarget,
    listed: dict[str, Values],
) -> MirrorDiff:
    """Make the account's rows of ``model`` match ``listed`` (external id → compared values); one SELECT and at
    most one INSERT and one UPDATE (executemany) whatever the number of rows. The columns hold what was last
    announced (by a sync, or by :func:`apply_known_change` after a write), so the events can say what changed.
    A value the columns cannot hold is dropped first (:mod:`.storable`), so it cannot fail every later sync."""
    table = cast(Table, model.__table__)
    listed = {
        external_id: fitted
        for external_id, values in listed.items()
        if (fitted := fit_mirror_row(target, table.name, external_id, values)) is not None
    }
    existing = (
        await session.execute(
            select(model.id, model.external_id, model.fingerprint, *(getattr(model, c) for c in columns))
            .where(model.account_id == target.account_id)
            .with_for_update()  # a concurrent writer (a write job adding a campaign) waits for this mirror pass
        )
    ).all()
    diff = MirrorDiff()
    inserts: list[Values] = []
    updates: list[Values] = []
    seen: set[str] = set()
    for row in existing:
        before: Values = {c: getattr(row, c) for c in columns}
        after = listed.get(row.external_id)
        if after is None:  # gone from the platform's listing: keep the row, mark it removed
            if before["status"] == Status.REMOVED.value:
                continue
            after = {**before, "status": Status.REMOVED.value}
        seen.add(row.external_id)
        digest = fingerprint(after)
        if digest != row.fingerprint:
            updates.append({"row_id": row.id, "fingerprint": digest, **after})
            diff.changed.append((row.id, row.external_id, before, after))
    for external_id, values in listed.items():
        if external_id in seen:
            continue
        new_id = mirror_id_for(target.account_id, table.name, external_id)
        inserts.append(
            {
                "id": new_id,
                "org_id": target.org_id,
                "account_id": target.account_id,
                "external_id": external_id,
                "fingerprint": fingerprint(values),
                **values,
            }
        )
        diff.inserted.append((new_id, external_id, values))
    if inserts:  # first_seen_at and updated_at: the server's now()
        await session.execute(insert(table), inserts)
    if updates:
        await session.execute(
            update(table).where(table.c.id == bindparam("row_id")).values(updated_at=func.now()), updates
        )
    return diff


def campaign_events(target: AccountScope, diff: MirrorDiff) -> list[EventEnvelope]:
    events: list[EventEnvelope] = []

    def emit(subject: str, data: BaseModel) -> None:
        events.append(build_event(subject, data, source=SOURCE, org_id=target.org_id))

    for campaign_id, external_id, values in diff.inserted:
        emit("campaign.v1.created", CampaignCreated(**_snapshot(target, campaign_id, external_id, values)))
    for campaign_id, external_id, before, after in diff.changed:
        snapshot = _snapshot(target, campaign_id, external_id, after)
        if before["status"] != after["status"]:
            emit(
                "campaign.v1.status_changed",
                CampaignStatusChanged(**snapshot, previous_status=before["status"]),
            )
        changed = [f for f in CAMPAIGN_UPDATE_FIELDS if before[f] != after[f]]
        if changed:
            emit("campaign.v1.updated", CampaignUpdated(**snapshot, changed=changed))
    return events


def _snapshot(target: AccountScope, campaign_id: uuid.UUID, external_id: str, values: Values) -> Values:
    return {
        "campaign_id": campaign_id,
        "account_id": target.account_id,
        "platform": target.platform.value,
        "external_account_id": target.external_account_id,
        "account_name": target.account_name,
        "external_id": external_id,
        "currency": target.currency,
        **{c: values[c] for c in CAMPAIGN_COLUMNS},
    }
