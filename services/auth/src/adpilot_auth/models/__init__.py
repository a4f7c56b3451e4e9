"""SQLAlchemy models of the auth service (one module per table)."""

from sqlalchemy.orm import DeclarativeBase

from adpilot_common.db import service_metadata


class Base(DeclarativeBase):
    metadata = service_metadata()


from adpilot_auth.models.user import User  # noqa: E402  (registers the table on Base.metadata)

__all__ = ["Base", "User"]
