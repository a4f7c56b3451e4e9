"""NATS → hub: a plain (non-durable) subscription to the subjects browsers care about, in every gateway replica.

Core NATS delivers the messages JetStream stores on these subjects, without an ack or a consumer to manage: a
browser that was away resumes from the hub's buffer or refetches, so nothing here has to be durable."""

from __future__ import annotations

import json
import uuid
from typing import Any

from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from adpilot_common.logging import get_logger
from adpilot_gateway.live.hub import Hub

log = get_logger(__name__)

# metrics.v1.fetched (raw metric batches, up to 1,000 rows) stays out: browsers get metrics.v1.updated.
LIVE_SUBJECTS = (
    "campaign.v1.>",
    "metrics.v1.updated",
    "copy.v1.>",
    "connector.v1.>",
    "budget.v1.>",
    "alert.v1.>",
    "report.v1.>",
)


class LiveFeed:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._subscriptions: list[Subscription] = []

    async def start(self, nc: NatsClient) -> None:
        for subject in LIVE_SUBJECTS:
            self._subscriptions.append(await nc.subscribe(subject, cb=self._on_message))

    async def stop(self) -> None:
        for subscription in self._subscriptions:
            await subscription.unsubscribe()
        self._subscriptions.clear()

    async def _on_message(self, msg: Msg) -> None:
        try:
            envelope: dict[str, Any] = json.loads(msg.data)
            org_id = uuid.UUID(str(envelope["org_id"]))
        except (ValueError, KeyError, TypeError):
            return  # not an org's event (or not an envelope): nothing to show anyone
        self.hub.publish(org_id, envelope)
