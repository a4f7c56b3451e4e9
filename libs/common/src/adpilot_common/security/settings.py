"""Settings a service needs to verify access tokens; mix into the service's settings class.

::

    class Settings(BaseServiceSettings, TokenVerificationSettings):
        model_config = service_config("METRICS_")

gives ``METRICS_AUTH_JWKS_URL``, ``METRICS_TOKEN_ISSUER`` ... with the defaults below (``make run`` values).
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class TokenVerificationSettings(BaseModel):
    """Where the public keys come from and what a valid access token must say."""

    # The auth service's JWKS (several keys during a rotation); fetched at start and every 5 minutes.
    auth_jwks_url: str = "http://127.0.0.1:8001/api/auth/.well-known/jwks.json"
    token_issuer: str = "adpilot-auth"  # noqa: S105 (a name, not a secret)
    token_audience: str = "adpilot"  # noqa: S105 (a name, not a secret)
    # Clock skew tolerated on exp/nbf/iat between auth and this service.
    token_leeway_s: float = Field(default=5.0, ge=0, le=60)
    # Longest access-token lifetime auth may issue (exp - iat); longer tokens are refused, and a revoked session
    # is remembered this long (plus the leeway), after which every token of that session has expired anyway.
    access_token_max_lifetime_s: int = Field(default=900, gt=0, le=3600)
    jwks_cache_ttl_s: float = Field(default=300.0, gt=0)
    # At most one JWKS fetch per this many seconds when a token names a key id we do not know.
    jwks_min_refresh_interval_s: float = Field(default=10.0, ge=0)
