"""FastAPI wiring for access tokens: who is calling (:func:`principal`), may they (:func:`require_role`).

In a service (its settings class inherits :class:`TokenVerificationSettings`)::

    runtime = ServiceRuntime(settings)
    app = create_service_app(runtime, title="metrics", routers=[router])
    install_auth(app)

    @router.get("/api/metrics/campaigns")
    async def campaigns(caller: Principal) -> ...:  # 401 unless a valid, unrevoked token
        ...  # scope every query by caller.org_id

    @router.delete("/api/metrics/budgets/{id}")
    async def delete_budget(caller: Annotated[AccessClaims, Depends(require_role(Role.ADMIN))]) -> ...:
        ...

Answers (RFC 9457 problem+json, RFC 6750 challenges):

* no ``Authorization: Bearer`` header: 401, ``WWW-Authenticate: Bearer``;
* a bad, expired or revoked token: 401, ``WWW-Authenticate: Bearer error="invalid_token"`` (the precise reason is
  logged, not returned);
* role too low, or no active org: 403, ``WWW-Authenticate: Bearer error="insufficient_scope"``;
* no signing key was ever loaded (auth unreachable since start): 503 with ``Retry-After``.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from adpilot_common.logging import get_logger
from adpilot_common.problems import Problem
from adpilot_common.security.revocations import RevocationListener, RevocationSet
from adpilot_common.security.settings import TokenVerificationSettings
from adpilot_common.security.tokens import (
    AccessClaims,
    InvalidToken,
    InvalidTokenReason,
    JwksCache,
    JwksUnavailable,
    Role,
    TokenVerifier,
)

if TYPE_CHECKING:
    from nats.aio.client import Client as NatsClient

    from adpilot_common.runtime import ServiceRuntime

log = get_logger(__name__)

CHALLENGE = "Bearer"
INVALID_TOKEN_CHALLENGE = 'Bearer error="invalid_token"'  # noqa: S105 (an RFC 6750 challenge)
INSUFFICIENT_SCOPE_CHALLENGE = 'Bearer error="insufficient_scope"'
JWKS_RETRY_AFTER_S = 5


@dataclass
class AuthGuard:
    """Token verification plus the revocation check; lives on ``app.state.auth_guard``."""

    verifier: TokenVerifier
    revocations: RevocationSet
    listener: RevocationListener | None = None

    @classmethod
    def from_settings(
        cls, settings: TokenVerificationSettings, *, jwks: JwksCache | None = None, listen: bool = True
    ) -> AuthGuard:
        """Verifier on ``settings.auth_jwks_url`` (or ``jwks``), a revocation set and, if ``listen``, its listener."""
        revocations = RevocationSet(settings.access_token_max_lifetime_s + settings.token_leeway_s)
        return cls(
            TokenVerifier.from_settings(settings, jwks),
            revocations,
            RevocationListener(revocations) if listen else None,
        )

    async def authenticate(self, token: str) -> AccessClaims:
        """Verified claims of an unrevoked token; raises InvalidToken (reason REVOKED included) or JwksUnavailable."""
        claims = await self.verifier.verify(token)
        if self.revocations.is_revoked(claims.session_id):
            raise InvalidToken(InvalidTokenReason.REVOKED, f"session {claims.session_id}")
        return claims

    async def start(self, nc: NatsClient | None = None) -> None:
        """Load the JWKS (a failure is only logged) and, given a NATS client, start the revocation listener."""
        await self.verifier.jwks.start()
        if self.listener is not None and nc is not None:
            await self.listener.start(nc)

    async def stop(self) -> None:
        if self.listener is not None:
            await self.listener.stop()
        await self.verifier.jwks.aclose()


def install_auth(
    app: FastAPI,
    settings: TokenVerificationSettings | None = None,
    *,
    jwks: JwksCache | None = None,
    listen_for_revocations: bool = True,
) -> AuthGuard:
    """Give a service app token auth: build an :class:`AuthGuard`, set ``app.state.auth_guard``, hook it up.

    ``app`` comes from ``create_service_app`` (its ``app.state.runtime`` is used); ``settings`` defaults to the
    runtime's settings, which must then inherit :class:`TokenVerificationSettings`. ``jwks`` replaces the HTTP
    JWKS source (the auth service passes a cache that reads its own key table). The runtime's start hook loads
    the JWKS and starts the revocation listener on the runtime's NATS connection (waiting up to 5 s for the
    replay of recent revocations); its stop hook stops both. Returns the guard, whose ``revocations.revoke()``
    the auth service may also call directly so its own replica refuses a session at once.
    """
    runtime: ServiceRuntime = app.state.runtime
    chosen = settings if settings is not None else runtime.settings
    if not isinstance(chosen, TokenVerificationSettings):
        raise TypeError(
            f"{type(chosen).__name__} does not inherit TokenVerificationSettings; "
            "add it to the service's settings bases or pass settings= to install_auth"
        )
    guard = AuthGuard.from_settings(chosen, jwks=jwks, listen=listen_for_revocations)
    app.state.auth_guard = guard

    async def start() -> None:
        await guard.start(runtime.broker.connection)

    runtime.on_start(start)
    runtime.on_stop(guard.stop)
    # Without keys every authenticated request would answer 503: not ready until the first key set loads.
    runtime.add_readiness_check(
        "auth_keys", lambda: "ok" if guard.verifier.jwks.loaded else "error: no signing keys loaded yet"
    )
    return guard


def auth_guard_of(request: Request) -> AuthGuard:
    guard = getattr(request.app.state, "auth_guard", None)
    if not isinstance(guard, AuthGuard):
        raise RuntimeError("app.state.auth_guard is not set: call install_auth(app) when building the app")
    return guard


bearer_scheme = HTTPBearer(
    auto_error=False,
    bearerFormat="JWT",
    scheme_name="accessToken",
    description="Access token from POST /api/auth/login or /api/auth/refresh",
)


async def principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> AccessClaims:
    """The verified caller, from ``Authorization: Bearer <access token>``; 401 problem otherwise."""
    guard = auth_guard_of(request)
    if credentials is None:
        raise Problem(401, detail="An access token is required.", headers={"WWW-Authenticate": CHALLENGE})
    try:
        claims = await guard.authenticate(credentials.credentials)
    except InvalidToken as exc:
        level = log.debug if exc.reason is InvalidTokenReason.EXPIRED else log.info
        level("access token refused", reason=str(exc.reason), detail=exc.detail)
        raise Problem(
            401,
            detail="The access token is invalid, expired or revoked.",
            headers={"WWW-Authenticate": INVALID_TOKEN_CHALLENGE},
        ) from None
    except JwksUnavailable as exc:
        log.warning("cannot verify access tokens: no signing keys", error=str(exc))
        raise Problem(
            503,
            detail="Sign-in cannot be checked right now; try again shortly.",
            headers={"Retry-After": str(JWKS_RETRY_AFTER_S)},
        ) from None
    request.state.principal = claims
    return claims


Principal = Annotated[AccessClaims, Depends(principal)]


def require_role(
    minimum: Role | str, *, mfa: bool = False
) -> Callable[[AccessClaims], Awaitable[AccessClaims]]:
    """A dependency: the caller acts for an org with at least ``minimum`` (viewer < member < admin < owner).

    403 when there is no active org or the role is lower; with ``mfa=True`` also when the session did not pass
    multi-factor authentication. Use as ``Depends(require_role(Role.ADMIN))``; it returns the claims.
    """
    needed = Role(minimum)

    async def dependency(claims: Principal) -> AccessClaims:
        if claims.org_id is None or claims.role is None:
            raise _forbidden("Select an organisation first.", needed)
        if not claims.role.at_least(needed):
            raise _forbidden(f"This needs the {needed} role or higher.", needed)
        if mfa and not claims.mfa:
            raise _forbidden("This needs a session that passed multi-factor authentication.", needed)
        return claims

    dependency.__name__ = f"require_{needed}{'_mfa' if mfa else ''}"
    return dependency


def _forbidden(detail: str, needed: Role) -> Problem:
    return Problem(
        403,
        detail=detail,
        headers={"WWW-Authenticate": INSUFFICIENT_SCOPE_CHALLENGE},
        required_role=str(needed),
    )


# The caller of an org-scoped endpoint, at least in this role (a 403 problem otherwise):
# ``async def list_things(caller: Viewer) -> ...``.
Viewer = Annotated[AccessClaims, Depends(require_role(Role.VIEWER))]
Member = Annotated[AccessClaims, Depends(require_role(Role.MEMBER))]
Admin = Annotated[AccessClaims, Depends(require_role(Role.ADMIN))]


def org_of(caller: AccessClaims) -> uuid.UUID:
    """The caller's active org (``require_role`` admits only callers that have one)."""
    assert caller.org_id is not None
    return caller.org_id
