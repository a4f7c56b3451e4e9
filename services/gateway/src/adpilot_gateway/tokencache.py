"""Recently verified access tokens, so the proxy's hot path does not pay an Ed25519 verification per request.

A browser sends the same access token with every call for its whole lifetime (minutes), so the gateway keeps
the claims of tokens it verified for a short time (``ttl_s``, never past the token's own ``exp``), keyed by the
exact token string: only a token that passed full verification is ever stored, so a forged one cannot enter
or hit the cache. Revocation is still checked on every request (an in-memory set lookup): a revoked session is
refused at once. What the cache delays by at most ``ttl_s`` is only a signing key's withdrawal from the JWKS,
which the auth service does after the tokens it signed have expired anyway. Bounded in size: when full, the
oldest entry goes.
"""

from __future__ import annotations

import time
from typing import Final

from adpilot_common.security.dependencies import AuthGuard
from adpilot_common.security.tokens import AccessClaims, InvalidToken, InvalidTokenReason

DEFAULT_TTL_S: Final = 30.0
DEFAULT_MAX_ENTRIES: Final = 10_000


class VerifiedTokens:
    def __init__(
        self, guard: AuthGuard, *, ttl_s: float = DEFAULT_TTL_S, max_entries: int = DEFAULT_MAX_ENTRIES
    ) -> None:
        self.guard = guard
        self._ttl_s = ttl_s
        self._max_entries = max_entries
        self._claims: dict[str, tuple[float, AccessClaims]] = {}  # token → (keep until, claims)

    async def authenticate(self, token: str) -> AccessClaims:
        """Like :meth:`AuthGuard.authenticate`: InvalidToken (REVOKED included) or JwksUnavailable."""
        now = time.time()
        cached = self._claims.get(token)
        if cached is not None:
            keep_until, claims = cached
            if now < keep_until:
                if self.guard.revocations.is_revoked(claims.session_id):
                    raise InvalidToken(InvalidTokenReason.REVOKED, f"session {claims.session_id}")
                return claims
            del self._claims[token]
        claims = await self.guard.authenticate(token)
        if len(self._claims) >= self._max_entries:
            del self._claims[next(iter(self._claims))]  # dicts keep insertion order: the oldest
        self._claims[token] = (min(now + self._ttl_s, claims.expires_at.timestamp()), claims)
        return claims

    def __len__(self) -> int:
        return len(self._claims)
