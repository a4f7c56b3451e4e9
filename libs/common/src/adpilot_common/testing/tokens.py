"""A stand-in for the auth service in other services' tests: signs real EdDSA access tokens and serves its JWKS.

The tokens have exactly the shape auth issues (``typ: at+jwt``, ``sid``, ``org``, ``role``, ``mfa``) and go
through the service's real :class:`~adpilot_common.security.tokens.TokenVerifier`; only the key source differs::

    issuer = TestTokenIssuer()
    install_auth(app, jwks=issuer.jwks_cache())
    headers = issuer.headers(org_id=org, role="admin")
"""

from __future__ import annotations

import base64
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from adpilot_common.security.tokens import JwksCache


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class TestTokenIssuer:
    issuer: str = "adpilot-auth"
    audience: str = "adpilot"
    kid: str = field(default_factory=lambda: f"test-{secrets.token_hex(4)}")
    key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)

    __test__ = False  # not a pytest test class

    def jwks(self) -> dict[str, Any]:
        public = self.key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return {"keys": [{"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": self.kid,
                          "x": _b64url(public)}]}  # fmt: skip

    def jwks_cache(self) -> JwksCache:
        return JwksCache.from_static(self.jwks())

    def token(
        self,
        *,
        user_id: uuid.UUID | None = None,
        org_id: uuid.UUID | None = None,
        role: str | None = "admin",
        session_id: uuid.UUID | None = None,
        mfa: bool = True,
        ttl_s: int = 600,
    ) -> str:
        issued = datetime.now(UTC)
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": str(user_id or uuid.uuid4()),
            "sid": str(session_id or uuid.uuid4()),
            "org": str(org_id) if org_id else None,
            "role": role,
            "mfa": mfa,
            "iat": int(issued.timestamp()),
            "nbf": int(issued.timestamp()),
            "exp": int((issued + timedelta(seconds=ttl_s)).timestamp()),
            "jti": secrets.token_hex(16),
        }
        return jwt.encode(claims, self.key, algorithm="EdDSA", headers={"kid": self.kid, "typ": "at+jwt"})

    def headers(self, **claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(**claims)}"}
