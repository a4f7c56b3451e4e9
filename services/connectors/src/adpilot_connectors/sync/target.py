"""What one sync attempt works on: the run with its account and connection, as read when the attempt started."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from adpilot_connectors.platforms.base import Platform

SOURCE = "connectors"  # the events' source


@dataclass(frozen=True)
class SyncTarget:
    run_id: uuid.UUID
    org_id: uuid.UUID
    trigger: str
    account_id: uuid.UUID
    external_account_id: str
    account_name: str
    platform: Platform
    currency: str
    time_zone: str
    lookback_days: int  # the account's override, else the platform's default
    synced_through: date | None  # the metrics cursor
    connection_id: uuid.UUID
    metrics_from: date | None  # the window an earlier attempt of this run planned (retries reuse it)
    metrics_to: date | None
