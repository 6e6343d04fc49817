"""worker: sla events, reminders, callbacks, replicas

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 07:38:16.331163
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The statements, as SQL: the schema's DDL lives in SQL, the tables' definitions in app/models.
UPGRADE: list[str] = [
    """
CREATE TABLE worker_replicas (
    id VARCHAR(64) NOT NULL,
    hostname VARCHAR(255) NOT NULL,
    pid INTEGER NOT NULL,
    started_at TIMESTAMP WITH TIME ZONE NOT NULL,
    last_seen_at TIMESTAMP WITH TIME ZONE NOT NULL,
    last_cycle_ms FLOAT NOT NULL,
    fired_total BIGINT NOT NULL,
    fired_last_minute INTEGER NOT NULL,
    PRIMARY KEY (id)
)
""",
    """
CREATE TABLE callbacks (
    id BIGSERIAL NOT NULL,
    ticket_id BIGINT NOT NULL,
    requested_at TIMESTAMP WITH TIME ZONE NOT NULL,
    missed_at TIMESTAMP WITH TIME ZONE NOT NULL,
    phone VARCHAR(50),
    note TEXT,
    assignee_id BIGINT,
    status VARCHAR(20) NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    done_at TIMESTAMP WITH TIME ZONE,
    created_by_key_id BIGINT,
    PRIMARY KEY (id),
    FOREIGN KEY(assignee_id) REFERENCES agents (id),
    FOREIGN KEY(created_by_key_id) REFERENCES api_keys (id),
    FOREIGN KEY(ticket_id) REFERENCES tickets (id)
)
""",
    "CREATE INDEX ix_callbacks_ticket_id ON callbacks (ticket_id)",
    """
CREATE TABLE sla_events (
    id BIGSERIAL NOT NULL,
    ticket_id BIGINT NOT NULL,
    metric VARCHAR(30) NOT NULL,
    kind VARCHAR(20) NOT NULL,
    due_at TIMESTAMP WITH TIME ZONE NOT NULL,
    recorded_at TIMESTAMP WITH TIME ZONE NOT NULL,
    team_id BIGINT,
    assignee_id BIGINT,
    priority VARCHAR(20),
    policy_id BIGINT,
    PRIMARY KEY (id),
    FOREIGN KEY(ticket_id) REFERENCES tickets (id),
    CONSTRAINT sla_events_once_key UNIQUE (ticket_id, metric, kind, due_at)
)
""",
    "CREATE INDEX ix_sla_events_ticket_id ON sla_events (ticket_id)",
    "CREATE INDEX sla_events_recorded_idx ON sla_events (recorded_at, id)",
    """
CREATE TABLE reminders (
    id BIGSERIAL NOT NULL,
    ticket_id BIGINT NOT NULL,
    kind VARCHAR(20) NOT NULL,
    assignee_id BIGINT,
    team_id BIGINT,
    callback_id BIGINT,
    due_at TIMESTAMP WITH TIME ZONE NOT NULL,
    status VARCHAR(20) NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    done_at TIMESTAMP WITH TIME ZONE,
    version INTEGER NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(callback_id) REFERENCES callbacks (id),
    FOREIGN KEY(ticket_id) REFERENCES tickets (id),
    CONSTRAINT reminders_once_key UNIQUE (ticket_id, kind, due_at)
)
""",
    "CREATE INDEX ix_reminders_ticket_id ON reminders (ticket_id)",
    "CREATE INDEX reminders_assignee_status_idx ON reminders (assignee_id, status)",
    "CREATE INDEX reminders_status_due_idx ON reminders (status, due_at)",
]

DOWNGRADE: list[str] = [
    "DROP INDEX reminders_status_due_idx",
    "DROP INDEX reminders_assignee_status_idx",
    "DROP INDEX ix_reminders_ticket_id",
    "DROP TABLE reminders",
    "DROP INDEX sla_events_recorded_idx",
    "DROP INDEX ix_sla_events_ticket_id",
    "DROP TABLE sla_events",
    "DROP INDEX ix_callbacks_ticket_id",
    "DROP TABLE callbacks",
    "DROP TABLE worker_replicas",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
