"""Gateway benchmark (issue 8): what the front door costs, and how fast live events reach browsers.

1. ``direct`` vs ``gateway``: authenticated ``GET /api/metrics/budgets`` (token verified, one org-scoped query)
   sent straight to the metrics service and through the gateway's proxy, in the same run, alternating.
   Throughput at ``--concurrency`` keep-alive connections, and latency (p50/p99) at one connection, where
   added latency is not hidden by queueing. Targets: gateway >= 60% of direct throughput, <= 2 ms added p50.
2. ``websocket fan-out``: ``--clients`` browsers of one org connected to ``/ws``; events published to NATS carry
   their send time, ``--event-interval`` apart; latency = arrival at each client - send time (same clock, read
   as soon as ``recv()`` returns). Target p99 <= 50 ms. Run twice: the clients split over
   ``--client-processes`` worker processes (the headline figure), and all in the bench's own process (one event
   loop receiving 1,000 frames per event: this measures the client as much as the gateway). CPU microseconds
   per delivered frame are reported for the gateway and for the clients, so the client's share is visible.

Everything runs on loopback: a nats-server and PostgreSQL (pgserver) in a temp dir, the metrics service and the
gateway as their own processes (``python -m adpilot_common.serve``), auth's JWKS as a static file. The load
generator is a minimal keep-alive HTTP/1.1 client (asyncio streams): a full client library would measure itself.

    .venv/bin/python bench/gateway.py [--seconds 5] [--concurrency 32] [--clients 1000] [--events 20]
                                      [--client-processes 4] [--event-interval 0.5]
                                      [--out bench/results/gateway.json] [--strict] [--skip-websocket]
                                      [--profile gateway.prof]

HTTP figures include CPU microseconds per request of the metrics service, the gateway and the load generator
(from /proc), the least load-dependent view of where the time goes on a shared machine. ``--profile`` runs the
gateway under cProfile (much slower: for the breakdown, not the figures).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import nats
import uvloop
from run import running_stack
from sandbox_sync import loadavg, machine
from ws_clients import connect_clients, listen

from adpilot_common.devstack.ports import free_port
from adpilot_common.devstack.postgres import PostgresServer
from adpilot_common.events.envelope import EventEnvelope
from adpilot_common.migrate import upgrade
from adpilot_common.testing.tokens import TestTokenIssuer

ORG = uuid.UUID("00000000-0000-4000-8000-0000000000f1")
ORIGIN = "http://bench.local"
PATH = "/api/metrics/budgets"
TARGET_THROUGHPUT_RATIO = 0.60
TARGET_ADDED_P50_MS = 2.0
TARGET_WS_P99_MS = 50.0


# ------------------------------------------------------------------------------------------ processes


@contextlib.contextmanager
def process(
    name: str, command: list[str], env: dict[str, str], log_dir: Path
) -> Iterator[subprocess.Popen[bytes]]:
    path = log_dir / f"{name}.log"
    log = path.open("wb")
    proc = subprocess.Popen(command, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield proc
    except BaseException:
        tail = path.read_bytes()[-3000:].decode(errors="replace")  # the temp dir goes with the failure
        print(f"--- last output of {name} ---\n{tail}", file=sys.stderr, flush=True)
        raise
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def static_files(port: int, directory: Path) -> list[str]:
    """The command serving ``directory`` on loopback (auth's JWKS as a static file)."""
    return [
        sys.executable,
        "-m",
        "http.server",
        str(port),
        "--bind",
        "127.0.0.1",
        "--directory",
        str(directory),
    ]


def serve(service: str, port: int, profile: Path | None = None) -> list[str]:
    """The service's command line; with ``profile``, run under cProfile, stats written there at exit."""
    wrap = ["-m", "cProfile", "-o", str(profile)] if profile is not None else []
    return [
        sys.executable, *wrap, "-m", "adpilot_common.serve", service, "--host", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip


async def ready(url: str, limit_s: float = 60.0) -> None:
    deadline = time.monotonic() + limit_s
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"{url}/readyz")).status_code == 200:
                    return
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} did not become ready")


def cpu_seconds(pid: int) -> float:
    """CPU (user + system) a process has used so far, from /proc (0 where there is none)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ------------------------------------------------------------------------------------------ HTTP load


class KeepAliveClient:
    """One HTTP/1.1 keep-alive connection sending the same GET; reads Content-Length or chunked bodies."""

    def __init__(self, port: int, request: bytes) -> None:
        self.port = port
        self.request = request
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        self.writer.write(self.request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length, chunked = 0, False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
        if not chunked:
            await self.reader.readexactly(length)
            return status
        while True:  # the gateway streams proxied bodies: chunk-size line, data, CRLF ... 0-size chunk
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await self.reader.readexactly(size + 2)
            if size == 0:
                return status

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()


def request_bytes(port: int, token: str) -> bytes:
    return (
        f"GET {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
        "Accept: application/json\r\n\r\n"
    ).encode()


async def load(
    port: int, token: str, connections: int, seconds: float, pids: dict[str, int] | None = None
) -> dict[str, Any]:
    """``pids``: processes whose CPU time per request is reported (load-independent: where the cost is)."""
    pids = (pids or {}) | {"bench_client": os.getpid()}
    cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    clients = [KeepAliveClient(port, request_bytes(port, token)) for _ in range(connections)]
    latencies: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + seconds

    async def worker(client: KeepAliveClient) -> None:
        nonlocal errors
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            status = await client.get()
            latencies.append(time.perf_counter() - started)
            if status != 200:
                errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in clients))
    elapsed = time.perf_counter() - started
    cpu = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in pids.items()}
    for client in clients:
        await client.close()
    if errors:
        raise RuntimeError(f"{errors} of {len(latencies)} requests were not 200")
    ordered = sorted(latencies)
    return {
        "connections": connections,
        "requests": len(ordered),
        "seconds": round(elapsed, 3),
        "req_per_s": round(len(ordered) / elapsed, 1),
        "p50_ms": round(ordered[len(ordered) // 2] * 1000, 3),
        "p99_ms": round(ordered[int(len(ordered) * 0.99)] * 1000, 3),
        "cpu_us_per_request": {name: round(c / len(ordered) * 1e6) for name, c in cpu.items()},
    }


# ------------------------------------------------------------------------------------------ WebSocket fan-out


async def client_worker(port: int, count: int, events: int) -> None:
    """``--ws-worker``: a share of the browsers in a process of its own; says ``ready`` on stdout once they are
    all connected, then prints its latencies and CPU seconds as one JSON line."""
    latencies: list[float] = []
    sockets = await connect_clients(port, ORIGIN, os.environ["BENCH_WS_TOKEN"], count, events, latencies)
    print("ready", flush=True)
    cpu = time.process_time()
    await listen(sockets)
    print(json.dumps({"latencies": latencies, "cpu_s": time.process_time() - cpu}), flush=True)


async def publish_events(nats_url: str, events: int, interval_s: float) -> None:
    nc = await nats.connect(nats_url)
    try:
        for i in range(events):
            envelope = EventEnvelope(
                type="campaign.v1.updated", source="bench", org_id=ORG, data={"n": i, "sent_at": time.time()}
            )
            await nc.publish("campaign.v1.updated", envelope.to_bytes())
            await nc.flush()
            await asyncio.sleep(
                interval_s
            )  # one event at a time: the figure is latency, not a queue draining
    finally:
        await nc.close()


async def fan_out(
    gateway_port: int,
    gateway_pid: int,
    token: str,
    nats_url: str,
    args: argparse.Namespace,
    procs: int,
) -> dict[str, Any]:
    """``procs`` 0: every client in this process (one event loop does all 1,000 receptions); otherwise the
    clients split over ``procs`` worker processes (uvloop), so the receiving side is less of a bottleneck."""
    clients, events = args.clients, args.events
    client_cpu = 0.0
    latencies: list[float] = []
    if procs == 0:
        sockets = await connect_clients(gateway_port, ORIGIN, token, clients, events, latencies)
        listening = asyncio.create_task(listen(sockets))
        gateway_cpu = cpu_seconds(gateway_pid)
        cpu = time.process_time()
        await publish_events(nats_url, events, args.event_interval)
        await listening
        client_cpu = time.process_time() - cpu
    else:
        shares = [clients // procs + (1 if i < clients % procs else 0) for i in range(procs)]
        worker_env = {**os.environ, "BENCH_WS_TOKEN": token}
        command = [sys.executable, __file__, "--ws-worker", str(gateway_port)]
        workers = [
            await asyncio.create_subprocess_exec(
                *command,
                str(share),
                str(events),
                env=worker_env,
                stdout=asyncio.subprocess.PIPE,
                limit=1 << 24,
            )
            for share in shares
        ]
        for worker in workers:
            assert worker.stdout is not None
            said = (await worker.stdout.readline()).strip()
            if said != b"ready":
                raise RuntimeError(f"a websocket client worker failed to connect (said {said[:200]!r})")
        gateway_cpu = cpu_seconds(gateway_pid)
        await publish_events(nats_url, events, args.event_interval)
        for worker in workers:
            assert worker.stdout is not None
            result = json.loads(await worker.stdout.readline())
            latencies += result["latencies"]
            client_cpu += result["cpu_s"]
            await worker.wait()
    gateway_cpu = cpu_seconds(gateway_pid) - gateway_cpu
    ordered = sorted(latencies)
    return {
        "clients": clients,
        "client_processes": procs or "in the bench process",
        "events": events,
        "interval_s": args.event_interval,
        "deliveries": len(ordered),
        "p50_ms": round(ordered[len(ordered) // 2] * 1000, 2),
        "p99_ms": round(ordered[int(len(ordered) * 0.99)] * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
        # CPU per delivered frame: the gateway's (NATS message in, 1 frame per socket out) and the clients'.
        "cpu_us_per_delivery": {
            "gateway": round(gateway_cpu / len(ordered) * 1e6, 1),
            "clients": round(client_cpu / len(ordered) * 1e6, 1),
        },
    }


# ------------------------------------------------------------------------------------------ run


async def measure(
    args: argparse.Namespace, workdir: Path, nats_url: str, pg: PostgresServer
) -> dict[str, Any]:
    issuer = TestTokenIssuer()
    (workdir / "jwks.json").write_text(json.dumps(issuer.jwks()))
    (workdir / "spa").mkdir()
    (workdir / "spa" / "index.html").write_text("<!doctype html><title>bench</title>")
    token = issuer.token(org_id=ORG, role="viewer", ttl_s=900)
    jwks_port, metrics_port, gateway_port = free_port(), free_port(), free_port()
    jwks_url = f"http://127.0.0.1:{jwks_port}/jwks.json"
    common = {"LOG_LEVEL": "WARNING", "NATS_URL": nats_url, "AUTH_JWKS_URL": jwks_url}
    metrics_env = {f"METRICS_{k}": v for k, v in common.items()} | {
        "METRICS_DATABASE_URL": pg.url("bench_metrics")
    }
    gateway_env = {f"GATEWAY_{k}": v for k, v in common.items()} | {
        "GATEWAY_METRICS_URL": f"http://127.0.0.1:{metrics_port}",
        "GATEWAY_SPA_DIR": str(workdir / "spa"),
        "GATEWAY_ALLOWED_ORIGINS": json.dumps([ORIGIN]),
        # The limiter still counts every request (its cost is measured), but never refuses the load.
        "GATEWAY_RATE_LIMIT_PER_USER": "10000000/minute",
    }
    static = static_files(jwks_port, workdir)
    with (
        process("jwks", static, {}, workdir),
        process("metrics", serve("metrics", metrics_port), metrics_env, workdir) as metrics,
        process("gateway", serve("gateway", gateway_port, args.profile), gateway_env, workdir) as gateway,
    ):
        pids = {"metrics": metrics.pid, "gateway": gateway.pid}
        await ready(f"http://127.0.0.1:{metrics_port}")
        await ready(f"http://127.0.0.1:{gateway_port}")
        targets = {"direct": metrics_port, "gateway": gateway_port}
        for port in targets.values():  # warm-up: connections, JWKS, prepared statements
            await load(port, token, args.concurrency, 1.0)
        throughput: dict[str, list[dict[str, Any]]] = {"direct": [], "gateway": []}
        latency: dict[str, list[dict[str, Any]]] = {"direct": [], "gateway": []}
        for _ in range(args.rounds):
            for name, port in targets.items():
                throughput[name].append(await load(port, token, args.concurrency, args.seconds, pids))
                latency[name].append(await load(port, token, 1, args.seconds, pids))
                cpu = throughput[name][-1]["cpu_us_per_request"]
                print(f"  {name:8} {throughput[name][-1]['req_per_s']:>9,.0f} req/s  "
                      f"p50 at 1 connection {latency[name][-1]['p50_ms']:.2f} ms  CPU us/request "
                      + " ".join(f"{k} {v}" for k, v in cpu.items()), flush=True)  # fmt: skip
        if args.skip_websocket:
            return {"throughput": throughput, "latency_one_connection": latency}
        ws_runs = {
            "separate_processes": await fan_out(
                gateway_port, gateway.pid, token, nats_url, args, args.client_processes
            ),
            "single_process": await fan_out(gateway_port, gateway.pid, token, nats_url, args, 0),
        }
        for name, ws in ws_runs.items():
            print(
                f"  websocket fan-out to {ws['clients']} clients ({name.replace('_', ' ')}): p50 {ws['p50_ms']} ms,"
                f" p99 {ws['p99_ms']} ms, CPU us/delivery {ws['cpu_us_per_delivery']}",
                flush=True,
            )
        ws = ws_runs["separate_processes"]

    def best(runs: list[dict[str, Any]], key: str, high: bool) -> dict[str, Any]:
        return (max if high else min)(runs, key=lambda r: float(r[key]))

    direct_rps = statistics.median(r["req_per_s"] for r in throughput["direct"])
    gateway_rps = statistics.median(r["req_per_s"] for r in throughput["gateway"])
    direct_p50 = statistics.median(r["p50_ms"] for r in latency["direct"])
    gateway_p50 = statistics.median(r["p50_ms"] for r in latency["gateway"])
    summary = {
        "throughput_ratio": round(gateway_rps / direct_rps, 3),
        "added_p50_ms": round(gateway_p50 - direct_p50, 3),
        "ws_p99_ms": ws["p99_ms"],
        "ws_p99_ms_clients_in_one_process": ws_runs["single_process"]["p99_ms"],
    }
    summary["met"] = {
        "throughput_ratio": summary["throughput_ratio"] >= TARGET_THROUGHPUT_RATIO,
        "added_p50_ms": summary["added_p50_ms"] <= TARGET_ADDED_P50_MS,
        "ws_p99_ms": summary["ws_p99_ms"] <= TARGET_WS_P99_MS,
    }
    return {
        "throughput": throughput,
        "latency_one_connection": latency,
        "best": {
            name: {"req_per_s": best(throughput[name], "req_per_s", True)["req_per_s"]} for name in throughput
        },
        "websocket": ws_runs,
        "summary": summary,
        "targets": {
            "throughput_ratio": TARGET_THROUGHPUT_RATIO,
            "added_p50_ms": TARGET_ADDED_P50_MS,
            "ws_p99_ms": TARGET_WS_P99_MS,
        },
    }


def main() -> int:
    if sys.argv[1:2] == ["--ws-worker"]:  # a websocket client process started by fan_out()
        port, count, events = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
        uvloop.run(client_worker(port, count, events))
        return 0
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each load run")
    parser.add_argument("--rounds", type=int, default=2, help="alternating direct/gateway rounds")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument(
        "--client-processes",
        type=int,
        default=4,
        help="worker processes the websocket clients are split over",
    )
    parser.add_argument("--event-interval", type=float, default=0.5, help="seconds between published events")
    parser.add_argument("--out", type=Path, default=Path("bench/results/gateway.json"))
    parser.add_argument(
        "--skip-websocket", action="store_true", help="HTTP only, nothing written (profiling)"
    )
    parser.add_argument("--profile", type=Path, help="run the gateway under cProfile, stats to this file")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    load_at_start = loadavg()
    started = time.perf_counter()
    with running_stack() as stack:
        stack.postgres.create_database("bench_metrics")
        upgrade("metrics", stack.postgres.url("bench_metrics"))  # before the loop: alembic runs its own
        doc = asyncio.run(measure(args, stack.root, stack.nats.url, stack.postgres))
    if args.skip_websocket:
        return 0
    doc = {
        "benchmark": "gateway",
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
        "machine": machine("asyncio", load_at_start),
        "config": vars(args) | {"out": str(args.out), "path": PATH},
        **doc,
        "total_seconds_incl_startup": round(time.perf_counter() - started, 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=2, default=str) + "\n")
    s = doc["summary"]
    print(
        f"gateway / direct throughput {s['throughput_ratio']:.0%} (goal >= {TARGET_THROUGHPUT_RATIO:.0%}), "
        f"added p50 {s['added_p50_ms']:.2f} ms (goal <= {TARGET_ADDED_P50_MS} ms), "
        f"websocket p99 {s['ws_p99_ms']} ms (goal <= {TARGET_WS_P99_MS} ms)\nwrote {args.out}"
    )
    return 1 if args.strict and not all(s["met"].values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
