"""Waiting in tests for what happens asynchronously (a consumer applying an event, a job finishing)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def eventually(
    check: Callable[[], Awaitable[T]],
    *,
    what: str = "the condition",
    timeout: float = 60.0,  # noqa: ASYNC109 - bounds a poll
) -> T:
    """Poll ``check`` every 50 ms until it returns something truthy, and return that. After ``timeout``
    seconds: AssertionError naming ``what``. The timeout only bounds a failure; a passing test never waits it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await check()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        await asyncio.sleep(0.05)
