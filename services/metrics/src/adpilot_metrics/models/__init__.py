"""SQLAlchemy models of the metrics service (one module per table)."""

from sqlalchemy.orm import DeclarativeBase

from adpilot_common.db import service_metadata


class Base(DeclarativeBase):
    metadata = service_metadata()


from adpilot_metrics.models.budgets import AlertFiring, AlertRule, Budget  # noqa: E402
from adpilot_metrics.models.campaign_dimension import CampaignDimension  # noqa: E402
from adpilot_metrics.models.metric_fact import MetricFact  # noqa: E402
from adpilot_metrics.models.reports import Report, ReportFile, ReportSchedule  # noqa: E402
from adpilot_metrics.models.rollups import DailyAccountRollup, DailyCampaignRollup  # noqa: E402

__all__ = [
    "AlertFiring",
    "AlertRule",
    "Base",
    "Budget",
    "CampaignDimension",
    "DailyAccountRollup",
    "DailyCampaignRollup",
    "MetricFact",
    "Report",
    "ReportFile",
    "ReportSchedule",
]
