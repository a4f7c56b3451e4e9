"""Org scoping shared by the metrics endpoints: the caller's org, and rows of it by id (404 otherwise, so
another org's id answers exactly like an unknown one)."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from sqlalchemy import select
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
