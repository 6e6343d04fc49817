"""events out: the transactional outbox, webhook subscriptions and deliveries

- events: one row per thing that happened to a ticket, written in the transaction that made it
  happen; `txid` (xid8) makes `GET /v1/events` a feed that never misses a row committed late.
- webhook_subscriptions: an endpoint, the event types it wants, its signing secret, active.
- webhook_deliveries: one row per (event, subscription), written with the event; the delivery
  worker claims them in commit order, one at a time per ticket and subscription.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 23:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The statements, as SQL: the schema's DDL lives in SQL, the tables' definitions in app/models.
UPGRADE: list[str] = [
    """
CREATE TABLE events (
    id BIGSERIAL NOT NULL,
    type VARCHAR(40) NOT NULL,
    ticket_id BIGINT NOT NULL,
    payload JSONB NOT NULL,
    occurred_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(ticket_id) REFERENCES tickets (id)
)
""",
    "ALTER TABLE events ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id()",
    "CREATE INDEX events_feed_idx ON events (txid, id)",
    "CREATE INDEX events_ticket_idx ON events (ticket_id, id)",
    """
CREATE TABLE webhook_subscriptions (
    id BIGSERIAL NOT NULL,
    url TEXT NOT NULL,
    event_types TEXT[] NOT NULL,
    secret TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    description TEXT,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (id)
)
""",
    """
CREATE TABLE webhook_deliveries (
    id BIGSERIAL NOT NULL,
    event_id BIGINT NOT NULL,
    subscription_id BIGINT NOT NULL,
    ticket_id BIGINT NOT NULL,
    status VARCHAR(20) NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP WITH TIME ZONE,
    lease_until TIMESTAMP WITH TIME ZONE,
    last_attempt_at TIMESTAMP WITH TIME ZONE,
    last_status_code INTEGER,
    last_error TEXT,
    delivered_at TIMESTAMP WITH TIME ZONE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT webhook_deliveries_status_check CHECK (status IN ('pending', 'sending', 'retrying', 'delivered', 'dead')),
    FOREIGN KEY(event_id) REFERENCES events (id),
    FOREIGN KEY(subscription_id) REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    CONSTRAINT webhook_deliveries_once_key UNIQUE (event_id, subscription_id)
)
""",
    "ALTER TABLE webhook_deliveries ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id()",
    "CREATE INDEX webhook_deliveries_unfinished_idx ON webhook_deliveries (subscription_id, ticket_id, txid, id) WHERE status IN ('pending', 'sending', 'retrying')",
    "CREATE INDEX webhook_deliveries_claim_idx ON webhook_deliveries (txid, id) WHERE status IN ('pending', 'sending')",
    "CREATE INDEX webhook_deliveries_subscription_idx ON webhook_deliveries (subscription_id, id)",
    "CREATE INDEX webhook_deliveries_retrying_idx ON webhook_deliveries (ticket_id) WHERE status = 'retrying'",
]

DOWNGRADE: list[str] = [
    "DROP TABLE webhook_deliveries",
    "DROP TABLE webhook_subscriptions",
    "DROP TABLE events",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
