"""FastAPI dependencies shared by services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.db import session_scope
from adpilot_common.runtime import ServiceRuntime


def runtime_of(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


async def db_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request, committed when the endpoint returns without error.

    Use it as ``DbSession`` (below), never a plain ``Depends(db_session)``: with FastAPI's default ("request")
    scope the code after ``yield`` (the commit) runs after the answer is sent, so a client could get its 201
    before the row exists, and a failed commit would never reach it."""
    sessions = runtime_of(request).sessions
    if sessions is None:
        raise RuntimeError("this service has no database")
    async for session in session_scope(sessions):
        yield session


# The endpoint's transaction, committed before the answer is sent (scope="function", see db_session).
DbSession = Annotated[AsyncSession, Depends(db_session, scope="function")]
