"""SLA configuration and the deadlines that follow from it: calendars, policies, the priority matrix, timers, SLA events, callbacks, reminders."""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel

from app.models.base import reference, timestamp, txid


class BusinessCalendarRow(SQLModel, table=True):
    """A business calendar: IANA zone, weekly working hours, holidays (see app.domain.calendar)."""

    __tablename__ = "calendars"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    name: str = Field(sa_type=String(200), unique=True)
    zone: str = Field(sa_type=String(64))
    hours: list[dict[str, Any]] = Field(sa_column=Column(JSONB, nullable=False))
    holidays: list[dict[str, Any]] = Field(sa_column=Column(JSONB, nullable=False))
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
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
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
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
    updated_at: datetime = timestamp()
    version: int = Field(default=1)
    __table_args__ = (CheckConstraint("id = 1", name="priority_matrix_single_row"),)


class Timer(SQLModel, table=True):
    """A moment the system must act on: about a ticket, or about the `subject_id` of its kind
    (a QA sample schedule, a report schedule, an upload) when it is about no ticket."""

    __tablename__ = "timers"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    ticket_id: int | None = Field(default=None, sa_type=BigInteger, foreign_key="tickets.id")
    subject_id: int | None = Field(default=None, sa_type=BigInteger)
    kind: str = Field(sa_type=String(40))
    due_at: datetime = timestamp()
    fired_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    created_at: datetime = timestamp()
    __table_args__ = (
        Index("timers_pending_due_idx", "due_at", postgresql_where=text("fired_at IS NULL")),
        # One timer per ticket, kind and moment: re-deriving the same deadline writes nothing new,
        # and a timer that already fired is not armed again.
        UniqueConstraint("ticket_id", "kind", "due_at", name="timers_ticket_kind_due_key"),
        # The same for timers about no ticket, per kind and subject.
        Index(
            "timers_subject_kind_due_key",
            "kind",
            "subject_id",
            "due_at",
            unique=True,
            postgresql_where=text("ticket_id IS NULL"),
        ),
        CheckConstraint("(ticket_id IS NULL) <> (subject_id IS NULL)", name="timers_subject_check"),
    )


class SlaEvent(SQLModel, table=True):
    """A warning or breach the worker recorded: once per ticket, metric, kind and due moment."""

    __tablename__ = "sla_events"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    ticket_id: int = Field(sa_type=BigInteger, foreign_key="tickets.id", index=True)
    metric: str = Field(sa_type=String(30))
    kind: str = Field(sa_type=String(20))
    due_at: datetime = timestamp()
    recorded_at: datetime = timestamp()
    team_id: int | None = Field(default=None, sa_type=BigInteger)
    assignee_id: int | None = Field(default=None, sa_type=BigInteger)
    priority: str | None = Field(default=None, sa_type=String(20))
    policy_id: int | None = Field(default=None, sa_type=BigInteger)
    txid: int | None = txid()
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
    requested_at: datetime = timestamp()
    missed_at: datetime = timestamp()
    phone: str | None = Field(default=None, sa_type=String(50))
    note: str | None = Field(default=None, sa_type=Text)
    assignee_id: int | None = reference("agents.id", index=False)
    status: str = Field(sa_type=String(20))
    created_at: datetime = timestamp()
    done_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    created_by_key_id: int | None = reference("api_keys.id", index=False)


class Reminder(SQLModel, table=True):
    """Something an agent (or their team) must do now: follow up with a customer, call back."""

    __tablename__ = "reminders"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    ticket_id: int = Field(sa_type=BigInteger, foreign_key="tickets.id", index=True)
    kind: str = Field(sa_type=String(20))
    assignee_id: int | None = Field(default=None, sa_type=BigInteger)
    team_id: int | None = Field(default=None, sa_type=BigInteger)
    callback_id: int | None = reference("callbacks.id", index=False)
    due_at: datetime = timestamp()
    status: str = Field(sa_type=String(20))
    created_at: datetime = timestamp()
    done_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    version: int = Field(default=1)
    txid: int | None = txid()
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
