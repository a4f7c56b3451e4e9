"""Serve the built React SPA; unknown non-API paths fall back to index.html for client-side routing.

index.html is served with a fresh CSP nonce each time: it replaces ``__CSP_NONCE__`` in the page's
``<meta name="csp-nonce">`` (the SPA hands it to the libraries that add ``<style>`` elements) and is named in
that response's ``style-src``. No inline style is allowed without it."""

from __future__ import annotations

import secrets
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

from adpilot_common.problems import Problem
from adpilot_gateway.headers import content_security_policy

NONCE_PLACEHOLDER = "__CSP_NONCE__"


def build_spa_router(spa_dir: Path) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    root = spa_dir.resolve()

    @router.get("/{path:path}")
    async def spa(path: str) -> Response:
        if path.startswith(("api/", "ws")):
            raise Problem(404)
        index = (root / "index.html").resolve()
        if not index.exists():
            return PlainTextResponse(
                f"The web app is not built: run `make web` (expected {index}).", status_code=503
            )
        candidate = (root / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(root) and candidate != index:
            cache = "public, max-age=31536000, immutable" if "/assets/" in f"/{path}" else "no-cache"
            return FileResponse(candidate, headers={"Cache-Control": cache})
        return index_with_nonce(index)

    return router


def index_with_nonce(index: Path) -> HTMLResponse:
    nonce = secrets.token_urlsafe(16)
    # Read per request (a few kB): `make web` may rebuild it under a running gateway.
    page = index.read_text(encoding="utf-8").replace(NONCE_PLACEHOLDER, nonce)
    return HTMLResponse(
        page,
        headers={
            "Cache-Control": "no-cache",
            "Content-Security-Policy": content_security_policy(style_nonce=nonce),
        },
    )
