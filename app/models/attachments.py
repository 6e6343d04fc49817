"""Attachments: files on interactions, and the `postgres` backend's content chunks."""

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Column, Integer, LargeBinary, String
from sqlmodel import Field, SQLModel

from app.models.base import reference, timestamp


class Attachment(SQLModel, table=True):
    __tablename__ = "attachments"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    ticket_id: int | None = reference("tickets.id")
    # NULL while an upload waits for the interaction that sends it.
    interaction_id: int | None = reference("interactions.id")
    # The held message it came with, until a person accepts (or rejects) it.
    held_email_id: int | None = reference("inbound_emails.id")
    filename: str = Field(sa_type=String(255))
    content_type: str = Field(sa_type=String(255))
    size: int = Field(sa_type=BigInteger)
    # NULL once the content is erased.
    sha256: str | None = Field(default=None, sa_type=String(64), index=True)
    storage: str = Field(sa_type=String(20))
    uploaded_by_key_id: int | None = reference("api_keys.id", index=False)
    uploaded_by_customer_id: int | None = reference("customers.id", index=False)
    created_at: datetime = timestamp()
    erased_at: datetime | None = timestamp(nullable=True)
    __table_args__ = (
        CheckConstraint("storage IN ('postgres', 's3')", name="attachments_storage_check"),
        CheckConstraint("size >= 0", name="attachments_size_check"),
    )


class AttachmentChunk(SQLModel, table=True):
    __tablename__ = "attachment_chunks"
    sha256: str = Field(sa_column=Column(String(64), primary_key=True))
    seq: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
