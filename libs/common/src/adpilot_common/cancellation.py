"""Stopping a background task for certain, on Python 3.11 too.

One ``task.cancel()`` followed by ``await task`` is not always a stop on Python 3.11: ``asyncio.wait_for``
swallows a cancellation that arrives in the loop iteration in which the result it waits for comes in, and
returns that result instead (gh-86296; wait_for was rewritten in 3.12). nats-py's ``fetch`` and ``next_msg``
wait that way, so a loop around them carries on as if it had never been cancelled, and the ``await task`` of a
service's shutdown never returns. This was the "rare shutdown hang" of the test suites: the stacks printed by
``testing.plugin.running`` showed a revocation listener marked *cancelling* but waiting on a fresh ``fetch``.
"""

from __future__ import annotations

import asyncio
from typing import Any

RECANCEL_AFTER_S = 0.5


async def cancel_and_wait(
    task: asyncio.Task[Any] | None, *, recancel_after_s: float = RECANCEL_AFTER_S
) -> None:
    """Cancel ``task`` and return once it has finished, cancelling it again every ``recancel_after_s`` while it
    is still running. An exception the task ended with (other than its cancellation) is raised, as
    ``await task`` would."""
    if task is None:
        return
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=recancel_after_s)
    if not task.cancelled() and (error := task.exception()) is not None:
        raise error
