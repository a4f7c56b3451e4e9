"""cancel_and_wait stops a loop whose cancellation asyncio.wait_for swallowed (Python 3.11, gh-86296)."""

from __future__ import annotations

import asyncio
import sys

import pytest

from adpilot_common.cancellation import cancel_and_wait


async def fetch_forever(queue: asyncio.Queue[int], received: list[int]) -> None:
    """The shape of a pull loop over nats-py's fetch: wait_for around the next message, forever."""
    while True:
        try:
            received.append(await asyncio.wait_for(queue.get(), timeout=30))
        except TimeoutError:
            continue


async def started(queue: asyncio.Queue[int], received: list[int]) -> asyncio.Task[None]:
    task = asyncio.create_task(fetch_forever(queue, received))
    await asyncio.sleep(0.01)  # parked in queue.get()
    return task


async def test_a_message_arriving_with_the_cancel_stops_the_loop() -> None:
    queue: asyncio.Queue[int] = asyncio.Queue()
    received: list[int] = []
    task = await started(queue, received)

    queue.put_nowait(1)  # the awaited result and the cancellation land in the same loop iteration
    await asyncio.wait_for(cancel_and_wait(task, recancel_after_s=0.05), timeout=5)

    assert task.cancelled()
    assert received == [1]  # on 3.11 the first cancel was swallowed and the message taken


async def test_a_single_cancel_is_swallowed_before_312() -> None:
    """Why the helper exists: on 3.11 the single cancel of before leaves the loop running."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    received: list[int] = []
    task = await started(queue, received)

    queue.put_nowait(1)
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=0.2)

    assert received == [1]
    assert bool(done) is (sys.version_info >= (3, 12))
    await cancel_and_wait(task)
    assert task.cancelled()


async def test_an_idle_loop_stops_at_the_first_cancel() -> None:
    queue: asyncio.Queue[int] = asyncio.Queue()
    task = await started(queue, [])

    await asyncio.wait_for(cancel_and_wait(task, recancel_after_s=60), timeout=5)

    assert task.cancelled()


async def test_the_tasks_own_failure_is_raised_and_a_finished_task_returns() -> None:
    async def fails() -> None:
        raise ValueError("boom")

    failing = asyncio.create_task(fails())
    await asyncio.sleep(0)
    with pytest.raises(ValueError, match="boom"):
        await cancel_and_wait(failing)

    finished = asyncio.create_task(asyncio.sleep(0))
    await finished
    await cancel_and_wait(finished)
    await cancel_and_wait(None)
