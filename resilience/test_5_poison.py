"""Scenario 5: poison messages on a live consumer (metrics--metrics-v1-fetched) go to the dead-letter stream, and
the good messages published right behind them are applied without waiting for the poison's retries."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import pytest
from nats.js.errors import NotFoundError

from resilience.figures import Figures, Report
from resilience.harness import ChaosStack
from resilience.load import MetricsProbe, tally

pytestmark = pytest.mark.chaos

CONSUMER = "metrics--metrics-v1-fetched"
GOOD = 50


async def dead_letters(stack: ChaosStack, consumer: str) -> list[dict[str, Any]]:
    js = await stack.js()
    info = await js.stream_info("DEADLETTER")
    records = []
    for seq in range(max(1, info.state.first_seq), info.state.last_seq + 1):
        try:
            msg = await js.get_msg("DEADLETTER", seq)
        except NotFoundError:
            continue
        if msg.subject == f"deadletter.{consumer}":
            records.append(json.loads(msg.data or b"{}"))
    return records


async def test_poison_messages_dead_letter_and_flow_continues(stack: ChaosStack, report: Report) -> None:
    js = await stack.js()
    good = MetricsProbe(stack)

    # 1. not even an envelope;
    garbage = await js.publish(
        "metrics.v1.fetched", b"\x00not json{", headers={"Nats-Msg-Id": uuid.uuid4().hex}
    )
    # 2. a valid envelope the handler refuses for good (facts are org-scoped: PermanentError);
    _, orgless = good.build()
    orgless = orgless.model_copy(update={"org_id": None})
    refused = await js.publish(orgless.type, orgless.to_bytes(), headers={"Nats-Msg-Id": str(orgless.id)})
    # 3. a valid envelope whose handler fails on every attempt (bigint overflow in PostgreSQL): retried with
    #    back-off, then dead-lettered after max_deliver attempts.
    _, failing = good.build()
    data = dict(failing.data)
    data["rows"] = [{**data["rows"][0], "impressions": 2**63}]
    failing = failing.model_copy(update={"data": data})
    always = await js.publish(failing.type, failing.to_bytes(), headers={"Nats-Msg-Id": str(failing.id)})
    poison = {garbage.seq: "malformed", refused.seq: "permanent_error", always.seq: "max_deliveries"}

    started = time.monotonic()
    for _ in range(GOOD):  # right behind the poison, on the same consumer
        await good.once()
    good_done_s: float | None = None
    parked: dict[int, dict[str, Any]] = {}
    deadline = started + 60
    while time.monotonic() < deadline:
        if good_done_s is None and await good.settled():
            good_done_s = time.monotonic() - started
        parked = {
            r["stream_seq"]: r for r in await dead_letters(stack, CONSUMER) if r["stream_seq"] in poison
        }
        if good_done_s is not None and len(parked) == len(poison):
            break
        await asyncio.sleep(0.2)
    dlq_s = time.monotonic() - started

    t = await tally(good)
    reasons = {seq: parked[seq]["reason"] if seq in parked else None for seq in poison}
    attempts = {seq: parked[seq]["attempts"] if seq in parked else None for seq in poison}
    figures = Figures(
        "poison messages",
        t.sent + len(poison),
        t.processed,
        t.lost + sum(1 for r in reasons.values() if r is None),
        t.duplicated,
        details={
            "poison": len(poison),
            "dead_lettered": len(parked),
            "reasons": {poison[s]: reasons[s] for s in poison},
            "attempts": {poison[s]: attempts[s] for s in poison},
            "good_applied_s": None if good_done_s is None else round(good_done_s, 2),
            "all_dead_lettered_s": round(dlq_s, 2),
        },
    )
    report.add(figures)

    assert t.lost == 0 and t.duplicated == 0, figures
    assert reasons == poison, figures
    info = await js.consumer_info("CONNECTORS", CONSUMER)
    assert (info.num_ack_pending or 0) == 0 and (info.num_pending or 0) == 0, info
