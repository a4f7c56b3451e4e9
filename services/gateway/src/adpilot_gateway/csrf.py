"""Cross-site write guard at the front door (CSRF defence in depth, OWASP "Fetch Metadata" + Origin check).

A state-changing request (POST, PUT, PATCH, DELETE) to ``/api/`` is refused with a 403 problem when a browser says
it comes from elsewhere: an ``Origin`` that is neither the SPA's own (``allowed_origins``) nor a listed CORS origin
(``cors_origins``, which only ever get Bearer calls through), ``Origin: null`` (sandboxed frames, some redirects), or
no ``Origin`` but ``Sec-Fetch-Site: cross-site``. Requests without either header (curl, servers) pass: they carry
no ambient browser credentials to abuse.

This covers login CSRF and every cookie-carrying write for every service at once. The auth service keeps its own
double-submit token on the two cookie-authenticated endpoints (refresh, logout) as the second layer, since it is
the one that reads the refresh cookie."""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

from adpilot_common.problems import problem_response

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class CrossSiteWriteGuard:
    def __init__(self, app: ASGIApp, *, trusted_origins: Iterable[str]) -> None:
        self.app = app
        self.trusted = frozenset(origin.rstrip("/") for origin in trusted_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] in UNSAFE_METHODS
            and scope["path"].startswith("/api/")
        ):
            reason = self.refusal(_headers(scope))
            if reason is not None:
                response = problem_response(403, "Cross-site request refused", reason)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def refusal(self, headers: dict[bytes, bytes]) -> str | None:
        origin = headers.get(b"origin")
        if origin is not None:
            text = origin.decode("latin-1").rstrip("/")
            if text not in self.trusted:
                return f"Origin {text!r} may not change data here."
            return None
        if headers.get(b"sec-fetch-site") == b"cross-site":
            return "The browser reports a cross-site request (Sec-Fetch-Site) without an Origin."
        return None


def _headers(scope: Scope) -> dict[bytes, bytes]:
    # Only the two headers matter; later duplicates lose (browsers never send them twice).
    return {name: value for name, value in scope["headers"] if name in (b"origin", b"sec-fetch-site")}
