"""Routing rules, escalations (with transfers and de-escalations) and the escalation matrix."""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from app.models.base import reference, timestamp, txid


class RoutingRule(SQLModel, table=True):
    """One rule of the ordered routing table: conditions on a new ticket → a team (and tier)."""

    __tablename__ = "routing_rules"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    name: str = Field(sa_type=String(200))
    position: int
    conditions: dict[str, Any] = Field(
        sa_column=Column(JSONB, nullable=False, server_default=text("'{}'::jsonb"))
    )
    team_id: int = reference("teams.id", nullable=False)
    tier: int | None = None
    active: bool = Field(default=True)
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
    version: int = Field(default=1)
    __table_args__ = (
        CheckConstraint("tier BETWEEN 1 AND 3", name="routing_rules_tier_range"),
        Index("routing_rules_order_idx", "position", "id"),
    )


class Escalation(SQLModel, table=True):
    """A move of a ticket up (functional, hierarchical), across (transfer) or down a tier."""

    __tablename__ = "escalations"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    ticket_id: int = Field(sa_type=BigInteger, foreign_key="tickets.id")
    kind: str = Field(sa_type=String(20))
    from_team_id: int | None = reference("teams.id", index=False)
    to_team_id: int | None = reference("teams.id", index=False)
    from_tier: int
    to_tier: int
    from_agent_id: int | None = reference("agents.id", index=False)
    to_agent_id: int | None = reference("agents.id", index=False)
    reason: str = Field(sa_type=Text)
    trigger: str = Field(sa_type=String(30))
    actor_key_id: int | None = reference("api_keys.id", index=False)
    actor_agent_id: int | None = reference("agents.id", index=False)
    actor_name: str | None = Field(default=None, sa_type=String(200))
    created_at: datetime = timestamp()
    # Escalations up wait to be taken over: a reminder at ack_remind_at, a hierarchical
    # escalation at ack_due_at if nobody acknowledged it by then.
    ack_remind_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    ack_due_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    acknowledged_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    acknowledged_by_key_id: int | None = reference("api_keys.id", index=False)
    acknowledged_by_name: str | None = Field(default=None, sa_type=String(200))
    # What caused an automatic escalation, once each: the SLA event the matrix acted on, or the
    # escalation left unacknowledged. A replayed or concurrent firing inserts nothing.
    sla_event_id: int | None = Field(
        default=None, sa_type=BigInteger, foreign_key="sla_events.id", unique=True, nullable=True
    )
    overdue_escalation_id: int | None = Field(
        default=None, sa_type=BigInteger, foreign_key="escalations.id", unique=True, nullable=True
    )
    txid: int | None = txid()
    __table_args__ = (
        CheckConstraint(
            "kind IN ('functional', 'hierarchical', 'transfer', 'deescalation')",
            name="escalations_kind_check",
        ),
        CheckConstraint(
            "trigger IN ('manual', 'sla_warning', 'sla_breach', 'rule', 'acknowledgement_overdue')",
            name="escalations_trigger_check",
        ),
        Index("escalations_ticket_idx", "ticket_id", "id"),
        Index("escalations_created_idx", "created_at", "id"),
        Index("escalations_feed_idx", "txid", "id"),
    )


class EscalationMatrixRow(SQLModel, table=True):
    """Per priority and SLA metric, what a warning or a breach triggers: one row, admin-edited."""

    __tablename__ = "escalation_matrix"
    id: int = Field(default=1, primary_key=True)
    rules: list[dict[str, Any]] = Field(
        sa_column=Column(JSONB, nullable=False, server_default=text("'[]'::jsonb"))
    )
    updated_at: datetime = timestamp()
    version: int = Field(default=1)
    __table_args__ = (CheckConstraint("id = 1", name="escalation_matrix_single_row"),)
