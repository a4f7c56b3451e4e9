"""Another service verifies auth's tokens from the JWKS and rejects a revoked session within seconds."""

from __future__ import annotations

import asyncio
import time
from typing import ClassVar

import httpx
from fastapi import APIRouter

from adpilot_common.app import create_service_app
from adpilot_common.runtime import ServiceRuntime
from adpilot_common.security.dependencies import Principal, install_auth
from adpilot_common.security.settings import TokenVerificationSettings
from adpilot_common.security.tokens import JwksCache
from adpilot_common.settings import BaseServiceSettings, service_config
from adpilot_common.testing.plugin import running

from .conftest import AuthApp, signed_in


class ProbeSettings(BaseServiceSettings, TokenVerificationSettings):
    model_config = service_config("PROBE_")
    service_name: ClassVar[str] = "probe"


def probe_app(auth_app: AuthApp, env: dict) -> object:
    router = APIRouter()

    @router.get("/api/probe/whoami")
    async def whoami(caller: Principal) -> dict[str, str]:
        return {"user": str(caller.user_id), "org": str(caller.org_id), "role": str(caller.role)}

    runtime = ServiceRuntime(ProbeSettings(**env), uses_database=False)
    app = create_service_app(runtime, title="probe", routers=[router])

    async def jwks_from_auth() -> dict:
        return (await auth_app.client.get("/api/auth/.well-known/jwks.json")).json()

    install_auth(app, jwks=JwksCache(jwks_from_auth, source="auth"))
    return app


async def test_revoked_session_is_refused_by_another_service_within_5_seconds(auth_app: AuthApp, service_env):
    victim = await signed_in(auth_app, "ada@example.com")
    admin = await signed_in(auth_app, "ada@example.com")  # the same user on another device
    app = probe_app(auth_app, service_env())
    async with running(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://probe") as probe:
            ok = await probe.get("/api/probe/whoami", headers=victim)
            assert ok.status_code == 200 and ok.json()["role"] == "owner"
            assert (await probe.get("/api/probe/whoami")).status_code == 401
            forged = {"Authorization": victim["Authorization"][:-4] + "AAAA"}
            assert (await probe.get("/api/probe/whoami", headers=forged)).status_code == 401

            sessions = (await auth_app.client.get("/api/auth/sessions", headers=admin)).json()
            victim_session = next(s["id"] for s in sessions if not s["current"])
            revoked_at = time.monotonic()
            assert (
                await auth_app.client.delete(f"/api/auth/sessions/{victim_session}", headers=admin)
            ).status_code == 204
            while time.monotonic() - revoked_at < 5:
                if (await probe.get("/api/probe/whoami", headers=victim)).status_code == 401:
                    break
                await asyncio.sleep(0.05)
            refused = await probe.get("/api/probe/whoami", headers=victim)
            assert refused.status_code == 401
            assert refused.headers["www-authenticate"] == 'Bearer error="invalid_token"'
            assert (await probe.get("/api/probe/whoami", headers=admin)).status_code == 200
