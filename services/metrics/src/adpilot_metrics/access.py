"""Org scoping shared by the metrics endpoints: the caller's org, rows of it by id, and the ad accounts and
campaigns it knows (404 otherwise, so another org's id answers exactly like an unknown one)."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.problems import Problem
from adpilot_common.security.dependencies import org_of
from adpilot_common.security.tokens import AccessClaims

Row = TypeVar("Row")


async def in_org(
    session: AsyncSession, model: type[Row], row_id: uuid.UUID, caller: AccessClaims, what: str
) -> Row:
    """The ``model`` row ``row_id`` of the caller's org; a 404 "<What> not found" problem otherwise."""
    table: Any = model
    row = await session.scalar(select(model).where(table.id == row_id, table.org_id == org_of(caller)))
    if row is None:
        raise Problem(404, f"{what.capitalize()} not found", f"No {what} {row_id} in this organisation.")
    return row


async def account_currency(session: AsyncSession, org_id: uuid.UUID, account_id: uuid.UUID) -> str:
    """The currency of an ad account the org knows (from its metrics, else its campaigns' events); a 404
    "Account not found" problem for any other id. Metrics never sees connectors' accounts table: an account is
    known once something about it arrived (its latest metrics day says its currency, the campaigns otherwise)."""
    currency = await session.scalar(
        text(
            "SELECT currency FROM ("
            " (SELECT currency, 0 AS preference FROM daily_account_rollups"
            "  WHERE org_id = :org_id AND account_id = :account_id ORDER BY day DESC LIMIT 1)"
            " UNION ALL"
            " (SELECT currency, 1 FROM campaign_dimensions"
            "  WHERE org_id = :org_id AND account_id = :account_id ORDER BY updated_at DESC LIMIT 1)"
            ") AS known ORDER BY preference LIMIT 1"
        ),
        {"org_id": org_id, "account_id": account_id},
    )
    if currency is None:
        raise Problem(404, "Account not found", f"No ad account {account_id} in this organisation.")
    return str(currency)


async def check_campaign(
    session: AsyncSession, org_id: uuid.UUID, campaign_id: str, account_id: uuid.UUID | None = None
) -> None:
    """A 404 "Campaign not found" problem unless the org knows the campaign (platform id), in ``account_id``
    when given (known = mirrored from a campaign event, or present in the rollups)."""
    account = "" if account_id is None else " AND account_id = :account_id"
    known = await session.scalar(
        text(
            "SELECT EXISTS (SELECT 1 FROM daily_campaign_rollups"  # noqa: S608 - fixed fragments only
            f" WHERE org_id = :org_id AND campaign_id = :campaign_id{account})"
            " OR EXISTS (SELECT 1 FROM campaign_dimensions"
            f" WHERE org_id = :org_id AND campaign_id = :campaign_id{account})"
        ),
        {"org_id": org_id, "account_id": account_id, "campaign_id": campaign_id},
    )
    if not known:
        raise Problem(404, "Campaign not found", f"No campaign {campaign_id!r} in this organisation.")
