"""FastAPI dependencies shared by services."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from adpilot_common.db import session_scope
from adpilot_common.runtime import ServiceRuntime


def runtime_of(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


async def db_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request, committed when the endpoint returns without error."""
    sessions = runtime_of(request).sessions
    if sessions is None:
        raise RuntimeError("this service has no database")
    async for session in session_scope(sessions):
        yield session
