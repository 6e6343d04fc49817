"""routing: routing rules, escalations and the escalation matrix

- teams gain a supervisor, an assignment strategy (none, round_robin, least_open) and the agent
  round-robin assigned last; agents an availability (available, away) and a capacity of open
  tickets (NULL: no limit).
- tickets gain the routing rule that placed them and why (routed_by_rule_id, routing_reason),
  and the supervisor a hierarchical escalation named (escalated_to_id).
- routing_rules: ordered conditions on a new ticket → a team (and optionally a tier).
- escalations: every functional or hierarchical escalation, transfer and de-escalation, with
  its trigger and acknowledgement; sla_event_id and overdue_escalation_id are unique, so an
  automatic escalation happens once per cause; txid for a feed that never misses.
- escalation_matrix: one row, seeded empty (no automatic escalation until an admin sets one).
- routing_rules changes move the configuration revision (they are cached with the SLA policies).

Revision ID: 0009
Revises: 0008
Create Date: 2027-01-20 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The statements, as SQL: the schema's DDL lives in SQL, the tables' definitions in app/models.
UPGRADE: list[str] = [
    "ALTER TABLE teams ADD COLUMN supervisor_id BIGINT",
    "ALTER TABLE teams ADD COLUMN assignment VARCHAR(20) DEFAULT 'none' NOT NULL",
    "ALTER TABLE teams ADD COLUMN last_assigned_id BIGINT",
    "ALTER TABLE teams ADD CONSTRAINT teams_supervisor_id_fkey FOREIGN KEY(supervisor_id) REFERENCES agents (id)",
    "ALTER TABLE teams ADD CONSTRAINT teams_assignment_check CHECK (assignment IN ('none', 'round_robin', 'least_open'))",
    "ALTER TABLE agents ADD COLUMN availability VARCHAR(20) DEFAULT 'available' NOT NULL",
    "ALTER TABLE agents ADD COLUMN capacity INTEGER",
    "ALTER TABLE agents ADD CONSTRAINT agents_availability_check CHECK (availability IN ('available', 'away'))",
    "ALTER TABLE agents ADD CONSTRAINT agents_capacity_check CHECK (capacity >= 0)",
    """
CREATE TABLE routing_rules (
    id BIGSERIAL NOT NULL,
    name VARCHAR(200) NOT NULL,
    position INTEGER NOT NULL,
    conditions JSONB DEFAULT '{}'::jsonb NOT NULL,
    team_id BIGINT NOT NULL,
    tier INTEGER,
    active BOOLEAN NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT routing_rules_tier_range CHECK (tier BETWEEN 1 AND 3),
    FOREIGN KEY(team_id) REFERENCES teams (id)
)
""",
    "CREATE INDEX routing_rules_order_idx ON routing_rules (position, id)",
    "CREATE INDEX ix_routing_rules_team_id ON routing_rules (team_id)",
    "ALTER TABLE tickets ADD COLUMN routed_by_rule_id BIGINT",
    "ALTER TABLE tickets ADD COLUMN routing_reason TEXT",
    "ALTER TABLE tickets ADD COLUMN escalated_to_id BIGINT",
    "ALTER TABLE tickets ADD FOREIGN KEY(routed_by_rule_id) REFERENCES routing_rules (id)",
    "ALTER TABLE tickets ADD FOREIGN KEY(escalated_to_id) REFERENCES agents (id)",
    """
CREATE TABLE escalations (
    id BIGSERIAL NOT NULL,
    ticket_id BIGINT NOT NULL,
    kind VARCHAR(20) NOT NULL,
    from_team_id BIGINT,
    to_team_id BIGINT,
    from_tier INTEGER NOT NULL,
    to_tier INTEGER NOT NULL,
    from_agent_id BIGINT,
    to_agent_id BIGINT,
    reason TEXT NOT NULL,
    trigger VARCHAR(30) NOT NULL,
    actor_key_id BIGINT,
    actor_agent_id BIGINT,
    actor_name VARCHAR(200),
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    ack_remind_at TIMESTAMP WITH TIME ZONE,
    ack_due_at TIMESTAMP WITH TIME ZONE,
    acknowledged_at TIMESTAMP WITH TIME ZONE,
    acknowledged_by_key_id BIGINT,
    acknowledged_by_name VARCHAR(200),
    sla_event_id BIGINT,
    overdue_escalation_id BIGINT,
    txid XID8 DEFAULT pg_current_xact_id() NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT escalations_kind_check CHECK (kind IN ('functional', 'hierarchical', 'transfer', 'deescalation')),
    CONSTRAINT escalations_trigger_check CHECK (trigger IN ('manual', 'sla_warning', 'sla_breach', 'rule', 'acknowledgement_overdue')),
    FOREIGN KEY(ticket_id) REFERENCES tickets (id),
    FOREIGN KEY(from_team_id) REFERENCES teams (id),
    FOREIGN KEY(to_team_id) REFERENCES teams (id),
    FOREIGN KEY(from_agent_id) REFERENCES agents (id),
    FOREIGN KEY(to_agent_id) REFERENCES agents (id),
    FOREIGN KEY(actor_key_id) REFERENCES api_keys (id),
    FOREIGN KEY(actor_agent_id) REFERENCES agents (id),
    FOREIGN KEY(acknowledged_by_key_id) REFERENCES api_keys (id),
    FOREIGN KEY(sla_event_id) REFERENCES sla_events (id),
    FOREIGN KEY(overdue_escalation_id) REFERENCES escalations (id),
    UNIQUE (sla_event_id),
    UNIQUE (overdue_escalation_id)
)
""",
    "CREATE INDEX escalations_ticket_idx ON escalations (ticket_id, id)",
    "CREATE INDEX escalations_created_idx ON escalations (created_at, id)",
    "CREATE INDEX escalations_feed_idx ON escalations (txid, id)",
    """
CREATE TABLE escalation_matrix (
    id INTEGER NOT NULL,
    rules JSONB DEFAULT '[]'::jsonb NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT escalation_matrix_single_row CHECK (id = 1)
)
""",
    "INSERT INTO escalation_matrix (id, rules, updated_at, version) VALUES (1, '[]', '2026-12-02 03:48:22.263042+00:00', 1)",
    "CREATE TRIGGER audit_routing_rules AFTER INSERT OR UPDATE OR DELETE ON routing_rules FOR EACH ROW EXECUTE FUNCTION audit_row()",
    "CREATE TRIGGER audit_escalations AFTER INSERT OR UPDATE OR DELETE ON escalations FOR EACH ROW EXECUTE FUNCTION audit_row()",
    "CREATE TRIGGER audit_escalation_matrix AFTER INSERT OR UPDATE OR DELETE ON escalation_matrix FOR EACH ROW EXECUTE FUNCTION audit_row()",
    "CREATE TRIGGER routing_rules_config_revision AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON routing_rules FOR EACH STATEMENT EXECUTE FUNCTION bump_config_revision()",
]

DOWNGRADE: list[str] = [
    "DROP TRIGGER routing_rules_config_revision ON routing_rules",
    "DROP TRIGGER audit_routing_rules ON routing_rules",
    "DROP TRIGGER audit_escalations ON escalations",
    "DROP TRIGGER audit_escalation_matrix ON escalation_matrix",
    "DROP TABLE escalation_matrix",
    "DROP TABLE escalations",
    "ALTER TABLE tickets DROP COLUMN escalated_to_id",
    "ALTER TABLE tickets DROP COLUMN routing_reason",
    "ALTER TABLE tickets DROP COLUMN routed_by_rule_id",
    "DROP TABLE routing_rules",
    "ALTER TABLE agents DROP CONSTRAINT agents_capacity_check",
    "ALTER TABLE agents DROP CONSTRAINT agents_availability_check",
    "ALTER TABLE agents DROP COLUMN capacity",
    "ALTER TABLE agents DROP COLUMN availability",
    "ALTER TABLE teams DROP CONSTRAINT teams_assignment_check",
    "ALTER TABLE teams DROP COLUMN last_assigned_id",
    "ALTER TABLE teams DROP COLUMN assignment",
    "ALTER TABLE teams DROP COLUMN supervisor_id",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
