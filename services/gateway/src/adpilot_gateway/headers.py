"""Security headers on every gateway response (the SPA, the proxied API, errors), as a plain ASGI middleware:
it only edits the start message, so streamed API responses pass through untouched.

The CSP allows nothing but this origin: the built SPA has no inline script, React sets styles through the
CSSOM (which CSP does not restrict), the one ``<style>`` element a library adds carries index.html's nonce
(see spa.py), the MFA QR code is a ``data:`` image, and the live-events socket is
same-origin (``connect-src 'self'`` covers ws/wss of the same host in CSP 3)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def content_security_policy(style_nonce: str | None = None) -> str:
    """The policy for every answer; ``style_nonce`` also admits the ``<style>`` elements carrying that nonce
    (the SPA's index.html gets a fresh one per response: Radix dialogs lock page scrolling with one)."""
    styles = f"style-src 'self' 'nonce-{style_nonce}'" if style_nonce else "style-src 'self'"
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            styles,
            "img-src 'self' data:",
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


CSP_HEADER = b"content-security-policy"
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = tuple(
    (name.encode("latin-1"), value.encode("latin-1"))
    for name, value in (
        # Browsers ignore HSTS received over plain HTTP (make run), and honour it behind TLS.
        ("strict-transport-security", "max-age=63072000; includeSubDomains"),
        ("content-security-policy", content_security_policy()),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "strict-origin-when-cross-origin"),
        ("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
        ("cross-origin-opener-policy", "same-origin"),
    )
)
_NAMES = frozenset(name for name, _ in SECURITY_HEADERS)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                # A route may set its own CSP (index.html with its style nonce); every other header is ours.
                own_csp = [(k, v) for k, v in headers if k.lower() == CSP_HEADER]
                kept = [(k, v) for k, v in headers if k.lower() not in _NAMES]
                ours = [(k, v) for k, v in SECURITY_HEADERS if not (own_csp and k == CSP_HEADER)]
                message["headers"] = [*kept, *own_csp[:1], *ours]
            await send(message)

        await self.app(scope, receive, send_with_headers)
