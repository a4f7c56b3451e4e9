"""Write jobs remember the approved copy they publish, so their end can be reported back to ai-copy.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable, no default: adding them rewrites nothing, and jobs requested through the API have neither.
    op.add_column("write_jobs", sa.Column("copy_id", sa.UUID(), nullable=True))
    op.add_column("write_jobs", sa.Column("copy_approval_id", sa.UUID(), nullable=True))


def downgrade() -> None:
    op.drop_column("write_jobs", "copy_approval_id")
    op.drop_column("write_jobs", "copy_id")
