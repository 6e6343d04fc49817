"""events out: the transactional outbox, webhook subscriptions and deliveries

- events: one row per thing that happened to a ticket, written in the transaction that made it
  happen; `txid` (xid8) makes `GET /v1/events` a feed that never misses a row committed late.
- webhook_subscriptions: an endpoint, the event types it wants, its signing secret, active.
- webhook_deliveries: one row per (event, subscription), written with the event; the delivery
  worker claims them in commit order, one at a time per ticket and subscription.

Revision ID: 0011
Revises: 0008
Create Date: 2026-12-01 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNFINISHED = "status IN ('pending', 'sending', 'retrying')"


# The writing transaction's id, as migration 0005 gave sla_events and reminders.
TXID = "ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id()"


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute(f"ALTER TABLE events {TXID}")
    op.create_index("events_feed_idx", "events", ["txid", "id"])
    op.create_index("events_ticket_idx", "events", ["ticket_id", "id"])
    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("event_types", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("subscription_id", sa.BigInteger(), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'retrying', 'delivered', 'dead')",
            name="webhook_deliveries_status_check",
        ),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"]),
        sa.ForeignKeyConstraint(
            ["subscription_id"], ["webhook_subscriptions.id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", "subscription_id", name="webhook_deliveries_once_key"),
    )
    op.execute(f"ALTER TABLE webhook_deliveries {TXID}")
    op.create_index(
        "webhook_deliveries_unfinished_idx",
        "webhook_deliveries",
        ["subscription_id", "ticket_id", "txid", "id"],
        postgresql_where=sa.text(UNFINISHED),
    )
    op.create_index(
        "webhook_deliveries_claim_idx",
        "webhook_deliveries",
        ["txid", "id"],
        postgresql_where=sa.text("status IN ('pending', 'sending')"),
    )
    op.create_index(
        "webhook_deliveries_subscription_idx", "webhook_deliveries", ["subscription_id", "id"]
    )
    op.create_index(
        "webhook_deliveries_retrying_idx",
        "webhook_deliveries",
        ["ticket_id"],
        postgresql_where=sa.text("status = 'retrying'"),
    )


def downgrade() -> None:
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_subscriptions")
    op.drop_table("events")
