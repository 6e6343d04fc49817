"""The service's own records: idempotent requests, worker replicas, secrets, the audit log, erasures, backups."""

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
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel

from app.models.base import timestamp
from app.models.tickets import Ticket


class IdempotentRequest(SQLModel, table=True):
    """A POST seen with an Idempotency-Key, and the response it produced."""

    __tablename__ = "idempotent_requests"
    api_key_id: int = Field(sa_type=BigInteger, primary_key=True)
    key: str = Field(sa_type=String(255), primary_key=True)
    operation: str = Field(sa_type=String(100))
    request_hash: str = Field(sa_type=String(64))
    status_code: int | None = None
    response_body: Any = Field(default=None, sa_column=Column(JSONB, nullable=True))
    created_at: datetime = timestamp(index=True)


class WorkerReplica(SQLModel, table=True):
    """One running timer worker, as it last reported itself."""

    __tablename__ = "worker_replicas"
    id: str = Field(sa_type=String(64), primary_key=True)
    hostname: str = Field(sa_type=String(255))
    pid: int
    started_at: datetime = timestamp()
    last_seen_at: datetime = timestamp()
    last_cycle_ms: float = Field(default=0)
    fired_total: int = Field(default=0, sa_type=BigInteger)
    fired_last_minute: int = Field(default=0)


class ServiceSecret(SQLModel, table=True):
    """A secret the service made for itself once (the customer-token key when
    HELPDESK_SECRET_KEY is unset): the same for every replica."""

    __tablename__ = "service_secrets"
    name: str = Field(sa_type=String(64), primary_key=True)
    value: str = Field(sa_type=Text)
    created_at: datetime = timestamp()


# "Own" scopes and keys tied to no agent see the tickets they created.
Index("tickets_created_by_key_idx", Ticket.__table__.c.created_by_key_id)  # type: ignore[attr-defined]


class AuditEntry(SQLModel, table=True):
    """One write of an audited table (a row trigger) or read of personal data (the service):
    who, what (the changed fields' names, never their values), when, request and client.
    Append-only: a trigger refuses UPDATE and DELETE (migration 0007)."""

    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    at: datetime = timestamp()
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
    erased_at: datetime = timestamp()
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
    taken_at: datetime = timestamp(index=False)
    file: str = Field(sa_type=Text)
    bytes: int = Field(sa_type=BigInteger)
    sha256: str = Field(sa_type=String(64))
    schema_revision: str | None = Field(default=None, sa_type=String(32))
    tables: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    verified_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    __table_args__ = (Index("backups_taken_at_idx", "taken_at"),)
