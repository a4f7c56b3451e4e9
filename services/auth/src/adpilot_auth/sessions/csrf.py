"""CSRF defence for the cookie-authenticated endpoints (refresh, logout): double-submit token + Origin check.

The refresh cookie is SameSite=Strict already; the token and the Origin allow-list are the second layer
(ASVS 3.5.1/3.5.2) for browsers or proxies that do not honour SameSite.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request

from adpilot_common.problems import Problem

CSRF_COOKIE = "adpilot_csrf"
CSRF_HEADER = "X-CSRF-Token"


def new_csrf_token() -> str:
    return secrets.token_urlsafe(24)


def check_csrf(request: Request, allowed_origins: list[str]) -> None:
    origin = request.headers.get("origin")
    if origin is not None and origin not in allowed_origins:
        raise Problem(403, "Cross-site request refused", f"Origin {origin!r} is not allowed.")
    cookie = request.cookies.get(CSRF_COOKIE)
    header = request.headers.get(CSRF_HEADER)
    if not cookie or not header or not hmac.compare_digest(cookie, header):
        raise Problem(
            403, "CSRF token missing or invalid", f"Send the {CSRF_COOKIE} cookie value in {CSRF_HEADER}."
        )
