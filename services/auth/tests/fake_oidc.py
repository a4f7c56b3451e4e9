"""A real OpenID Connect provider on loopback HTTP, standing in for Google in the SSO tests.

It runs under ``uvicorn.Server`` on a free 127.0.0.1 port inside the test's event loop, so the auth service
talks to it over real sockets: discovery, JWKS, the authorization endpoint (which "consents" at once and
redirects back with a code), and the token endpoint (client authentication, single-use codes, exact
redirect_uri, PKCE S256 verification). ID tokens are RS256-signed with a key generated per provider, using
PyJWT rather than the joserfc/authlib stack the service verifies with.

``provider.behaviour`` makes it misbehave on purpose (wrong nonce, wrong audience, expired token, unverified
email, foreign signing key); ``provider.authorize_requests`` / ``token_requests`` record what it received.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse

from adpilot_common.devstack.ports import free_port
from adpilot_common.testing.servers import serve_asgi

CLIENT_ID = "adpilot-test-client.apps.example"
CLIENT_SECRET = "fake-oidc-client-secret"


@dataclass
class FakeUser:
    sub: str = "google-sub-1001"
    email: str = "ada@example.com"
    email_verified: Any = True
    name: str | None = "Ada Lovelace"


@dataclass
class Behaviour:
    nonce: str | None = None  # send this nonce instead of the one received
    audience: str | None = None  # send this aud instead of the client id
    issuer: str | None = None  # send this iss instead of the provider's
    expired: bool = False  # exp an hour in the past
    foreign_key: bool = False  # sign with a key that is not in the JWKS (same kid)
    omit_nonce: bool = False


@dataclass
class AuthorizeRequest:
    params: dict[str, str]
    code: str


@dataclass
class IssuedCode:
    client_id: str
    redirect_uri: str
    code_challenge: str | None
    code_challenge_method: str | None
    nonce: str | None
    scope: str
    user: FakeUser
    used: bool = False


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class FakeOidcProvider:
    port: int
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    user: FakeUser = field(default_factory=FakeUser)
    behaviour: Behaviour = field(default_factory=Behaviour)
    authorize_requests: list[AuthorizeRequest] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    token_errors: list[str] = field(default_factory=list)
    codes: dict[str, IssuedCode] = field(default_factory=dict)
    kid: str = field(default_factory=lambda: secrets.token_hex(8))
    key: rsa.RSAPrivateKey = field(default_factory=_new_key)
    foreign: rsa.RSAPrivateKey = field(default_factory=_new_key)

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def jwks(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def id_token(self, issued: IssuedCode) -> str:
        b = self.behaviour
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": b.issuer or self.issuer,
            "aud": b.audience or self.client_id,
            "azp": self.client_id,
            "sub": issued.user.sub,
            "email": issued.user.email,
            "email_verified": issued.user.email_verified,
            "iat": now - 3600 * 2 if b.expired else now,
            "exp": now - 3600 if b.expired else now + 3600,
        }
        if issued.user.name:
            claims["name"] = issued.user.name
        if not b.omit_nonce:
            claims["nonce"] = b.nonce if b.nonce is not None else issued.nonce
        key = self.foreign if b.foreign_key else self.key
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": self.kid})

    def _client_auth(self, request: Request, form: dict[str, str]) -> str | None:
        header = request.headers.get("authorization", "")
        if header.lower().startswith("basic "):
            raw = base64.b64decode(header[6:]).decode()
            client_id, _, secret = raw.partition(":")
            return unquote(client_id) if unquote(secret) == self.client_secret else None
        if "client_secret" in form:
            return form.get("client_id") if form["client_secret"] == self.client_secret else None
        return None

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/.well-known/openid-configuration")
        async def discovery() -> dict[str, Any]:
            return {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                "scopes_supported": ["openid", "email", "profile"],
            }

        @app.get("/jwks")
        async def jwks() -> dict[str, Any]:
            return self.jwks()

        @app.get("/authorize")
        async def authorize(request: Request) -> RedirectResponse:
            """The user "consents" at once: back to redirect_uri with a code and the state, untouched."""
            params = dict(request.query_params)
            code = secrets.token_urlsafe(24)
            self.authorize_requests.append(AuthorizeRequest(params, code))
            self.codes[code] = IssuedCode(
                client_id=params.get("client_id", ""),
                redirect_uri=params.get("redirect_uri", ""),
                code_challenge=params.get("code_challenge"),
                code_challenge_method=params.get("code_challenge_method"),
                nonce=params.get("nonce"),
                scope=params.get("scope", ""),
                user=FakeUser(**vars(self.user)),
            )
            query = urlencode({"code": code, "state": params.get("state", "")})
            return RedirectResponse(f"{params['redirect_uri']}?{query}", status_code=302)

        @app.post("/token")
        async def token(request: Request) -> JSONResponse:
            form = dict(parse_qsl((await request.body()).decode()))
            self.token_requests.append(form)

            def refuse(error: str, status: int = 400) -> JSONResponse:
                self.token_errors.append(error)
                return JSONResponse({"error": error}, status_code=status)

            client_id = self._client_auth(request, form)
            if client_id != self.client_id:
                return refuse("invalid_client", 401)
            if form.get("grant_type") != "authorization_code":
                return refuse("unsupported_grant_type")
            issued = self.codes.get(form.get("code", ""))
            if issued is None or issued.used or issued.client_id != client_id:
                return refuse("invalid_grant")
            issued.used = True
            if form.get("redirect_uri") != issued.redirect_uri:
                return refuse("invalid_grant")
            if issued.code_challenge_method != "S256" or not issued.code_challenge:
                return refuse("invalid_request")
            verifier = form.get("code_verifier", "")
            if not verifier or not secrets.compare_digest(_s256(verifier), issued.code_challenge):
                return refuse("invalid_grant")
            return JSONResponse(
                {
                    "access_token": secrets.token_urlsafe(24),
                    "token_type": "Bearer",
                    "expires_in": 3599,
                    "scope": issued.scope,
                    "id_token": self.id_token(issued),
                },
                headers={"Cache-Control": "no-store"},
            )

        return app


@asynccontextmanager
async def run_fake_oidc() -> AsyncIterator[FakeOidcProvider]:
    provider = FakeOidcProvider(port=free_port())
    async with serve_asgi(provider.app(), provider.port, what="fake OIDC provider"):
        yield provider
