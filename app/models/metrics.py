"""Survey answers, and the ticket indexes and change feed the metrics and the ticket export read."""

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

from app.models.base import reference, timestamp, txid
from app.models.tickets import Interaction, Ticket


class SurveyResponse(SQLModel, table=True):
    """A customer's CSAT (1–5) or NPS (0–10) answer about a ticket: one of each kind at most."""

    __tablename__ = "survey_responses"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    ticket_id: int = Field(sa_type=BigInteger, foreign_key="tickets.id")
    kind: str = Field(sa_type=String(10))
    score: int
    comment: str | None = Field(default=None, sa_type=Text)
    customer_id: int | None = reference("customers.id", index=False)
    responded_at: datetime = timestamp()
    created_by_key_id: int | None = reference("api_keys.id", index=False)
    # The metrics' rollups follow the answers in the order they were committed (migration 0015).
    txid: int | None = txid()
    __table_args__ = (
        UniqueConstraint("ticket_id", "kind", name="survey_responses_once_key"),
        CheckConstraint(
            "(kind = 'csat' AND score BETWEEN 1 AND 5) OR (kind = 'nps' AND score BETWEEN 0 AND 10)",
            name="survey_responses_score_range",
        ),
        Index("survey_responses_responded_at_idx", "responded_at", "id"),
        Index("survey_responses_customer_idx", "customer_id"),
        Index("survey_responses_feed_idx", "txid", "id"),
    )


class TicketKeys(SQLModel, table=True):
    """The keys a ticket is found by that move with its writes (migration 0035), kept by the
    trigger `tickets_keep_keys` on every insert and update of the ticket: the transaction that
    last wrote it (the ticket export and the metrics' ticket feed follow (txid, id)), its
    `updated_at` (`written_at`) and its `sla_due_at` (`due_at`), the list's two sorts that move.
    Beside the ticket, so that a write which moves no indexed column of the ticket itself is a
    HOT update, touching none of its indexes."""

    __tablename__ = "ticket_keys"
    # The ticket's id, with no foreign key: only the trigger writes the row, from the ticket's
    # own, and tickets are never deleted (a check would lock the new ticket on every create).
    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    txid: int | None = txid()
    written_at: datetime = timestamp()
    due_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    __table_args__ = (
        Index("ticket_keys_feed_idx", "txid", "id"),
        Index("ticket_keys_written_at_idx", "written_at", "id"),
        # No running deadline sorts last, as the list's sla_due_at sort reads it.
        Index("ticket_keys_due_idx", text("coalesce(due_at, 'infinity'::timestamptz)"), "id"),
    )


_tickets = Ticket.__table__  # type: ignore[attr-defined]
Index(
    "tickets_resolved_at_idx",
    _tickets.c.resolved_at,
    postgresql_where=text("resolved_at IS NOT NULL"),
)
Index("tickets_closed_at_idx", _tickets.c.closed_at, postgresql_where=text("closed_at IS NOT NULL"))
# Repeat contacts: a customer's earlier resolutions.
Index(
    "tickets_customer_resolved_at_idx",
    _tickets.c.customer_id,
    _tickets.c.resolved_at,
    postgresql_where=text("resolved_at IS NOT NULL"),
)
# The rollups' facts: a customer's tickets in order (the previous ones, the next ones).
Index(
    "tickets_customer_created_at_idx", _tickets.c.customer_id, _tickets.c.created_at, _tickets.c.id
)
Index("interactions_occurred_at_idx", Interaction.__table__.c.occurred_at)  # type: ignore[attr-defined]
