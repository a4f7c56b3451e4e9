"""Verifying AdPilot access tokens against the auth service's JWKS (ASVS 5.0 V9: self-contained tokens).

The contract with the auth service:

* header ``{"alg": "EdDSA", "kid": <key id>, "typ": "at+jwt"}``, Ed25519 signature;
* claims ``iss``, ``aud``, ``sub`` (user id), ``sid`` (session id), ``org`` (active org id or null), ``role``
  (``owner``/``admin``/``member``/``viewer`` or null), ``mfa`` (bool), ``iat``, ``nbf``, ``exp``
  (``exp - iat`` at most ``access_token_max_lifetime_s``), ``jti``;
* public keys at ``GET {auth}/api/auth/.well-known/jwks.json`` as OKP/Ed25519 JWKs with ``kid``.

What is refused, and the :class:`InvalidTokenReason` it raises with: any ``alg`` but ``EdDSA`` (so ``none``,
``HS256`` signed with the public key, ``RS256``/``ES256``) before a key is even looked up; a ``typ`` other than
``at+jwt``; ``crit``/``b64`` headers; an unknown ``kid`` (after at most one rate-limited JWKS refresh); a bad
signature; wrong ``iss``/``aud``; ``exp`` passed, ``nbf``/``iat`` in the future (with ``leeway_s``); a missing or
ill-typed claim; a lifetime above the maximum. Keys come only from the configured JWKS, never from the token's
``jku``/``jwk``/``x5u``/``x5c`` headers (ASVS 9.1.3).

Verification is CPU only: :class:`JwksCache` keeps the parsed public keys in memory, refreshes them in the
background when its TTL has passed, and goes to the network inside a request only for an unknown ``kid``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from jwt.types import Options
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from adpilot_common.cancellation import cancel_and_wait
from adpilot_common.logging import get_logger

if TYPE_CHECKING:
    from adpilot_common.security.settings import TokenVerificationSettings

log = get_logger(__name__)

ALLOWED_ALGORITHMS: Final = ("EdDSA",)
# RFC 9068 §2.1: "at+jwt"; the media-type form is equivalent (RFC 7515 §4.1.9).
ACCESS_TOKEN_TYPES: Final = frozenset({"at+jwt", "application/at+jwt"})
REQUIRED_CLAIMS: Final = ("iss", "aud", "sub", "sid", "mfa", "iat", "nbf", "exp", "jti")
# Far above a real access token (~450 bytes); bounds the work an attacker can make us do per request.
MAX_TOKEN_LENGTH: Final = 8192
_BASE64URL: Final = re.compile(r"[A-Za-z0-9_-]+")


class Role(StrEnum):
    """A member's role in the active organisation, weakest first: viewer < member < admin < owner."""

    VIEWER = "viewer"
    MEMBER = "member"
    ADMIN = "admin"
    OWNER = "owner"

    @property
    def rank(self) -> int:
        return _ROLE_RANK[self]

    def at_least(self, minimum: Role | str) -> bool:
        return self.rank >= Role(minimum).rank


_ROLE_RANK: Final = {role: rank for rank, role in enumerate(Role)}


class AccessClaims(BaseModel):
    """The verified content of an access token: who is calling, in which session, org and role."""

    model_config = ConfigDict(frozen=True)

    user_id: uuid.UUID
    session_id: uuid.UUID
    org_id: uuid.UUID | None
    role: Role | None
    mfa: bool = Field(strict=True)
    issued_at: datetime
    expires_at: datetime
    token_id: str

    def has_role(self, minimum: Role | str) -> bool:
        """True when the caller acts for an org with at least ``minimum``."""
        return self.org_id is not None and self.role is not None and self.role.at_least(minimum)


class InvalidTokenReason(StrEnum):
    MALFORMED = "malformed"
    UNSUPPORTED_ALGORITHM = "unsupported_algorithm"
    WRONG_TYPE = "wrong_type"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    WRONG_ISSUER = "wrong_issuer"
    WRONG_AUDIENCE = "wrong_audience"
    MISSING_CLAIM = "missing_claim"
    INVALID_CLAIMS = "invalid_claims"
    LIFETIME_TOO_LONG = "lifetime_too_long"
    REVOKED = "revoked"


class InvalidToken(Exception):
    """The token must not be accepted. ``reason`` is for logs and metrics; clients get a generic 401."""

    def __init__(self, reason: InvalidTokenReason, detail: str | None = None) -> None:
        super().__init__(f"{reason}: {detail}" if detail else str(reason))
        self.reason = reason
        self.detail = detail


class JwksUnavailable(Exception):
    """No signing keys have ever been loaded (auth unreachable since start): the caller should answer 503."""


# --- JWKS ---------------------------------------------------------------------------------------------------

JwksLoader = Callable[[], Awaitable[Mapping[str, Any]]]


def parse_jwks(jwks: Mapping[str, Any]) -> dict[str, Ed25519PublicKey]:
    """``kid`` → Ed25519 public key for every usable signing key; other keys are skipped with a warning."""
    entries = jwks.get("keys")
    if not isinstance(entries, list):
        raise ValueError("a JWKS is an object with a 'keys' array")
    keys: dict[str, Ed25519PublicKey] = {}
    for jwk in entries:
        kid = jwk.get("kid") if isinstance(jwk, dict) else None
        problem = _unusable(jwk, kid, keys)
        if problem is not None:
            log.warning("JWKS key skipped", kid=kid, problem=problem)
            continue
        assert isinstance(kid, str)
        try:
            keys[kid] = Ed25519PublicKey.from_public_bytes(_b64url_decode(jwk["x"]))
        except (ValueError, TypeError, binascii.Error) as exc:
            log.warning("JWKS key skipped", kid=kid, problem=f"bad public key: {exc}")
            continue
        if "d" in jwk:
            log.error("JWKS publishes a private key; only its public half is used", kid=kid)
    return keys


def _unusable(jwk: object, kid: object, seen: Mapping[str, object]) -> str | None:
    if not isinstance(jwk, dict):
        return "not an object"
    if not isinstance(kid, str) or not kid:
        return "no kid"
    if kid in seen:
        return "duplicate kid"
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        return f"not an Ed25519 key (kty={jwk.get('kty')!r}, crv={jwk.get('crv')!r})"
    if jwk.get("alg", "EdDSA") != "EdDSA":
        return f"alg {jwk.get('alg')!r}"
    if jwk.get("use", "sig") != "sig":
        return f"use {jwk.get('use')!r}"
    if not isinstance(jwk.get("x"), str):
        return "no x"
    return None


def _b64url_decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


UNLOADED_RETRY_S: Final = 1.0  # fetch interval while no key set was ever loaded


class JwksCache:
    """The auth service's public keys, parsed once and held in memory.

    * :meth:`get` never does I/O. When the set is older than ``ttl_s`` it starts a background refresh and
      answers from the keys it has (stale-while-revalidate), so a slow or down auth service never slows requests.
    * :meth:`get_or_refresh` is for an unknown ``kid`` (a key rotation): it refreshes at most once per
      ``min_refresh_interval_s``, and concurrent callers share one fetch, so forged ``kid`` values cannot make us
      hammer auth.
    * A failed or empty fetch keeps the previous keys.

    Build it with :meth:`from_url` (services), :meth:`from_static` (tests, fixed keys) or a custom ``loader``
    (the auth service, which reads its own keys from its database).
    """

    def __init__(
        self,
        loader: JwksLoader | None,
        *,
        ttl_s: float = 300.0,
        min_refresh_interval_s: float = 10.0,
        source: str = "loader",
        on_close: Callable[[], Awaitable[None]] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.source = source
        self.ttl_s = ttl_s
        self.min_refresh_interval_s = min_refresh_interval_s
        self._loader = loader
        self._on_close = on_close
        self._clock = clock
        self._keys: dict[str, Ed25519PublicKey] = {}
        self._loaded_at: float | None = None
        self._attempted_at: float | None = None
        self._fetch: asyncio.Task[bool] | None = None
        self._retry: asyncio.Task[None] | None = None

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        client: httpx.AsyncClient | None = None,
        timeout_s: float = 5.0,
        ttl_s: float = 300.0,
        min_refresh_interval_s: float = 10.0,
    ) -> JwksCache:
        """Fetch ``url`` with ``client`` (or an own client, closed by :meth:`aclose`)."""
        http = client or httpx.AsyncClient(timeout=timeout_s, follow_redirects=False)

        async def load() -> Mapping[str, Any]:
            response = await http.get(url, headers={"Accept": "application/json"})
            response.raise_for_status()
            body = response.json()
            if not isinstance(body, dict):
                raise ValueError("JWKS response is not a JSON object")
            return body

        return cls(
            load,
            ttl_s=ttl_s,
            min_refresh_interval_s=min_refresh_interval_s,
            source=url,
            on_close=http.aclose if client is None else None,
        )

    @classmethod
    def from_static(cls, jwks: Mapping[str, Any]) -> JwksCache:
        """Fixed keys, no fetching; :meth:`replace` swaps them."""
        cache = cls(None, source="static")
        cache.replace(jwks)
        return cache

    def replace(self, jwks: Mapping[str, Any]) -> None:
        """Install a new key set now (e.g. auth right after rotating its own keys)."""
        self._keys = parse_jwks(jwks)
        self._loaded_at = self._attempted_at = self._clock()

    @property
    def kids(self) -> frozenset[str]:
        return frozenset(self._keys)

    @property
    def loaded(self) -> bool:
        return self._loaded_at is not None

    def get(self, kid: str) -> Ed25519PublicKey | None:
        """The key for ``kid`` from memory; schedules a background refresh when the set is stale."""
        if self._loader is not None and self._fetch is None and self._stale() and self._may_fetch():
            self._start_fetch()
        return self._keys.get(kid)

    async def get_or_refresh(self, kid: str) -> Ed25519PublicKey | None:
        """The key for ``kid``, refreshing once (rate limited, shared) if it is unknown.

        Raises :class:`JwksUnavailable` when no key set was ever loaded.
        """
        key = self.get(kid)
        if key is not None:
            return key
        if self._loader is not None and (self._fetch is not None or self._may_fetch()):
            await self.refresh()
            key = self._keys.get(kid)
        if key is None and self._loaded_at is None:
            raise JwksUnavailable(f"no signing keys loaded from {self.source}")
        return key

    async def refresh(self) -> bool:
        """Fetch now, or join the fetch in flight; True when a new key set was installed. Never raises."""
        if self._loader is None:
            return False
        return await asyncio.shield(self._start_fetch())

    async def start(self) -> None:
        """Load the keys at start. If that fails (auth may be starting at the same moment), keep retrying in the
        background every :data:`UNLOADED_RETRY_S` until a key set arrives, so readiness follows within a second of
        auth becoming reachable instead of waiting out ``min_refresh_interval_s``."""
        if self._loader is not None and not await self.refresh():
            log.warning("JWKS not loaded at start; retrying in the background", source=self.source)
            self._retry = asyncio.get_running_loop().create_task(self._retry_until_loaded())

    async def _retry_until_loaded(self) -> None:
        while self._loaded_at is None:
            await asyncio.sleep(UNLOADED_RETRY_S)
            if self._loaded_at is None:
                await self.refresh()

    async def aclose(self) -> None:
        retry, self._retry = self._retry, None
        fetch, self._fetch = self._fetch, None
        for task in (retry, fetch):
            with contextlib.suppress(Exception):  # a failed refresh was logged where it failed
                await cancel_and_wait(task)
        if self._on_close is not None:
            await self._on_close()

    def _stale(self) -> bool:
        return self._loaded_at is None or self._clock() - self._loaded_at >= self.ttl_s

    def _may_fetch(self) -> bool:
        # Until a first key set is loaded every request fails anyway: retry soon rather than rate limiting.
        interval = self.min_refresh_interval_s if self._loaded_at is not None else UNLOADED_RETRY_S
        return self._attempted_at is None or self._clock() - self._attempted_at >= interval

    def _start_fetch(self) -> asyncio.Task[bool]:
        if self._fetch is None:
            self._attempted_at = self._clock()
            self._fetch = asyncio.get_running_loop().create_task(self._load())
        return self._fetch

    async def _load(self) -> bool:
        assert self._loader is not None
        try:
            keys = parse_jwks(await self._loader())
            if not keys:
                raise ValueError("no usable Ed25519 signing key in the JWKS")
        except Exception as exc:
            log.warning("JWKS refresh failed; keeping the current keys", source=self.source, error=repr(exc))
            return False
        finally:
            self._fetch = None
        if keys.keys() != self._keys.keys():
            log.info("JWKS loaded", source=self.source, kids=sorted(keys))
        self._keys = keys
        self._loaded_at = self._clock()
        return True


# --- verification -------------------------------------------------------------------------------------------

_CLAIM_ERRORS: Final[tuple[tuple[type[jwt.PyJWTError], InvalidTokenReason], ...]] = (
    (jwt.ExpiredSignatureError, InvalidTokenReason.EXPIRED),
    (jwt.ImmatureSignatureError, InvalidTokenReason.NOT_YET_VALID),
    (jwt.InvalidSignatureError, InvalidTokenReason.BAD_SIGNATURE),
    (jwt.InvalidIssuerError, InvalidTokenReason.WRONG_ISSUER),
    (jwt.InvalidAudienceError, InvalidTokenReason.WRONG_AUDIENCE),
    (jwt.MissingRequiredClaimError, InvalidTokenReason.MISSING_CLAIM),
    (jwt.InvalidAlgorithmError, InvalidTokenReason.UNSUPPORTED_ALGORITHM),
    (jwt.DecodeError, InvalidTokenReason.MALFORMED),
)


class TokenVerifier:
    """Checks an access token and returns its :class:`AccessClaims`, or raises :class:`InvalidToken`.

    It does not consult revocations; :class:`~adpilot_common.security.dependencies.AuthGuard` does both.
    """

    def __init__(
        self,
        jwks: JwksCache,
        *,
        issuer: str = "adpilot-auth",
        audience: str = "adpilot",
        leeway_s: float = 5.0,
        max_lifetime_s: float = 900.0,
    ) -> None:
        self.jwks = jwks
        self.issuer = issuer
        self.audience = audience
        self.leeway_s = leeway_s
        self.max_lifetime_s = max_lifetime_s
        self._jwt = jwt.PyJWT()
        self._options: Options = {"require": list(REQUIRED_CLAIMS), "strict_aud": False}

    @classmethod
    def from_settings(
        cls, settings: TokenVerificationSettings, jwks: JwksCache | None = None
    ) -> TokenVerifier:
        """A verifier with the configured issuer/audience/leeway, reading ``settings.auth_jwks_url`` by default."""
        if jwks is None:
            jwks = JwksCache.from_url(
                settings.auth_jwks_url,
                ttl_s=settings.jwks_cache_ttl_s,
                min_refresh_interval_s=settings.jwks_min_refresh_interval_s,
            )
        return cls(
            jwks,
            issuer=settings.token_issuer,
            audience=settings.token_audience,
            leeway_s=settings.token_leeway_s,
            max_lifetime_s=settings.access_token_max_lifetime_s,
        )

    async def verify(self, token: str) -> AccessClaims:
        """Verify ``token`` (the compact JWS, without "Bearer "). Raises InvalidToken or JwksUnavailable."""
        kid = self._check_header(token)
        key = await self.jwks.get_or_refresh(kid)
        if key is None:
            raise InvalidToken(InvalidTokenReason.UNKNOWN_KEY, f"kid {kid!r}")
        return self._decode(token, key)

    def _check_header(self, token: str) -> str:
        if not token or len(token) > MAX_TOKEN_LENGTH:
            raise InvalidToken(InvalidTokenReason.MALFORMED, "empty or oversized token")
        header = _unverified_header(token)
        alg = header.get("alg")
        if alg not in ALLOWED_ALGORITHMS:
            raise InvalidToken(InvalidTokenReason.UNSUPPORTED_ALGORITHM, f"alg {alg!r}")
        typ = header.get("typ")
        if not isinstance(typ, str) or typ.lower() not in ACCESS_TOKEN_TYPES:
            raise InvalidToken(InvalidTokenReason.WRONG_TYPE, f"typ {typ!r}")
        if "crit" in header or "b64" in header:
            raise InvalidToken(InvalidTokenReason.MALFORMED, "crit/b64 headers are not accepted")
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise InvalidToken(InvalidTokenReason.MALFORMED, "kid is not a string")
        if not kid:
            raise InvalidToken(InvalidTokenReason.UNKNOWN_KEY, "no kid")
        return kid

    def _decode(self, token: str, key: Ed25519PublicKey) -> AccessClaims:
        try:
            payload = self._jwt.decode(
                token,
                key,
                algorithms=list(ALLOWED_ALGORITHMS),
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway_s,
                options=self._options,
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(_reason_for(exc), str(exc)) from None
        try:
            issued_at, expires_at = int(payload["iat"]), int(payload["exp"])
            if expires_at - issued_at > self.max_lifetime_s:
                raise InvalidToken(
                    InvalidTokenReason.LIFETIME_TOO_LONG,
                    f"{expires_at - issued_at} s > {self.max_lifetime_s:.0f} s",
                )
            return AccessClaims(
                user_id=payload["sub"],
                session_id=payload["sid"],
                org_id=payload.get("org"),
                role=payload.get("role"),
                mfa=payload["mfa"],
                issued_at=datetime.fromtimestamp(issued_at, UTC),
                expires_at=datetime.fromtimestamp(expires_at, UTC),
                token_id=payload["jti"],
            )
        except (ValidationError, ValueError, TypeError, OverflowError) as exc:
            raise InvalidToken(InvalidTokenReason.INVALID_CLAIMS, _brief(exc)) from None


def _unverified_header(token: str) -> dict[str, Any]:
    """The JOSE header, for choosing the key; PyJWT parses the whole token again when it verifies."""
    segment, dot, _ = token.partition(".")
    if not dot or len(segment) % 4 == 1 or not _BASE64URL.fullmatch(segment):
        raise InvalidToken(InvalidTokenReason.MALFORMED, "not a compact JWS")
    try:
        header = json.loads(_b64url_decode(segment))
    except (ValueError, binascii.Error):
        raise InvalidToken(InvalidTokenReason.MALFORMED, "header is not base64url JSON") from None
    if not isinstance(header, dict):
        raise InvalidToken(InvalidTokenReason.MALFORMED, "header is not a JSON object")
    return header


def _reason_for(exc: jwt.PyJWTError) -> InvalidTokenReason:
    for error_type, reason in _CLAIM_ERRORS:
        if isinstance(exc, error_type):
            return reason
    return InvalidTokenReason.INVALID_CLAIMS


def _brief(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
    return str(exc)
