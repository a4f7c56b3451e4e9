from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine


async def test_postgres_and_nats_are_real(new_database, nats_client):
    engine = create_async_engine(new_database())
    async with engine.connect() as conn:
        version = (await conn.execute(text("SHOW server_version"))).scalar_one()
    await engine.dispose()
    assert version.startswith("16")
    js = nats_client.jetstream()
    info = await js.account_info()
    assert info.limits is not None
