"""Delivery benchmark: outbox relay and idempotent consumer throughput against raw nats-py baselines.

Starts its own nats-server (JetStream) and PostgreSQL on free loopback ports in a temp dir, then measures, in one
run on one machine, N events per phase:

1. ``raw_publish``  nats-py ``js.publish`` with ``Nats-Msg-Id``, gathered in batches like the relay does;
2. ``relay``        :class:`OutboxRelay` ``publish_pending()`` until N pre-inserted outbox rows are drained
                    (the insert is timed separately as ``outbox_insert``);
3. ``raw_consume``  nats-py durable pull consumer, ``fetch(batch)`` + ``ack`` each;
4. ``consumer``     the AdPilot :class:`EventConsumer` on a FastStream broker from ``create_broker``: inbox row +
                    effect row + commit + ack per event, timed until N effect rows exist.

    .venv/bin/python bench/run.py [--events N] [--out bench/results/delivery.json] [--sweep]

See bench/README.md for how to read the output.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import asyncpg
import nats
from loops import pick_runner
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy import Column, MetaData, Table, Text, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from adpilot_common.db import EventingBase, asyncpg_dsn, create_engine, create_session_factory
from adpilot_common.devstack.nats import NatsServer, nats_server_binary
from adpilot_common.devstack.ports import free_port
from adpilot_common.events.contracts.user import UserRegistered
from adpilot_common.events.envelope import EventEnvelope
from adpilot_common.events.streams import stream_for_subject
from adpilot_common.messaging.broker import create_broker, ensure_streams
from adpilot_common.messaging.consumer import RetryPolicy, durable_name, event_consumer
from adpilot_common.messaging.outbox import add_to_outbox, build_event
from adpilot_common.messaging.relay import OutboxRelay
from adpilot_common.settings import BaseServiceSettings, service_config

if TYPE_CHECKING:
    from adpilot_common.devstack.postgres import PostgresServer

SUBJECT = "user.v1.registered"
STREAM = stream_for_subject(SUBJECT).name
DATABASE = "adpilot_bench"
TARGETS = {"relay": 5000.0, "consumer": 2000.0}  # events/s
INSERT_CHUNK = 500  # outbox rows per transaction while pre-filling (not timed as relay work)
PHASE_TIMEOUT_S = 60.0  # publish/relay/raw consume: each takes seconds; this only guards hangs

bench_metadata = MetaData()
bench_effects = Table(
    "bench_effects",
    bench_metadata,
    Column("event_id", UUID(as_uuid=True), primary_key=True),
    Column("email", Text, nullable=False),
)
_EFFECT = text("INSERT INTO bench_effects (event_id, email) VALUES (:event_id, :email)")


class BenchSettings(BaseServiceSettings):
    model_config = service_config("BENCH_")
    service_name: ClassVar[str] = "bench"


# ---------------------------------------------------------------------------------------------- measurement


@dataclass
class Figure:
    events: int
    seconds: float
    cpu_s: dict[str, float] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "events": self.events,
            "seconds": round(self.seconds, 4),
            "events_per_s": round(self.events_per_s, 1),
            "cpu_seconds": {k: round(v, 3) for k, v in self.cpu_s.items()},
            **self.extra,
        }


class CpuMeter:
    """CPU seconds used by this process, nats-server and PostgreSQL (all backends) over a phase, from /proc."""

    def __init__(self, nats_pid: int | None, pg_pid: int | None) -> None:
        self._pids = {"bench_python": os.getpid(), "nats_server": nats_pid, "postgres": pg_pid}
        self._tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def _proc_cpu(self, pid: int | None, children: bool) -> float:
        if pid is None:
            return 0.0
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        # after the ")" field 0 is state; utime/stime/cutime/cstime are fields 11..14
        ticks = int(fields[11]) + int(fields[12])
        if children:
            ticks += int(fields[13]) + int(fields[14])  # reaped backends (closed connections)
        return ticks / self._tick

    def _children_cpu(self, parent: int | None) -> float:
        if parent is None:
            return 0.0
        total = 0.0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == parent:
                total += (int(fields[11]) + int(fields[12])) / self._tick
        return total

    def track(self, name: str, pid: int | None) -> None:
        """Also measure process ``pid`` (a service under test) as ``name``; None stops measuring it."""
        if pid is None:
            self._pids.pop(name, None)
        else:
            self._pids[name] = pid

    def sample(self) -> dict[str, float]:
        if not Path("/proc/self/stat").exists():
            return {}
        return {
            "bench_python": self._proc_cpu(self._pids["bench_python"], children=False),
            "nats_server": self._proc_cpu(self._pids["nats_server"], children=False),
            "postgres": self._proc_cpu(self._pids["postgres"], children=True)
            + self._children_cpu(self._pids["postgres"]),
            **{
                name: self._proc_cpu(pid, children=False)
                for name, pid in self._pids.items()
                if name not in ("bench_python", "nats_server", "postgres")
            },
        }

    @contextlib.contextmanager
    def measure(self, into: dict[str, float]) -> Iterator[None]:
        before = self.sample()
        try:
            yield
        finally:
            after = self.sample()
            into.update({k: after[k] - before.get(k, 0.0) for k in after})


# ---------------------------------------------------------------------------------------------- the stack


@dataclass
class Stack:
    nats: NatsServer
    postgres: PostgresServer
    root: Path

    @property
    def db_url(self) -> str:
        return self.postgres.url(DATABASE)


@contextlib.contextmanager
def running_stack() -> Iterator[Stack]:
    # Imported here, after main() silenced the XDG_RUNTIME_DIR warning platformdirs gives under pgserver.
    from adpilot_common.devstack.postgres import PostgresServer

    root = Path(tempfile.mkdtemp(prefix="adpilot-bench-"))
    nats_server = NatsServer(free_port(), root / "jetstream", root / "nats.log")
    postgres = PostgresServer(free_port(), root / "pg", root / "postgres.log")
    try:
        nats_server.start()
        postgres.start()
        postgres.create_database(DATABASE)
        yield Stack(nats_server, postgres, root)
    finally:
        with contextlib.suppress(Exception):
            nats_server.stop()
        with contextlib.suppress(Exception):
            postgres.stop()
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class Ctx:
    stack: Stack
    nc: NatsClient
    js: JetStreamContext
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    poll: asyncpg.Connection
    cpu: CpuMeter


def make_events(n: int) -> list[EventEnvelope]:
    return [
        build_event(
            SUBJECT,
            UserRegistered(
                user_id=uuid.uuid4(), email=f"user{i}@bench.example.com", display_name=f"User {i}"
            ),
            source="bench",
            correlation_id=str(uuid.uuid4()),
        )
        for i in range(n)
    ]


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


async def stream_messages(js: JetStreamContext) -> int:
    return int((await js.stream_info(STREAM)).state.messages)


async def wait_until(
    probe: Callable[[], Awaitable[bool]], timeout_s: float, interval_s: float = 0.01
) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await probe():
            return True
        await asyncio.sleep(interval_s)
    return False


async def reset_tables(ctx: Ctx) -> None:
    await ctx.poll.execute("TRUNCATE bench_effects, processed_messages, outbox_messages")


# ---------------------------------------------------------------------------------------------- phases


async def phase_raw_publish(ctx: Ctx, n: int, concurrency: int) -> Figure:
    await ctx.js.purge_stream(STREAM)
    items = [(str(e.id), e.to_bytes()) for e in make_events(n)]
    fig = Figure(n, 0.0)
    with ctx.cpu.measure(fig.cpu_s):
        t0 = time.perf_counter()
        for batch in chunks(items, concurrency):
            await asyncio.gather(
                *(
                    ctx.js.publish(SUBJECT, payload, timeout=5.0, headers={"Nats-Msg-Id": mid})
                    for mid, payload in batch
                )
            )
        fig.seconds = time.perf_counter() - t0
    stored = await stream_messages(ctx.js)
    if stored != n:
        raise RuntimeError(f"raw publish: stream holds {stored} messages, expected {n}")
    fig.extra.update(concurrency=concurrency, payload_bytes=len(items[0][1]))
    return fig


async def fill_outbox(ctx: Ctx, n: int) -> Figure:
    events = make_events(n)
    fig = Figure(n, 0.0)
    with ctx.cpu.measure(fig.cpu_s):
        t0 = time.perf_counter()
        for chunk in chunks(events, INSERT_CHUNK):
            async with ctx.sessions() as session, session.begin():
                await add_to_outbox(session, *chunk)
        fig.seconds = time.perf_counter() - t0
    # Planner statistics as autovacuum would have them on a live table (not timed).
    await ctx.poll.execute("ANALYZE outbox_messages")
    fig.extra.update(rows_per_transaction=INSERT_CHUNK)
    return fig


async def phase_relay(ctx: Ctx, n: int, batch_size: int) -> tuple[Figure, Figure]:
    """Pre-fill the outbox (timed apart), then drain it with publish_pending()."""
    await ctx.poll.execute("TRUNCATE outbox_messages")
    await ctx.js.purge_stream(STREAM)
    insert = await fill_outbox(ctx, n)
    relay = OutboxRelay(ctx.sessions, ctx.js, batch_size=batch_size)
    fig = Figure(n, 0.0)
    published, idle, cycles = 0, 0, 0
    with ctx.cpu.measure(fig.cpu_s):
        t0 = time.perf_counter()
        while published < n and idle < 3 and time.perf_counter() - t0 < PHASE_TIMEOUT_S:
            count = await relay.publish_pending()
            cycles += 1
            published += count
            idle = idle + 1 if count == 0 else 0
        fig.seconds = time.perf_counter() - t0
    stored = await stream_messages(ctx.js)
    pending = await ctx.poll.fetchval("SELECT count(*) FROM outbox_messages WHERE published_at IS NULL")
    if published != n or stored != n or pending:
        raise RuntimeError(
            f"relay: published={published} stream={stored} still pending={pending}, expected {n}"
        )
    fig.extra.update(batch_size=batch_size, cycles=cycles)
    return insert, fig


async def phase_raw_consume(ctx: Ctx, n: int, batch: int) -> Figure:
    durable = "bench-raw-consume"
    with contextlib.suppress(Exception):
        await ctx.js.delete_consumer(STREAM, durable)
    fig = Figure(n, 0.0)
    got = 0
    with ctx.cpu.measure(fig.cpu_s):
        t0 = time.perf_counter()
        psub = await ctx.js.pull_subscribe(
            SUBJECT,
            durable=durable,
            stream=STREAM,
            config=ConsumerConfig(
                durable_name=durable,
                ack_policy=AckPolicy.EXPLICIT,
                deliver_policy=DeliverPolicy.ALL,
                max_ack_pending=10_000,
                filter_subject=SUBJECT,
            ),
        )
        while got < n and time.perf_counter() - t0 < PHASE_TIMEOUT_S:
            try:
                msgs = await psub.fetch(batch, timeout=2.0)
            except nats.errors.TimeoutError:
                continue
            for msg in msgs:
                await msg.ack()
            got += len(msgs)
        await ctx.nc.flush()
        fig.seconds = time.perf_counter() - t0
    await psub.unsubscribe()
    info = await ctx.js.consumer_info(STREAM, durable)
    await ctx.js.delete_consumer(STREAM, durable)
    if got != n or info.num_ack_pending:
        raise RuntimeError(f"raw consume: got {got}, ack pending {info.num_ack_pending}, expected {n}")
    fig.extra.update(fetch_batch=batch)
    return fig


async def _apply_effect(session: AsyncSession, envelope: EventEnvelope, payload: UserRegistered) -> None:
    await session.execute(_EFFECT, {"event_id": envelope.id, "email": payload.email})


async def phase_consumer(
    ctx: Ctx, n: int, *, batch_size: int, pool_size: int, service: str = "bench", budget_s: float = 100.0
) -> Figure:
    """FastStream broker + EventConsumer over the N messages the relay left in the stream.

    If N effects do not exist within ``budget_s`` the figure is the rate reached so far (``complete: false``),
    so a slow consumer cannot stretch the benchmark indefinitely.
    """
    await ctx.poll.execute("TRUNCATE bench_effects, processed_messages")
    settings = BenchSettings(
        environment="test",
        nats_url=ctx.stack.nats.url,
        database_url=ctx.stack.db_url,
        database_pool_size=pool_size,
        consumer_batch_size=batch_size,
    )
    engine = create_engine(settings.database_url, settings.database_pool_size)
    sessions = create_session_factory(engine)
    broker = create_broker(settings)
    consumer = event_consumer(service, SUBJECT, _apply_effect, sessions, RetryPolicy())
    consumer.register(broker, batch_size=settings.consumer_batch_size)
    durable = durable_name(service, SUBJECT)
    with contextlib.suppress(Exception):
        await ctx.js.delete_consumer(STREAM, durable)

    async def effects_done() -> bool:
        done: int = await ctx.poll.fetchval("SELECT count(*) FROM bench_effects")
        return done >= n

    async def all_acked() -> bool:
        info = await ctx.js.consumer_info(STREAM, durable)
        return bool(info.num_pending == 0 and info.num_ack_pending == 0)

    fig = Figure(n, 0.0)
    await broker.connect()
    try:
        with ctx.cpu.measure(fig.cpu_s):
            t0 = time.perf_counter()
            await broker.start()
            ok = await wait_until(effects_done, budget_s, interval_s=0.02)
            fig.seconds = time.perf_counter() - t0
            if not ok:
                fig.events = int(await ctx.poll.fetchval("SELECT count(*) FROM bench_effects"))
        acked = ok and await wait_until(all_acked, 30.0, interval_s=0.02)
        acked_s = time.perf_counter() - t0
    finally:
        await broker.stop()
        await engine.dispose()
    effects = await ctx.poll.fetchval("SELECT count(*) FROM bench_effects")
    inbox = await ctx.poll.fetchval("SELECT count(*) FROM processed_messages WHERE consumer = $1", durable)
    with contextlib.suppress(Exception):
        await ctx.js.delete_consumer(STREAM, durable)
    if ok and (not acked or effects != n or inbox != n):
        raise RuntimeError(f"consumer: effects={effects} inbox={inbox} acked={acked}, expected {n}")
    if effects != inbox:
        raise RuntimeError(f"consumer: {effects} effects but {inbox} inbox rows (must commit together)")
    fig.extra.update(
        complete=ok,
        batch_size=batch_size,
        pool_size=pool_size,
        max_connections=2 * pool_size,
        seconds_until_all_acked=round(acked_s, 4) if ok else None,
    )
    return fig


# ---------------------------------------------------------------------------------------------- run


def loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def versions(
    stack: Stack, pg_version: str, loop_name: str, load_at_start: list[float] | None
) -> dict[str, Any]:
    from adpilot_common.devstack.postgres import SERVER_SETTINGS

    nats_version = subprocess.run([nats_server_binary(), "--version"], capture_output=True, text=True).stdout
    libs = {}
    for dist in ("faststream", "nats-py", "sqlalchemy", "asyncpg", "pydantic", "uvloop"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            libs[dist] = importlib.metadata.version(dist)
    try:
        affinity: int | None = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count()
    cpu_model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    return {
        "cpu_count": os.cpu_count(),
        "cpus_usable": affinity,
        "cpu_model": cpu_model,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "event_loop": loop_name,
        "loadavg_at_start": load_at_start,
        "loadavg_at_end": loadavg(),
        "nats_server": nats_version.strip().removeprefix("nats-server: "),
        "postgres": pg_version,
        "postgres_settings": {k: v for k, v in SERVER_SETTINGS.items() if k in ("fsync", "shared_buffers")},
        "libraries": libs,
    }


async def connect(stack: Stack) -> Ctx:
    nc = await nats.connect(stack.nats.url)
    js = nc.jetstream()
    await ensure_streams(js)
    engine = create_engine(stack.db_url, 5)
    async with engine.begin() as conn:
        await conn.run_sync(EventingBase.metadata.create_all)
        await conn.run_sync(bench_metadata.create_all)
    poll = await asyncpg.connect(asyncpg_dsn(stack.db_url))
    cpu = CpuMeter(
        stack.nats._proc.pid if stack.nats._proc else None,
        stack.postgres._proc.pid if stack.postgres._proc else None,
    )
    return Ctx(stack, nc, js, engine, create_session_factory(engine), poll, cpu)


async def close(ctx: Ctx) -> None:
    await ctx.poll.close()
    await ctx.engine.dispose()
    await ctx.nc.close()


def ratio(a: Figure, b: Figure) -> float:
    return round(a.events_per_s / b.events_per_s, 3) if b.events_per_s else 0.0


async def main_phases(ctx: Ctx, args: argparse.Namespace) -> dict[str, Any]:
    n = args.events
    print(f"phase 1/4 raw publish    ({n} events) ...", flush=True)
    raw_pub = await phase_raw_publish(ctx, n, args.publish_concurrency)
    print(f"phase 2/4 outbox relay   ({n} events) ...", flush=True)
    insert, relay = await phase_relay(ctx, n, args.relay_batch)
    print(f"phase 3/4 raw consume    ({n} events) ...", flush=True)
    raw_con = await phase_raw_consume(ctx, n, args.consumer_batch)
    print(f"phase 4/4 adpilot consumer ({n} events) ...", flush=True)
    consumer = await phase_consumer(
        ctx, n, batch_size=args.consumer_batch, pool_size=args.pool_size, budget_s=args.consumer_budget
    )
    results = {
        "raw_publish": raw_pub,
        "outbox_insert": insert,
        "relay": relay,
        "raw_consume": raw_con,
        "consumer": consumer,
    }
    return results


async def sweep(ctx: Ctx, args: argparse.Namespace) -> list[dict[str, Any]]:
    """Profile: relay batch sizes, then consumer batch x pool sizes (the stream keeps the last relay's events)."""
    n = args.sweep_events
    rows: list[dict[str, Any]] = []
    for batch in (100, 500, 1000, 2000):
        _, fig = await phase_relay(ctx, n, batch)
        rows.append({"phase": "relay", "batch_size": batch, **fig.as_dict()})
        print(f"  relay    batch={batch:<5}            {fig.events_per_s:>9.0f} ev/s", flush=True)
    for i, (batch, pool) in enumerate(((16, 20), (32, 20), (32, 32), (64, 64), (128, 128))):
        fig = await phase_consumer(
            ctx, n, batch_size=batch, pool_size=pool, service=f"bench{i}", budget_s=args.consumer_budget
        )
        rows.append({"phase": "consumer", **fig.as_dict()})
        print(f"  consumer batch={batch:<4} pool={pool:<4}  {fig.events_per_s:>9.0f} ev/s", flush=True)
    return rows


def report(results: dict[str, Figure], n: int) -> dict[str, Any]:
    ratios = {
        "relay_vs_raw_publish": ratio(results["relay"], results["raw_publish"]),
        "consumer_vs_raw_consume": ratio(results["consumer"], results["raw_consume"]),
    }
    targets = {
        name: {
            "target_events_per_s": target,
            "events_per_s": round(results[name].events_per_s, 1),
            "met": results[name].events_per_s >= target,
        }
        for name, target in TARGETS.items()
    }
    return {"ratios": ratios, "targets": targets, "all_targets_met": all(t["met"] for t in targets.values())}


def print_table(doc: dict[str, Any]) -> None:
    res, machine = doc["results"], doc["machine"]
    print()
    print(
        f"AdPilot delivery benchmark: N={doc['events']}  cpus={machine['cpus_usable']}  "
        f"python {machine['python']} ({machine['event_loop']})  nats-server {machine['nats_server']}  "
        f"postgres {machine['postgres']}  loadavg {machine['loadavg_at_start']}"
    )
    header = f"{'phase':<16}{'events/s':>11}{'seconds':>10}   {'cpu s: bench / nats / pg':<28}{'ratio / target':>24}"
    print(header)
    print("-" * len(header))
    notes = {
        "raw_publish": "baseline",
        "outbox_insert": "(not relay time)",
        "relay": f"x{doc['ratios']['relay_vs_raw_publish']:.2f} of raw publish",
        "raw_consume": "baseline",
        "consumer": f"x{doc['ratios']['consumer_vs_raw_consume']:.2f} of raw consume",
    }
    if res["consumer"].get("complete") is False:
        notes["consumer"] += f" (partial: {res['consumer']['events']})"
    for name, fig in res.items():
        cpu = fig.get("cpu_seconds", {})
        cpu_txt = " / ".join(f"{cpu.get(k, 0):.1f}" for k in ("bench_python", "nats_server", "postgres"))
        print(
            f"{name:<16}{fig['events_per_s']:>11,.0f}{fig['seconds']:>10.2f}   {cpu_txt:<28}{notes[name]:>24}"
        )
    print("-" * len(header))
    for name, t in doc["targets"].items():
        mark = "MET " if t["met"] else "MISS"
        print(
            f"target {name:<9} >= {t['target_events_per_s']:>6,.0f} ev/s: {mark} ({t['events_per_s']:,.0f} ev/s)"
        )
    if doc.get("sweep"):
        print("\nsweep (profiling):")
        for row in doc["sweep"]:
            knobs = (
                f"batch={row['batch_size']}"
                if row["phase"] == "relay"
                else f"batch={row['batch_size']} pool={row['pool_size']}"
            )
            cpu = row.get("cpu_seconds", {})
            cpu_txt = " / ".join(f"{cpu.get(k, 0):.1f}" for k in ("bench_python", "nats_server", "postgres"))
            print(f"  {row['phase']:<9}{knobs:<22}{row['events_per_s']:>9,.0f} ev/s   cpu {cpu_txt}")


async def run(args: argparse.Namespace, stack: Stack, loop_name: str) -> dict[str, Any]:
    ctx = await connect(stack)
    try:
        pg_version = str(await ctx.poll.fetchval("SHOW server_version"))
        load_at_start = loadavg()
        t0 = time.perf_counter()
        results = await main_phases(ctx, args)
        doc: dict[str, Any] = {
            "benchmark": "delivery",
            "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": versions(stack, pg_version, loop_name, load_at_start),
            "events": args.events,
            "config": {
                "subject": SUBJECT,
                "stream": STREAM,
                "publish_concurrency": args.publish_concurrency,
                "relay_batch_size": args.relay_batch,
                "consumer_batch_size": args.consumer_batch,
                "raw_consume_fetch_batch": args.consumer_batch,
                "database_pool_size": args.pool_size,
                "outbox_insert_rows_per_transaction": INSERT_CHUNK,
            },
            "results": {k: v.as_dict() for k, v in results.items()},
            **report(results, args.events),
        }
        if args.sweep:
            print(f"sweep ({args.sweep_events} events per run) ...", flush=True)
            doc["sweep"] = await sweep(ctx, args)
        doc["wall_seconds"] = round(time.perf_counter() - t0, 1)
        return doc
    finally:
        await close(ctx)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    defaults = BenchSettings()
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--events", type=int, default=20_000, help="events per phase (default 20000)")
    p.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "delivery.json")
    p.add_argument(
        "--publish-concurrency",
        type=int,
        default=500,
        help="raw publish: publishes gathered per batch (default 500, as the relay)",
    )
    p.add_argument(
        "--relay-batch",
        type=int,
        default=defaults.outbox_batch_size,
        help=f"OutboxRelay batch_size (default settings.outbox_batch_size={defaults.outbox_batch_size})",
    )
    p.add_argument(
        "--consumer-batch",
        type=int,
        default=defaults.consumer_batch_size,
        help="EventConsumer pull batch and raw fetch batch "
        f"(default settings.consumer_batch_size={defaults.consumer_batch_size})",
    )
    p.add_argument(
        "--pool-size",
        type=int,
        default=defaults.database_pool_size,
        help=f"consumer DB pool_size (default settings.database_pool_size={defaults.database_pool_size})",
    )
    p.add_argument(
        "--loop",
        choices=("uvloop", "asyncio"),
        default="uvloop",
        help="event loop; services run under uvicorn[standard], i.e. uvloop (default)",
    )
    p.add_argument("--sweep", action="store_true", help="also profile relay/consumer batch and pool sizes")
    p.add_argument("--sweep-events", type=int, default=3_000, help="events per sweep run (default 3000)")
    p.add_argument(
        "--consumer-budget",
        type=float,
        default=100.0,
        help="seconds the consumer phase may take before its rate is reported from a partial run",
    )
    p.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")  # platformdirs, via pgserver
    runner, loop_name = pick_runner(args.loop)
    started = time.perf_counter()
    print("starting nats-server and PostgreSQL ...", flush=True)
    with running_stack() as stack:
        doc = runner(run(args, stack, loop_name))
    doc["total_seconds_incl_startup"] = round(time.perf_counter() - started, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=2) + "\n")
    print_table(doc)
    print(f"\nwrote {args.out} (total {doc['total_seconds_incl_startup']} s)")
    return 1 if args.strict and not doc["all_targets_met"] else 0


if __name__ == "__main__":
    sys.exit(main())
