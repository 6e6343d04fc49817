"""metrics: survey answers, and what the metrics and the ticket export read

- survey_responses: one CSAT (1–5) and one NPS (0–10) answer per ticket at most, with an
  optional comment; the customer is the ticket's at the time of the answer. Audited like
  every table that may hold personal data (a comment).
- tickets.txid: the id of the transaction that last wrote the ticket, kept by a trigger on
  every update, so that the ticket export is a feed that never misses a late commit.
- indexes: tickets by resolution and closing instant, by customer and resolution (the metrics'
  periods), interactions by instant (per-agent figures).

Revision ID: 0010
Revises: 0009
Create Date: 2027-01-20 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The statements, as SQL: the schema's DDL lives in SQL, the tables' definitions in app/models.
UPGRADE: list[str] = [
    """
CREATE TABLE survey_responses (
    id BIGSERIAL NOT NULL,
    ticket_id BIGINT NOT NULL,
    kind VARCHAR(10) NOT NULL,
    score INTEGER NOT NULL,
    comment TEXT,
    customer_id BIGINT,
    responded_at TIMESTAMP WITH TIME ZONE NOT NULL,
    created_by_key_id BIGINT,
    PRIMARY KEY (id),
    CONSTRAINT survey_responses_score_range CHECK ((kind = 'csat' AND score BETWEEN 1 AND 5) OR (kind = 'nps' AND score BETWEEN 0 AND 10)),
    FOREIGN KEY(ticket_id) REFERENCES tickets (id),
    FOREIGN KEY(customer_id) REFERENCES customers (id),
    FOREIGN KEY(created_by_key_id) REFERENCES api_keys (id),
    CONSTRAINT survey_responses_once_key UNIQUE (ticket_id, kind)
)
""",
    "CREATE INDEX survey_responses_responded_at_idx ON survey_responses (responded_at, id)",
    "CREATE INDEX survey_responses_customer_idx ON survey_responses (customer_id)",
    "CREATE TRIGGER audit_survey_responses AFTER INSERT OR UPDATE OR DELETE ON survey_responses FOR EACH ROW EXECUTE FUNCTION audit_row()",
    "ALTER TABLE tickets ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id()",
    "CREATE INDEX tickets_feed_idx ON tickets (txid, id)",
    """
CREATE FUNCTION tickets_touch_txid() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.txid := pg_current_xact_id();
    RETURN NEW;
END
$$
""",
    "CREATE TRIGGER tickets_touch_txid BEFORE UPDATE ON tickets FOR EACH ROW EXECUTE FUNCTION tickets_touch_txid()",
    "CREATE INDEX tickets_resolved_at_idx ON tickets (resolved_at) WHERE resolved_at IS NOT NULL",
    "CREATE INDEX tickets_closed_at_idx ON tickets (closed_at) WHERE closed_at IS NOT NULL",
    "CREATE INDEX tickets_customer_resolved_at_idx ON tickets (customer_id, resolved_at) WHERE resolved_at IS NOT NULL",
    "CREATE INDEX interactions_occurred_at_idx ON interactions (occurred_at)",
]

DOWNGRADE: list[str] = [
    "DROP INDEX interactions_occurred_at_idx",
    "DROP INDEX tickets_customer_resolved_at_idx",
    "DROP INDEX tickets_closed_at_idx",
    "DROP INDEX tickets_resolved_at_idx",
    "DROP TRIGGER tickets_touch_txid ON tickets",
    "DROP FUNCTION tickets_touch_txid()",
    "DROP INDEX tickets_feed_idx",
    "ALTER TABLE tickets DROP COLUMN txid",
    "DROP TRIGGER audit_survey_responses ON survey_responses",
    "DROP TABLE survey_responses",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
