"""Serve the built React SPA; unknown non-API paths fall back to index.html for client-side routing."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, PlainTextResponse, Response

from adpilot_common.problems import Problem


def build_spa_router(spa_dir: Path) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    root = spa_dir.resolve()

    @router.get("/{path:path}")
    async def spa(path: str) -> Response:
        if path.startswith(("api/", "ws")):
            raise Problem(404)
        index = root / "index.html"
        if not index.exists():
            return PlainTextResponse(
                f"The web app is not built: run `make web` (expected {index}).", status_code=503
            )
        candidate = (root / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(root):
            cache = "public, max-age=31536000, immutable" if "/assets/" in f"/{path}" else "no-cache"
            return FileResponse(candidate, headers={"Cache-Control": cache})
        return FileResponse(index, headers={"Cache-Control": "no-cache"})

    return router
