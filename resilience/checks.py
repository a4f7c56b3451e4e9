"""Checks across services: every event an outbox recorded reached the inbox of every consumer of its subject."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from dataclasses import dataclass, field

from resilience.harness import ChaosStack, backends


@dataclass
class Handoff:
    recorded: int = 0  # (outbox event, consumer) pairs
    applied: int = 0
    missing: dict[str, int] = field(default_factory=dict)  # consumer -> events not in its inbox
    unpublished: int = 0  # outbox rows still waiting for the relay

    @property
    def lost(self) -> int:
        return sum(self.missing.values())


async def outbox_to_inbox(stack: ChaosStack) -> Handoff:
    """For every durable consumer: the outbox events of its subject (in any service's outbox) that its service's
    processed_messages does not hold. Events that were never in an outbox (schedule ticks, probes) are not
    counted here; the probes count those."""
    recorded: dict[str, set[str]] = defaultdict(set)
    unpublished = 0
    for service in backends():
        rows = await stack.rows(service, "SELECT id::text AS id, subject, published_at FROM outbox_messages")
        for r in rows:
            recorded[r["subject"]].add(r["id"])
            unpublished += r["published_at"] is None
    result = Handoff(unpublished=unpublished)
    for service in backends():
        for info in await stack.consumers_of(service):
            subject = info.config.filter_subject or ""
            expected = recorded.get(subject, set())
            if not expected:
                continue
            done = {
                r["id"]
                for r in await stack.rows(
                    service,
                    "SELECT event_id::text AS id FROM processed_messages WHERE consumer = :c",
                    c=info.name,
                )
            }
            result.recorded += len(expected)
            result.applied += len(expected & done)
            if expected - done:
                result.missing[info.name] = len(expected - done)
    return result


async def wait_handoff(stack: ChaosStack, timeout_s: float) -> Handoff:
    """The outbox→inbox check, repeated until nothing is missing or ``timeout_s`` passed."""
    deadline = time.monotonic() + timeout_s
    while True:
        handoff = await outbox_to_inbox(stack)
        if (handoff.lost == 0 and handoff.unpublished == 0) or time.monotonic() > deadline:
            return handoff
        await asyncio.sleep(1.0)
