"""Inbound email shapes: what the desk made of a received message (InboundEmailOut), the
decision on held mail (HeldAccept, HeldListQuery), and the headers a gateway sends an agent's
email reply with (OutboundEmailOut)."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.common import Strict

EmailKind = Literal["message", "auto_reply", "bounce", "loop"]
EmailOutcome = Literal[
    "appended", "reopened", "created", "follow_up", "recorded", "duplicate", "held", "rejected"
]
ThreadedBy = Literal["message_id", "reference_token", "subject_token"]


class ReceivedFileOut(BaseModel):
    """A file a received message carried, as the message lists it."""

    filename: str | None
    content_type: str
    size: int = Field(description="Bytes, decoded.")


class InboundEmailOut(BaseModel):
    id: int
    message_id: str = Field(description="As received; made from the message's digest if absent.")
    kind: EmailKind = Field(
        description="`auto_reply`, `bounce` and `loop` (the desk's own mail come back) are "
        "recorded, nothing more."
    )
    outcome: EmailOutcome = Field(
        description="appended to a ticket, reopened a resolved one, created a ticket, opened a "
        "follow_up to a closed one, only recorded (auto-replies, bounces, the desk's own mail), "
        "a duplicate of an interaction already logged with this Message-ID, held (it answers a "
        "ticket its sender is not on: nothing was added until a person accepts it) or rejected."
    )
    threaded_by: ThreadedBy | None = Field(
        description="What found the ticket (for held mail: the ticket it would join); null: a "
        "new one."
    )
    ticket_id: int | None
    interaction_id: int | None
    followed_ticket_id: int | None = Field(description="The closed ticket a follow_up links to.")
    sender_email: str | None
    sender_name: str | None
    subject: str
    text: str = Field(description="The new part of the message, as shown on the interaction.")
    quoted: str = Field(description="The quoted history trimmed from it (kept).")
    attachments: list[ReceivedFileOut]
    automatic_reason: str | None = Field(description="Why it counts as automatic.")
    sent_at: datetime | None = Field(description="Its Date header.")
    received_at: datetime
    held_ticket_id: int | None = Field(
        description="Held mail: the ticket it would join (kept once decided)."
    )
    decided_at: datetime | None = Field(description="When held mail was accepted or rejected.")


class HeldAccept(Strict):
    """Where an accepted held message goes."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"into": "ticket"}, {"into": "new_ticket"}]}
    )
    into: Literal["ticket", "new_ticket"] = Field(
        default="ticket",
        description="`ticket`: appended to the ticket it answers, as its sender's email (a "
        "resolved ticket reopens, a closed one gets a linked follow-up); `new_ticket`: a new "
        "email ticket for its sender.",
    )


class HeldListQuery(BaseModel):
    """The held list's query string: oldest first."""

    limit: int = Field(default=50, ge=1, le=200, description="Page size (1–200).")
    cursor: str | None = Field(
        default=None, max_length=512, description="`next_cursor` of the previous page."
    )


class OutboundEmailOut(BaseModel):
    """What a public agent email reply is sent with."""

    message_id: str = Field(
        description="Names the ticket, signed: replies thread without it stored."
    )
    in_reply_to: str | None
    references: list[str]
    reference_token: str = Field(description="Put it in the body: clients that strip headers.")
    subject: str = Field(description="Carries the `[#ticket]` token.")
    cc: list[str] = Field(
        default_factory=list,
        description="Send it copied to these: the ticket's `cc` participants when it was written.",
    )
