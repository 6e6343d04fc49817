"""Inbound email (every message received, threaded or not), the desk's outbound mail headers,
and tickets imported from another help desk."""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Index, String, Text
from sqlalchemy import text as sql
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel

from app.models.base import reference, timestamp


class InboundEmail(SQLModel, table=True):
    """One received message, once per Message-ID: what makes a gateway's retry harmless, and
    the record of auto-replies and bounces, which never become interactions."""

    __tablename__ = "inbound_emails"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    message_id: str = Field(sa_type=String(1000), unique=True)
    kind: str = Field(sa_type=String(20))  # message | auto_reply | bounce | loop
    # appended | reopened | created | follow_up | recorded | duplicate | held | rejected
    outcome: str = Field(sa_type=String(20))
    threaded_by: str | None = Field(default=None, sa_type=String(20))
    ticket_id: int | None = reference("tickets.id", index=False)  # inbound_emails_thread_idx
    interaction_id: int | None = reference("interactions.id", index=False)
    followed_ticket_id: int | None = reference("tickets.id", index=False)
    sender_email: str | None = Field(default=None, sa_type=String(320))
    sender_name: str | None = Field(default=None, sa_type=String(200))
    subject: str = Field(sa_type=Text)
    thread_ids: list[str] = Field(
        default_factory=list, sa_column=Column(ARRAY(Text), nullable=False, server_default="{}")
    )
    text: str = Field(sa_type=Text)  # the new part of the message; with `quoted`, all of it
    quoted: str = Field(sa_type=Text)
    attachments: Any = Field(
        default=None,
        sa_column=Column(JSONB, nullable=False, server_default=sql("'[]'::jsonb")),
    )
    automatic_reason: str | None = Field(default=None, sa_type=Text)
    sent_at: datetime | None = timestamp(nullable=True)
    received_at: datetime = timestamp()
    created_by_key_id: int | None = reference("api_keys.id", index=False)
    # Held mail (its sender is not on the ticket it answers): the ticket it would have joined,
    # and who accepted or rejected it, when.
    held_ticket_id: int | None = reference("tickets.id")
    decided_at: datetime | None = timestamp(nullable=True)
    decided_by_key_id: int | None = reference("api_keys.id", index=False)
    __table_args__ = (
        Index("inbound_emails_held_idx", "id", postgresql_where=sql("outcome = 'held'")),
        # A ticket's messages, newest last: a reply's thread is read backwards from the newest.
        Index("inbound_emails_thread_idx", "ticket_id", "received_at", "id"),
    )


class OutboundEmail(SQLModel, table=True):
    """The headers a gateway sends a public agent email reply with."""

    __tablename__ = "outbound_emails"
    interaction_id: int = Field(sa_type=BigInteger, foreign_key="interactions.id", primary_key=True)
    ticket_id: int = reference("tickets.id", nullable=False, index=False)  # the thread's index
    message_id: str = Field(sa_type=String(400), unique=True)
    in_reply_to: str | None = Field(default=None, sa_type=String(1000))
    references: list[str] = Field(
        default_factory=list, sa_column=Column(ARRAY(Text), nullable=False, server_default="{}")
    )
    reference_token: str = Field(sa_type=String(100))
    subject: str = Field(sa_type=Text)
    created_at: datetime = timestamp()
    # The addresses it is copied to: the ticket's `cc` participants when it was written.
    cc: list[str] = Field(
        default_factory=list, sa_column=Column(ARRAY(Text), nullable=False, server_default="{}")
    )
    __table_args__ = (
        # A ticket's replies, newest last: a reply's thread is read backwards from the newest.
        Index("outbound_emails_thread_idx", "ticket_id", "created_at", "interaction_id"),
    )


class TicketImport(SQLModel, table=True):
    """A ticket brought over from another help desk, once per (source, external id)."""

    __tablename__ = "ticket_imports"
    source: str = Field(sa_type=String(100), primary_key=True)
    external_id: str = Field(sa_type=String(300), primary_key=True)
    ticket_id: int | None = reference("tickets.id")
    imported_at: datetime = timestamp()
    created_by_key_id: int | None = reference("api_keys.id", index=False)
