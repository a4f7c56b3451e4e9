"""NATS broker factory: reconnect forever, fast dead-connection detection, streams declared in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING

from faststream.nats import NatsBroker
from nats.js.errors import BadRequestError

from adpilot_common.events.streams import STREAMS
from adpilot_common.logging import get_logger

if TYPE_CHECKING:
    from nats.js import JetStreamContext

    from adpilot_common.settings import BaseServiceSettings

log = get_logger(__name__)

# Handlers get this long to finish and ack in-flight messages on SIGTERM before the connection drains.
GRACEFUL_SHUTDOWN_S = 25.0


def create_broker(settings: BaseServiceSettings, *, telemetry: bool = True) -> NatsBroker:
    middlewares = []
    if telemetry:
        from faststream.nats.opentelemetry import NatsTelemetryMiddleware

        middlewares.append(NatsTelemetryMiddleware())
    return NatsBroker(
        settings.nats_url,
        name=f"adpilot-{settings.service_name}",
        # nats-py gives up after 60 x 2 s by default and leaves a zombie; we retry forever and report not-ready.
        allow_reconnect=True,
        max_reconnect_attempts=-1,
        reconnect_time_wait=int(max(1, settings.nats_reconnect_wait_s)),
        ping_interval=settings.nats_ping_interval_s,
        max_outstanding_pings=3,
        connect_timeout=5,
        graceful_timeout=GRACEFUL_SHUTDOWN_S,
        middlewares=tuple(middlewares),
        logger=None,
    )


async def ensure_streams(js: JetStreamContext, replicas: int = 1) -> None:
    """Create or update every stream in the catalogue; safe to run from every replica at every start."""
    for spec in STREAMS:
        config = spec.config(replicas)
        try:
            await js.add_stream(config=config)
        except BadRequestError as exc:
            if exc.err_code != 10058:  # stream name already in use with a different configuration
                raise
            await js.update_stream(config=config)
            log.info("stream updated", stream=spec.name)
