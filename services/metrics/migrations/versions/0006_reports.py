"""Reports: report schedules, report jobs (one per schedule and period) and the stored files.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE report_schedules (
            id uuid PRIMARY KEY,
            org_id uuid NOT NULL,
            title varchar(200) NOT NULL,
            format varchar(8) NOT NULL CONSTRAINT ck_report_schedules_format CHECK (format IN ('pdf', 'csv', 'xlsx')),
            frequency varchar(8) NOT NULL
                CONSTRAINT ck_report_schedules_frequency CHECK (frequency IN ('daily', 'weekly')),
            weekday smallint CONSTRAINT ck_report_schedules_weekday CHECK (weekday BETWEEN 0 AND 6),
            hour_utc smallint NOT NULL CONSTRAINT ck_report_schedules_hour CHECK (hour_utc BETWEEN 0 AND 23),
            filters jsonb NOT NULL,
            recipients jsonb NOT NULL,
            created_by uuid NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT ck_report_schedules_weekly_has_weekday CHECK ((frequency = 'weekly') = (weekday IS NOT NULL))
        )
        """
    )
    op.execute("CREATE INDEX ix_report_schedules_org_id ON report_schedules (org_id)")
    op.execute(
        """
        CREATE TABLE reports (
            id uuid PRIMARY KEY,
            org_id uuid NOT NULL,
            title varchar(200) NOT NULL,
            format varchar(8) NOT NULL CONSTRAINT ck_reports_format CHECK (format IN ('pdf', 'csv', 'xlsx')),
            date_from date NOT NULL,
            date_to date NOT NULL,
            bucket varchar(8) NOT NULL CONSTRAINT ck_reports_bucket CHECK (bucket IN ('day', 'week', 'month')),
            filters jsonb NOT NULL,
            requested_by uuid,
            schedule_id uuid
                CONSTRAINT fk_reports_schedule_id_report_schedules REFERENCES report_schedules (id) ON DELETE SET NULL,
            period_key varchar(10),
            recipients jsonb NOT NULL DEFAULT '[]',
            file_name varchar(255),
            content_type varchar(100),
            size_bytes bigint,
            sha256 varchar(64),
            status varchar(24) NOT NULL,
            available_at timestamptz NOT NULL DEFAULT now(),
            lease_expires_at timestamptz,
            leased_by varchar(128),
            attempts integer NOT NULL DEFAULT 0,
            queued_at timestamptz NOT NULL DEFAULT now(),
            started_at timestamptz,
            finished_at timestamptz,
            error text,
            CONSTRAINT ck_reports_range CHECK (date_from <= date_to),
            CONSTRAINT uq_reports_schedule_id_period_key UNIQUE (schedule_id, period_key)
        )
        """
    )
    op.execute("CREATE INDEX ix_reports_org_id_queued_at ON reports (org_id, queued_at DESC)")
    op.execute("CREATE INDEX ix_reports_status ON reports (status)")
    op.execute(
        """
        CREATE TABLE report_files (
            report_id uuid PRIMARY KEY
                CONSTRAINT fk_report_files_report_id_reports REFERENCES reports (id) ON DELETE CASCADE,
            content bytea NOT NULL
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE report_files")
    op.execute("DROP TABLE reports")
    op.execute("DROP TABLE report_schedules")
