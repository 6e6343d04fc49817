"""Survey answers, and the ticket columns and indexes the metrics and the ticket export read."""

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

from app.models.base import Xid8, reference, timestamp, txid
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


# The ticket export follows tickets in the order of the transaction that last wrote them
# (a trigger of migration 0010 keeps it on every update).
_tickets = Ticket.__table__  # type: ignore[attr-defined]
_tickets.append_column(
    Column("txid", Xid8(), nullable=False, server_default=text("pg_current_xact_id()"))
)
Index("tickets_feed_idx", _tickets.c.txid, _tickets.c.id)
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
