"""Serve an ASGI app on a loopback port inside the test's event loop (fake platforms, fake identity providers)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn


@asynccontextmanager
async def serve_asgi(
    app: Any, port: int, *, what: str = "test server", **options: Any
) -> AsyncIterator[None]:
    """Run ``app`` on 127.0.0.1:``port`` for the duration of the block; fail loudly if it cannot start.
    ``options`` are further ``uvicorn.Config`` settings."""
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", **options)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(500):
            if server.started or task.done():
                break
            await asyncio.sleep(0.01)
        if not server.started:
            if task.done():
                task.result()  # re-raise why it stopped
            raise RuntimeError(f"the {what} did not start on port {port}")
        yield
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)
