"""Interaction shapes (calls, emails, chats, notes): InteractionCreate, InteractionOut."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.schemas.attachments import AttachmentOut
from app.schemas.common import AwareDatetime, Id, Name, Strict
from app.schemas.inbound import OutboundEmailOut

InteractionKind = Literal["call", "email", "chat", "note", "callback", "sms"]
Direction = Literal["inbound", "outbound", "internal"]
AuthorType = Literal["agent", "customer", "system"]


class InteractionCreate(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "call",
                    "direction": "outbound",
                    "public": True,
                    "author_type": "agent",
                    "author_id": 3,
                    "body": "Called back; VPN profile reinstalled, customer confirms it holds.",
                    "duration_seconds": 420,
                }
            ]
        },
    )
    kind: InteractionKind
    direction: Direction
    public: bool = True
    author_type: AuthorType = "agent"
    author_id: Id | None = Field(
        default=None,
        description="Agent or customer id. For agents it defaults to the key's agent; for "
        "customers to the ticket's customer.",
    )
    author_name: Name | None = None
    body: Annotated[str, StringConstraints(min_length=1, max_length=200_000)]
    occurred_at: AwareDatetime | None = Field(default=None, description="Defaults to now.")
    duration_seconds: Annotated[int, Field(ge=0, le=86_400)] | None = Field(
        default=None, description="Calls and callbacks only."
    )
    external_id: Annotated[str, StringConstraints(min_length=1, max_length=300)] | None = None
    attachment_ids: Annotated[list[Id], Field(max_length=20)] | None = Field(
        default=None,
        description="Files uploaded with `POST /v1/attachments` (by the same key or token) "
        "that this interaction carries: each id must be an upload of yours not sent yet; "
        "another is refused (422, `is not an upload of yours` or `was sent already`).",
    )


class InteractionOut(BaseModel):
    id: int
    ticket_id: int
    kind: str
    direction: str
    public: bool
    author_type: str
    author_id: int | None
    author_name: str | None
    body: str
    occurred_at: datetime
    duration_seconds: int | None
    external_id: str | None
    created_at: datetime
    email: OutboundEmailOut | None = Field(
        default=None,
        description="A public agent email reply: the headers and token a gateway sends it with.",
    )
    attachments: list[AttachmentOut] = Field(
        default_factory=list, description="Its files, each downloaded by id."
    )


class InteractionListQuery(BaseModel):
    """A ticket's interactions, in the order they happened."""

    public_only: bool = Field(default=False, description="Only what the customer saw.")
    limit: int = Field(default=50, ge=1, le=200, description="Page size (1–200).")
    cursor: str | None = Field(
        default=None, max_length=512, description="`next_cursor` of the previous page."
    )


class InteractionSearchQuery(BaseModel):
    """Interactions across tickets, found by the gateway's message id."""

    external_id: Annotated[
        str, StringConstraints(min_length=1, max_length=300, pattern=r"^[^\x00]+$")
    ] = Field(description="The gateway's message id the interaction was logged with.")
    limit: int = Field(default=50, ge=1, le=200, description="Page size (1–200).")
    cursor: str | None = Field(
        default=None, max_length=512, description="`next_cursor` of the previous page."
    )
