"""SQLAlchemy models of the notify service (one module per table)."""

from sqlalchemy.orm import DeclarativeBase

from adpilot_common.db import service_metadata


class Base(DeclarativeBase):
    metadata = service_metadata()


from adpilot_notify.models.delivery import Delivery  # noqa: E402

__all__ = ["Base", "Delivery"]
