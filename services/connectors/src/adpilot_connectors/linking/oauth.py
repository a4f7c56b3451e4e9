"""The platforms' OAuth endpoints: authorization URLs, code exchange and token refresh.

* Google: authorization code + PKCE (S256) through authlib's ``AsyncOAuth2Client``; ``access_type=offline`` and
  ``prompt=consent`` so every consent yields a refresh token. Access tokens live an hour and are refreshed with
  the ``refresh_token`` grant at ``settings.google.token_url``.
* Meta: authorization code (no PKCE for confidential web apps) exchanged at
  ``{graph_url}/{api_version}/oauth/access_token`` for a short-lived user token, then at once for a long-lived
  (~60 day) one with ``grant_type=fb_exchange_token``; the same grant re-extends a still-valid token later.
  Both are POSTed (client secret in the body, never in a URL that httpx would log).
* TikTok: its own consent portal and auth-code exchange (:func:`platforms.tiktok.exchange_auth_code`); advertiser
  tokens never expire and have no refresh token.

Errors are :class:`OAuthRefused` (the grant is dead: the user must link again) or :class:`OAuthUnavailable`
(network, 5xx, rate limit, our own misconfiguration: try again later). Messages never carry codes or tokens.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import authlib.deprecate  # noqa: F401 - registers authlib's own "always" filter now, so the one below takes precedence

from adpilot_common.logging import get_logger
from adpilot_common.oauth_http import HTTP_ERRORS, status_code
from adpilot_connectors.config import Settings
from adpilot_connectors.platforms import tiktok
from adpilot_connectors.platforms.base import Credentials, Platform, PlatformError, ReconnectRequired
from adpilot_connectors.platforms.meta.throttle import classify

with warnings.catch_warnings():
    # authlib >= 1.7 prefers the httpx2 package and warns once, at import, when it falls back to httpx
    # (which the whole workspace uses). The fallback is fully supported in authlib 1.x.
    warnings.filterwarnings("ignore", message="The httpx module is deprecated")
    from authlib.integrations.base_client import OAuthError
    from authlib.integrations.httpx_client import AsyncOAuth2Client

log = get_logger(__name__)

GOOGLE_SCOPE = "https://www.googleapis.com/auth/adwords"
META_SCOPES = "ads_management,ads_read,business_management"
OAUTH_PLATFORMS = (Platform.GOOGLE, Platform.META, Platform.TIKTOK)
HTTP_TIMEOUT_S = 20.0
# Client id and secret in the POST body (RFC 6749 §2.3.1): what Google documents and Meta accepts.
CLIENT_SECRET_POST = "client_secret_post"  # noqa: S105 - an RFC 6749 auth method name
# Google answers every dead grant (revoked, expired, wrong client for it) with invalid_grant (RFC 6749 §5.2).
_DEAD_GRANT_ERRORS = frozenset({"invalid_grant"})


class OAuthRefused(Exception):
    """The platform refused the grant (invalid_grant, revoked, Meta #190): only a new consent helps."""


class OAuthUnavailable(Exception):
    """The exchange could not be done now (network, 5xx, rate limit, misconfiguration); worth retrying later."""


@dataclass(frozen=True)
class TokenGrant:
    """What a successful code exchange yields."""

    credentials: Credentials
    scopes: str | None = None
    advertiser_ids: tuple[str, ...] | None = None  # TikTok: the advertisers the user granted

    def __repr__(self) -> str:  # never the tokens
        return f"TokenGrant(scopes={self.scopes!r}, advertiser_ids={self.advertiser_ids!r})"


def callback_url(settings: Settings, platform: Platform) -> str:
    """The redirect URI registered with each platform: the gateway's public origin plus our callback path."""
    return f"{settings.public_base_url.rstrip('/')}/api/connectors/oauth/{platform.value}/callback"


def missing_settings(settings: Settings, platform: Platform) -> list[str]:
    """The environment variables still to set before ``platform`` can be linked (empty when configured)."""
    required: dict[Platform, dict[str, object]] = {
        Platform.GOOGLE: {
            "CLIENT_ID": settings.google.client_id,
            "CLIENT_SECRET": settings.google.client_secret,
            "DEVELOPER_TOKEN": settings.google.developer_token,
        },
        Platform.META: {"APP_ID": settings.meta.app_id, "APP_SECRET": settings.meta.app_secret},
        Platform.TIKTOK: {"APP_ID": settings.tiktok.app_id, "APP_SECRET": settings.tiktok.app_secret},
    }
    if platform is Platform.SANDBOX:
        return [] if settings.sandbox.enabled else ["CONNECTORS_SANDBOX__ENABLED"]
    prefix = f"CONNECTORS_{platform.value.upper()}__"
    return [prefix + name for name, value in required[platform].items() if not value]


def api_version(settings: Settings, platform: Platform) -> str | None:
    if platform is Platform.GOOGLE:
        from adpilot_connectors.platforms.google_ads import API_VERSION

        return API_VERSION
    if platform is Platform.META:
        return settings.meta.api_version
    if platform is Platform.TIKTOK:
        return tiktok.API_VERSION
    return None


def _secret(value: Any) -> str:
    return str(value.get_secret_value()) if value is not None else ""


def _google_client(settings: Settings, **kwargs: Any) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        client_id=settings.google.client_id,
        client_secret=_secret(settings.google.client_secret),
        token_endpoint_auth_method=CLIENT_SECRET_POST,  # as Google documents (and google-auth sends)
        timeout=HTTP_TIMEOUT_S,
        follow_redirects=False,
        **kwargs,
    )


def _meta_client(settings: Settings, **kwargs: Any) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        client_id=settings.meta.app_id,
        client_secret=_secret(settings.meta.app_secret),
        token_endpoint_auth_method=CLIENT_SECRET_POST,
        timeout=HTTP_TIMEOUT_S,
        follow_redirects=False,
        **kwargs,
    )


def _meta_token_url(settings: Settings) -> str:
    return f"{settings.meta.graph_url.rstrip('/')}/{settings.meta.api_version}/oauth/access_token"


# ------------------------------------------------------------------------------------------ authorization URLs


async def authorization_url(
    settings: Settings, platform: Platform, *, state: str, code_verifier: str | None
) -> str:
    redirect_uri = callback_url(settings, platform)
    if platform is Platform.GOOGLE:
        async with _google_client(
            settings, scope=GOOGLE_SCOPE, redirect_uri=redirect_uri, code_challenge_method="S256"
        ) as client:
            url, _ = client.create_authorization_url(
                settings.google.authorize_url,
                state=state,
                code_verifier=code_verifier,
                access_type="offline",  # a refresh token...
                prompt="consent",  # ...on every consent, not only the first one
            )
        return str(url)
    if platform is Platform.META:
        async with _meta_client(settings, scope=META_SCOPES, redirect_uri=redirect_uri) as client:
            url, _ = client.create_authorization_url(settings.meta.authorize_url, state=state)
        return str(url)
    if platform is Platform.TIKTOK:
        query = urlencode({"app_id": settings.tiktok.app_id, "state": state, "redirect_uri": redirect_uri})
        return f"{settings.tiktok.authorize_url}?{query}"
    raise ValueError(f"{platform} does not link through OAuth")


# -------------------------------------------------------------------------------------------------- exchanges


def _expiry(token: dict[str, Any]) -> datetime | None:
    expires_at = token.get("expires_at")  # authlib derives it from expires_in when the answer has one
    if expires_at:
        return datetime.fromtimestamp(int(expires_at), UTC)
    expires_in = token.get("expires_in")
    return datetime.now(UTC) + timedelta(seconds=int(expires_in)) if expires_in else None


def _credentials(token: dict[str, Any], what: str) -> Credentials:
    access = token.get("access_token")
    if not isinstance(access, str) or not access:
        raise OAuthUnavailable(f"{what}: the answer carries no access token")
    refresh = token.get("refresh_token")
    return Credentials(
        access_token=access,
        refresh_token=refresh if isinstance(refresh, str) and refresh else None,
        expires_at=_expiry(token),
    )


def _google_error(exc: Exception, what: str) -> Exception:
    if isinstance(exc, OAuthError):
        error = str(exc.error or "unknown")[:64]
        if error in _DEAD_GRANT_ERRORS:
            return OAuthRefused(f"{what}: Google refused the grant ({error})")
        # invalid_client / unauthorized_client / invalid_request: our configuration, not the user's grant.
        return OAuthUnavailable(f"{what}: Google answered {error}")
    return _transport_error(exc, what)


def _meta_error(exc: Exception, what: str) -> Exception:
    if isinstance(exc, OAuthError):
        # Graph errors are objects ({"message", "type", "code", "error_subcode"}), so authlib's .error is a dict.
        body = exc.error if isinstance(exc.error, dict) else {}
        code, subcode = body.get("code"), body.get("error_subcode")
        failure = classify(
            code=code if isinstance(code, int) else None,
            subcode=subcode if isinstance(subcode, int) else None,
            http_status=None,
            is_transient=bool(body.get("is_transient")),
            message="",
        )
        if failure.kind == "reconnect":
            return OAuthRefused(f"{what}: Meta refused the token (#{code})")
        return OAuthUnavailable(f"{what}: Meta answered #{code} ({failure.kind})")
    return _transport_error(exc, what)


def _transport_error(exc: Exception, what: str) -> Exception:
    code = status_code(exc)
    if code is not None:
        return OAuthUnavailable(f"{what}: HTTP {code}")
    return OAuthUnavailable(f"{what}: {type(exc).__name__}")


_EXCHANGE_ERRORS = (OAuthError, *HTTP_ERRORS, ValueError, KeyError, TypeError)


async def exchange_code(
    settings: Settings, platform: Platform, code: str, *, code_verifier: str | None
) -> TokenGrant:
    """Trade the authorization code from the callback for tokens."""
    if platform is Platform.GOOGLE:
        return await _exchange_google(settings, code, code_verifier)
    if platform is Platform.META:
        return await _exchange_meta(settings, code)
    if platform is Platform.TIKTOK:
        return await _exchange_tiktok(settings, code)
    raise ValueError(f"{platform} does not link through OAuth")


async def _exchange_google(settings: Settings, code: str, code_verifier: str | None) -> TokenGrant:
    what = "Google code exchange"
    try:
        async with _google_client(settings, redirect_uri=callback_url(settings, Platform.GOOGLE)) as client:
            token = await client.fetch_token(
                settings.google.token_url,
                grant_type="authorization_code",
                code=code,
                code_verifier=code_verifier,
            )
    except _EXCHANGE_ERRORS as exc:
        raise _google_error(exc, what) from None
    return TokenGrant(_credentials(dict(token), what), scopes=_scopes(token.get("scope")))


async def _exchange_meta(settings: Settings, code: str) -> TokenGrant:
    what = "Meta code exchange"
    try:
        async with _meta_client(settings, redirect_uri=callback_url(settings, Platform.META)) as client:
            short = await client.fetch_token(
                _meta_token_url(settings), grant_type="authorization_code", code=code
            )
    except _EXCHANGE_ERRORS as exc:
        raise _meta_error(exc, what) from None
    short_lived = _credentials(dict(short), what)
    # The code yields a token of an hour or two; a long-lived one lasts ~60 days (and can be re-extended).
    return TokenGrant(await extend_meta_token(settings, short_lived.access_token))


async def extend_meta_token(settings: Settings, access_token: str) -> Credentials:
    """``grant_type=fb_exchange_token``: a long-lived (~60 day) token for a still-valid user token."""
    what = "Meta token extension"
    try:
        async with _meta_client(settings) as client:
            token = await client.fetch_token(
                _meta_token_url(settings), grant_type="fb_exchange_token", fb_exchange_token=access_token
            )
    except _EXCHANGE_ERRORS as exc:
        raise _meta_error(exc, what) from None
    return _credentials(dict(token), what)


async def refresh_google_token(settings: Settings, refresh_token: str) -> Credentials:
    """A new access token for a Google refresh token. Google usually sends no new refresh token; the stored one
    then stays (``credentials.store_credentials`` never overwrites it with nothing)."""
    what = "Google token refresh"
    try:
        async with _google_client(settings) as client:
            token = await client.refresh_token(settings.google.token_url, refresh_token=refresh_token)
    except _EXCHANGE_ERRORS as exc:
        raise _google_error(exc, what) from None
    return _credentials(dict(token), what)


async def _exchange_tiktok(settings: Settings, code: str) -> TokenGrant:
    assert settings.tiktok.app_id is not None
    try:
        authorization = await tiktok.exchange_auth_code(
            code,
            app_id=settings.tiktok.app_id,
            app_secret=_secret(settings.tiktok.app_secret),
            base_url=settings.tiktok.base_url,
            timeout_s=HTTP_TIMEOUT_S,
        )
    except ReconnectRequired as exc:
        raise OAuthRefused(str(exc)) from None
    except PlatformError as exc:
        raise OAuthUnavailable(str(exc)) from None
    return TokenGrant(
        authorization.credentials,
        scopes=",".join(str(s) for s in authorization.scopes) or None,
        advertiser_ids=authorization.advertiser_ids,
    )


def _scopes(value: Any) -> str | None:
    if isinstance(value, str) and value:
        return value[:2000]
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)[:2000] or None
    return None
