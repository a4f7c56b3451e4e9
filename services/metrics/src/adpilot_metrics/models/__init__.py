"""SQLAlchemy models of the metrics service (one module per table)."""

from sqlalchemy.orm import DeclarativeBase

from adpilot_common.db import service_metadata


class Base(DeclarativeBase):
    metadata = service_metadata()
