"""The relying-party side of OpenID Connect, built on authlib.

* discovery document and JWKS, fetched over HTTPS and cached (the JWKS is re-fetched once, rate-limited, when
  an ID token names a key id we do not know: the provider rotated its keys);
* the authorization URL (``response_type=code``, ``scope=openid email profile``, state, nonce, PKCE S256) and
  the code exchange, through :class:`authlib.integrations.httpx_client.AsyncOAuth2Client`;
* ID-token validation: signature against the JWKS with an allow-list of asymmetric algorithms (joserfc, as
  authlib itself does), then :class:`authlib.oidc.core.CodeIDToken` with ``iss``, ``aud`` = our client id,
  ``exp``, ``iat``, ``sub`` and ``nonce`` all required, ``azp`` and ``at_hash`` checked when present.
"""

from __future__ import annotations

import asyncio
import time
import warnings
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from adpilot_auth.sso.config import SsoSettings
from adpilot_common.oauth_http import HTTP_ERRORS, status_code

TOKEN_REQUEST_ERRORS: tuple[type[Exception], ...] = (*HTTP_ERRORS, ValueError)

with warnings.catch_warnings():
    # authlib >= 1.7 prefers the httpx2 package and warns once, at import, when it falls back to httpx
    # (which the whole workspace uses). The fallback is fully supported in authlib 1.x.
    warnings.filterwarnings("ignore", message="The httpx module is deprecated")
    from authlib.integrations.base_client import OAuthError
    from authlib.integrations.httpx_client import AsyncOAuth2Client

SCOPE = "openid email profile"
# Never "none" nor an HMAC algorithm (the client secret must not be usable to forge tokens).
ASYMMETRIC_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"})
METADATA_TTL_S = 3600.0
JWKS_TTL_S = 3600.0
JWKS_MIN_REFRESH_S = 10.0
CLOCK_LEEWAY_S = 60
GOOGLE_ISSUER = "https://accounts.google.com"


class ProviderUnavailable(Exception):
    """The provider could not be reached or answered nonsense (discovery, JWKS, token endpoint)."""


class CodeExchangeRefused(Exception):
    """The token endpoint refused the code (expired, reused, wrong verifier or redirect URI)."""


class InvalidIdToken(Exception):
    """Signature, issuer, audience, expiry, nonce or another ID-token check failed."""


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    algorithms: list[str]


class OidcClient:
    """One per app: holds the cached discovery document and JWKS of one provider."""

    def __init__(self, settings: SsoSettings) -> None:
        self.settings = settings
        self._metadata: ProviderMetadata | None = None
        self._metadata_at = 0.0
        self._jwks: KeySet | None = None
        self._jwks_at = 0.0
        self._lock = asyncio.Lock()

    def _oauth_client(self) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self.settings.client_id,
            client_secret=self.settings.client_secret.get_secret_value(),
            scope=SCOPE,
            redirect_uri=self.settings.redirect_uri,
            code_challenge_method="S256",
            timeout=self.settings.http_timeout_s,
            follow_redirects=False,
        )

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(timeout=self.settings.http_timeout_s) as client:
                response = await client.get(url, headers={"Accept": "application/json"})
                response.raise_for_status()
                body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ProviderUnavailable(f"GET {url} failed: {type(exc).__name__}") from None
        if not isinstance(body, dict):
            raise ProviderUnavailable(f"GET {url} did not return a JSON object")
        return body

    async def metadata(self) -> ProviderMetadata:
        if self._metadata is not None and time.monotonic() - self._metadata_at < METADATA_TTL_S:
            return self._metadata
        async with self._lock:
            if self._metadata is None or time.monotonic() - self._metadata_at >= METADATA_TTL_S:
                self._metadata = self._parse_metadata(await self._get_json(self.settings.discovery_url))
                self._metadata_at = time.monotonic()
            return self._metadata

    def _parse_metadata(self, doc: dict[str, Any]) -> ProviderMetadata:
        try:
            issuer = str(doc["issuer"])
            metadata = ProviderMetadata(
                issuer=issuer,
                authorization_endpoint=str(doc["authorization_endpoint"]),
                token_endpoint=str(doc["token_endpoint"]),
                jwks_uri=str(doc["jwks_uri"]),
                algorithms=[
                    alg
                    for alg in doc.get("id_token_signing_alg_values_supported") or ["RS256"]
                    if alg in ASYMMETRIC_ALGORITHMS
                ],
            )
        except KeyError as exc:
            raise ProviderUnavailable(f"discovery document lacks {exc.args[0]!r}") from None
        # OpenID Connect Discovery 1.0 §4.3: the issuer must be the URL the document was fetched under.
        if issuer.rstrip("/") + "/.well-known/openid-configuration" != self.settings.discovery_url:
            raise ProviderUnavailable("discovery document issuer does not match its URL")
        if not metadata.algorithms:
            raise ProviderUnavailable("provider offers no asymmetric ID-token signing algorithm")
        return metadata

    async def _key_set(self, *, refresh: bool = False) -> KeySet:
        now = time.monotonic()
        fresh = self._jwks is not None and now - self._jwks_at < JWKS_TTL_S
        if fresh and not (refresh and now - self._jwks_at >= JWKS_MIN_REFRESH_S):
            assert self._jwks is not None
            return self._jwks
        metadata = await self.metadata()
        try:
            keys = KeySet.import_key_set(await self._get_json(metadata.jwks_uri))  # type: ignore[arg-type]
        except (JoseError, ValueError, TypeError, KeyError):
            raise ProviderUnavailable("provider JWKS could not be parsed") from None
        self._jwks, self._jwks_at = keys, time.monotonic()
        return keys

    async def authorization_url(self, *, state: str, nonce: str, code_verifier: str) -> str:
        metadata = await self.metadata()
        async with self._oauth_client() as client:
            url, _ = client.create_authorization_url(
                metadata.authorization_endpoint, state=state, code_verifier=code_verifier, nonce=nonce
            )
        return str(url)

    async def exchange_code(self, code: str, code_verifier: str) -> dict[str, Any]:
        """POST the code with the PKCE verifier and the exact redirect URI; returns the token response."""
        metadata = await self.metadata()
        try:
            async with self._oauth_client() as client:
                token = await client.fetch_token(
                    metadata.token_endpoint,
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=code_verifier,
                )
        except OAuthError as exc:
            raise CodeExchangeRefused(str(exc.error)) from None
        except TOKEN_REQUEST_ERRORS as exc:  # authlib's client runs on httpx2 or httpx
            status = status_code(exc)
            if status is not None and status < 500:
                raise CodeExchangeRefused(f"token endpoint answered {status}") from None
            detail = f"answered {status}" if status is not None else f"failed: {type(exc).__name__}"
            raise ProviderUnavailable(f"token endpoint {detail}") from None
        if not isinstance(token.get("id_token"), str):
            raise InvalidIdToken("the token response carries no id_token")
        return dict(token)

    async def validate_id_token(
        self, id_token: str, *, nonce: str, access_token: str | None
    ) -> dict[str, Any]:
        """The verified claims of an ID token (OpenID Connect Core 1.0 §3.1.3.7)."""
        metadata = await self.metadata()
        registry = JWSRegistry(algorithms=metadata.algorithms, strict_check_header=False)
        try:
            try:
                decoded = jwt.decode(id_token, await self._key_set(), registry=registry)
            except InvalidKeyIdError:
                decoded = jwt.decode(id_token, await self._key_set(refresh=True), registry=registry)
        except (JoseError, ValueError) as exc:
            raise InvalidIdToken(f"signature: {type(exc).__name__}") from None

        issuers: list[str | int | bool] = [metadata.issuer]
        if metadata.issuer == GOOGLE_ISSUER:
            issuers.append("accounts.google.com")  # Google documents both forms of its issuer
        options: dict[str, Any] = {
            "iss": {"essential": True, "values": issuers},
            "aud": {"essential": True, "value": self.settings.client_id},
            "sub": {"essential": True},
            "exp": {"essential": True},
            "iat": {"essential": True},
            "nonce": {"essential": True},
        }
        params: dict[str, Any] = {"nonce": nonce, "client_id": self.settings.client_id}
        if access_token:
            params["access_token"] = access_token
        claims = CodeIDToken(decoded.claims, decoded.header, options, params)
        try:
            claims.validate(leeway=CLOCK_LEEWAY_S)
        except JoseError as exc:
            raise InvalidIdToken(f"claims: {exc.error} {exc.description or ''}".strip()) from None
        return dict(claims)
