"""Per-request collaborators of the auth endpoints: settings, the secret box and the request's context."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adpilot_auth.audit.service import RequestContext
from adpilot_auth.config import Settings
from adpilot_common.crypto import SecretBox
from adpilot_common.dependencies import runtime_of
from adpilot_common.security.dependencies import Principal


@dataclass(frozen=True)
class AuthDeps:
    settings: Settings
    box: SecretBox
    sessions: async_sessionmaker[AsyncSession]
    context: RequestContext


def auth_deps(request: Request) -> AuthDeps:
    runtime = runtime_of(request)
    settings = runtime.settings
    assert isinstance(settings, Settings) and runtime.sessions is not None
    client_ip = request.client.host if request.client else None
    return AuthDeps(
        settings=settings,
        box=request.app.state.secret_box,
        sessions=runtime.sessions,
        context=RequestContext(ip=client_ip, user_agent=request.headers.get("user-agent")),
    )


Deps = Annotated[AuthDeps, Depends(auth_deps)]

# The verified caller (access token checked against our own keys and the revocation set).
Caller = Principal
