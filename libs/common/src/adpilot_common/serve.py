"""``python -m adpilot_common.serve <service>``: run one service under uvicorn with a graceful, zero-exit SIGTERM.

Uvicorn re-raises the captured signal after its graceful shutdown, so an orderly stop would end with status -15
and look like a crash to supervisors. Here a SIGTERM/SIGINT stop that completed cleanly exits 0; a failed start
exits 3.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import socket
import sys
from collections.abc import Callable, Generator
from typing import Any

import uvicorn

SERVICES = ("auth", "connectors", "ai-copy", "metrics", "notify", "gateway")
# Young-generation threshold raised from 700 (and older generations collected less often): see startup().
GC_THRESHOLDS = (20_000, 20, 20)


class GracefulServer(uvicorn.Server):
    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        # Everything alive now (modules, app, pools) lives as long as the process: frozen, full collections no
        # longer rescan it. And a 1,000-row metric batch allocates ~10,000 container objects, so at CPython's
        # default of a young collection every 700 allocations, decoding one batch ran ~15 collections and
        # measured ~4x slower than alone. Both together took ingestion from 48k to 60k rows/s (bench/ingest.py).
        gc.collect()
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        with super().capture_signals():
            yield
            self._captured_signals.clear()  # shutdown already completed: do not re-raise


def load_factory(target: str) -> Callable[[], Any]:
    module_name, _, attr = target.partition(":")
    factory: Callable[[], Any] = getattr(importlib.import_module(module_name), attr or "create_app")
    return factory


def uvicorn_config(app: Any, *, host: str | None = None, port: int | None = None) -> uvicorn.Config:
    """How every service is served; host and port default to the app's settings."""
    settings = app.state.runtime.settings
    # Forwarding headers only from the peers the settings name (for a service, the gateway; for the gateway, its
    # reverse proxy). Passed explicitly, so uvicorn neither falls back to FORWARDED_ALLOW_IPS nor to its
    # loopback default: a devstack browser on 127.0.0.1 would otherwise choose its own X-Forwarded-For.
    # uvicorn 0.54 takes the right-most address not in this list, or the left-most one (client-chosen) for "*".
    trusted: list[str] = settings.forwarded_allow_ips
    return uvicorn.Config(
        app,
        host=host or settings.http_host,
        port=port if port is not None else settings.http_port,
        log_config=None,  # our structlog configuration stays in charge
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted,
        # No permessage-deflate: the gateway's live events are small JSON frames sent to every socket of an
        # org, and compressing each copy per connection (with a zlib context per socket) cost more than it saved.
        ws_per_message_deflate=False,
        # Idle keep-alive connections outlive the gateway's pooled ones (httpx drops them after 5 s, uvicorn's
        # default is also 5 s): the client side closes first, so a request is never sent down a connection the
        # service is closing at that instant (a 502 for a POST, which the gateway cannot safely retry).
        timeout_keep_alive=65,
        timeout_graceful_shutdown=8,  # open HTTP requests; then the broker gets its 25 s for in-flight messages
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("service", help=f"one of {', '.join(SERVICES)}, or module:factory")
    parser.add_argument("--host", default=None, help="defaults to the service's <PREFIX>HTTP_HOST setting")
    parser.add_argument("--port", type=int, default=None, help="defaults to the service's <PREFIX>HTTP_PORT")
    args = parser.parse_args(argv)

    target = args.service
    if target in SERVICES:
        target = f"adpilot_{target.replace('-', '_')}.main:create_app"
    app = load_factory(target)()
    server = GracefulServer(uvicorn_config(app, host=args.host, port=args.port))
    server.run()
    if not server.started:
        sys.exit(3)


if __name__ == "__main__":
    main()
