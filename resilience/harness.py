"""The stack under test: nats-server, PostgreSQL and every service as its own process, each killable on demand.

It reuses the ``make run`` launcher's pieces (servers, database preparation, per-service environment) but not its
supervisor, which stops everything when a child dies: here children die on purpose and the harness plays the
process manager that restarts them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import nats
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.api import ConsumerInfo
from nats.js.errors import NotFoundError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from adpilot_common.devstack.launcher import (
    BACKENDS,
    HOST,
    SERVICES,
    Output,
    ServiceSpec,
    Stack,
    StackConfig,
    free_ports,
    repo_root,
)
from adpilot_common.devstack.nats import NatsServer
from adpilot_common.devstack.ports import free_port
from adpilot_common.devstack.postgres import PostgresServer
from adpilot_common.events.streams import STREAMS

SPECS: dict[str, ServiceSpec] = {s.name: s for s in SERVICES}

# What the suite changes from the `make run` defaults, and why (see docs/resilience.md):
# * AckWait 10 s: a killed consumer's in-flight batch comes back after AckWait, so AckWait bounds recovery;
# * short consumer retry delays, so the poison scenario reaches max_deliver in seconds;
# * connectors' job lease 10 s: a killed worker's sync is taken over after the lease;
# * rate limits lifted: the load comes from one loopback address and one user.
COMMON_OVERRIDES = {
    "CONSUMER_ACK_WAIT_S": "10",
    "CONSUMER_RETRY_DELAYS_S": "[0.2, 0.5, 1, 1, 1]",
    "NATS_RECONNECT_WAIT_S": "1",
}
SERVICE_OVERRIDES: dict[str, dict[str, str]] = {
    "gateway": {
        "GATEWAY_RATE_LIMIT_PER_USER": "100000/minute",
        "GATEWAY_RATE_LIMIT_PER_IP": "100000/minute",
        "GATEWAY_RATE_LIMIT_LOGIN_PER_IP": "100000/minute",
    },
    "auth": {"AUTH_LOGIN_FAILURES_PER_IP_PER_MINUTE": "100000"},
    "ai-copy": {"AI_COPY_RATE_LIMIT_PER_MINUTE": "100000"},
    "connectors": {"CONNECTORS_JOB_LEASE_S": "10", "CONNECTORS_INITIAL_BACKFILL_DAYS": "7"},
    "notify": {"NOTIFY_DELIVERY_POLL_INTERVAL_S": "0.5"},
}


@dataclass
class ServiceProcess:
    """One replica of one service: ``python -m adpilot_common.serve <name>`` on its own port."""

    name: str
    replica: int
    port: int
    env: dict[str, str]
    log_file: Path
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def label(self) -> str:
        return f"{self.name}#{self.replica}"

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> None:
        command = [
            sys.executable,
            "-m",
            "adpilot_common.serve",
            self.name,
            "--host",
            HOST,
            "--port",
            str(self.port),
        ]
        with self.log_file.open("ab") as log:
            self.proc = subprocess.Popen(
                command, env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )
        self.starts += 1

    def kill9(self) -> None:
        """A crash: SIGKILL, no shutdown hooks, no drain, no acks."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self, timeout_s: float = 30.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


@dataclass
class ChaosStack:
    root: Path
    smtp_port: int
    processes: list[ServiceProcess] = field(default_factory=list)
    nats: NatsServer | None = None
    postgres: PostgresServer | None = None
    database_urls: dict[str, str] = field(default_factory=dict)
    _engines: dict[str, AsyncEngine] = field(default_factory=dict)
    _nc: NatsClient | None = None

    def __post_init__(self) -> None:
        self.data_dir = self.root / "data"
        self.logs = self.root / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.config = StackConfig(
            ports=free_ports(), data_dir=self.data_dir, spa_dir=repo_root() / "web" / "dist"
        )
        self._launcher_log = (self.logs / "devstack.log").open("a")
        # The launcher's stack object, used only for its database preparation and per-service environment.
        self._stack = Stack(self.config, Output(self._launcher_log, color=False))

    # -- lifecycle -----------------------------------------------------------------------------------------

    def start_infrastructure(self) -> None:
        self.nats = NatsServer(self.config.ports["nats"], self.data_dir / "nats", self.logs / "nats.log")
        self.nats.start()
        self.postgres = PostgresServer(
            self.config.ports["postgres"], self.data_dir / "postgres", self.logs / "postgres.log"
        )
        self.postgres.start()
        self._stack.nats, self._stack.postgres = self.nats, self.postgres
        urls = self._stack._prepare_databases(self.postgres)
        assert urls is not None
        self.database_urls = urls

    def _env(self, spec: ServiceSpec, port: int) -> dict[str, str]:
        env = self._stack.service_env(spec, self.database_urls)
        p = spec.env_prefix
        env[f"{p}HTTP_PORT"] = str(port)
        env.update({f"{p}{k}": v for k, v in COMMON_OVERRIDES.items()})
        env.update(SERVICE_OVERRIDES.get(spec.name, {}))
        if spec.name == "notify":
            env["NOTIFY_SMTP__HOST"], env["NOTIFY_SMTP__PORT"] = HOST, str(self.smtp_port)
        return env

    def add_replica(self, name: str) -> ServiceProcess:
        spec = SPECS[name]
        replica = len(self.replicas(name))
        port = self.config.ports[name] if replica == 0 else free_port()
        process = ServiceProcess(
            name, replica, port, self._env(spec, port), self.logs / f"{name}-{replica}.log"
        )
        process.start()
        self.processes.append(process)
        return process

    def replicas(self, name: str) -> list[ServiceProcess]:
        return [p for p in self.processes if p.name == name]

    def primary(self, name: str) -> ServiceProcess:
        return self.replicas(name)[0]

    async def start(self) -> None:
        await asyncio.to_thread(self.start_infrastructure)
        for spec in SERVICES:
            self.add_replica(spec.name)
        await self.wait_ready(self.processes, timeout_s=180)

    async def close(self) -> None:
        if self._nc is not None:
            with contextlib.suppress(Exception):
                await self._nc.close()
        for engine in self._engines.values():
            await engine.dispose()
        for process in self.processes:
            process.stop(timeout_s=15)
        if self.nats is not None:
            self.nats.stop()
        if self.postgres is not None:
            self.postgres.stop()
        self._launcher_log.close()

    # -- readiness -----------------------------------------------------------------------------------------

    async def is_ready(self, process: ServiceProcess) -> bool:
        if not process.running:
            return False
        try:
            async with httpx.AsyncClient(timeout=2.0) as client:
                return (await client.get(f"{process.url}/readyz")).status_code == 200
        except httpx.HTTPError:
            return False

    async def wait_ready(self, processes: list[ServiceProcess], timeout_s: float = 60.0) -> float:
        started = time.monotonic()
        pending = list(processes)
        while pending:
            for process in list(pending):
                if process.proc is not None and process.proc.poll() is not None:
                    raise RuntimeError(
                        f"{process.label} exited with {process.proc.returncode}; {process.log_file}"
                    )
                if await self.is_ready(process):
                    pending.remove(process)
            if time.monotonic() - started > timeout_s:
                raise TimeoutError(f"not ready after {timeout_s:.0f}s: {[p.label for p in pending]}")
            if pending:
                await asyncio.sleep(0.1)
        return time.monotonic() - started

    # -- NATS ----------------------------------------------------------------------------------------------

    async def js(self) -> JetStreamContext:
        if self._nc is None:
            assert self.nats is not None
            self._nc = await nats.connect(
                self.nats.url, max_reconnect_attempts=-1, reconnect_time_wait=0.2, name="chaos-harness"
            )
        return self._nc.jetstream()

    async def consumers_of(self, service: str) -> list[ConsumerInfo]:
        js = await self.js()
        found: list[ConsumerInfo] = []
        for spec in STREAMS:
            with contextlib.suppress(NotFoundError):
                found += [c for c in await js.consumers_info(spec.name) if c.name.startswith(f"{service}--")]
        return found

    async def backlog(self, service: str) -> int:
        """Messages the service's durable consumers have not acked yet (not delivered + in flight)."""
        return sum((c.num_pending or 0) + (c.num_ack_pending or 0) for c in await self.consumers_of(service))

    async def stream_last_seqs(self) -> dict[str, int]:
        js = await self.js()
        return {s.name: (await js.stream_info(s.name)).state.last_seq for s in STREAMS}

    async def caught_up(self, service: str, seqs: Mapping[str, int]) -> bool:
        """Whether every durable consumer of ``service`` has acked everything up to ``seqs`` (per stream)."""
        for info in await self.consumers_of(service):
            floor = info.ack_floor.stream_seq if info.ack_floor else 0
            idle = (info.num_pending or 0) == 0 and (info.num_ack_pending or 0) == 0
            if not idle and (floor or 0) < seqs.get(info.stream_name, 0):
                return False
        return True

    # -- PostgreSQL ----------------------------------------------------------------------------------------

    def engine(self, service: str) -> AsyncEngine:
        if service not in self._engines:
            self._engines[service] = create_async_engine(
                self.database_urls[service], pool_size=2, pool_pre_ping=True
            )
        return self._engines[service]

    async def rows(self, service: str, sql: str, **params: Any) -> list[dict[str, Any]]:
        async with self.engine(service).connect() as conn:
            return [dict(r) for r in (await conn.execute(text(sql), params)).mappings()]

    async def scalar(self, service: str, sql: str, **params: Any) -> Any:
        async with self.engine(service).connect() as conn:
            return (await conn.execute(text(sql), params)).scalar()

    async def outbox_pending(self, service: str) -> int:
        return int(
            await self.scalar(service, "SELECT count(*) FROM outbox_messages WHERE published_at IS NULL")
        )


def backends() -> tuple[str, ...]:
    return tuple(s.name for s in BACKENDS)


def pid_of(process: ServiceProcess) -> int | None:
    return process.proc.pid if process.proc is not None else None


def environment_note() -> dict[str, Any]:
    """The machine the figures come from."""
    import platform

    load = os.getloadavg()
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg": [round(x, 2) for x in load],
    }


def recovery_limit_s() -> float:
    """The recovery budget the scenarios assert: 30 s (``$ADPILOT_CHAOS_RECOVERY_LIMIT_S`` to study a slow box)."""
    return float(os.environ.get("ADPILOT_CHAOS_RECOVERY_LIMIT_S", "30"))


async def wait_recovered(
    stack: ChaosStack, processes: list[ServiceProcess], timeout_s: float = 60.0
) -> float:
    """Until ``processes`` answer /readyz and their services have worked off what was waiting when they came
    back: every message published up to then is acked by their durable consumers, and their outbox holds no
    row from before then that the relay has not published. Returns the seconds until /readyz answered."""
    ready_s = await stack.wait_ready(processes, timeout_s=timeout_s)
    seqs = await stack.stream_last_seqs()
    names = sorted({p.name for p in processes})
    deadline = time.monotonic() + timeout_s
    ready_at = datetime.now(UTC)
    while time.monotonic() < deadline:
        done = True
        for name in names:
            if not await stack.caught_up(name, seqs):
                done = False
            elif name in stack.database_urls:
                waiting = await stack.scalar(
                    name,
                    "SELECT count(*) FROM outbox_messages WHERE published_at IS NULL AND created_at <= :t",
                    t=ready_at,
                )
                done = done and int(waiting) == 0
        if done:
            return ready_s
        await asyncio.sleep(0.2)
    raise TimeoutError(f"{names} did not work off their backlog in {timeout_s:.0f}s")
