"""Moving-window rate limits: one row per counted attempt (MFA codes per user).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_attempts",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_limit_attempts")),
    )
    op.create_index("ix_rate_limit_attempts_key_at", "rate_limit_attempts", ["key", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_rate_limit_attempts_key_at", table_name="rate_limit_attempts")
    op.drop_table("rate_limit_attempts")
