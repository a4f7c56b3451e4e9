"""Schedule ticks: the clock of scheduled work (syncs, token refresh, budget checks, reports)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class ScheduleTick(BaseModel):
    """A time slot of a recurring job began. Every replica may publish the tick of a slot; the event id is derived
    from ``job`` and ``slot_start`` (``Nats-Msg-Id`` = ``<job>:<slot>``) so the stream and each consumer's inbox
    keep exactly one."""

    job: str = Field(max_length=64, description="e.g. connectors.sync")
    slot_start: datetime = Field(
        description="Start of the slot (UTC), a multiple of interval_s since the epoch"
    )
    interval_s: int = Field(gt=0)
