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
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from app.models.base import Xid8

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUDITED = ("routing_rules", "escalations", "escalation_matrix")


def upgrade() -> None:
    op.add_column("teams", sa.Column("supervisor_id", sa.BigInteger(), nullable=True))
    op.add_column(
        "teams",
        sa.Column("assignment", sa.String(length=20), server_default="none", nullable=False),
    )
    op.add_column("teams", sa.Column("last_assigned_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key("teams_supervisor_id_fkey", "teams", "agents", ["supervisor_id"], ["id"])
    op.create_check_constraint(
        "teams_assignment_check", "teams", "assignment IN ('none', 'round_robin', 'least_open')"
    )
    op.add_column(
        "agents",
        sa.Column("availability", sa.String(length=20), server_default="available", nullable=False),
    )
    op.add_column("agents", sa.Column("capacity", sa.Integer(), nullable=True))
    op.create_check_constraint(
        "agents_availability_check", "agents", "availability IN ('available', 'away')"
    )
    op.create_check_constraint("agents_capacity_check", "agents", "capacity >= 0")

    op.create_table(
        "routing_rules",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "conditions",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("team_id", sa.BigInteger(), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("tier BETWEEN 1 AND 3", name="routing_rules_tier_range"),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("routing_rules_order_idx", "routing_rules", ["position", "id"])
    op.create_index(op.f("ix_routing_rules_team_id"), "routing_rules", ["team_id"])

    op.add_column("tickets", sa.Column("routed_by_rule_id", sa.BigInteger(), nullable=True))
    op.add_column("tickets", sa.Column("routing_reason", sa.Text(), nullable=True))
    op.add_column("tickets", sa.Column("escalated_to_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(None, "tickets", "routing_rules", ["routed_by_rule_id"], ["id"])
    op.create_foreign_key(None, "tickets", "agents", ["escalated_to_id"], ["id"])

    op.create_table(
        "escalations",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("from_team_id", sa.BigInteger(), nullable=True),
        sa.Column("to_team_id", sa.BigInteger(), nullable=True),
        sa.Column("from_tier", sa.Integer(), nullable=False),
        sa.Column("to_tier", sa.Integer(), nullable=False),
        sa.Column("from_agent_id", sa.BigInteger(), nullable=True),
        sa.Column("to_agent_id", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("trigger", sa.String(length=30), nullable=False),
        sa.Column("actor_key_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_agent_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ack_remind_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ack_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by_key_id", sa.BigInteger(), nullable=True),
        sa.Column("acknowledged_by_name", sa.String(length=200), nullable=True),
        sa.Column("sla_event_id", sa.BigInteger(), nullable=True),
        sa.Column("overdue_escalation_id", sa.BigInteger(), nullable=True),
        sa.Column("txid", Xid8(), server_default=sa.text("pg_current_xact_id()"), nullable=False),
        sa.CheckConstraint(
            "kind IN ('functional', 'hierarchical', 'transfer', 'deescalation')",
            name="escalations_kind_check",
        ),
        sa.CheckConstraint(
            "trigger IN ('manual', 'sla_warning', 'sla_breach', 'rule', 'acknowledgement_overdue')",
            name="escalations_trigger_check",
        ),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"]),
        sa.ForeignKeyConstraint(["from_team_id"], ["teams.id"]),
        sa.ForeignKeyConstraint(["to_team_id"], ["teams.id"]),
        sa.ForeignKeyConstraint(["from_agent_id"], ["agents.id"]),
        sa.ForeignKeyConstraint(["to_agent_id"], ["agents.id"]),
        sa.ForeignKeyConstraint(["actor_key_id"], ["api_keys.id"]),
        sa.ForeignKeyConstraint(["actor_agent_id"], ["agents.id"]),
        sa.ForeignKeyConstraint(["acknowledged_by_key_id"], ["api_keys.id"]),
        sa.ForeignKeyConstraint(["sla_event_id"], ["sla_events.id"]),
        sa.ForeignKeyConstraint(["overdue_escalation_id"], ["escalations.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sla_event_id"),
        sa.UniqueConstraint("overdue_escalation_id"),
    )
    op.create_index("escalations_ticket_idx", "escalations", ["ticket_id", "id"])
    op.create_index("escalations_created_idx", "escalations", ["created_at", "id"])
    op.create_index("escalations_feed_idx", "escalations", ["txid", "id"])

    op.create_table(
        "escalation_matrix",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column(
            "rules",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("id = 1", name="escalation_matrix_single_row"),
        sa.PrimaryKeyConstraint("id"),
    )
    matrix = sa.table(
        "escalation_matrix",
        sa.column("id", sa.Integer),
        sa.column("rules", postgresql.JSONB),
        sa.column("updated_at", sa.DateTime(timezone=True)),
        sa.column("version", sa.Integer),
    )
    op.execute(matrix.insert().values(id=1, rules=[], updated_at=datetime.now(UTC), version=1))
    for table in AUDITED:
        op.execute(
            f"CREATE TRIGGER audit_{table} AFTER INSERT OR UPDATE OR DELETE ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION audit_row()"
        )
    # Routing rules are read with the SLA configuration (cached per app until the revision
    # moves): every change to them moves it (the function of migration 0004).
    op.execute(
        "CREATE TRIGGER routing_rules_config_revision "
        "AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON routing_rules "
        "FOR EACH STATEMENT EXECUTE FUNCTION bump_config_revision()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER routing_rules_config_revision ON routing_rules")
    for table in AUDITED:
        op.execute(f"DROP TRIGGER audit_{table} ON {table}")
    op.drop_table("escalation_matrix")
    op.drop_table("escalations")
    op.drop_column("tickets", "escalated_to_id")
    op.drop_column("tickets", "routing_reason")
    op.drop_column("tickets", "routed_by_rule_id")
    op.drop_table("routing_rules")
    op.drop_constraint("agents_capacity_check", "agents")
    op.drop_constraint("agents_availability_check", "agents")
    op.drop_column("agents", "capacity")
    op.drop_column("agents", "availability")
    op.drop_constraint("teams_assignment_check", "teams")
    op.drop_column("teams", "last_assigned_id")
    op.drop_column("teams", "assignment")
    op.drop_column("teams", "supervisor_id")
