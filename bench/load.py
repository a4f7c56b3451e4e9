"""Bounded load test (issue 9): dashboard queries through the gateway while metric ingestion runs, at once.

For ``--seconds`` (60), on loopback only:

* ``--users`` (16) virtual users, each signed in as its own viewer of one org, loop over the dashboard's three
  queries through the gateway (``GET /api/metrics/timeseries`` 90 days by day, ``/totals`` 30 days against the
  previous 30, ``/top-campaigns`` 30 days by spend), each with an ``httpx.AsyncClient`` (keep-alive), waiting
  ``--think-ms`` between requests (0: closed loop, as fast as answers come);
* ingestion: ``metrics.v1.fetched`` envelopes of 1,000 ad-level rows (bench/ingest.py's rows and envelopes) are
  published to JetStream at ``--ingest-rows-per-s`` (5,000) and consumed by the metrics service (inbox, COPY +
  merge, rollups, ``metrics.v1.updated``), so the queries read rollups that are being written.

Reported: dashboard requests/s, p50/p99 overall and per query, errors; ingestion rows offered, rows merged by the
end of the window and after a drain (the consumer's backlog), rows/s; CPU seconds of the gateway, the metrics
service and this process; the machine (cores, RAM, OS, Python, load average before and after). A nats-server and
PostgreSQL (pgserver, fsync=on) run in a temp dir; the services run as their own processes, as in production.

``--split-metrics`` runs metrics as two processes of the same database, as a split deployment would: one with
``METRICS_ROLE=api`` behind the gateway, one with ``METRICS_ROLE=worker`` that ingests (results to
``bench/results/load-split.json`` and their own section of the doc).

    .venv/bin/python bench/load.py [--seconds 60] [--users 16] [--think-ms 0] [--ingest-rows-per-s 5000]
                                   [--split-metrics] [--out bench/results/load.json] [--doc docs/load-test.md]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import nats
from gateway import cpu_seconds, process, ready, serve, static_files
from ingest import FIRST_DAY, ORG_ID, STREAM, SUBJECT, envelopes, fresh_database, make_rows
from run import running_stack
from sandbox_sync import loadavg, machine

from adpilot_common.devstack.ports import free_port
from adpilot_common.devstack.postgres import PostgresServer
from adpilot_common.messaging.broker import ensure_streams
from adpilot_common.testing.tokens import TestTokenIssuer

BATCH_ROWS = 1000
CAMPAIGNS, ADS = 200, 5  # 1,000 ad-level rows per day of data


@dataclass
class Latencies:
    by_query: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)

    def add(self, query: str, seconds: float, status: int) -> None:
        self.by_query.setdefault(query, []).append(seconds)
        if status != 200:
            self.errors[f"{query} {status}"] = self.errors.get(f"{query} {status}", 0) + 1


def summary(values: list[float], seconds: float) -> dict[str, Any]:
    ordered = sorted(values)
    if not ordered:
        return {"requests": 0}
    return {
        "requests": len(ordered),
        "req_per_s": round(len(ordered) / seconds, 1),
        "p50_ms": round(ordered[len(ordered) // 2] * 1000, 2),
        "p99_ms": round(ordered[int(len(ordered) * 0.99)] * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


def dashboard_queries(days_loaded: int) -> dict[str, str]:
    """The dashboard's calls over the most recent loaded days (ingestion fills days in order)."""
    last = FIRST_DAY + timedelta(days=days_loaded - 1)
    d90, d30 = (last - timedelta(days=89)).isoformat(), (last - timedelta(days=29)).isoformat()
    end = last.isoformat()
    return {
        "timeseries_90d_day": f"/api/metrics/timeseries?from={d90}&to={end}&bucket=day",
        "totals_30d_compare": f"/api/metrics/totals?from={d30}&to={end}&compare=previous_period",
        "top10_campaigns_30d": f"/api/metrics/top-campaigns?from={d30}&to={end}&by=spend&limit=10",
    }


async def virtual_user(
    base_url: str, token: str, queries: dict[str, str], stop_at: float, think_s: float, into: Latencies
) -> None:
    names = list(queries)
    rng = random.Random(token)
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30.0) as client:
        while time.perf_counter() < stop_at:
            name = rng.choice(names)
            started = time.perf_counter()
            try:
                status = (await client.get(queries[name])).status_code
            except httpx.HTTPError:
                status = 0
            into.add(name, time.perf_counter() - started, status)
            if think_s:
                await asyncio.sleep(think_s)


async def ingest(
    nats_url: str, payloads: list[tuple[str, bytes, int]], rows_per_s: float, stop_at: float
) -> int:
    """Publish batches at the offered rate until the window closes; returns the rows published."""
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    published = 0
    try:
        next_at = time.perf_counter()
        for msg_id, data, rows in payloads:
            if time.perf_counter() >= stop_at:
                break
            await js.publish(SUBJECT, data, timeout=30.0, stream=STREAM, headers={"Nats-Msg-Id": msg_id})
            published += rows  # an account's last batch is short: counting BATCH_ROWS each made rows up
            next_at += rows / rows_per_s
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
    finally:
        await nc.close()
    return published


async def merged_rows(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM metric_facts"))
    finally:
        await conn.close()


async def rows_reach(dsn: str, target: int, limit_s: float) -> int:
    """Poll the fact count until it reaches ``target`` or ``limit_s`` passes; returns the last count."""
    deadline = time.perf_counter() + limit_s
    count = await merged_rows(dsn)
    while count < target and time.perf_counter() < deadline:
        await asyncio.sleep(0.25)  # PostgreSQL is polled: there is nothing to wait on
        count = await merged_rows(dsn)
    return count


async def measure(
    args: argparse.Namespace, workdir: Path, nats_url: str, pg: PostgresServer
) -> dict[str, Any]:
    # Rows for the whole window, plus 90 days already loaded before it (the dashboard has history to read).
    history_days = 90
    window_days = int(args.seconds * args.ingest_rows_per_s / (CAMPAIGNS * ADS)) + 2
    rows = make_rows(CAMPAIGNS, ADS, history_days + window_days)
    database = "bench_load_metrics"
    await fresh_database(
        pg, database, rows, migrate=True
    )  # migrated, with every month partition the rows need
    # Day order across accounts (an envelope is <= 1,000 rows: 10 days of one account), so the history is the
    # first 90 days of every account and the window adds the days after, as daily syncs would.
    events = sorted(
        envelopes(rows, BATCH_ROWS), key=lambda e: (e.data["rows"][0]["day"], str(e.data["account_id"]))
    )
    del rows
    payloads = [(str(e.id), e.to_bytes(), len(e.data["rows"])) for e in events]
    history_end = (FIRST_DAY + timedelta(days=history_days)).isoformat()
    history_batches = sum(e.data["rows"][0]["day"] < history_end for e in events)
    history_rows = sum(rows for _, _, rows in payloads[:history_batches])
    del events

    issuer = TestTokenIssuer()
    (workdir / "jwks.json").write_text(json.dumps(issuer.jwks()))
    (workdir / "spa").mkdir()
    (workdir / "spa" / "index.html").write_text("<!doctype html><title>bench</title>")
    tokens = [
        issuer.token(user_id=uuid.uuid4(), org_id=ORG_ID, role="viewer", ttl_s=900) for _ in range(args.users)
    ]
    jwks_port, metrics_port, gateway_port, worker_port = free_port(), free_port(), free_port(), free_port()
    common = {
        "LOG_LEVEL": "WARNING",
        "NATS_URL": nats_url,
        "AUTH_JWKS_URL": f"http://127.0.0.1:{jwks_port}/jwks.json",
    }
    metrics_env = {f"METRICS_{k}": v for k, v in common.items()} | {"METRICS_DATABASE_URL": pg.url(database)}
    gateway_env = {f"GATEWAY_{k}": v for k, v in common.items()} | {
        "GATEWAY_METRICS_URL": f"http://127.0.0.1:{metrics_port}",
        "GATEWAY_SPA_DIR": str(workdir / "spa"),
        # Each virtual user makes hundreds of requests a minute: the limiter counts them but lets them through.
        "GATEWAY_RATE_LIMIT_PER_USER": "10000000/minute",
    }
    if args.split_metrics:
        metrics_env["METRICS_ROLE"] = "api"
    static = static_files(jwks_port, workdir)
    base_url = f"http://127.0.0.1:{gateway_port}"
    with (
        process("jwks", static, {}, workdir),
        process("metrics", serve("metrics", metrics_port), metrics_env, workdir) as metrics,
        process("gateway", serve("gateway", gateway_port), gateway_env, workdir) as gateway,
        contextlib.ExitStack() as optional,
    ):
        pids = {"gateway": gateway.pid, "metrics": metrics.pid, "load_generator": os.getpid()}
        if args.split_metrics:
            worker_env = metrics_env | {"METRICS_ROLE": "worker"}
            worker = optional.enter_context(
                process("metrics-worker", serve("metrics", worker_port), worker_env, workdir)
            )
            await ready(f"http://127.0.0.1:{worker_port}")
            pids["metrics_worker"] = worker.pid
        await ready(f"http://127.0.0.1:{metrics_port}")
        await ready(base_url)
        nc = await nats.connect(nats_url)
        try:
            await ensure_streams(nc.jetstream())
        finally:
            await nc.close()
        # History first, untimed: the dashboard reads 90 days that exist before the window opens.
        await ingest(nats_url, payloads[:history_batches], 1e9, float("inf"))
        dsn = pg.dsn(database)
        await rows_reach(dsn, history_rows, 120)
        before_window = await merged_rows(dsn)
        queries = dashboard_queries(history_days)
        latencies = Latencies()
        cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        started = time.perf_counter()
        stop_at = started + args.seconds
        users = [
            virtual_user(base_url, token, queries, stop_at, args.think_ms / 1000, latencies)
            for token in tokens
        ]
        published, *_ = await asyncio.gather(
            ingest(nats_url, payloads[history_batches:], args.ingest_rows_per_s, stop_at), *users
        )
        window_s = time.perf_counter() - started
        cpu = {name: round(cpu_seconds(pid) - cpu_before[name], 2) for name, pid in pids.items()}
        in_window = await merged_rows(dsn) - before_window
        drain_started = time.perf_counter()
        drained = await rows_reach(dsn, before_window + published, 60) - before_window
        drain_s = time.perf_counter() - drain_started

    every = [v for values in latencies.by_query.values() for v in values]
    return {
        "dashboard": {
            "users": args.users,
            "think_ms": args.think_ms,
            "all": summary(every, window_s),
            "by_query": {
                name: summary(values, window_s) for name, values in sorted(latencies.by_query.items())
            },
            "queries": queries,
            "errors": latencies.errors,
        },
        "ingestion": {
            "offered_rows_per_s": args.ingest_rows_per_s,
            "rows_published": published,
            "rows_merged_in_window": in_window,
            "rows_per_s_in_window": round(in_window / window_s, 1),
            "rows_merged_after_drain": drained,
            "drain_seconds": round(drain_s, 2),
            "history_rows_before_window": before_window,
        },
        "metrics_processes": "api + worker" if args.split_metrics else "one (role all)",
        "window_seconds": round(window_s, 2),
        "cpu_seconds": cpu,
    }


def machine_description() -> dict[str, Any]:
    """Cores, RAM, OS and Python, on top of the fields every bench records."""
    memory_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines() if Path("/proc/meminfo").exists() else []:
        if line.startswith("MemTotal:"):
            memory_kib = int(line.split()[1])
    os_name = ""
    if Path("/etc/os-release").exists():
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1].strip('"')
    return {"ram_gib": round(memory_kib / 1024 / 1024, 1), "os": os_name}


def write_doc(doc: dict[str, Any], path: Path) -> None:
    """The results section of docs/load-test.md, between its markers (the prose around them stays)."""
    m, d, i = doc["machine"], doc["results"]["dashboard"], doc["results"]["ingestion"]
    # Anything else busy on the box (load average at start above half the cores) makes the figures pessimistic.
    busy = m["loadavg_at_start"][0] > m["cpu_count"] / 2
    note = " (shared with other work: figures are lower than on an idle box)" if busy else ""
    lines = [
        f"Run at {doc['generated_at']} (UTC), `{' '.join(doc['command'])}`.",
        "",
        f"* Machine: {m['cpu_count']} cores ({m['cpu_model']}), {m['ram_gib']} GiB RAM, {m['os']} "
        f"({m['platform']}), Python {m['python']}; load average {m['loadavg_at_start']} at start, "
        f"{m['loadavg_at_end']} at end{note}.",
        f"* Window: {doc['results']['window_seconds']} s, {d['users']} virtual users, think time {d['think_ms']} ms; "
        f"metrics processes: {doc['results']['metrics_processes']}.",
        "",
        "| dashboard query (through the gateway) | requests | req/s | p50 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, s in [*d["by_query"].items(), ("**all**", d["all"])]:
        if s.get("requests"):
            lines.append(
                f"| {name} | {s['requests']} | {s['req_per_s']} | {s['p50_ms']} | {s['p99_ms']} | {s['max_ms']} |"
            )
    lines += [
        "",
        f"Errors: {d['errors'] or 'none'}.",
        "",
        f"Ingestion at the same time: {i['offered_rows_per_s']:,} rows/s offered, {i['rows_published']:,} rows "
        f"published, {i['rows_merged_in_window']:,} merged within the window ({i['rows_per_s_in_window']:,} "
        f"rows/s), {i['rows_merged_after_drain']:,} after a {i['drain_seconds']} s drain.",
        "",
        f"CPU seconds in the window: {doc['results']['cpu_seconds']}.",
    ]
    section = "load-results-split" if doc["config"]["split_metrics"] else "load-results"
    start, end = f"<!-- {section}:start -->", f"<!-- {section}:end -->"
    text = path.read_text() if path.exists() else f"# Load test\n\n{start}\n{end}\n"
    if start not in text:
        text = f"{text.rstrip()}\n\n{start}\n{end}\n"
    head, _, rest = text.partition(start)
    _, _, tail = rest.partition(end)
    path.write_text(f"{head}{start}\n" + "\n".join(lines) + f"\n{end}{tail}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the load window")
    parser.add_argument("--users", type=int, default=16, help="dashboard virtual users")
    parser.add_argument("--think-ms", type=float, default=0.0, help="pause between a user's requests")
    parser.add_argument("--ingest-rows-per-s", type=float, default=5000.0, help="offered ingestion rate")
    parser.add_argument(
        "--split-metrics", action="store_true", help="metrics as an api process and a worker process"
    )
    parser.add_argument("--out", type=Path, default=None, help="default bench/results/load(-split).json")
    parser.add_argument(
        "--doc", type=Path, default=Path("docs/load-test.md"), help="results section written here"
    )
    args = parser.parse_args()
    if args.out is None:
        args.out = Path("bench/results/load-split.json" if args.split_metrics else "bench/results/load.json")
    load_at_start = loadavg()
    started = time.perf_counter()
    with running_stack() as stack:
        results = asyncio.run(measure(args, stack.root, stack.nats.url, stack.postgres))
    doc = {
        "benchmark": "load",
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
        "machine": machine("asyncio", load_at_start) | machine_description(),
        "command": ["bench/load.py", *sys.argv[1:]],
        "config": vars(args) | {"out": str(args.out), "doc": str(args.doc)},
        "results": results,
        "total_seconds_incl_startup": round(time.perf_counter() - started, 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=2, default=str) + "\n")
    write_doc(doc, args.doc)
    d, i = results["dashboard"]["all"], results["ingestion"]
    print(
        f"dashboard through the gateway: {d.get('req_per_s')} req/s, p50 {d.get('p50_ms')} ms, p99 {d.get('p99_ms')} ms"
        f" ({results['dashboard']['users']} users); ingestion {i['rows_per_s_in_window']:,} rows/s merged "
        f"({i['offered_rows_per_s']:,.0f} offered)\nwrote {args.out} and {args.doc}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
