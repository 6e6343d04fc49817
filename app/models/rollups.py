"""The metrics' rollups: one row of facts per ticket, and per-day tallies of those facts by
dimension, kept current by app.services.rollups from the feeds of the tables they read."""

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Date, Float, ForeignKey, Index, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel

from app.models.base import Xid8, timestamp


def _seconds() -> float | None:
    return Field(default=None, sa_column=Column(Float, nullable=True))  # type: ignore[no-any-return]


class MetricTicket(SQLModel, table=True):
    """What the KPIs need of one ticket, worked out once per change (app.domain.metrics says
    what each means): its instants, its dimensions, its durations and its flags."""

    __tablename__ = "metric_tickets"
    ticket_id: int = Field(
        sa_column=Column(
            BigInteger,
            # Tickets are never deleted; the cascade keeps a test's TRUNCATE simple.
            ForeignKey("tickets.id", ondelete="CASCADE"),
            primary_key=True,
        )
    )
    created_at: datetime = timestamp()
    resolved_at: datetime | None = timestamp(nullable=True)
    closed_at: datetime | None = timestamp(nullable=True)
    # The first of resolved_at and closed_at: when the ticket was done, if it is.
    done_at: datetime | None = timestamp(nullable=True)
    status: str = Field(sa_type=String(20))
    type: str = Field(sa_type=String(20))
    channel: str = Field(sa_type=String(20))
    priority: str = Field(sa_type=String(20))
    category: str | None = Field(default=None, sa_type=String(200))
    tags: list[str] = Field(
        default_factory=list, sa_column=Column(ARRAY(Text), nullable=False, server_default="{}")
    )
    team_id: int | None = Field(default=None, sa_type=BigInteger)
    assignee_id: int | None = Field(default=None, sa_type=BigInteger)
    customer_id: int | None = Field(default=None, sa_type=BigInteger)
    # When the same customer's previous ticket and the one before were created (by created_at,
    # then id): a period's customers and repeat customers are counted from them, without
    # grouping by customer.
    customer_previous_at: datetime | None = timestamp(nullable=True)
    customer_second_previous_at: datetime | None = timestamp(nullable=True)
    created_by_key_id: int | None = Field(default=None, sa_type=BigInteger)
    # The supervisor the ticket is escalated to: the visibility predicate reads it here too.
    escalated_to_id: int | None = Field(default=None, sa_type=BigInteger)
    under_policy: bool
    first_response_seconds: float | None = _seconds()
    first_response_business_seconds: float | None = _seconds()
    resolution_seconds: float | None = _seconds()
    resolution_business_seconds: float | None = _seconds()
    waited_seconds: float | None = _seconds()
    handle_seconds: float = Field(sa_column=Column(Float, nullable=False))
    agent_replies: int
    reopened: bool
    transferred: bool
    escalated: bool
    first_response_breached: bool
    resolution_breached: bool
    # Opened within the repeat window after another ticket of its customer was resolved.
    repeat: bool
    __table_args__ = (
        Index(
            "metric_tickets_created_at_idx",
            "created_at",
            postgresql_include=[
                "customer_id",
                "customer_previous_at",
                "customer_second_previous_at",
            ],
        ),
        Index(
            "metric_tickets_resolved_at_idx",
            "resolved_at",
            postgresql_where=text("resolved_at IS NOT NULL"),
        ),
        Index(
            "metric_tickets_closed_at_idx",
            "closed_at",
            postgresql_where=text("closed_at IS NOT NULL"),
        ),
        Index(
            "metric_tickets_done_at_idx", "done_at", postgresql_where=text("done_at IS NOT NULL")
        ),
        Index(
            "metric_tickets_previous_idx",
            "customer_previous_at",
            postgresql_where=text("customer_previous_at IS NOT NULL"),
        ),
        Index(
            "metric_tickets_second_previous_idx",
            "customer_second_previous_at",
            postgresql_where=text("customer_second_previous_at IS NOT NULL"),
        ),
        Index(
            "metric_tickets_not_done_idx", "created_at", postgresql_where=text("done_at IS NULL")
        ),
    )


class MetricRollup(SQLModel, table=True):
    """One UTC day's tally of the ticket facts for one dimension value: `all`, `team`,
    `agent`, `channel`, `priority` or `category`, and `hour` ("00"–"23": that hour of the day,
    every ticket) for the ragged ends of a period."""

    __tablename__ = "metric_rollups"
    day: date = Field(sa_column=Column(Date, primary_key=True))
    dim: str = Field(sa_column=Column(String(20), primary_key=True))
    value: str = Field(sa_column=Column(Text, primary_key=True))
    tally: dict[str, object] = Field(sa_column=Column(JSONB, nullable=False))


class MetricFeed(SQLModel, table=True):
    """How far the rollups have followed one feed (tickets, sla_events, escalations): the
    (txid, id) of the last row taken."""

    __tablename__ = "metric_feeds"
    name: str = Field(sa_column=Column(String(40), primary_key=True))
    txid: int = Field(sa_column=Column(Xid8(), nullable=False))
    last_id: int = Field(sa_type=BigInteger)
