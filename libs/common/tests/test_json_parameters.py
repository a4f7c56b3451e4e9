"""JSON/JSONB parameters go to PostgreSQL as UTF-8 text: non-Latin text round-trips unescaped, and an unpaired
surrogate fails in the driver, where the shared handler recognises it in any server locale (not by the wording
of PostgreSQL's refusal, which follows ``lc_messages``). Real PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import JSONB

from adpilot_common.db import create_engine
from adpilot_common.problems import unstorable_text

AS_JSONB = text("SELECT CAST(:value AS jsonb)").bindparams(bindparam("value", type_=JSONB))


def driver_refused_encoding(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, UnicodeEncodeError):
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False


async def test_non_latin_text_round_trips_and_a_lone_surrogate_never_reaches_postgres(
    new_database: Callable[[], str],
) -> None:
    engine = create_engine(new_database(), pool_size=1)
    try:
        async with engine.connect() as conn:
            # A server in another language: its refusal would not say "surrogate".
            await conn.execute(text("SET lc_messages TO 'C'"))
            stored = (await conn.execute(AS_JSONB, {"value": {"name": "Grüße aus 東京 🌸"}})).scalar_one()
            assert stored == {"name": "Grüße aus 東京 🌸"}
            with pytest.raises(Exception) as refused:
                await conn.execute(AS_JSONB, {"value": {"name": "Hello \udfff friend"}})
        assert driver_refused_encoding(refused.value)
        assert unstorable_text(refused.value)
    finally:
        await engine.dispose()
