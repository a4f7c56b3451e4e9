"""Values a platform sends that AdPilot's columns cannot hold.

Such a value must not fail the sync: the platform sends it again every time, so every later run of the account
would fail on it too, and nothing after it would ever be mirrored or sent. It is dropped instead, with a
warning in the logs and a count on ``adpilot_sync_unstorable_values_total`` (by platform and field):

* a campaign's daily budget outside BIGINT (the mirror's column, and metrics' campaign dimension): mirrored as
  unknown (null), and announced so;
* an id longer than the mirror's columns: that campaign, ad group or ad is not mirrored;
* a metric row with an amount outside metrics' columns (BIGINT; conversions NUMERIC(20, 6)): the row is not sent.

Names and objectives longer than their columns are cut to fit, like account names.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Protocol

from adpilot_common.logging import get_logger
from adpilot_connectors.platforms.base import DailyMetric
from adpilot_connectors.sync.observability import UNSTORABLE_VALUES

log = get_logger(__name__)

BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1
CONVERSIONS_LIMIT = Decimal(10) ** 14  # NUMERIC(20, 6) holds less than this
MIRROR_ID_COLUMNS = ("external_id", "campaign_external_id", "ad_group_external_id")
MIRROR_ID_MAX = 64  # String(64) in models/mirror.py
TEXT_MAX = {"name": 300, "objective": 64}  # the mirror's columns, cut to fit


class Scope(Protocol):
    @property
    def account_id(self) -> Any: ...
    @property
    def platform(self) -> Any: ...


def dropped(scope: Scope, field: str, external_id: str, value: object) -> None:
    UNSTORABLE_VALUES.labels(scope.platform.value, field).inc()
    log.warning(
        "platform value does not fit AdPilot's columns; dropped",
        account_id=str(scope.account_id),
        platform=scope.platform.value,
        field=field,
        external_id=external_id[:200],
        value=str(value)[:100],
    )


def fits_bigint(value: int | None) -> bool:
    return value is None or BIGINT_MIN <= value <= BIGINT_MAX


def fit_mirror_row(
    scope: Scope, table: str, external_id: str, values: dict[str, Any]
) -> dict[str, Any] | None:
    """``values`` as the mirror can store them, or None when the row cannot be mirrored at all."""
    for column in MIRROR_ID_COLUMNS:
        value = external_id if column == "external_id" else values.get(column)
        if isinstance(value, str) and len(value) > MIRROR_ID_MAX:
            dropped(scope, f"{table}.{column}", external_id, value)
            return None
    fitted: dict[str, Any] = {
        k: v[: TEXT_MAX[k]] if k in TEXT_MAX and isinstance(v, str) else v for k, v in values.items()
    }
    budget: int | None = fitted.get("daily_budget_micros")
    if not fits_bigint(budget):
        dropped(scope, f"{table}.daily_budget_micros", external_id, budget)
        fitted["daily_budget_micros"] = None
    return fitted


def metric_fits(scope: Scope, row: DailyMetric) -> bool:
    """Whether metrics can store the row's amounts (the upper bounds; negatives break the contract)."""
    amounts = (row.impressions, row.clicks, row.spend_micros, row.conversion_value_micros)
    if max(amounts) <= BIGINT_MAX and row.conversions < CONVERSIONS_LIMIT:
        return True
    dropped(
        scope,
        "metrics",
        f"{row.campaign_id}/{row.ad_id or ''}/{row.day.isoformat()}",
        (*amounts, row.conversions),
    )
    return False
