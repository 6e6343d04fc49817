"""Tickets, their links, interactions and history."""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Computed,
    DateTime,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlmodel import Field, SQLModel

from app.models.base import TICKET_SEARCH_VECTOR, reference, timestamp


class Ticket(SQLModel, table=True):
    __tablename__ = "tickets"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    subject: str = Field(sa_type=String(500))
    description: str | None = Field(default=None, sa_type=Text)
    type: str = Field(sa_type=String(20))
    status: str = Field(sa_type=String(20))
    impact: str = Field(sa_type=String(20))
    urgency: str = Field(sa_type=String(20))
    priority: str = Field(sa_type=String(20))
    priority_reason: str = Field(sa_type=Text)
    priority_override: str | None = Field(default=None, sa_type=String(20))
    priority_override_reason: str | None = Field(default=None, sa_type=Text)
    category: str | None = Field(default=None, sa_type=String(200))
    tags: list[str] = Field(
        default_factory=list, sa_column=Column(ARRAY(Text), nullable=False, server_default="{}")
    )
    channel: str = Field(sa_type=String(20))
    # Indexed by (customer_id, created_at, id): tickets_customer_created_at_idx.
    customer_id: int | None = reference("customers.id", index=False)
    team_id: int | None = reference("teams.id", index=False)
    assignee_id: int | None = reference("agents.id", index=False)
    tier: int = Field(default=1)
    language: str | None = Field(default=None, sa_type=String(35))
    external_id: str | None = Field(default=None, sa_type=String(300))
    product: str | None = Field(default=None, sa_type=String(200))
    model_number: str | None = Field(default=None, sa_type=String(200))
    serial_number: str | None = Field(default=None, sa_type=String(200))
    account_number: str | None = Field(default=None, sa_type=String(100))
    equipment_location: str | None = Field(default=None, sa_type=String(500))
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
    first_responded_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    last_public_reply_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    resolved_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    closed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    # Business seconds (the policy's calendar, pauses left out) of the first response and the
    # resolution, kept by the clocks as they happen (migration 0014).
    first_response_business_seconds: int | None = Field(default=None, sa_type=BigInteger)
    resolution_business_seconds: int | None = Field(default=None, sa_type=BigInteger)
    reopen_count: int = Field(default=0)
    agent_reply_count: int = Field(default=0)
    customer_reply_count: int = Field(default=0)
    interaction_count: int = Field(default=0)
    # The acting key and the SLA policy are referenced without a foreign key: every write by one
    # key under one policy would lock the same two rows. Keys and policies are never deleted (a
    # trigger refuses it, migration 0033).
    created_by_key_id: int | None = Field(default=None, sa_type=BigInteger)
    version: int = Field(default=1)
    # Every status the ticket has had, [[iso instant, status], …]: the SLA clocks are computed from
    # it (and the reply times above), so a change of policy recomputes due times from history.
    status_log: list[list[str]] = Field(
        default_factory=list,
        sa_column=Column(JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    )
    sla_policy_id: int | None = Field(default=None, sa_type=BigInteger)
    first_response_due_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    next_update_due_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    resolution_due_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    # The nearest running deadline and warning, and whether a stopped clock ended late or the
    # clock is paused: what list filters on sla_state and the "nearest due" sort read.
    sla_due_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    sla_warning_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    sla_paused: bool = Field(default=False)
    sla_breached: bool = Field(default=False)
    # ---- routing (migration 0009): why the ticket is where it is ----
    routed_by_rule_id: int | None = Field(
        default=None, sa_type=BigInteger, foreign_key="routing_rules.id", nullable=True
    )
    routing_reason: str | None = Field(default=None, sa_type=Text)
    escalated_to_id: int | None = Field(
        default=None, sa_type=BigInteger, foreign_key="agents.id", nullable=True
    )
    # Who is credited with the resolution (migration 0032): set at each resolution, cleared on
    # reopen; a resolved ticket moved on keeps it.
    resolved_by_id: int | None = Field(
        default=None, sa_type=BigInteger, foreign_key="agents.id", nullable=True
    )
    # ----
    # The ticket this one was merged into: closed for good, its mail and chat thread there.
    merged_into_id: int | None = Field(
        default=None, sa_type=BigInteger, foreign_key="tickets.id", nullable=True
    )
    search_vector: Any = Field(
        default=None,
        sa_column=Column(TSVECTOR, Computed(TICKET_SEARCH_VECTOR, persisted=True)),
    )
    __table_args__ = (
        Index("tickets_search_idx", "search_vector", postgresql_using="gin"),
        Index(
            "tickets_subject_trgm_idx",
            "subject",
            postgresql_using="gin",
            postgresql_ops={"subject": "gin_trgm_ops"},
        ),
        Index(
            "tickets_description_trgm_idx",
            "description",
            postgresql_using="gin",
            postgresql_ops={"description": "gin_trgm_ops"},
        ),
        Index(
            "tickets_channel_external_id_key",
            "channel",
            "external_id",
            unique=True,
            postgresql_where=text("external_id IS NOT NULL"),
        ),
        Index("tickets_created_at_id_idx", "created_at", "id"),
        Index("tickets_status_created_at_id_idx", "status", "created_at", "id"),
        Index("tickets_team_created_at_id_idx", "team_id", "created_at", "id"),
        Index("tickets_assignee_created_at_id_idx", "assignee_id", "created_at", "id"),
        Index(
            "tickets_escalated_to_created_at_id_idx",
            "escalated_to_id",
            "created_at",
            "id",
            postgresql_where=text("escalated_to_id IS NOT NULL"),
        ),
        Index("tickets_tags_idx", "tags", postgresql_using="gin"),
        Index(
            "tickets_merged_into_idx",
            "merged_into_id",
            postgresql_where=text("merged_into_id IS NOT NULL"),
        ),
        CheckConstraint("tier BETWEEN 1 AND 3", name="tickets_tier_range"),
    )


class TicketLink(SQLModel, table=True):
    __tablename__ = "ticket_links"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    ticket_id: int = Field(sa_type=BigInteger, foreign_key="tickets.id", index=True)
    linked_ticket_id: int = Field(sa_type=BigInteger, foreign_key="tickets.id", index=True)
    kind: str = Field(sa_type=String(20))
    created_at: datetime = timestamp()
    created_by_key_id: int | None = reference("api_keys.id", index=False)
    __table_args__ = (
        UniqueConstraint("ticket_id", "linked_ticket_id", "kind", name="ticket_links_unique"),
        CheckConstraint("ticket_id <> linked_ticket_id", name="ticket_links_not_self"),
    )


class TicketParticipant(SQLModel, table=True):
    """Someone on a ticket besides its customer: copied (`cc`) or following it (`follower`)."""

    __tablename__ = "ticket_participants"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    ticket_id: int = reference("tickets.id", nullable=False, index=False)
    customer_id: int = reference("customers.id", nullable=False)
    role: str = Field(sa_type=String(20))  # cc | follower
    source: str = Field(sa_type=String(20))  # api | email | merge
    added_by_key_id: int | None = reference("api_keys.id", index=False)
    added_at: datetime = timestamp()
    __table_args__ = (
        UniqueConstraint("ticket_id", "customer_id", name="ticket_participants_unique"),
        CheckConstraint("role IN ('cc', 'follower')", name="ticket_participants_role_check"),
    )


class Interaction(SQLModel, table=True):
    __tablename__ = "interactions"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    ticket_id: int = Field(sa_type=BigInteger, foreign_key="tickets.id")
    kind: str = Field(sa_type=String(20))
    direction: str = Field(sa_type=String(20))
    public: bool
    author_type: str = Field(sa_type=String(20))
    author_agent_id: int | None = reference("agents.id", index=False)
    author_customer_id: int | None = reference("customers.id", index=False)
    author_name: str | None = Field(default=None, sa_type=String(200))
    body: str = Field(sa_type=Text)
    occurred_at: datetime = timestamp()
    duration_seconds: int | None = None
    external_id: str | None = Field(default=None, sa_type=String(300))
    created_at: datetime = timestamp()
    # An api_keys id, without a foreign key (see Ticket.created_by_key_id).
    created_by_key_id: int | None = Field(default=None, sa_type=BigInteger)
    # Interaction bodies are searched word by word in no particular language, and by trigram.
    search_vector: Any = Field(
        default=None,
        sa_column=Column(
            TSVECTOR, Computed("to_tsvector('simple'::regconfig, body)", persisted=True)
        ),
    )
    __table_args__ = (
        Index("interactions_ticket_occurred_idx", "ticket_id", "occurred_at", "id"),
        # A gateway's message id, once per ticket: a retry finds the interaction it made.
        Index(
            "interactions_ticket_external_id_key",
            "ticket_id",
            "external_id",
            unique=True,
            postgresql_where=text("external_id IS NOT NULL"),
        ),
        Index(
            "interactions_external_id_idx",
            "external_id",
            postgresql_where=text("external_id IS NOT NULL"),
        ),
        Index("interactions_search_idx", "search_vector", postgresql_using="gin"),
        Index(
            "interactions_body_trgm_idx",
            "body",
            postgresql_using="gin",
            postgresql_ops={"body": "gin_trgm_ops"},
        ),
    )


class TicketEvent(SQLModel, table=True):
    """One line of a ticket's history: a field change, an interaction, a link, …"""

    __tablename__ = "ticket_history"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    ticket_id: int = Field(sa_type=BigInteger, foreign_key="tickets.id")
    at: datetime = timestamp()
    action: str = Field(sa_type=String(40))
    field: str | None = Field(default=None, sa_type=String(60))
    old_value: Any = Field(default=None, sa_column=Column(JSONB, nullable=True))
    new_value: Any = Field(default=None, sa_column=Column(JSONB, nullable=True))
    actor_type: str = Field(sa_type=String(20))
    # An api_keys id, without a foreign key (see Ticket.created_by_key_id).
    actor_key_id: int | None = Field(default=None, sa_type=BigInteger)
    actor_name: str | None = Field(default=None, sa_type=String(200))
    interaction_id: int | None = reference("interactions.id", index=False)
    note: str | None = Field(default=None, sa_type=Text)
    __table_args__ = (Index("ticket_history_ticket_idx", "ticket_id", "id"),)


# "Own" scopes and keys tied to no agent see the tickets they created.
Index("tickets_created_by_key_idx", Ticket.__table__.c.created_by_key_id)  # type: ignore[attr-defined]
