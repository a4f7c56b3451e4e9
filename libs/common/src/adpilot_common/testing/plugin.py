"""Real servers for tests: one PostgreSQL per session (a fresh database per use), one nats-server per test.

A nats-server starts in ~0.5 s, so every test gets its own: streams, consumers and dedup state never leak
between tests, and a test may kill or restart its server freely.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import uuid
import warnings
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import nats
import pytest
from fastapi import FastAPI
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext

from adpilot_common.devstack.nats import NatsServer
from adpilot_common.devstack.ports import free_port
from adpilot_common.devstack.postgres import PostgresServer
from adpilot_common.messaging.broker import ensure_streams
from adpilot_common.migrate import upgrade


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    root = tmp_path_factory.mktemp("pg")
    server = PostgresServer(free_port(), root / "data", root / "postgres.log")
    server.start()
    yield server
    server.remove()


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    server = NatsServer(free_port(), tmp_path / "jetstream", tmp_path / "nats.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def nats_client(nats_server: NatsServer) -> AsyncIterator[NatsClient]:
    client = await nats.connect(nats_server.url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    yield client
    await client.close()


NewDatabase = Callable[..., str]


@pytest.fixture
async def js(nats_client: NatsClient) -> JetStreamContext:
    """JetStream with AdPilot's streams declared, so events can be published before a service starts."""
    context = nats_client.jetstream()
    await ensure_streams(context)
    return context


@pytest.fixture(scope="session")
def new_database(postgres: PostgresServer) -> NewDatabase:
    """Factory: a brand-new database, optionally migrated to head for ``service``; returns its SQLAlchemy URL."""

    def create(service: str | None = None) -> str:
        name = f"t_{(service or 'db').replace('-', '_')}_{uuid.uuid4().hex[:10]}"
        postgres.create_database(name)
        url = postgres.url(name)
        if service is not None:
            # Alembic's env runs its own event loop; keep it off the (possibly running) test loop.
            with ThreadPoolExecutor(1) as pool:
                pool.submit(upgrade, service, url).result()
        return url

    return create


@pytest.fixture
def service_env(nats_server: NatsServer) -> Callable[..., dict[str, Any]]:
    """Settings overrides pointing a service at the test's servers, with short retry delays."""

    def build(database_url: str | None = None, **overrides: Any) -> dict[str, Any]:
        values: dict[str, Any] = {
            "environment": "test",
            "nats_url": nats_server.url,
            "nats_reconnect_wait_s": 0.2,
            "consumer_retry_delays_s": [0.2, 0.2, 0.2, 0.2, 0.2],
            "outbox_poll_interval_s": 0.05,
            # A delivery lost in flight (seen once under CI load after a nak with delay: the retry arrived only
            # at AckWait expiry) then costs seconds, not the production 30 s.
            "consumer_ack_wait_s": 5.0,
        }
        if database_url is not None:
            values["database_url"] = database_url
        values.update(overrides)
        return values

    return build


STOP_TIMEOUT_S = 20.0


@asynccontextmanager
async def running(app: FastAPI, stop_timeout_s: float = STOP_TIMEOUT_S) -> AsyncIterator[FastAPI]:
    """Run an app's lifespan (broker, relay, consumers) around a block.

    The shutdown is bounded: a stop that hangs is reported as a warning with every task's stack, then
    cancelled, instead of stalling the suite until pytest-timeout kills the test and leaves the service's tasks
    running. Those stacks found the one hang seen so far (a cancellation swallowed by Python 3.11's wait_for:
    see adpilot_common.cancellation); the bound stays for the next one."""
    lifespan = app.router.lifespan_context(app)
    await lifespan.__aenter__()
    try:
        yield app
    finally:
        stopping = asyncio.ensure_future(lifespan.__aexit__(None, None, None))
        done, _ = await asyncio.wait({stopping}, timeout=stop_timeout_s)
        if done:
            stopping.result()  # a shutdown that failed still fails the test
        else:
            stacks = io.StringIO()
            for task in asyncio.all_tasks():
                stacks.write(f"--- {task.get_name()}\n")
                task.print_stack(file=stacks)
            warnings.warn(
                f"{app.title}: shutdown took over {stop_timeout_s} s; tasks:\n{stacks.getvalue()}",
                stacklevel=1,
            )
            stopping.cancel()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError, Exception):
                await asyncio.wait_for(stopping, timeout=10)
