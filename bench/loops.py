"""Shared by the benchmark scripts: run the measurement on uvloop (as the services do) or plain asyncio."""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
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


def run_with_nats(
    name: str,
    loop: str,
    measure: Callable[[Any, Path, str], Awaitable[dict[str, Any]]],
    out: Path,
) -> dict[str, Any]:
    """Start a nats-server in a temp dir, run ``measure(server, tmp_dir, loop_name)`` on the chosen loop, stop the
    server, and write the result document (plus the wall time including start-up) to ``out`` as JSON."""
    from adpilot_common.devstack.nats import NatsServer
    from adpilot_common.devstack.ports import free_port

    runner, loop_name = pick_runner(loop)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"adpilot-{name}-bench-") as tmp:
        server = NatsServer(free_port(), Path(tmp) / "jetstream", Path(tmp) / "nats.log")
        print(f"starting nats-server on {server.url} ...", flush=True)
        server.start()
        try:
            doc = runner(measure(server, Path(tmp), loop_name))
        finally:
            server.stop()
    doc["total_seconds_incl_startup"] = round(time.perf_counter() - started, 1)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=2, default=str) + "\n")
    return doc
