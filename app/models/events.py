"""Events out: the transactional outbox (`events`), webhook subscriptions and their deliveries."""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel

from app.models.base import timestamp, txid

# Deliveries that still hold back the later events of their ticket for their subscription.
UNFINISHED = "status IN ('pending', 'sending', 'retrying')"


class OutboxEvent(SQLModel, table=True):
    """Something that happened to a ticket, or to the desk (no ticket: an article published, a
    report ready), written in the transaction that made it happen."""

    __tablename__ = "events"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    type: str = Field(sa_type=String(40))
    ticket_id: int | None = Field(default=None, sa_type=BigInteger, foreign_key="tickets.id")
    payload: Any = Field(sa_column=Column(JSONB, nullable=False))
    occurred_at: datetime = timestamp()
    txid: int | None = txid()
    __table_args__ = (
        Index("events_feed_idx", "txid", "id"),
        Index("events_ticket_idx", "ticket_id", "id"),
    )


class WebhookSubscription(SQLModel, table=True):
    """An integration's endpoint and the event types it wants, signed with its secret."""

    __tablename__ = "webhook_subscriptions"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    url: str = Field(sa_type=Text)
    event_types: list[str] = Field(sa_column=Column(ARRAY(Text), nullable=False))
    secret: str = Field(sa_type=Text)
    active: bool = Field(sa_type=Boolean)
    description: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
    version: int = Field(default=1)


class WebhookDelivery(SQLModel, table=True):
    """One event owed to one subscription: its attempts, outcome and last error."""

    __tablename__ = "webhook_deliveries"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    event_id: int = Field(sa_column=Column(BigInteger, ForeignKey("events.id"), nullable=False))
    subscription_id: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), nullable=False
        )
    )
    ticket_id: int = Field(sa_type=BigInteger)
    status: str = Field(sa_type=String(20))
    attempts: int = Field(sa_type=Integer)
    next_attempt_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    lease_until: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    last_attempt_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    last_status_code: int | None = Field(default=None, sa_type=Integer)
    last_error: str | None = Field(default=None, sa_type=Text)
    delivered_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    created_at: datetime = timestamp()
    txid: int | None = txid()
    __table_args__ = (
        UniqueConstraint("event_id", "subscription_id", name="webhook_deliveries_once_key"),
        CheckConstraint(
            "status IN ('pending', 'sending', 'retrying', 'delivered', 'dead')",
            name="webhook_deliveries_status_check",
        ),
        # The claim: unfinished deliveries in commit order, and the check that none of the
        # same ticket and subscription comes before.
        Index(
            "webhook_deliveries_unfinished_idx",
            "subscription_id",
            "ticket_id",
            "txid",
            "id",
            postgresql_where=text(UNFINISHED),
        ),
        Index(
            "webhook_deliveries_claim_idx",
            "txid",
            "id",
            postgresql_where=text("status IN ('pending', 'sending')"),
        ),
        Index("webhook_deliveries_subscription_idx", "subscription_id", "id"),
        # A retry timer releases its ticket's deliveries waiting for that moment.
        Index(
            "webhook_deliveries_retrying_idx",
            "ticket_id",
            postgresql_where=text("status = 'retrying'"),
        ),
    )
