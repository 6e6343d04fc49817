"""audit reports: the help-desk audits the service wrote about itself, kept so the next one
compares with the last

- `audit_reports`: one row per report asked for (by a person or the schedule): its period, the
  teams it is limited to (NULL: the whole desk), its state (`pending` until the worker has built
  it, then `ready`) and the built report as JSON. A report holds figures, ids and verdicts,
  never personal data or free text a person typed.

Revision ID: 0031
Revises: 0030
Create Date: 2027-04-01 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE audit_reports (
            id BIGSERIAL PRIMARY KEY,
            period_from TIMESTAMPTZ NOT NULL,
            period_to TIMESTAMPTZ NOT NULL,
            team_ids BIGINT[],
            status VARCHAR(20) NOT NULL,
            origin VARCHAR(20) NOT NULL,
            requested_by_key_id BIGINT REFERENCES api_keys (id),
            requested_at TIMESTAMPTZ NOT NULL,
            built_at TIMESTAMPTZ,
            report JSONB,
            CONSTRAINT audit_reports_status_check CHECK (status IN ('pending', 'ready')),
            CONSTRAINT audit_reports_origin_check CHECK (origin IN ('request', 'schedule')),
            CONSTRAINT audit_reports_period_check CHECK (period_from < period_to)
        )
        """
    )
    op.execute("CREATE INDEX audit_reports_built_idx ON audit_reports (built_at, id)")
    op.execute("SELECT audit_table('audit_reports')")


def downgrade() -> None:
    op.execute("DELETE FROM timers WHERE kind IN ('audit_report', 'audit_report_schedule')")
    op.execute("SELECT unaudit_table('audit_reports')")
    op.execute("DROP TABLE audit_reports")
