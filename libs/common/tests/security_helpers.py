"""Test helpers for access tokens: Ed25519 signers, forged tokens and a real loopback JWKS server."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from jwt.algorithms import OKPAlgorithm

from adpilot_common.devstack.ports import free_port
from adpilot_common.testing.servers import serve_asgi

JWKS_PATH = "/api/auth/.well-known/jwks.json"
ISSUER = "adpilot-auth"
AUDIENCE = "adpilot"
DROP = object()  # claims(sid=DROP) leaves the claim out


def b64url(data: bytes | dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode() if isinstance(data, dict) else data
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def claims(**overrides: Any) -> dict[str, Any]:
    """A valid claim set per the auth contract, with overrides (``DROP`` removes a claim)."""
    now = int(time.time())
    values: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(uuid.uuid4()),
        "sid": str(uuid.uuid4()),
        "org": str(uuid.uuid4()),
        "role": "member",
        "mfa": True,
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "jti": uuid.uuid4().hex,
    }
    for name, value in overrides.items():
        if value is DROP:
            values.pop(name, None)
        else:
            values[name] = value
    return values


@dataclass
class Signer:
    """One Ed25519 signing key of the auth service."""

    kid: str
    key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)

    def jwk(self) -> dict[str, Any]:
        public: dict[str, Any] = json.loads(OKPAlgorithm.to_jwk(self.key.public_key()))
        return {**public, "kid": self.kid, "use": "sig", "alg": "EdDSA"}

    def sign_raw(self, header: dict[str, Any], payload: dict[str, Any]) -> str:
        """Sign exactly this header (PyJWT would refuse some of the malformed ones we need)."""
        signing_input = f"{b64url(header)}.{b64url(payload)}"
        return f"{signing_input}.{b64url(self.key.sign(signing_input.encode()))}"

    def sign(self, payload: dict[str, Any] | None = None, **headers: Any) -> str:
        return jwt.encode(
            payload if payload is not None else claims(),
            self.key,
            algorithm="EdDSA",
            headers={"kid": self.kid, "typ": "at+jwt", **headers},
        )


class JwksServer:
    """The auth service's JWKS endpoint, served for real by uvicorn on a loopback port; counts fetches."""

    def __init__(self, *signers: Signer) -> None:
        self.jwks: dict[str, Any] = {"keys": [s.jwk() for s in signers]}
        self.hits = 0
        self.delay_s = 0.0
        app = FastAPI()

        @app.get(JWKS_PATH)
        async def jwks() -> dict[str, Any]:
            self.hits += 1
            if self.delay_s:
                await asyncio.sleep(self.delay_s)
            return self.jwks

        self.port = free_port()
        self._app = app
        self._stack = contextlib.AsyncExitStack()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{JWKS_PATH}"

    def publish(self, *signers: Signer) -> None:
        """Serve exactly these keys from now on (a rotation adds one, a retirement drops one)."""
        self.jwks = {"keys": [s.jwk() for s in signers]}

    async def __aenter__(self) -> JwksServer:
        await self._stack.enter_async_context(serve_asgi(self._app, self.port, what="JWKS server"))
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stack.aclose()
