"""Initial schema: outbox and inbox tables, notify's first tables.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from adpilot_common.migration_ops import create_eventing_tables, drop_eventing_tables

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_eventing_tables()
    op.create_table(
        "deliveries",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("event_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("event_type", sa.String(255), nullable=False),
        sa.Column("org_id", postgresql.UUID(as_uuid=True)),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("destination", sa.String(512), nullable=False),
        sa.Column("template", sa.String(128), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(2000)),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_deliveries"),
        sa.UniqueConstraint("event_id", "channel", "destination", name="uq_deliveries_event_dest"),
    )


def downgrade() -> None:
    op.drop_table("deliveries")
    drop_eventing_tables()
