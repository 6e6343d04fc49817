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

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The statements, as SQL: the schema's DDL lives in SQL, the tables' definitions in app/models.
UPGRADE: list[str] = [
    """
CREATE TABLE metric_tickets (
    ticket_id BIGINT NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    resolved_at TIMESTAMP WITH TIME ZONE,
    closed_at TIMESTAMP WITH TIME ZONE,
    done_at TIMESTAMP WITH TIME ZONE,
    status VARCHAR(20) NOT NULL,
    type VARCHAR(20) NOT NULL,
    channel VARCHAR(20) NOT NULL,
    priority VARCHAR(20) NOT NULL,
    category VARCHAR(200),
    tags TEXT[] DEFAULT '{}' NOT NULL,
    team_id BIGINT,
    assignee_id BIGINT,
    customer_id BIGINT,
    customer_previous_at TIMESTAMP WITH TIME ZONE,
    customer_second_previous_at TIMESTAMP WITH TIME ZONE,
    created_by_key_id BIGINT,
    under_policy BOOLEAN NOT NULL,
    first_response_seconds FLOAT,
    first_response_business_seconds FLOAT,
    resolution_seconds FLOAT,
    resolution_business_seconds FLOAT,
    waited_seconds FLOAT,
    handle_seconds FLOAT NOT NULL,
    agent_replies INTEGER NOT NULL,
    reopened BOOLEAN NOT NULL,
    transferred BOOLEAN NOT NULL,
    escalated BOOLEAN NOT NULL,
    first_response_breached BOOLEAN NOT NULL,
    resolution_breached BOOLEAN NOT NULL,
    repeat BOOLEAN NOT NULL,
    PRIMARY KEY (ticket_id),
    FOREIGN KEY(ticket_id) REFERENCES tickets (id) ON DELETE CASCADE
)
""",
    "CREATE INDEX metric_tickets_created_at_idx ON metric_tickets (created_at) INCLUDE (customer_id, customer_previous_at, customer_second_previous_at)",
    "CREATE INDEX metric_tickets_resolved_at_idx ON metric_tickets (resolved_at) WHERE resolved_at IS NOT NULL",
    "CREATE INDEX metric_tickets_closed_at_idx ON metric_tickets (closed_at) WHERE closed_at IS NOT NULL",
    "CREATE INDEX metric_tickets_done_at_idx ON metric_tickets (done_at) WHERE done_at IS NOT NULL",
    "CREATE INDEX metric_tickets_previous_idx ON metric_tickets (customer_previous_at) WHERE customer_previous_at IS NOT NULL",
    "CREATE INDEX metric_tickets_second_previous_idx ON metric_tickets (customer_second_previous_at) WHERE customer_second_previous_at IS NOT NULL",
    "CREATE INDEX metric_tickets_not_done_idx ON metric_tickets (created_at) WHERE done_at IS NULL",
    "CREATE INDEX tickets_customer_created_at_idx ON tickets (customer_id, created_at, id)",
    "ALTER TABLE survey_responses ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id()",
    "CREATE INDEX survey_responses_feed_idx ON survey_responses (txid, id)",
    """
CREATE TABLE metric_rollups (
    day DATE NOT NULL,
    dim VARCHAR(20) NOT NULL,
    value TEXT NOT NULL,
    tally JSONB NOT NULL,
    PRIMARY KEY (day, dim, value)
)
""",
    "CREATE TABLE metric_feeds (name varchar(40) PRIMARY KEY, txid xid8 NOT NULL, last_id bigint NOT NULL)",
]

DOWNGRADE: list[str] = [
    "DROP TABLE metric_feeds",
    "DROP TABLE metric_rollups",
    "DROP TABLE metric_tickets",
    "DROP INDEX tickets_customer_created_at_idx",
    "DROP INDEX survey_responses_feed_idx",
    "ALTER TABLE survey_responses DROP COLUMN txid",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
