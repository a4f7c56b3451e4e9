"""Deliveries become leased jobs with attempts; destinations, preferences, subscriptions, webhook endpoints.

The 0001 deliveries table only ever held unsent stub rows (nothing sent them), so it is recreated.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DROP TABLE deliveries")
    op.execute(
        """
        CREATE TABLE deliveries (
            id uuid PRIMARY KEY,
            event_id uuid NOT NULL,
            event_type varchar(255) NOT NULL,
            org_id uuid,
            user_id uuid,
            channel varchar(32) NOT NULL
                CONSTRAINT ck_deliveries_channel CHECK (channel IN ('email', 'whatsapp', 'signal', 'webhook')),
            destination varchar(512) NOT NULL,
            endpoint_id uuid,
            template varchar(128) NOT NULL,
            locale varchar(16) NOT NULL DEFAULT 'en',
            context jsonb NOT NULL DEFAULT '{}',
            urgent boolean NOT NULL DEFAULT false,
            digest_id uuid,
            retry_from timestamptz NOT NULL DEFAULT now(),
            last_status_code integer,
            created_at timestamptz NOT NULL DEFAULT now(),
            status varchar(24) NOT NULL DEFAULT 'queued',
            available_at timestamptz NOT NULL DEFAULT now(),
            lease_expires_at timestamptz,
            leased_by varchar(128),
            attempts integer NOT NULL DEFAULT 0,
            queued_at timestamptz NOT NULL DEFAULT now(),
            started_at timestamptz,
            finished_at timestamptz,
            error text,
            CONSTRAINT uq_deliveries_event_dest UNIQUE (event_id, channel, destination)
        )
        """
    )
    # The runners' claim: runnable rows of one channel, oldest first.
    op.execute(
        "CREATE INDEX ix_deliveries_runnable ON deliveries (channel, available_at) "
        "WHERE status IN ('queued', 'running')"
    )
    op.execute("CREATE INDEX ix_deliveries_status ON deliveries (status)")  # JobColumns.status index=True
    op.execute("CREATE INDEX ix_deliveries_org_created ON deliveries (org_id, created_at DESC)")
    op.execute("CREATE INDEX ix_deliveries_digest ON deliveries (digest_id) WHERE digest_id IS NOT NULL")
    op.execute("CREATE INDEX ix_deliveries_endpoint ON deliveries (endpoint_id, created_at DESC)")
    op.execute(
        """
        CREATE TABLE delivery_attempts (
            id uuid PRIMARY KEY,
            delivery_id uuid NOT NULL
                CONSTRAINT fk_delivery_attempts_delivery_id_deliveries REFERENCES deliveries (id) ON DELETE CASCADE,
            attempted_at timestamptz NOT NULL DEFAULT now(),
            outcome varchar(16) NOT NULL,
            status_code integer,
            error text,
            duration_ms integer NOT NULL DEFAULT 0
        )
        """
    )
    op.execute("CREATE INDEX ix_delivery_attempts_delivery ON delivery_attempts (delivery_id, attempted_at)")
    op.execute(
        """
        CREATE TABLE destinations (
            id uuid PRIMARY KEY,
            org_id uuid NOT NULL,
            user_id uuid NOT NULL,
            channel varchar(32) NOT NULL
                CONSTRAINT ck_destinations_channel CHECK (channel IN ('email', 'whatsapp', 'signal')),
            address varchar(320) NOT NULL,
            verified_at timestamptz,
            code_hash bytea,
            code_expires_at timestamptz,
            code_attempts integer NOT NULL DEFAULT 0,
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT uq_destinations_address UNIQUE (org_id, user_id, channel, address)
        )
        """
    )
    op.execute(
        """
        CREATE TABLE preferences (
            org_id uuid NOT NULL,
            user_id uuid NOT NULL,
            time_zone varchar(64) NOT NULL DEFAULT 'UTC',
            quiet_start time,
            quiet_end time,
            digest varchar(16) NOT NULL DEFAULT 'off'
                CONSTRAINT ck_preferences_digest CHECK (digest IN ('off', 'hourly', 'daily')),
            locale varchar(16) NOT NULL DEFAULT 'en',
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_preferences PRIMARY KEY (org_id, user_id)
        )
        """
    )
    op.execute(
        """
        CREATE TABLE subscriptions (
            org_id uuid NOT NULL,
            user_id uuid NOT NULL,
            event_type varchar(255) NOT NULL,
            channel varchar(32) NOT NULL,
            CONSTRAINT pk_subscriptions PRIMARY KEY (org_id, user_id, event_type, channel)
        )
        """
    )
    op.execute("CREATE INDEX ix_subscriptions_org_event ON subscriptions (org_id, event_type)")
    op.execute(
        """
        CREATE TABLE webhook_endpoints (
            id uuid PRIMARY KEY,
            org_id uuid NOT NULL,
            url varchar(2048) NOT NULL,
            description varchar(500),
            event_types varchar(255)[] NOT NULL,
            secret_encrypted bytea NOT NULL,
            enabled boolean NOT NULL DEFAULT true,
            consecutive_failures integer NOT NULL DEFAULT 0,
            disabled_reason varchar(500),
            created_by uuid NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute("CREATE INDEX ix_webhook_endpoints_org ON webhook_endpoints (org_id)")


def downgrade() -> None:
    for table in ("webhook_endpoints", "subscriptions", "preferences", "destinations", "delivery_attempts"):
        op.execute(f"DROP TABLE {table}")
    op.execute("DROP TABLE deliveries")
    op.execute(
        """
        CREATE TABLE deliveries (
            id uuid PRIMARY KEY, event_id uuid NOT NULL, event_type varchar(255) NOT NULL, org_id uuid,
            channel varchar(32) NOT NULL, destination varchar(512) NOT NULL, template varchar(128) NOT NULL,
            status varchar(32) NOT NULL, attempts integer NOT NULL, last_error varchar(2000),
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT uq_deliveries_event_dest UNIQUE (event_id, channel, destination)
        )
        """
    )
