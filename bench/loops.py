"""Shared by the benchmark scripts: run the measurement on uvloop (as the services do) or plain asyncio."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any

Runner = Callable[[Awaitable[dict[str, Any]]], dict[str, Any]]


def pick_runner(loop: str) -> tuple[Runner, str]:
    """``asyncio.run`` or ``uvloop.run`` and the name of the loop actually used."""
    if loop == "uvloop":
        try:
            import uvloop

            return uvloop.run, "uvloop"  # type: ignore[return-value]
        except ImportError:
            print("uvloop not installed: using the asyncio loop", file=sys.stderr)
    return asyncio.run, "asyncio"  # type: ignore[return-value]
