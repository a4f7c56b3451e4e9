"""One inbox-guarded durable consumer per consumed subject; each only inserts delivery rows."""

from __future__ import annotations

from adpilot_common.runtime import ServiceRuntime
from adpilot_notify.deliveries.events import CONSUMED
from adpilot_notify.deliveries.fanout import FanOut


def install_consumers(runtime: ServiceRuntime, fanout: FanOut) -> None:
    for subject in CONSUMED:
        runtime.consume(subject, fanout)
