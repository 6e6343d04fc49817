"""metrics: survey answers, and what the metrics and the ticket export read

- survey_responses: one CSAT (1–5) and one NPS (0–10) answer per ticket at most, with an
  optional comment; the customer is the ticket's at the time of the answer. Audited like
  every table that may hold personal data (a comment).
- tickets.txid: the id of the transaction that last wrote the ticket, kept by a trigger on
  every update, so that the ticket export is a feed that never misses a late commit.
- indexes: tickets by resolution and closing instant, by customer and resolution (the metrics'
  periods), interactions by instant (per-agent figures).

Revision ID: 0010
Revises: 0008
Create Date: 2027-01-20 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOUCH = """
CREATE FUNCTION tickets_touch_txid() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.txid := pg_current_xact_id();
    RETURN NEW;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "survey_responses",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("customer_id", sa.BigInteger(), nullable=True),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_key_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "(kind = 'csat' AND score BETWEEN 1 AND 5) OR (kind = 'nps' AND score BETWEEN 0 AND 10)",
            name="survey_responses_score_range",
        ),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"]),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"]),
        sa.ForeignKeyConstraint(["created_by_key_id"], ["api_keys.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id", "kind", name="survey_responses_once_key"),
    )
    op.create_index("survey_responses_responded_at_idx", "survey_responses", ["responded_at", "id"])
    op.create_index("survey_responses_customer_idx", "survey_responses", ["customer_id"])
    op.execute(
        "CREATE TRIGGER audit_survey_responses AFTER INSERT OR UPDATE OR DELETE"
        " ON survey_responses FOR EACH ROW EXECUTE FUNCTION audit_row()"
    )
    op.execute("ALTER TABLE tickets ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id()")
    op.execute("CREATE INDEX tickets_feed_idx ON tickets (txid, id)")
    op.execute(TOUCH)
    op.execute(
        "CREATE TRIGGER tickets_touch_txid BEFORE UPDATE ON tickets"
        " FOR EACH ROW EXECUTE FUNCTION tickets_touch_txid()"
    )
    op.create_index(
        "tickets_resolved_at_idx",
        "tickets",
        ["resolved_at"],
        postgresql_where=sa.text("resolved_at IS NOT NULL"),
    )
    op.create_index(
        "tickets_closed_at_idx",
        "tickets",
        ["closed_at"],
        postgresql_where=sa.text("closed_at IS NOT NULL"),
    )
    op.create_index(
        "tickets_customer_resolved_at_idx",
        "tickets",
        ["customer_id", "resolved_at"],
        postgresql_where=sa.text("resolved_at IS NOT NULL"),
    )
    op.create_index("interactions_occurred_at_idx", "interactions", ["occurred_at"])


def downgrade() -> None:
    op.drop_index("interactions_occurred_at_idx", table_name="interactions")
    op.drop_index("tickets_customer_resolved_at_idx", table_name="tickets")
    op.drop_index("tickets_closed_at_idx", table_name="tickets")
    op.drop_index("tickets_resolved_at_idx", table_name="tickets")
    op.execute("DROP TRIGGER tickets_touch_txid ON tickets")
    op.execute("DROP FUNCTION tickets_touch_txid()")
    op.execute("DROP INDEX tickets_feed_idx")
    op.execute("ALTER TABLE tickets DROP COLUMN txid")
    op.execute("DROP TRIGGER audit_survey_responses ON survey_responses")
    op.drop_table("survey_responses")
