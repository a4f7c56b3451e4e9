"""Profiling helper for the consumer figure: where do the per-event costs of EventConsumer go?

Not part of ``make bench``. Runs on the same self-started stack as bench/run.py, with N events per variant:

* ``faststream_ack_only``  FastStream pull subscriber from create_broker, handler only acks: the framework floor;
* ``event_consumer``       the AdPilot EventConsumer as shipped (what bench/run.py measures);
* ``event_consumer_text_claim``  the same, with claim_event swapped in-process for a cached ``text()`` statement;
* ``batch_tx_prototype``   a sketch of a batch consumer: FastStream batch pull, one transaction per fetched batch
                           (one INSERT ... SELECT unnest(ids) ON CONFLICT DO NOTHING RETURNING for the inbox, then
                           the effects), then ack each message.

Nothing in libs/ is modified; the swaps only affect this process.

    .venv/bin/python bench/consumer_variants.py [--events 5000] [--batch 32] [--pool 32]
"""

from __future__ import annotations

import argparse
import time
import uuid
import warnings
from typing import Annotated, Any

import run as bench  # bench/run.py, importable because this script's directory is on sys.path
from faststream import AckPolicy, Context
from faststream.nats import ConsumerConfig, JStream, PullSub
from faststream.nats.annotations import NatsMessage
from faststream.nats.message import NatsBatchMessage
from nats.js.api import AckPolicy as JsAckPolicy
from nats.js.api import DeliverPolicy
from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncSession

import adpilot_common.messaging.consumer as consumer_module
from adpilot_common.db import create_engine, create_session_factory
from adpilot_common.events.contracts.user import UserRegistered
from adpilot_common.events.envelope import EventEnvelope
from adpilot_common.messaging.broker import create_broker

_CLAIM_ONE = text(
    "INSERT INTO processed_messages (consumer, event_id) VALUES (:consumer, :event_id) "
    "ON CONFLICT DO NOTHING RETURNING event_id"
)
_CLAIM_MANY = text(
    "INSERT INTO processed_messages (consumer, event_id) SELECT :consumer, unnest(:ids) "
    "ON CONFLICT DO NOTHING RETURNING event_id"
).bindparams(bindparam("ids", type_=ARRAY(UUID(as_uuid=True))))


async def text_claim(session: AsyncSession, consumer: str, event_id: uuid.UUID) -> bool:
    return (
        await session.execute(_CLAIM_ONE, {"consumer": consumer, "event_id": event_id})
    ).first() is not None


def _config(durable: str) -> ConsumerConfig:
    return ConsumerConfig(
        durable_name=durable,
        ack_policy=JsAckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        max_ack_pending=10_000,
        filter_subject=bench.SUBJECT,
    )


async def _timed_broker(ctx: bench.Ctx, n: int, register: Any, done: Any, budget_s: float) -> dict[str, Any]:
    settings = bench.BenchSettings(
        environment="test", nats_url=ctx.stack.nats.url, database_url=ctx.stack.db_url
    )
    broker = create_broker(settings)
    register(broker)
    await broker.connect()
    fig = bench.Figure(n, 0.0)
    with ctx.cpu.measure(fig.cpu_s):
        t0 = time.perf_counter()
        await broker.start()
        ok = await bench.wait_until(done, budget_s, interval_s=0.02)
        fig.seconds = time.perf_counter() - t0
    await broker.stop()
    return {**fig.as_dict(), "complete": ok}


async def faststream_ack_only(ctx: bench.Ctx, n: int, batch: int, budget_s: float) -> dict[str, Any]:
    got = 0
    durable = f"variant-ack-{uuid.uuid4().hex[:6]}"

    async def handler(msg: NatsMessage) -> None:
        nonlocal got
        await msg.ack()
        got += 1

    async def done() -> bool:
        return got >= n

    def register(broker: Any) -> None:
        broker.subscriber(
            bench.SUBJECT,
            stream=JStream(bench.STREAM, declare=False),
            durable=durable,
            pull_sub=PullSub(batch_size=batch, timeout=2.0),
            config=_config(durable),
            ack_policy=AckPolicy.MANUAL,
        )(handler)

    return await _timed_broker(ctx, n, register, done, budget_s)


async def batch_tx_prototype(
    ctx: bench.Ctx, n: int, batch: int, pool: int, budget_s: float
) -> dict[str, Any]:
    await ctx.poll.execute("TRUNCATE bench_effects, processed_messages")
    engine = create_engine(ctx.stack.db_url, pool)
    sessions = create_session_factory(engine)
    name = f"variant-batch-{uuid.uuid4().hex[:6]}"

    async def handler(msg: Annotated[NatsBatchMessage, Context("message")]) -> None:
        raws = msg.raw_message
        envelopes = [EventEnvelope.from_bytes(r.data) for r in raws]
        payloads = [UserRegistered.model_validate(e.data) for e in envelopes]
        async with sessions() as session, session.begin():
            rows = await session.execute(_CLAIM_MANY, {"consumer": name, "ids": [e.id for e in envelopes]})
            new = {row[0] for row in rows}
            for envelope, payload in zip(envelopes, payloads, strict=True):
                if envelope.id in new:
                    await bench._apply_effect(session, envelope, payload)
        for raw in raws:
            await raw.ack()

    async def done() -> bool:
        count: int = await ctx.poll.fetchval("SELECT count(*) FROM bench_effects")
        return count >= n

    def register(broker: Any) -> None:
        broker.subscriber(
            bench.SUBJECT,
            stream=JStream(bench.STREAM, declare=False),
            durable=name,
            pull_sub=PullSub(batch_size=batch, timeout=2.0, batch=True),
            config=_config(name),
            ack_policy=AckPolicy.MANUAL,
        )(handler)

    try:
        return await _timed_broker(ctx, n, register, done, budget_s)
    finally:
        await engine.dispose()


async def main_async(args: argparse.Namespace, stack: bench.Stack) -> None:
    ctx = await bench.connect(stack)
    n = args.events
    try:
        await bench.phase_relay(ctx, n, 500)  # leaves n valid envelopes in the stream
        rows: list[tuple[str, dict[str, Any]]] = []

        def show(label: str, row: dict[str, Any]) -> None:
            rows.append((label, row))
            cpu = row.get("cpu_seconds", {})
            per_event_us = 1e6 * cpu.get("bench_python", 0.0) / max(row["events"], 1)
            print(
                f"{label:<44}{row['events_per_s']:>9,.0f} ev/s   python cpu {per_event_us:>6,.0f} us/event   "
                f"pg cpu {cpu.get('postgres', 0.0):.1f} s",
                flush=True,
            )

        show(
            f"faststream_ack_only batch={args.batch}",
            await faststream_ack_only(ctx, n, args.batch, args.budget),
        )
        fig = await bench.phase_consumer(
            ctx, n, batch_size=args.batch, pool_size=args.pool, service="variant0", budget_s=args.budget
        )
        show(f"event_consumer batch={args.batch} pool={args.pool}", fig.as_dict())
        original = consumer_module.claim_event  # type: ignore[attr-defined]
        consumer_module.claim_event = text_claim  # type: ignore[attr-defined]
        try:
            fig = await bench.phase_consumer(
                ctx, n, batch_size=args.batch, pool_size=args.pool, service="variant1", budget_s=args.budget
            )
        finally:
            consumer_module.claim_event = original  # type: ignore[attr-defined]
        show(f"event_consumer_text_claim batch={args.batch} pool={args.pool}", fig.as_dict())
        for batch in (100, 500):
            show(f"batch_tx_prototype batch={batch}", await batch_tx_prototype(ctx, n, batch, 5, args.budget))
    finally:
        await bench.close(ctx)


def main() -> None:
    p = argparse.ArgumentParser(description="consumer cost breakdown (see module docstring)")
    p.add_argument("--events", type=int, default=5000)
    p.add_argument("--batch", type=int, default=32, help="pull batch for the per-message variants")
    p.add_argument("--pool", type=int, default=32, help="DB pool_size for the per-message variants")
    p.add_argument("--budget", type=float, default=60.0, help="seconds per variant before a partial figure")
    args = p.parse_args()
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import uvloop

    with bench.running_stack() as stack:
        uvloop.run(main_async(args, stack))


if __name__ == "__main__":
    main()
