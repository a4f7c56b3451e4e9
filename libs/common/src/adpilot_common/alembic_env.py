"""The body of every service's ``migrations/env.py`` (online, async, one database per service)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from alembic import context
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from adpilot_common.db import EventingBase


def run_migrations(metadata: MetaData, database_url_from_settings: Callable[[], str]) -> None:
    config = context.config
    url = config.attributes.get("database_url") or database_url_from_settings()
    targets = [EventingBase.metadata, metadata]

    def do_run(connection: Connection) -> None:
        context.configure(connection=connection, target_metadata=targets, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()

    async def run_async() -> None:
        engine = create_async_engine(url)
        async with engine.connect() as connection:
            await connection.run_sync(do_run)
            await connection.commit()
        await engine.dispose()

    if context.is_offline_mode():
        context.configure(url=url, target_metadata=targets, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
    else:
        asyncio.run(run_async())
