"""Inbound email shapes: what the desk made of a received message (InboundEmailOut), and the
headers a gateway sends an agent's email reply with (OutboundEmailOut)."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

EmailKind = Literal["message", "auto_reply", "bounce"]
EmailOutcome = Literal["appended", "reopened", "created", "follow_up", "recorded", "duplicate"]
ThreadedBy = Literal["message_id", "reference_token", "subject_token"]


class AttachmentOut(BaseModel):
    filename: str | None
    content_type: str
    size: int = Field(description="Bytes, decoded.")


class InboundEmailOut(BaseModel):
    id: int
    message_id: str = Field(description="As received; made from the message's digest if absent.")
    kind: EmailKind = Field(description="`auto_reply` and `bounce` are recorded, nothing more.")
    outcome: EmailOutcome = Field(
        description="appended to a ticket, reopened a resolved one, created a ticket, opened a "
        "follow_up to a closed one, only recorded (auto-replies, bounces), or a duplicate of an "
        "interaction already logged with this Message-ID."
    )
    threaded_by: ThreadedBy | None = Field(description="What found the ticket; null: a new one.")
    ticket_id: int | None
    interaction_id: int | None
    followed_ticket_id: int | None = Field(description="The closed ticket a follow_up links to.")
    sender_email: str | None
    sender_name: str | None
    subject: str
    text: str = Field(description="The new part of the message, as shown on the interaction.")
    quoted: str = Field(description="The quoted history trimmed from it (kept).")
    attachments: list[AttachmentOut]
    automatic_reason: str | None = Field(description="Why it counts as automatic.")
    sent_at: datetime | None = Field(description="Its Date header.")
    received_at: datetime


class OutboundEmailOut(BaseModel):
    """What a public agent email reply is sent with."""

    message_id: str = Field(
        description="Names the ticket, signed: replies thread without it stored."
    )
    in_reply_to: str | None
    references: list[str]
    reference_token: str = Field(description="Put it in the body: clients that strip headers.")
    subject: str = Field(description="Carries the `[#ticket]` token.")
