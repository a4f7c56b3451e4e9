"""The polling helper every test suite waits with."""

from __future__ import annotations

import pytest

from adpilot_common.testing.waiting import eventually


async def test_eventually_returns_the_first_truthy_value() -> None:
    calls: list[int] = []

    async def third_time() -> list[int] | None:
        calls.append(1)
        return calls if len(calls) == 3 else None

    assert await eventually(third_time, what="a third call") == [1, 1, 1]


async def test_eventually_names_what_it_waited_for_when_it_gives_up() -> None:
    async def never() -> bool:
        return False

    with pytest.raises(AssertionError, match=r"timed out after 0\.2 s waiting for the impossible"):
        await eventually(never, what="the impossible", timeout=0.2)
