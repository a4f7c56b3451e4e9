"""Google SSO: linked OpenID Connect identities and in-flight login states.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 16:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('sso_identities',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('provider', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sso_identities_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sso_identities')),
    sa.UniqueConstraint('provider', 'subject', name=op.f('uq_sso_identities_provider'))
    )
    op.create_index(op.f('ix_sso_identities_user_id'), 'sso_identities', ['user_id'], unique=False)
    op.create_table('sso_login_states',
    sa.Column('state_hash', sa.String(length=64), nullable=False),
    sa.Column('provider', sa.String(length=32), nullable=False),
    sa.Column('nonce', sa.String(length=128), nullable=False),
    sa.Column('code_verifier_encrypted', sa.LargeBinary(), nullable=False),
    sa.Column('browser_binding', sa.String(length=64), nullable=False),
    sa.Column('intent', sa.String(length=8), nullable=False),
    sa.Column('link_user_id', sa.UUID(), nullable=True),
    sa.Column('redirect_after', sa.String(length=1024), server_default='/', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("intent IN ('login', 'link')", name=op.f('ck_sso_login_states_intent')),
    sa.ForeignKeyConstraint(['link_user_id'], ['users.id'], name=op.f('fk_sso_login_states_link_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('state_hash', name=op.f('pk_sso_login_states'))
    )
    op.create_index(op.f('ix_sso_login_states_expires_at'), 'sso_login_states', ['expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_sso_login_states_expires_at'), table_name='sso_login_states')
    op.drop_table('sso_login_states')
    op.drop_index(op.f('ix_sso_identities_user_id'), table_name='sso_identities')
    op.drop_table('sso_identities')
