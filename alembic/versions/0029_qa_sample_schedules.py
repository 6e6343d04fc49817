"""recurring QA samples: a sample schedule draws each period's fair sample when the period ends

- qa_sample_schedules: the period, tickets per agent, filters, the scorecard its samples are
  reviewed with, its seed (each period's draw seed follows from it) and the next period to
  draw; its next run is a standalone timer (kind qa_sample_schedule, subject the schedule).
- qa_assignments.schedule_id: the schedule that drew a sample; one sample per schedule and
  period, whatever retries or replicas do.
Audited by the row trigger of migration 0007.

Revision ID: 0029
Revises: 0028
Create Date: 2027-03-10 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
CREATE TABLE qa_sample_schedules (
    id BIGSERIAL NOT NULL,
    period VARCHAR(10) NOT NULL,
    per_agent INTEGER NOT NULL,
    filters JSONB DEFAULT '{}'::jsonb NOT NULL,
    scorecard_id BIGINT,
    seed BIGINT NOT NULL,
    next_period_start DATE NOT NULL,
    stopped_at TIMESTAMP WITH TIME ZONE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    created_by_key_id BIGINT,
    PRIMARY KEY (id),
    CONSTRAINT qa_sample_schedules_period CHECK (period IN ('day', 'week', 'month')),
    FOREIGN KEY(scorecard_id) REFERENCES qa_scorecards (id),
    FOREIGN KEY(created_by_key_id) REFERENCES api_keys (id)
)
"""
    )
    op.execute("ALTER TABLE qa_assignments ADD COLUMN schedule_id BIGINT")
    op.execute(
        "ALTER TABLE qa_assignments ADD CONSTRAINT qa_assignments_schedule_id_fkey "
        "FOREIGN KEY (schedule_id) REFERENCES qa_sample_schedules (id)"
    )
    op.execute(
        "CREATE UNIQUE INDEX qa_assignments_schedule_period_key "
        "ON qa_assignments (schedule_id, period_start) WHERE schedule_id IS NOT NULL"
    )
    op.execute("SELECT audit_table('qa_sample_schedules')")


def downgrade() -> None:
    op.execute("DELETE FROM timers WHERE kind = 'qa_sample_schedule'")
    op.execute("DROP INDEX qa_assignments_schedule_period_key")
    op.execute("ALTER TABLE qa_assignments DROP COLUMN schedule_id")
    op.execute("DROP TABLE qa_sample_schedules")
