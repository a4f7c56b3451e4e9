"""Copy generation: brand voices, org budgets, generations (a leased job table), variants, LLM usage and the
per-user request counter.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('brand_voices',
    sa.Column('org_id', sa.UUID(), nullable=False),
    sa.Column('voice', sa.Text(), nullable=False),
    sa.Column('guidelines', sa.Text(), nullable=False),
    sa.Column('banned_terms', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_by', sa.UUID(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('org_id', name=op.f('pk_brand_voices'))
    )
    op.create_table('generations',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('org_id', sa.UUID(), nullable=False),
    sa.Column('created_by', sa.UUID(), nullable=False),
    sa.Column('batch_id', sa.UUID(), nullable=True),
    sa.Column('request', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('cache_key', sa.String(length=64), nullable=False),
    sa.Column('brand_voice_version', sa.Integer(), nullable=False),
    sa.Column('is_async', sa.Boolean(), nullable=False),
    sa.Column('provider', sa.String(length=255), nullable=True),
    sa.Column('offline', sa.Boolean(), nullable=True),
    sa.Column('cached_from', sa.UUID(), nullable=True),
    sa.Column('prompt_tokens', sa.Integer(), nullable=False),
    sa.Column('completion_tokens', sa.Integer(), nullable=False),
    sa.Column('cost_usd', sa.Numeric(precision=16, scale=8), nullable=False),
    sa.Column('failure_reason', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('available_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('lease_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('leased_by', sa.String(length=128), nullable=True),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('queued_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_generations'))
    )
    op.create_index('ix_generations_batch', 'generations', ['batch_id'], unique=False, postgresql_where=sa.text('batch_id IS NOT NULL'))
    op.create_index('ix_generations_cache', 'generations', ['org_id', 'cache_key', 'created_at'], unique=False, postgresql_where=sa.text("status = 'succeeded' AND cached_from IS NULL"))
    op.create_index('ix_generations_org_created', 'generations', ['org_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_generations_status'), 'generations', ['status'], unique=False)
    op.create_table('llm_usage',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('org_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('generation_id', sa.UUID(), nullable=True),
    sa.Column('variant_id', sa.UUID(), nullable=True),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('provider', sa.String(length=255), nullable=False),
    sa.Column('prompt_tokens', sa.Integer(), nullable=False),
    sa.Column('completion_tokens', sa.Integer(), nullable=False),
    sa.Column('cost_usd', sa.Numeric(precision=16, scale=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_llm_usage'))
    )
    op.create_index('ix_llm_usage_org_created', 'llm_usage', ['org_id', 'created_at'], unique=False)
    op.create_table('org_budgets',
    sa.Column('org_id', sa.UUID(), nullable=False),
    sa.Column('monthly_budget_usd', sa.Numeric(precision=14, scale=6), nullable=False),
    sa.Column('updated_by', sa.UUID(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('org_id', name=op.f('pk_org_budgets'))
    )
    op.create_table('rate_limit_windows',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('user_id', 'window_start', name=op.f('pk_rate_limit_windows'))
    )
    op.create_table('copy_variants',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('org_id', sa.UUID(), nullable=False),
    sa.Column('generation_id', sa.UUID(), nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('generated', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('fields', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('edited', sa.Boolean(), nullable=False),
    sa.Column('regenerations', sa.Integer(), nullable=False),
    sa.Column('approved_by', sa.UUID(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approval', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['generation_id'], ['generations.id'], name=op.f('fk_copy_variants_generation_id_generations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_copy_variants'))
    )
    op.create_index('ix_copy_variants_generation', 'copy_variants', ['generation_id', 'platform', 'position'], unique=False)
    op.create_index(op.f('ix_copy_variants_org_id'), 'copy_variants', ['org_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_copy_variants_org_id'), table_name='copy_variants')
    op.drop_index('ix_copy_variants_generation', table_name='copy_variants')
    op.drop_table('copy_variants')
    op.drop_table('rate_limit_windows')
    op.drop_table('org_budgets')
    op.drop_index('ix_llm_usage_org_created', table_name='llm_usage')
    op.drop_table('llm_usage')
    op.drop_index(op.f('ix_generations_status'), table_name='generations')
    op.drop_index('ix_generations_org_created', table_name='generations')
    op.drop_index('ix_generations_cache', table_name='generations', postgresql_where=sa.text("status = 'succeeded' AND cached_from IS NULL"))
    op.drop_index('ix_generations_batch', table_name='generations', postgresql_where=sa.text('batch_id IS NOT NULL'))
    op.drop_table('generations')
    op.drop_table('brand_voices')
