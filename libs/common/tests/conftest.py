"""Fixtures for the delivery tests (a database with the eventing tables and an ``effects`` table) and the
deployment-file tests (the rendered kustomize base and overlays, the compose model).

``effects`` deliberately has no unique key, so a repeated effect would show up as an extra row.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from adpilot_common.db import EventingBase, create_engine, create_session_factory
from adpilot_common.events.contracts.user import UserRegistered
from adpilot_common.events.envelope import EventEnvelope
from adpilot_common.messaging.outbox import add_to_outbox, build_event
from adpilot_common.settings import BaseServiceSettings, service_config

from .deploy_helpers import BASE, COMPOSE_FILE, OVERLAYS, Doc, load_compose, render

SUBJECT = "user.v1.registered"
CONSUMER = "probe--user-v1-registered"


class ProbeSettings(BaseServiceSettings):
    model_config = service_config("PROBE_")
    service_name: ClassVar[str] = "probe"


@dataclass
class EventingDb:
    url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]

    async def scalar(self, sql: str, **params: object) -> int:
        async with self.engine.connect() as conn:
            return int((await conn.execute(text(sql), params)).scalar_one())

    async def effects(self) -> int:
        return await self.scalar("SELECT count(*) FROM effects")

    async def distinct_effects(self) -> int:
        return await self.scalar("SELECT count(DISTINCT event_id) FROM effects")

    async def stage(self, events: list[EventEnvelope]) -> None:
        async with self.sessions() as session, session.begin():
            for start in range(0, len(events), 2000):
                await add_to_outbox(session, *events[start : start + 2000])


async def record_effect(
    session: AsyncSession, event: EventEnvelope, payload: object = None, replica: str = ""
) -> None:
    await session.execute(
        text("INSERT INTO effects (event_id, replica) VALUES (:id, :replica)"),
        {"id": event.id, "replica": replica},
    )


def user_event(n: int = 0, email: str | None = None) -> EventEnvelope:
    return build_event(
        SUBJECT,
        UserRegistered(user_id=uuid.uuid4(), email=email or f"user{n}@example.com"),
        source="probe",
    )


@pytest.fixture
async def eventing_db(new_database: Callable[..., str]) -> AsyncIterator[EventingDb]:
    url = new_database()
    engine = create_engine(url, pool_size=20)
    async with engine.begin() as conn:
        await conn.run_sync(EventingBase.metadata.create_all)
        await conn.execute(
            text(
                "CREATE TABLE effects (event_id uuid NOT NULL, replica text NOT NULL DEFAULT '', "
                "at timestamptz NOT NULL DEFAULT clock_timestamp())"
            )
        )
    yield EventingDb(url, engine, create_session_factory(engine))
    await engine.dispose()


# -- the deployment files, rendered once for every test_deploy_* module ------------------------------------------


@pytest.fixture(scope="session")
def base() -> list[Doc]:
    """The kustomize base, rendered."""
    return render(BASE)


@pytest.fixture(scope="session")
def overlays() -> dict[str, list[Doc]]:
    """Each overlay (dev, prod), rendered."""
    return {env: render(path) for env, path in OVERLAYS.items()}


@pytest.fixture(scope="session")
def compose() -> dict[str, Any]:
    """deploy/compose/docker-compose.yml as docker compose reads it."""
    return load_compose(COMPOSE_FILE)
