"""Teams, agents, customers and API keys."""

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, SQLModel

from app.models.base import reference, timestamp


class Team(SQLModel, table=True):
    __tablename__ = "teams"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    name: str = Field(sa_type=String(200), unique=True)
    tier: int = Field(sa_column_kwargs={"server_default": "1"})
    description: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
    version: int = Field(default=1)
    # ---- routing (migration 0009): who supervises, how tickets are assigned ----
    # use_alter: agents refer to teams too; the cycle is broken when tables are sorted.
    supervisor_id: int | None = Field(
        default=None,
        sa_column=Column(
            BigInteger,
            ForeignKey("agents.id", use_alter=True, name="teams_supervisor_id_fkey"),
            nullable=True,
        ),
    )
    assignment: str = Field(
        default="none", sa_type=String(20), sa_column_kwargs={"server_default": "none"}
    )
    # The agent round-robin assigned last: the next goes to the one after.
    last_assigned_id: int | None = Field(default=None, sa_type=BigInteger, nullable=True)
    # ----
    __table_args__ = (
        CheckConstraint("tier BETWEEN 1 AND 3", name="teams_tier_range"),
        CheckConstraint(
            "assignment IN ('none', 'round_robin', 'least_open')", name="teams_assignment_check"
        ),
    )


class Agent(SQLModel, table=True):
    __tablename__ = "agents"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    name: str = Field(sa_type=String(200))
    email: str = Field(sa_type=String(320), unique=True)
    team_id: int | None = reference("teams.id")
    role: str = Field(sa_type=String(20))
    languages: list[str] = Field(
        default_factory=list, sa_column=Column(ARRAY(Text), nullable=False, server_default="{}")
    )
    active: bool = Field(default=True)
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
    version: int = Field(default=1)
    # ---- routing (migration 0009): who may be assigned new tickets ----
    availability: str = Field(
        default="available", sa_type=String(20), sa_column_kwargs={"server_default": "available"}
    )
    capacity: int | None = None  # open tickets at most; None: no limit
    # ----
    __table_args__ = (
        CheckConstraint("availability IN ('available', 'away')", name="agents_availability_check"),
        CheckConstraint("capacity >= 0", name="agents_capacity_check"),
    )


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
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
    version: int = Field(default=1)
    __table_args__ = (Index("customers_email_key", text("lower(email)"), unique=True),)


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_keys"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    name: str = Field(sa_type=String(200))
    role: str = Field(sa_type=String(20))
    prefix: str = Field(sa_type=String(16))
    key_hash: str = Field(sa_type=String(64), unique=True)
    agent_id: int | None = reference("agents.id", index=False)
    created_at: datetime = timestamp()
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    # ---- access (migration 0006): expiry, last use, rotation, integration scope ----
    expires_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    last_used_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    # The key this one rotated (a key is rotated once); the old one works until its expires_at.
    replaces_id: int | None = Field(
        default=None, sa_type=BigInteger, foreign_key="api_keys.id", unique=True, nullable=True
    )
    # An integration key's channels and/or "own" (the tickets it created); NULL: everything.
    scope: list[str] | None = Field(default=None, sa_column=Column(ARRAY(Text), nullable=True))
    # ----


class CustomerToken(SQLModel, table=True):
    """A portal token minted for a customer: the id it carries, checked on every request, so
    revoking it (or erasing the customer) stops it at once on every replica."""

    __tablename__ = "customer_tokens"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    customer_id: int = reference("customers.id", nullable=False)
    minted_at: datetime = timestamp()
    expires_at: datetime = timestamp()
    minted_by_key_id: int | None = reference("api_keys.id", index=False)
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
