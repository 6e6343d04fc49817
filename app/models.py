"""The tables (SQLModel). The schema itself only ever changes through an Alembic migration."""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Computed,
    DateTime,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlalchemy.dialects.postgresql.base import ischema_names
from sqlalchemy.types import UserDefinedType
from sqlmodel import Field, SQLModel

from app.domain.search import CONFIGS, PLAIN


class Xid8(UserDefinedType[int]):
    """PostgreSQL's 64-bit transaction id: what feed cursors order by (see migration 0005)."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "XID8"


# Reflection (autogenerate's comparison) knows the type by this name.
ischema_names["xid8"] = Xid8


# The id of the transaction writing a row: a feed serves a row only once every transaction
# older than it has ended, so a row committed late is never skipped by a cursor.
def _txid() -> Any:
    return Field(
        default=None,
        sa_column=Column(Xid8(), nullable=False, server_default=text("pg_current_xact_id()")),
    )


# A ticket's words, stemmed in its language (app.domain.search; migration 0005 spells it out).
TICKET_SEARCH_VECTOR = (
    "to_tsvector(CASE split_part(lower(coalesce(language, '')), '-', 1) "
    + " ".join(f"WHEN '{tag}' THEN '{config}'::regconfig" for tag, config in CONFIGS.items())
    + f" ELSE '{PLAIN}'::regconfig END, coalesce(subject, '') || ' ' || coalesce(description, ''))"
)


def _ts(nullable: bool = False, index: bool = False) -> Any:
    return Field(sa_type=DateTime(timezone=True), nullable=nullable, index=index)


def _fk(target: str, nullable: bool = True, index: bool = True) -> Any:
    return Field(
        default=None,
        sa_type=BigInteger,
        foreign_key=target,
        nullable=nullable,
        index=index,
    )


class Team(SQLModel, table=True):
    __tablename__ = "teams"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    name: str = Field(sa_type=String(200), unique=True)
    tier: int = Field(sa_column_kwargs={"server_default": "1"})
    description: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    version: int = Field(default=1)
    __table_args__ = (CheckConstraint("tier BETWEEN 1 AND 3", name="teams_tier_range"),)


class Agent(SQLModel, table=True):
    __tablename__ = "agents"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    name: str = Field(sa_type=String(200))
    email: str = Field(sa_type=String(320), unique=True)
    team_id: int | None = _fk("teams.id")
    role: str = Field(sa_type=String(20))
    languages: list[str] = Field(
        default_factory=list, sa_column=Column(ARRAY(Text), nullable=False, server_default="{}")
    )
    active: bool = Field(default=True)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    version: int = Field(default=1)


class Customer(SQLModel, table=True):
    __tablename__ = "customers"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    name: str = Field(sa_type=String(200))
    email: str | None = Field(default=None, sa_type=String(320))
    phone: str | None = Field(default=None, sa_type=String(50))
    organization: str | None = Field(default=None, sa_type=String(200), index=True)
    account_number: str | None = Field(default=None, sa_type=String(100))
    language: str | None = Field(default=None, sa_type=String(35))
    time_zone: str | None = Field(default=None, sa_type=String(64))
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    version: int = Field(default=1)
    __table_args__ = (Index("customers_email_key", text("lower(email)"), unique=True),)


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_keys"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    name: str = Field(sa_type=String(200))
    role: str = Field(sa_type=String(20))
    prefix: str = Field(sa_type=String(16))
    key_hash: str = Field(sa_type=String(64), unique=True)
    agent_id: int | None = _fk("agents.id", index=False)
    created_at: datetime = _ts()
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    # ---- issue 18, access (migration 0006): expiry, last use, rotation, integration scope ----
    expires_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    last_used_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    # The key this one rotated (a key is rotated once); the old one works until its expires_at.
    replaces_id: int | None = Field(
        default=None, sa_type=BigInteger, foreign_key="api_keys.id", unique=True, nullable=True
    )
    # An integration key's channels and/or "own" (the tickets it created); NULL: everything.
    scope: list[str] | None = Field(default=None, sa_column=Column(ARRAY(Text), nullable=True))
    # ---- end of issue 18, access ----


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
    customer_id: int | None = _fk("customers.id")
    team_id: int | None = _fk("teams.id", index=False)
    assignee_id: int | None = _fk("agents.id", index=False)
    tier: int = Field(default=1)
    language: str | None = Field(default=None, sa_type=String(35))
    external_id: str | None = Field(default=None, sa_type=String(300))
    product: str | None = Field(default=None, sa_type=String(200))
    model_number: str | None = Field(default=None, sa_type=String(200))
    serial_number: str | None = Field(default=None, sa_type=String(200))
    account_number: str | None = Field(default=None, sa_type=String(100))
    equipment_location: str | None = Field(default=None, sa_type=String(500))
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    first_responded_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    last_public_reply_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    resolved_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    closed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    reopen_count: int = Field(default=0)
    agent_reply_count: int = Field(default=0)
    customer_reply_count: int = Field(default=0)
    interaction_count: int = Field(default=0)
    created_by_key_id: int | None = _fk("api_keys.id", index=False)
    version: int = Field(default=1)
    # Every status the ticket has had, [[iso instant, status], …]: the SLA clocks are computed from
    # it (and the reply times above), so a change of policy recomputes due times from history.
    status_log: list[list[str]] = Field(
        default_factory=list,
        sa_column=Column(JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    )
    sla_policy_id: int | None = _fk("sla_policies.id", index=False)
    first_response_due_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    next_update_due_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    resolution_due_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    # The nearest running deadline and warning, and whether a stopped clock ended late or the
    # clock is paused: what list filters on sla_state and the "nearest due" sort read.
    sla_due_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    sla_warning_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    sla_paused: bool = Field(default=False)
    sla_breached: bool = Field(default=False)
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
            "tickets_sla_due_idx",
            text("coalesce(sla_due_at, 'infinity'::timestamptz)"),
            "id",
        ),
        Index(
            "tickets_channel_external_id_key",
            "channel",
            "external_id",
            unique=True,
            postgresql_where=text("external_id IS NOT NULL"),
        ),
        Index("tickets_created_at_id_idx", "created_at", "id"),
        Index("tickets_updated_at_id_idx", "updated_at", "id"),
        Index("tickets_status_created_at_id_idx", "status", "created_at", "id"),
        Index("tickets_team_created_at_id_idx", "team_id", "created_at", "id"),
        Index("tickets_assignee_created_at_id_idx", "assignee_id", "created_at", "id"),
        Index("tickets_tags_idx", "tags", postgresql_using="gin"),
        CheckConstraint("tier BETWEEN 1 AND 3", name="tickets_tier_range"),
    )


class TicketLink(SQLModel, table=True):
    __tablename__ = "ticket_links"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    ticket_id: int = Field(sa_type=BigInteger, foreign_key="tickets.id", index=True)
    linked_ticket_id: int = Field(sa_type=BigInteger, foreign_key="tickets.id", index=True)
    kind: str = Field(sa_type=String(20))
    created_at: datetime = _ts()
    created_by_key_id: int | None = _fk("api_keys.id", index=False)
    __table_args__ = (
        UniqueConstraint("ticket_id", "linked_ticket_id", "kind", name="ticket_links_unique"),
        CheckConstraint("ticket_id <> linked_ticket_id", name="ticket_links_not_self"),
    )


class Interaction(SQLModel, table=True):
    __tablename__ = "interactions"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    ticket_id: int = Field(sa_type=BigInteger, foreign_key="tickets.id")
    kind: str = Field(sa_type=String(20))
    direction: str = Field(sa_type=String(20))
    public: bool
    author_type: str = Field(sa_type=String(20))
    author_agent_id: int | None = _fk("agents.id", index=False)
    author_customer_id: int | None = _fk("customers.id", index=False)
    author_name: str | None = Field(default=None, sa_type=String(200))
    body: str = Field(sa_type=Text)
    occurred_at: datetime = _ts()
    duration_seconds: int | None = None
    external_id: str | None = Field(default=None, sa_type=String(300))
    created_at: datetime = _ts()
    created_by_key_id: int | None = _fk("api_keys.id", index=False)
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
    at: datetime = _ts()
    action: str = Field(sa_type=String(40))
    field: str | None = Field(default=None, sa_type=String(60))
    old_value: Any = Field(default=None, sa_column=Column(JSONB, nullable=True))
    new_value: Any = Field(default=None, sa_column=Column(JSONB, nullable=True))
    actor_type: str = Field(sa_type=String(20))
    actor_key_id: int | None = _fk("api_keys.id", index=False)
    actor_name: str | None = Field(default=None, sa_type=String(200))
    interaction_id: int | None = _fk("interactions.id", index=False)
    note: str | None = Field(default=None, sa_type=Text)
    __table_args__ = (Index("ticket_history_ticket_idx", "ticket_id", "id"),)


class IdempotentRequest(SQLModel, table=True):
    """A POST seen with an Idempotency-Key, and the response it produced."""

    __tablename__ = "idempotent_requests"
    api_key_id: int = Field(sa_type=BigInteger, primary_key=True)
    key: str = Field(sa_type=String(255), primary_key=True)
    operation: str = Field(sa_type=String(100))
    request_hash: str = Field(sa_type=String(64))
    status_code: int | None = None
    response_body: Any = Field(default=None, sa_column=Column(JSONB, nullable=True))
    created_at: datetime = _ts(index=True)


class BusinessCalendarRow(SQLModel, table=True):
    """A business calendar: IANA zone, weekly working hours, holidays (see app.domain.calendar)."""

    __tablename__ = "calendars"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    name: str = Field(sa_type=String(200), unique=True)
    zone: str = Field(sa_type=String(64))
    hours: list[dict[str, Any]] = Field(sa_column=Column(JSONB, nullable=False))
    holidays: list[dict[str, Any]] = Field(sa_column=Column(JSONB, nullable=False))
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    version: int = Field(default=1)


class SlaPolicy(SQLModel, table=True):
    __tablename__ = "sla_policies"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    name: str = Field(sa_type=String(200), unique=True)
    position: int = Field(description="Policies are tried in ascending position; first match wins.")
    is_default: bool = Field(default=False)
    conditions: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    targets: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    calendar_id: int = Field(sa_type=BigInteger, foreign_key="calendars.id")
    pause_statuses: list[str] = Field(sa_column=Column(ARRAY(Text), nullable=False))
    warning_percent: int = Field(default=80)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    version: int = Field(default=1)
    __table_args__ = (
        Index(
            "sla_policies_one_default",
            "is_default",
            unique=True,
            postgresql_where=text("is_default"),
        ),
    )


class PriorityMatrixRow(SQLModel, table=True):
    """The impact × urgency → priority matrix: one row, edited by admins."""

    __tablename__ = "priority_matrix"
    id: int = Field(default=1, primary_key=True)
    cells: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    updated_at: datetime = _ts()
    version: int = Field(default=1)
    __table_args__ = (CheckConstraint("id = 1", name="priority_matrix_single_row"),)


class Timer(SQLModel, table=True):
    """A moment the system must act on (see ARCHITECTURE.md, "the timers table")."""

    __tablename__ = "timers"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    ticket_id: int = Field(sa_type=BigInteger, foreign_key="tickets.id")
    kind: str = Field(sa_type=String(40))
    due_at: datetime = _ts()
    fired_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    created_at: datetime = _ts()
    __table_args__ = (
        Index("timers_pending_due_idx", "due_at", postgresql_where=text("fired_at IS NULL")),
        # One timer per ticket, kind and moment: re-deriving the same deadline writes nothing new,
        # and a timer that already fired is not armed again.
        UniqueConstraint("ticket_id", "kind", "due_at", name="timers_ticket_kind_due_key"),
    )


class SlaEvent(SQLModel, table=True):
    """A warning or breach the worker recorded: once per ticket, metric, kind and due moment."""

    __tablename__ = "sla_events"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    ticket_id: int = Field(sa_type=BigInteger, foreign_key="tickets.id", index=True)
    metric: str = Field(sa_type=String(30))
    kind: str = Field(sa_type=String(20))
    due_at: datetime = _ts()
    recorded_at: datetime = _ts()
    team_id: int | None = Field(default=None, sa_type=BigInteger)
    assignee_id: int | None = Field(default=None, sa_type=BigInteger)
    priority: str | None = Field(default=None, sa_type=String(20))
    policy_id: int | None = Field(default=None, sa_type=BigInteger)
    txid: int | None = _txid()
    __table_args__ = (
        UniqueConstraint("ticket_id", "metric", "kind", "due_at", name="sla_events_once_key"),
        Index("sla_events_recorded_idx", "recorded_at", "id"),
        Index("sla_events_feed_idx", "txid", "id"),
    )


class Callback(SQLModel, table=True):
    """A customer asked to be called back at a given moment."""

    __tablename__ = "callbacks"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    ticket_id: int = Field(sa_type=BigInteger, foreign_key="tickets.id", index=True)
    requested_at: datetime = _ts()
    missed_at: datetime = _ts()
    phone: str | None = Field(default=None, sa_type=String(50))
    note: str | None = Field(default=None, sa_type=Text)
    assignee_id: int | None = _fk("agents.id", index=False)
    status: str = Field(sa_type=String(20))
    created_at: datetime = _ts()
    done_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    created_by_key_id: int | None = _fk("api_keys.id", index=False)


class Reminder(SQLModel, table=True):
    """Something an agent (or their team) must do now: follow up with a customer, call back."""

    __tablename__ = "reminders"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    ticket_id: int = Field(sa_type=BigInteger, foreign_key="tickets.id", index=True)
    kind: str = Field(sa_type=String(20))
    assignee_id: int | None = Field(default=None, sa_type=BigInteger)
    team_id: int | None = Field(default=None, sa_type=BigInteger)
    callback_id: int | None = _fk("callbacks.id", index=False)
    due_at: datetime = _ts()
    status: str = Field(sa_type=String(20))
    created_at: datetime = _ts()
    done_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    version: int = Field(default=1)
    txid: int | None = _txid()
    __table_args__ = (
        UniqueConstraint("ticket_id", "kind", "due_at", name="reminders_once_key"),
        Index("reminders_feed_idx", "txid", "id"),
        Index("reminders_status_due_idx", "status", "due_at"),
        Index("reminders_assignee_status_idx", "assignee_id", "status"),
    )


class ConfigRevision(SQLModel, table=True):
    """A counter every change to calendars, SLA policies or the matrix moves (a trigger)."""

    __tablename__ = "config_revision"
    id: int = Field(
        primary_key=True,
        sa_type=SmallInteger,
        sa_column_kwargs={"autoincrement": False},
    )
    revision: int = Field(sa_type=BigInteger)
    __table_args__ = (CheckConstraint("id = 1", name="config_revision_id_check"),)


class WorkerReplica(SQLModel, table=True):
    """One running deadline worker, as it last reported itself."""

    __tablename__ = "worker_replicas"
    id: str = Field(sa_type=String(64), primary_key=True)
    hostname: str = Field(sa_type=String(255))
    pid: int
    started_at: datetime = _ts()
    last_seen_at: datetime = _ts()
    last_cycle_ms: float = Field(default=0)
    fired_total: int = Field(default=0, sa_type=BigInteger)
    fired_last_minute: int = Field(default=0)


# ---- issue 18, access (migration 0006) -------------------------------------------------------


class ServiceSecret(SQLModel, table=True):
    """A secret the service made for itself once (the customer-token key when
    HELPDESK_SECRET_KEY is unset): the same for every replica."""

    __tablename__ = "service_secrets"
    name: str = Field(sa_type=String(64), primary_key=True)
    value: str = Field(sa_type=Text)
    created_at: datetime = _ts()


# "Own" scopes and keys tied to no agent see the tickets they created.
Index("tickets_created_by_key_idx", Ticket.__table__.c.created_by_key_id)  # type: ignore[attr-defined]

# ---- end of issue 18, access -----------------------------------------------------------------


# ---- issue 18, audit (migration 0007) --------------------------------------------------------


class AuditEntry(SQLModel, table=True):
    """One write of an audited table (a row trigger) or read of personal data (the service):
    who, what (the changed fields' names, never their values), when, request and client.
    Append-only: a trigger refuses UPDATE and DELETE (migration 0007)."""

    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    at: datetime = _ts()
    actor_type: str = Field(sa_type=String(20))
    actor_key_id: int | None = Field(default=None, sa_type=BigInteger)
    actor_agent_id: int | None = Field(default=None, sa_type=BigInteger)
    actor_customer_id: int | None = Field(default=None, sa_type=BigInteger)
    actor_role: str | None = Field(default=None, sa_type=String(64))
    action: str = Field(sa_type=String(20))
    resource: str = Field(sa_type=String(40))
    resource_id: int | None = Field(default=None, sa_type=BigInteger)
    ticket_id: int | None = Field(default=None, sa_type=BigInteger)
    fields: list[str] | None = Field(default=None, sa_column=Column(ARRAY(Text), nullable=True))
    request_id: str | None = Field(default=None, sa_type=String(128))
    client_address: str | None = Field(default=None, sa_type=String(64))
    __table_args__ = (
        Index("audit_log_at_idx", "at", postgresql_using="brin"),
        Index("audit_log_resource_idx", "resource", "resource_id", "id"),
        Index("audit_log_ticket_idx", "ticket_id", "id"),
        Index("audit_log_actor_key_idx", "actor_key_id", "id"),
    )


# ---- end of issue 18, audit ------------------------------------------------------------------


# ---- issue 18, privacy (migration 0008) ------------------------------------------------------


class PersonalDataErasure(SQLModel, table=True):
    """A customer erased on request (ticket_id NULL), or one ticket whose personal data was
    erased (on request or by retention): ids and instants only, never the data erased."""

    __tablename__ = "personal_data_erasures"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    customer_id: int | None = Field(
        default=None, sa_type=BigInteger, foreign_key="customers.id", nullable=True
    )
    ticket_id: int | None = Field(
        default=None, sa_type=BigInteger, foreign_key="tickets.id", nullable=True
    )
    reason: str = Field(sa_type=String(20))
    erased_at: datetime = _ts()
    __table_args__ = (
        CheckConstraint(
            "reason IN ('request', 'retention')", name="personal_data_erasures_reason_check"
        ),
        CheckConstraint(
            "customer_id IS NOT NULL OR ticket_id IS NOT NULL",
            name="personal_data_erasures_names_something",
        ),
        Index(
            "personal_data_erasures_customer_key",
            "customer_id",
            unique=True,
            postgresql_where=text("ticket_id IS NULL"),
        ),
        Index(
            "personal_data_erasures_ticket_key",
            "ticket_id",
            unique=True,
            postgresql_where=text("ticket_id IS NOT NULL"),
        ),
    )


class Backup(SQLModel, table=True):
    """A successful `helpdesk backup`: its file, checksum, schema revision and per-table row
    counts and checksums (the manifest), and when `--verify` last restored it."""

    __tablename__ = "backups"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    taken_at: datetime = _ts(index=False)
    file: str = Field(sa_type=Text)
    bytes: int = Field(sa_type=BigInteger)
    sha256: str = Field(sa_type=String(64))
    schema_revision: str | None = Field(default=None, sa_type=String(32))
    tables: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    verified_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    __table_args__ = (Index("backups_taken_at_idx", "taken_at"),)


# ---- end of issue 18, privacy ----------------------------------------------------------------


ALL_TABLES_IN_TRUNCATE_ORDER = (
    "audit_log",
    "backups",
    "personal_data_erasures",
    "worker_replicas",
    "reminders",
    "callbacks",
    "sla_events",
    "timers",
    "idempotent_requests",
    "ticket_history",
    "interactions",
    "ticket_links",
    "tickets",
    "api_keys",
    "customers",
    "agents",
    "teams",
)
# Configuration the migrations seed (built-in calendar, default policy, default matrix): not
# truncated between tests.
CONFIG_TABLES = ("calendars", "sla_policies", "priority_matrix")
