"""SQLAlchemy models of the notify service (one module per table)."""

from sqlalchemy.orm import DeclarativeBase

from adpilot_common.db import service_metadata


class Base(DeclarativeBase):
    metadata = service_metadata()


from adpilot_notify.models.delivery import Delivery, DeliveryAttempt  # noqa: E402
from adpilot_notify.models.destination import Destination  # noqa: E402
from adpilot_notify.models.preference import Preference, Subscription  # noqa: E402
from adpilot_notify.models.webhook import WebhookEndpoint  # noqa: E402

__all__ = [
    "Base",
    "Delivery",
    "DeliveryAttempt",
    "Destination",
    "Preference",
    "Subscription",
    "WebhookEndpoint",
]
