from fastapi import FastAPI

from adpilot_auth.audit.endpoints import router as audit_router
from adpilot_auth.audit.subscribers import on_audit_requested
from adpilot_auth.config import Settings
from adpilot_auth.housekeeping import Housekeeper
from adpilot_auth.keys.service import active_key, jwks
from adpilot_auth.mfa.endpoints import router as mfa_router
from adpilot_auth.orgs.endpoints import router as orgs_router
from adpilot_auth.sessions.endpoints import router as sessions_router
from adpilot_auth.sso.endpoints import router as sso_router
from adpilot_auth.users.endpoints import router as users_router
from adpilot_common.app import create_service_app
from adpilot_common.crypto import SecretBox
from adpilot_common.runtime import ServiceRuntime
from adpilot_common.security.dependencies import install_auth
from adpilot_common.security.tokens import JwksCache


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = ServiceRuntime(settings)
    box = SecretBox.from_setting(settings.fernet_keys.get_secret_value())

    async def ensure_signing_key() -> None:
        """The JWKS is never empty: other services can verify from the first token on."""
        assert runtime.sessions is not None
        async with runtime.sessions() as session, session.begin():
            await active_key(session, box)

    async def own_keys() -> dict[str, list[dict[str, object]]]:
        assert runtime.sessions is not None
        async with runtime.sessions() as session, session.begin():
            return await jwks(session)

    runtime.consume("audit.v1.requested", on_audit_requested)
    assert runtime.sessions is not None
    housekeeper = Housekeeper(
        runtime.sessions,
        retention_days=settings.audit_retention_days,
        interval_s=settings.housekeeping_interval_s,
    )
    runtime.on_start(ensure_signing_key)  # before install_auth's hook loads the keys
    runtime.in_background(housekeeper.start, housekeeper.stop)
    app = create_service_app(
        runtime,
        title="AdPilot auth",
        routers=[users_router, sessions_router, mfa_router, orgs_router, audit_router, sso_router],
    )
    app.state.secret_box = box
    # auth verifies its own tokens from its key table (no HTTP round trip to itself).
    install_auth(app, jwks=JwksCache(own_keys, source="auth-db", ttl_s=60, min_refresh_interval_s=1))
    return app
