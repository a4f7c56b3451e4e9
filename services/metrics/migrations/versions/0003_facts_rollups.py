"""Metric facts (range-partitioned by month of ``day``) and the daily campaign/account rollups.

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

# Sums carried by facts and both rollups (same names and types everywhere).
SUMS = """
    impressions bigint NOT NULL,
    clicks bigint NOT NULL,
    spend_micros bigint NOT NULL,
    conversions numeric(20, 6) NOT NULL,
    conversion_value_micros bigint NOT NULL,
"""

# Creates the monthly partitions covering [from_day, to_day]; idempotent. The existence check comes first so
# the common case takes no lock; creating a partition locks the parent, and a transaction-scoped advisory lock
# keeps two ingesting transactions from racing on the same new partition. Rows that reached the default
# partition (written by something that skipped this function) would make the new partition fail: they are
# moved into it.
ENSURE_PARTITIONS = """
CREATE FUNCTION ensure_metric_fact_partitions(from_day date, to_day date) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    month_start date := date_trunc('month', from_day)::date;
    next_month date;
    partition_name text;
BEGIN
    WHILE month_start <= to_day LOOP
        next_month := (month_start + interval '1 month')::date;
        partition_name := 'metric_facts_' || to_char(month_start, 'YYYY_MM');
        IF to_regclass(partition_name) IS NULL THEN
            PERFORM pg_advisory_xact_lock(hashtext('metric_facts_partitions'));
            IF to_regclass(partition_name) IS NULL THEN
                IF EXISTS (
                    SELECT 1 FROM metric_facts_default WHERE day >= month_start AND day < next_month
                ) THEN
                    CREATE TEMP TABLE metric_facts_parked ON COMMIT DROP AS
                        SELECT * FROM metric_facts_default WHERE day >= month_start AND day < next_month;
                    DELETE FROM metric_facts_default WHERE day >= month_start AND day < next_month;
                END IF;
                EXECUTE format(
                    'CREATE TABLE IF NOT EXISTS %I PARTITION OF metric_facts FOR VALUES FROM (%L) TO (%L)',
                    partition_name, month_start, next_month
                );
                IF to_regclass('pg_temp.metric_facts_parked') IS NOT NULL THEN
                    INSERT INTO metric_facts SELECT * FROM metric_facts_parked;
                    DROP TABLE metric_facts_parked;
                END IF;
            END IF;
        END IF;
        month_start := next_month;
    END LOOP;
END
$$
"""


def upgrade() -> None:
    op.execute(
        f"""
        CREATE TABLE metric_facts (
            org_id uuid NOT NULL,
            account_id uuid NOT NULL,
            campaign_id varchar(128) NOT NULL,
            ad_group_id varchar(128) NOT NULL DEFAULT '',
            ad_id varchar(128) NOT NULL DEFAULT '',
            day date NOT NULL,
            platform varchar(32) NOT NULL,
            currency char(3) NOT NULL,
            {SUMS}
            provisional boolean NOT NULL DEFAULT false,
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_metric_facts PRIMARY KEY (org_id, account_id, campaign_id, ad_group_id, ad_id, day)
        ) PARTITION BY RANGE (day)
        """
    )
    # Safety net only: ingestion creates the month's partition before writing, so this stays empty.
    op.execute("CREATE TABLE metric_facts_default PARTITION OF metric_facts DEFAULT")
    op.execute(ENSURE_PARTITIONS)
    op.execute(
        "SELECT ensure_metric_fact_partitions("
        "(date_trunc('month', current_date) - interval '2 months')::date,"
        "(date_trunc('month', current_date) + interval '2 months')::date)"
    )
    op.execute(
        f"""
        CREATE TABLE daily_campaign_rollups (
            org_id uuid NOT NULL,
            account_id uuid NOT NULL,
            campaign_id varchar(128) NOT NULL,
            day date NOT NULL,
            platform varchar(32) NOT NULL,
            currency char(3) NOT NULL,
            {SUMS}
            provisional boolean NOT NULL DEFAULT false,
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_daily_campaign_rollups PRIMARY KEY (org_id, account_id, campaign_id, day)
        )
        """
    )
    op.execute("CREATE INDEX ix_daily_campaign_rollups_org_day ON daily_campaign_rollups (org_id, day)")
    op.execute(
        f"""
        CREATE TABLE daily_account_rollups (
            org_id uuid NOT NULL,
            account_id uuid NOT NULL,
            day date NOT NULL,
            platform varchar(32) NOT NULL,
            currency char(3) NOT NULL,
            {SUMS}
            provisional boolean NOT NULL DEFAULT false,
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_daily_account_rollups PRIMARY KEY (org_id, account_id, day)
        )
        """
    )
    op.execute("CREATE INDEX ix_daily_account_rollups_org_day ON daily_account_rollups (org_id, day)")


def downgrade() -> None:
    op.execute("DROP TABLE daily_account_rollups")
    op.execute("DROP TABLE daily_campaign_rollups")
    op.execute("DROP FUNCTION ensure_metric_fact_partitions(date, date)")
    op.execute("DROP TABLE metric_facts")
