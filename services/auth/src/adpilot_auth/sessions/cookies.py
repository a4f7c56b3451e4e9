"""The refresh-token cookie (HttpOnly, SameSite=Strict, Secure + __Host- outside development) and the CSRF cookie."""

from __future__ import annotations

from datetime import datetime

from fastapi import Response

from adpilot_auth.config import Settings
from adpilot_auth.sessions.csrf import CSRF_COOKIE, new_csrf_token

REFRESH_PATH = "/api/auth"


def set_session_cookies(
    response: Response, settings: Settings, refresh_token: str, expires: datetime
) -> None:
    # __Host- cookies must use Path=/ (RFC 6265bis); otherwise scope the token to the auth API only.
    path = "/" if settings.secure_cookies else REFRESH_PATH
    response.set_cookie(
        settings.refresh_cookie_name,
        refresh_token,
        expires=expires,
        path=path,
        secure=settings.secure_cookies,
        httponly=True,
        samesite="strict",
    )
    # Readable by the SPA (not HttpOnly): it echoes the value in X-CSRF-Token.
    response.set_cookie(
        CSRF_COOKIE,
        new_csrf_token(),
        expires=expires,
        path="/",
        secure=settings.secure_cookies,
        httponly=False,
        samesite="strict",
    )


def clear_session_cookies(response: Response, settings: Settings) -> None:
    path = "/" if settings.secure_cookies else REFRESH_PATH
    response.delete_cookie(
        settings.refresh_cookie_name,
        path=path,
        secure=settings.secure_cookies,
        httponly=True,
        samesite="strict",
    )
    response.delete_cookie(CSRF_COOKIE, path="/", secure=settings.secure_cookies, samesite="strict")
