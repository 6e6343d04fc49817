"""sla policies calendars priority matrix timers

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 07:21:44.428163
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The statements, as SQL: the schema's DDL lives in SQL, the tables' definitions in app/models.
UPGRADE: list[str] = [
    """
CREATE TABLE calendars (
    id BIGSERIAL NOT NULL,
    name VARCHAR(200) NOT NULL,
    zone VARCHAR(64) NOT NULL,
    hours JSONB NOT NULL,
    holidays JSONB NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (name)
)
""",
    """
CREATE TABLE priority_matrix (
    id SERIAL NOT NULL,
    cells JSONB NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT priority_matrix_single_row CHECK (id = 1)
)
""",
    """
CREATE TABLE sla_policies (
    id BIGSERIAL NOT NULL,
    name VARCHAR(200) NOT NULL,
    position INTEGER NOT NULL,
    is_default BOOLEAN NOT NULL,
    conditions JSONB NOT NULL,
    targets JSONB NOT NULL,
    calendar_id BIGINT NOT NULL,
    pause_statuses TEXT[] NOT NULL,
    warning_percent INTEGER NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(calendar_id) REFERENCES calendars (id),
    UNIQUE (name)
)
""",
    "CREATE UNIQUE INDEX sla_policies_one_default ON sla_policies (is_default) WHERE is_default",
    """
CREATE TABLE timers (
    id BIGSERIAL NOT NULL,
    ticket_id BIGINT NOT NULL,
    kind VARCHAR(40) NOT NULL,
    due_at TIMESTAMP WITH TIME ZONE NOT NULL,
    fired_at TIMESTAMP WITH TIME ZONE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(ticket_id) REFERENCES tickets (id),
    CONSTRAINT timers_ticket_kind_due_key UNIQUE (ticket_id, kind, due_at)
)
""",
    "CREATE INDEX timers_pending_due_idx ON timers (due_at) WHERE fired_at IS NULL",
    "ALTER TABLE tickets ADD COLUMN status_log JSONB DEFAULT '[]'::jsonb NOT NULL",
    "ALTER TABLE tickets ADD COLUMN sla_policy_id BIGINT",
    "ALTER TABLE tickets ADD COLUMN first_response_due_at TIMESTAMP WITH TIME ZONE",
    "ALTER TABLE tickets ADD COLUMN next_update_due_at TIMESTAMP WITH TIME ZONE",
    "ALTER TABLE tickets ADD COLUMN resolution_due_at TIMESTAMP WITH TIME ZONE",
    "ALTER TABLE tickets ADD COLUMN sla_due_at TIMESTAMP WITH TIME ZONE",
    "ALTER TABLE tickets ADD COLUMN sla_warning_at TIMESTAMP WITH TIME ZONE",
    "ALTER TABLE tickets ADD COLUMN sla_paused BOOLEAN DEFAULT false NOT NULL",
    "ALTER TABLE tickets ADD COLUMN sla_breached BOOLEAN DEFAULT false NOT NULL",
    "CREATE INDEX tickets_sla_due_idx ON tickets (coalesce(sla_due_at, 'infinity'::timestamptz), id)",
    "ALTER TABLE tickets ADD CONSTRAINT tickets_sla_policy_id_fkey FOREIGN KEY(sla_policy_id) REFERENCES sla_policies (id)",
    'INSERT INTO calendars (name, zone, hours, holidays, created_at, updated_at, version) VALUES (\'24x7\', \'UTC\', \'[{"day": "mon", "start": "00:00:00", "end": "00:00:00"}, {"day": "tue", "start": "00:00:00", "end": "00:00:00"}, {"day": "wed", "start": "00:00:00", "end": "00:00:00"}, {"day": "thu", "start": "00:00:00", "end": "00:00:00"}, {"day": "fri", "start": "00:00:00", "end": "00:00:00"}, {"day": "sat", "start": "00:00:00", "end": "00:00:00"}, {"day": "sun", "start": "00:00:00", "end": "00:00:00"}]\', \'[]\', now(), now(), 1)',
    """
INSERT INTO sla_policies (name, position, is_default, conditions, targets, calendar_id, pause_statuses, warning_percent, created_at, updated_at, version) VALUES ('Default', 1000000, true, '{}', '{"critical": {"first_response": 1800, "next_update": 86400, "resolution": 14400}, "high": {"first_response": 3600, "next_update": 86400, "resolution": 28800}, "medium": {"first_response": 14400, "next_update": 86400, "resolution": 86400}, "low": {"first_response": 28800, "next_update": 86400, "resolution": 259200}}', (SELECT calendars.id
FROM calendars
WHERE calendars.name = '24x7'), ARRAY['pending', 'on_hold'], 80, now(), now(), 1)
""",
    'INSERT INTO priority_matrix (id, cells, updated_at, version) VALUES (1, \'{"organization": {"critical": "critical", "high": "critical", "medium": "high", "low": "medium"}, "department": {"critical": "critical", "high": "high", "medium": "medium", "low": "low"}, "user": {"critical": "high", "high": "medium", "medium": "medium", "low": "low"}, "none": {"critical": "medium", "high": "low", "medium": "low", "low": "low"}}\', now(), 1)',
]

DOWNGRADE: list[str] = [
    "ALTER TABLE tickets DROP CONSTRAINT tickets_sla_policy_id_fkey",
    "DROP INDEX tickets_sla_due_idx",
    "ALTER TABLE tickets DROP COLUMN sla_breached",
    "ALTER TABLE tickets DROP COLUMN sla_paused",
    "ALTER TABLE tickets DROP COLUMN sla_warning_at",
    "ALTER TABLE tickets DROP COLUMN sla_due_at",
    "ALTER TABLE tickets DROP COLUMN resolution_due_at",
    "ALTER TABLE tickets DROP COLUMN next_update_due_at",
    "ALTER TABLE tickets DROP COLUMN first_response_due_at",
    "ALTER TABLE tickets DROP COLUMN sla_policy_id",
    "ALTER TABLE tickets DROP COLUMN status_log",
    "DROP INDEX timers_pending_due_idx",
    "DROP TABLE timers",
    "DROP INDEX sla_policies_one_default",
    "DROP TABLE sla_policies",
    "DROP TABLE priority_matrix",
    "DROP TABLE calendars",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
