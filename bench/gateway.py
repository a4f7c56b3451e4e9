"""Gateway benchmark (issue 8): what the front door costs, and how fast live events reach browsers.

1. ``direct`` vs ``gateway``: authenticated ``GET /api/metrics/budgets`` (token verified, one org-scoped query)
   sent straight to the metrics service and through the gateway's proxy, in the same run, alternating.
   Throughput at ``--concurrency`` keep-alive connections, and latency (p50/p99) at one connection, where
   added latency is not hidden by queueing. Targets: gateway >= 60% of direct throughput, <= 2 ms added p50.
2. ``websocket fan-out``: ``--clients`` browsers of one org connected to ``/ws``; events published to NATS carry
   their send time, ``--event-interval`` apart; latency = arrival at each client - send time (same clock).
   Target p99 <= 50 ms.

Everything runs on loopback: a nats-server and PostgreSQL (pgserver) in a temp dir, the metrics service and the
gateway as their own processes (``python -m adpilot_common.serve``), auth's JWKS as a static file. The load
generator is a minimal keep-alive HTTP/1.1 client (asyncio streams): a full client library would measure itself.

    .venv/bin/python bench/gateway.py [--seconds 5] [--concurrency 32] [--clients 1000] [--events 20]
                                      [--event-interval 0.5] [--out bench/results/gateway.json] [--strict]
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
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import nats
from sandbox_sync import loadavg, machine
from websockets.asyncio.client import ClientConnection, connect

from adpilot_common.devstack.nats import NatsServer
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
    log = (log_dir / f"{name}.log").open("wb")
    proc = subprocess.Popen(command, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def serve(service: str, port: int) -> list[str]:
    return [sys.executable, "-m", "adpilot_common.serve", service, "--host", "127.0.0.1", "--port", str(port)]


async def ready(url: str, limit_s: float = 60.0) -> None:
    deadline = time.monotonic() + limit_s
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"{url}/readyz")).status_code == 200:
                    return
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} did not become ready")


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


async def load(port: int, token: str, connections: int, seconds: float) -> dict[str, Any]:
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
    }


# ------------------------------------------------------------------------------------------ WebSocket fan-out


async def fan_out(
    gateway_port: int, token: str, nats_url: str, clients: int, events: int, interval_s: float
) -> dict[str, Any]:
    url = f"ws://127.0.0.1:{gateway_port}/ws"
    sockets: list[ClientConnection] = []
    for _ in range(clients):
        socket = await connect(url, origin=ORIGIN, max_queue=None)  # type: ignore[arg-type]
        await socket.send(json.dumps({"type": "auth", "token": token}))
        sockets.append(socket)
    for socket in sockets:
        assert json.loads(await socket.recv())["type"] == "ready"
    latencies: list[float] = []

    async def listen(socket: ClientConnection) -> None:
        received = 0
        while received < events:
            frame = json.loads(await socket.recv())
            if frame["type"] == "event":
                latencies.append(time.time() - frame["event"]["data"]["sent_at"])
                received += 1

    listeners = [asyncio.create_task(listen(s)) for s in sockets]
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
        await asyncio.wait_for(asyncio.gather(*listeners), timeout=120)
    finally:
        await nc.close()
        for socket in sockets:
            await socket.close()
    ordered = sorted(latencies)
    return {
        "clients": clients,
        "events": events,
        "interval_s": interval_s,
        "deliveries": len(ordered),
        "p50_ms": round(ordered[len(ordered) // 2] * 1000, 2),
        "p99_ms": round(ordered[int(len(ordered) * 0.99)] * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
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
    static = [
        sys.executable,
        "-m",
        "http.server",
        str(jwks_port),
        "--bind",
        "127.0.0.1",
        "--directory",
        str(workdir),
    ]
    with (
        process("jwks", static, {}, workdir),
        process("metrics", serve("metrics", metrics_port), metrics_env, workdir),
        process("gateway", serve("gateway", gateway_port), gateway_env, workdir),
    ):
        await ready(f"http://127.0.0.1:{metrics_port}")
        await ready(f"http://127.0.0.1:{gateway_port}")
        targets = {"direct": metrics_port, "gateway": gateway_port}
        for port in targets.values():  # warm-up: connections, JWKS, prepared statements
            await load(port, token, args.concurrency, 1.0)
        throughput: dict[str, list[dict[str, Any]]] = {"direct": [], "gateway": []}
        latency: dict[str, list[dict[str, Any]]] = {"direct": [], "gateway": []}
        for _ in range(args.rounds):
            for name, port in targets.items():
                throughput[name].append(await load(port, token, args.concurrency, args.seconds))
                latency[name].append(await load(port, token, 1, args.seconds))
                print(f"  {name:8} {throughput[name][-1]['req_per_s']:>9,.0f} req/s  "
                      f"p50 at 1 connection {latency[name][-1]['p50_ms']:.2f} ms", flush=True)  # fmt: skip
        ws = await fan_out(gateway_port, token, nats_url, args.clients, args.events, args.event_interval)
        print(
            f"  websocket fan-out to {ws['clients']} clients: p50 {ws['p50_ms']} ms, p99 {ws['p99_ms']} ms",
            flush=True,
        )

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
        "websocket": ws,
        "summary": summary,
        "targets": {
            "throughput_ratio": TARGET_THROUGHPUT_RATIO,
            "added_p50_ms": TARGET_ADDED_P50_MS,
            "ws_p99_ms": TARGET_WS_P99_MS,
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each load run")
    parser.add_argument("--rounds", type=int, default=2, help="alternating direct/gateway rounds")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--event-interval", type=float, default=0.5, help="seconds between published events")
    parser.add_argument("--out", type=Path, default=Path("bench/results/gateway.json"))
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    load_at_start = loadavg()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="adpilot-gateway-bench-") as tmp:
        workdir = Path(tmp)
        server = NatsServer(free_port(), workdir / "jetstream", workdir / "nats.log")
        pg = PostgresServer(free_port(), workdir / "pg", workdir / "postgres.log")
        server.start()
        pg.start()
        try:
            pg.create_database("bench_metrics")
            upgrade("metrics", pg.url("bench_metrics"))  # before the loop: alembic runs its own
            doc = asyncio.run(measure(args, workdir, server.url, pg))
        finally:
            pg.stop()
            server.stop()
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
