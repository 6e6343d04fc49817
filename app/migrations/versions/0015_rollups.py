"""metric rollups: a row of facts per ticket and per-day tallies by dimension

- metric_tickets: what the KPIs need of each ticket (instants, dimensions, durations, flags),
  worked out by app.services.rollups whenever the ticket, its SLA breaches, its escalations
  or its survey answers change (it follows their feeds), so a summary never recomputes them per ticket.
- metric_rollups: per UTC day and dimension value (all, team, agent, channel, priority,
  category, and each hour of the day for every ticket), the tally of those facts as JSON; a
  period's summary adds up its whole days and hours and tallies only the ragged minutes.
- metric_feeds: how far the rollups have followed each feed.
- tickets (customer_id, created_at, id): a customer's tickets in order, for the facts' "the
  customer's previous ticket" instants.
- survey_responses.txid: the answers as a feed too (they are tallied by the day answered).

Existing tickets are taken in by the worker's next passes (every ticket is "changed" for a
cursor at zero); on a large desk, `helpdesk rebuild-metrics` does it in one go.

Revision ID: 0015
Revises: 0014
Create Date: 2027-02-10 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _at(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "metric_tickets",
        sa.Column(
            "ticket_id",
            sa.BigInteger(),
            sa.ForeignKey("tickets.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        _at("created_at", nullable=False),
        _at("resolved_at"),
        _at("closed_at"),
        _at("done_at"),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("priority", sa.String(20), nullable=False),
        sa.Column("category", sa.String(200), nullable=True),
        sa.Column("tags", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("team_id", sa.BigInteger(), nullable=True),
        sa.Column("assignee_id", sa.BigInteger(), nullable=True),
        sa.Column("customer_id", sa.BigInteger(), nullable=True),
        _at("customer_previous_at"),
        _at("customer_second_previous_at"),
        sa.Column("created_by_key_id", sa.BigInteger(), nullable=True),
        sa.Column("under_policy", sa.Boolean(), nullable=False),
        sa.Column("first_response_seconds", sa.Float(), nullable=True),
        sa.Column("first_response_business_seconds", sa.Float(), nullable=True),
        sa.Column("resolution_seconds", sa.Float(), nullable=True),
        sa.Column("resolution_business_seconds", sa.Float(), nullable=True),
        sa.Column("waited_seconds", sa.Float(), nullable=True),
        sa.Column("handle_seconds", sa.Float(), nullable=False),
        sa.Column("agent_replies", sa.Integer(), nullable=False),
        sa.Column("reopened", sa.Boolean(), nullable=False),
        sa.Column("transferred", sa.Boolean(), nullable=False),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("first_response_breached", sa.Boolean(), nullable=False),
        sa.Column("resolution_breached", sa.Boolean(), nullable=False),
        sa.Column("repeat", sa.Boolean(), nullable=False),
    )
    op.create_index(
        "metric_tickets_created_at_idx",
        "metric_tickets",
        ["created_at"],
        postgresql_include=["customer_id", "customer_previous_at", "customer_second_previous_at"],
    )
    for column, name in (
        ("resolved_at", "resolved_at"),
        ("closed_at", "closed_at"),
        ("done_at", "done_at"),
        ("customer_previous_at", "previous"),
        ("customer_second_previous_at", "second_previous"),
    ):
        op.create_index(
            f"metric_tickets_{name}_idx",
            "metric_tickets",
            [column],
            postgresql_where=sa.text(f"{column} IS NOT NULL"),
        )
    op.create_index(
        "metric_tickets_not_done_idx",
        "metric_tickets",
        ["created_at"],
        postgresql_where=sa.text("done_at IS NULL"),
    )
    op.create_index(
        "tickets_customer_created_at_idx", "tickets", ["customer_id", "created_at", "id"]
    )
    op.execute(
        "ALTER TABLE survey_responses ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id()"
    )
    op.execute("CREATE INDEX survey_responses_feed_idx ON survey_responses (txid, id)")
    op.create_table(
        "metric_rollups",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("dim", sa.String(20), primary_key=True),
        sa.Column("value", sa.Text(), primary_key=True),
        sa.Column("tally", postgresql.JSONB(), nullable=False),
    )
    op.execute(
        "CREATE TABLE metric_feeds (name varchar(40) PRIMARY KEY, txid xid8 NOT NULL,"
        " last_id bigint NOT NULL)"
    )


def downgrade() -> None:
    op.drop_table("metric_feeds")
    op.drop_table("metric_rollups")
    op.drop_table("metric_tickets")
    op.drop_index("tickets_customer_created_at_idx", table_name="tickets")
    op.drop_index("survey_responses_feed_idx", table_name="survey_responses")
    op.drop_column("survey_responses", "txid")
