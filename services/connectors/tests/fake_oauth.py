"""Loopback stand-ins for the platforms' OAuth servers, for the linking and token-refresh tests.

* :class:`FakeGoogleOAuth`: Google's authorization endpoint (checks ``client_id``, ``redirect_uri``, the adwords
  scope, ``access_type=offline``, ``prompt=consent``, a PKCE S256 challenge and ``state``; then "consents" and
  redirects back with a code, or with ``error=access_denied``) and token endpoint (``authorization_code`` with the
  PKCE verifier checked against the challenge, single-use codes, exact ``redirect_uri``; ``refresh_token`` grants,
  answering ``invalid_grant`` for revoked refresh tokens and leaving the refresh token out of refresh answers as
  Google does). Client authentication by form fields or HTTP Basic, like Google.
* :class:`FakeMetaOAuth`: the Facebook Login dialog and ``/{version}/oauth/access_token`` (code -> short-lived
  token; ``grant_type=fb_exchange_token`` -> long-lived ~60 day token; Graph-style error objects, #190 for an
  expired or unknown token), served on the same port as a :class:`FakeGraph` so the tokens it issues work there.
* :func:`run_fake_tiktok_portal`: TikTok's consent portal (``/portal/auth``) in front of a :class:`FakeTikTok`,
  which already implements ``/open_api/v1.3/oauth2/access_token/``.

``fail_token_requests(n)`` makes the next ``n`` token requests fail like an outage (HTTP 503).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from adpilot_common.devstack.ports import free_port
from adpilot_common.testing.servers import serve_asgi
from adpilot_connectors.platforms.meta import API_VERSION as META_API_VERSION

from .fake_graph import APP_ID as META_APP_ID
from .fake_graph import FakeGraph
from .fake_tiktok import APP_ID as TIKTOK_APP_ID
from .fake_tiktok import AUTH_CODE as TIKTOK_AUTH_CODE
from .fake_tiktok import FakeTikTok

GOOGLE_CLIENT_ID = "adpilot-test.apps.googleusercontent.com"
GOOGLE_CLIENT_SECRET = "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ts"
ADWORDS_SCOPE = "https://www.googleapis.com/auth/adwords"
META_LONG_LIVED_S = 60 * 86400
META_SHORT_LIVED_S = 2 * 3600

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _redirect(base: str, **params: str) -> RedirectResponse:
    return RedirectResponse(f"{base}?{urlencode(params)}", status_code=302)


async def _form(request: Request) -> dict[str, str]:
    """Query string and urlencoded body together (Meta takes either)."""
    params = dict(request.query_params)
    if request.method == "POST":
        params.update(parse_qsl((await request.body()).decode()))
    return params


def _basic_client(request: Request) -> tuple[str | None, str | None]:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None, None
    user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    return user, password


def _dispatch(routes: dict[str, Asgi], fallback: Asgi) -> Asgi:
    """One loopback port for two apps: paths matching a pattern go to its app, the rest to ``fallback``."""
    compiled = [(re.compile(pattern), app) for pattern, app in routes.items()]

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        for pattern, target in compiled:
            if scope["type"] == "http" and pattern.fullmatch(path):
                await target(scope, receive, send)
                return
        await fallback(scope, receive, send)

    return app


# ------------------------------------------------------------------------------------------------------ Google


@dataclass
class _GoogleCode:
    redirect_uri: str
    challenge: str
    scope: str
    used: bool = False


@dataclass
class FakeGoogleOAuth:
    port: int
    on_issue: Callable[[str], None] | None = None  # e.g. make the Google Ads fake accept the token
    access_ttl_s: int = 3599
    deny: bool = False  # the user clicks "Cancel" on the consent screen
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    codes: dict[str, _GoogleCode] = field(default_factory=dict)
    refresh_tokens: dict[str, bool] = field(default_factory=dict)  # refresh token -> revoked
    issued: list[str] = field(default_factory=list)  # access tokens, in order
    _failures: int = 0
    _serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def authorize_url(self) -> str:
        return f"{self.url}/o/oauth2/v2/auth"

    @property
    def token_url(self) -> str:
        return f"{self.url}/token"

    def fail_token_requests(self, times: int) -> None:
        self._failures = times

    def revoke(self, refresh_token: str) -> None:
        self.refresh_tokens[refresh_token] = True

    def add_refresh_token(self, refresh_token: str) -> None:
        self.refresh_tokens[refresh_token] = False

    def _access_token(self) -> str:
        token = f"ya29.fake-{next(self._serial)}-{secrets.token_urlsafe(24)}"
        self.issued.append(token)
        if self.on_issue is not None:
            self.on_issue(token)
        return token

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/o/oauth2/v2/auth", response_model=None)
        async def authorize(request: Request) -> Response:
            q = dict(request.query_params)
            self.authorize_requests.append(q)
            problems = [
                name
                for name, ok in (
                    ("client_id", q.get("client_id") == GOOGLE_CLIENT_ID),
                    ("response_type", q.get("response_type") == "code"),
                    ("redirect_uri", bool(q.get("redirect_uri"))),
                    ("scope", ADWORDS_SCOPE in q.get("scope", "").split()),
                    ("access_type", q.get("access_type") == "offline"),
                    ("prompt", q.get("prompt") == "consent"),
                    ("code_challenge_method", q.get("code_challenge_method") == "S256"),
                    ("code_challenge", len(q.get("code_challenge", "")) == 43),
                    ("state", bool(q.get("state"))),
                )
                if not ok
            ]
            if problems:
                return HTMLResponse(f"Error 400: invalid_request ({', '.join(problems)})", status_code=400)
            if self.deny:
                return _redirect(q["redirect_uri"], error="access_denied", state=q["state"])
            code = f"4/0fake-{secrets.token_urlsafe(24)}"
            self.codes[code] = _GoogleCode(q["redirect_uri"], q["code_challenge"], q["scope"])
            return _redirect(q["redirect_uri"], state=q["state"], code=code, scope=q["scope"])

        @app.post("/token")
        async def token(request: Request) -> JSONResponse:
            form = await _form(request)
            self.token_requests.append(form)
            if self._failures > 0:
                self._failures -= 1
                return JSONResponse({"error": "internal_failure"}, status_code=503)
            basic_id, basic_secret = _basic_client(request)
            client_id = form.get("client_id") or basic_id
            client_secret = form.get("client_secret") or basic_secret
            if client_id != GOOGLE_CLIENT_ID or client_secret != GOOGLE_CLIENT_SECRET:
                return JSONResponse(
                    {"error": "invalid_client", "error_description": "The OAuth client was not found."},
                    status_code=401,
                )
            grant = form.get("grant_type")
            if grant == "authorization_code":
                return self._code_grant(form)
            if grant == "refresh_token":
                refresh = form.get("refresh_token", "")
                if self.refresh_tokens.get(refresh, True):
                    return _invalid_grant("Token has been expired or revoked.")
                return JSONResponse(
                    {
                        "access_token": self._access_token(),
                        "expires_in": self.access_ttl_s,
                        "scope": ADWORDS_SCOPE,
                        "token_type": "Bearer",
                    }
                )
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)

        return app

    def _code_grant(self, form: dict[str, str]) -> JSONResponse:
        grant = self.codes.get(form.get("code", ""))
        if grant is None or grant.used:
            return _invalid_grant("Malformed auth code.")
        grant.used = True  # single use, even when the rest of the request is wrong
        if form.get("redirect_uri") != grant.redirect_uri:
            return JSONResponse({"error": "redirect_uri_mismatch", "error_description": "Bad Request"}, 400)
        if s256(form.get("code_verifier", "")) != grant.challenge:
            return _invalid_grant("Invalid code verifier.")
        refresh = f"1//fake-refresh-{secrets.token_urlsafe(24)}"
        self.refresh_tokens[refresh] = False
        return JSONResponse(
            {
                "access_token": self._access_token(),
                "expires_in": self.access_ttl_s,
                "refresh_token": refresh,
                "scope": grant.scope,
                "token_type": "Bearer",
            }
        )


def _invalid_grant(description: str) -> JSONResponse:
    return JSONResponse({"error": "invalid_grant", "error_description": description}, status_code=400)


@asynccontextmanager
async def run_fake_google_oauth(
    on_issue: Callable[[str], None] | None = None,
) -> AsyncIterator[FakeGoogleOAuth]:
    fake = FakeGoogleOAuth(port=free_port(), on_issue=on_issue)
    async with serve_asgi(fake.app(), fake.port, what="fake Google OAuth"):
        yield fake


# -------------------------------------------------------------------------------------------------------- Meta


@dataclass
class FakeMetaOAuth:
    graph: FakeGraph
    login_token: str  # a token the graph knows: the consenting user reaches that token's ad accounts
    version: str = META_API_VERSION  # of the dialog URL
    deny: bool = False
    long_lived_s: int = META_LONG_LIVED_S
    dialog_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    codes: dict[str, tuple[str, bool]] = field(default_factory=dict)  # code -> (redirect_uri, used)
    issued: dict[str, str] = field(default_factory=dict)  # token -> "short" | "long"
    _failures: int = 0

    @property
    def dialog_url(self) -> str:
        return f"{self.graph.url}/{self.version}/dialog/oauth"

    def fail_token_requests(self, times: int) -> None:
        self._failures = times

    def _issue(self, kind: str) -> str:
        token = f"EAA{kind}{secrets.token_urlsafe(32)}"
        self.issued[token] = kind
        # The new token reaches the same ad accounts as the login it was issued for.
        self.graph.tokens[token] = set(self.graph.tokens[self.login_token])
        return token

    @staticmethod
    def _error(code: int, message: str, *, subcode: int | None = None, status: int = 400) -> JSONResponse:
        error: dict[str, Any] = {
            "message": message,
            "type": "OAuthException",
            "code": code,
            "fbtrace_id": "AFake",
        }
        if subcode is not None:
            error["error_subcode"] = subcode
        if code == 2:
            error["is_transient"] = True
        return JSONResponse({"error": error}, status_code=status)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/{version}/dialog/oauth", response_model=None)
        async def dialog(version: str, request: Request) -> Response:
            q = dict(request.query_params)
            self.dialog_requests.append(q)
            if q.get("client_id") != META_APP_ID or not q.get("redirect_uri") or not q.get("state"):
                return HTMLResponse("Invalid App ID / redirect_uri / state", status_code=400)
            if self.deny:
                return _redirect(
                    q["redirect_uri"],
                    error="access_denied",
                    error_code="200",
                    error_description="Permissions error",
                    error_reason="user_denied",
                    state=q["state"],
                )
            code = f"AQfake{secrets.token_urlsafe(48)}"
            self.codes[code] = (q["redirect_uri"], False)
            return _redirect(q["redirect_uri"], code=code, state=q["state"])

        @app.api_route("/{version}/oauth/access_token", methods=["GET", "POST"])
        async def access_token(version: str, request: Request) -> JSONResponse:
            form = await _form(request)
            self.token_requests.append(form)
            if self._failures > 0:
                self._failures -= 1
                return self._error(2, "Service temporarily unavailable", status=500)
            if form.get("client_id") != META_APP_ID or form.get("client_secret") != self.graph.app_secret:
                return self._error(101, "Error validating application. Invalid application ID.")
            if form.get("grant_type") == "fb_exchange_token":
                old = form.get("fb_exchange_token", "")
                if old not in self.graph.tokens or old in self.graph.expired_tokens:
                    return self._error(
                        190, "Error validating access token: Session has expired.", subcode=463
                    )
                return JSONResponse(
                    {
                        "access_token": self._issue("long"),
                        "token_type": "bearer",
                        "expires_in": self.long_lived_s,
                    }
                )
            redirect_uri, used = self.codes.get(form.get("code", ""), ("", True))
            if used:
                return self._error(100, "This authorization code has been used.", subcode=36009)
            self.codes[form["code"]] = (redirect_uri, True)
            if form.get("redirect_uri") != redirect_uri:
                return self._error(
                    100,
                    "Error validating verification code. Please make sure your redirect_uri is identical.",
                )
            return JSONResponse(
                {
                    "access_token": self._issue("short"),
                    "token_type": "bearer",
                    "expires_in": META_SHORT_LIVED_S,
                }
            )

        return app


@asynccontextmanager
async def run_fake_meta(login_token: str) -> AsyncIterator[FakeMetaOAuth]:
    """A Graph API fake with the OAuth endpoints on the same port; seed accounts with ``graph.add_account(...,
    login_token)`` (the consenting user's accounts)."""
    graph = FakeGraph(port=free_port())
    oauth = FakeMetaOAuth(graph, login_token)
    oauth_app = oauth.app()
    app = _dispatch({r"/v\d+\.\d+/(dialog/oauth|oauth/access_token)": oauth_app}, graph.app())
    async with serve_asgi(app, graph.port, what="fake Graph API with OAuth"):
        yield oauth


# ------------------------------------------------------------------------------------------------------ TikTok


@dataclass
class TikTokPortal:
    tiktok: FakeTikTok
    requests: list[dict[str, str]] = field(default_factory=list)
    deny: bool = False

    @property
    def authorize_url(self) -> str:
        return f"{self.tiktok.base_url}/portal/auth"

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/portal/auth", response_model=None)
        async def portal(request: Request) -> Response:
            q = dict(request.query_params)
            self.requests.append(q)
            if q.get("app_id") != TIKTOK_APP_ID or not q.get("redirect_uri") or not q.get("state"):
                return HTMLResponse("invalid app_id / redirect_uri / state", status_code=400)
            if self.deny:  # TikTok sends the browser back without a code
                return _redirect(q["redirect_uri"], state=q["state"])
            # TikTok sends the code twice, as auth_code and code.
            return _redirect(
                q["redirect_uri"], auth_code=TIKTOK_AUTH_CODE, code=TIKTOK_AUTH_CODE, state=q["state"]
            )

        return app


@asynccontextmanager
async def run_fake_tiktok_portal() -> AsyncIterator[TikTokPortal]:
    tiktok = FakeTikTok(port=free_port())
    portal = TikTokPortal(tiktok)
    app = _dispatch({r"/portal/auth": portal.app()}, tiktok.app())
    async with serve_asgi(app, tiktok.port, what="fake TikTok API with consent portal"):
        yield portal
