"""Inbound chat: a gateway's conversation (its customer and messages) and what became of it."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.schemas.common import SPACE, AwareDatetime, Id, LanguageTag, Name, Strict
from app.schemas.tickets import CustomerRef, Subject

GatewayId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200, pattern=rf"^[^{SPACE}]+$"),
]


class ChatMessage(Strict):
    id: GatewayId = Field(description="The gateway's message id: a message is logged once.")
    sent_at: AwareDatetime
    author: Literal["customer", "agent"] = "customer"
    author_name: Name | None = None
    body: Annotated[str, StringConstraints(min_length=1, max_length=200_000)]
    attachment_ids: Annotated[list[Id], Field(max_length=20)] | None = Field(
        default=None,
        description="Files the gateway uploaded with `POST /v1/attachments` for this message.",
    )


class ChatConversation(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "conversation_id": "c-8841",
                    "customer": {"name": "Ada Lovelace", "email": "ada@example.com"},
                    "messages": [
                        {
                            "id": "m-1",
                            "sent_at": "2026-03-02T09:00:00Z",
                            "body": "My VPN keeps dropping",
                        }
                    ],
                }
            ]
        },
    )
    conversation_id: GatewayId = Field(description="One ticket per conversation.")
    customer: CustomerRef
    subject: Subject | None = Field(
        default=None, description="Defaults to the start of the first customer message."
    )
    language: LanguageTag | None = None
    messages: list[ChatMessage] = Field(min_length=1, max_length=500)


class ChatMessageOut(BaseModel):
    id: str
    interaction_id: int
    created: bool = Field(description="False: logged before (a replay).")


class ChatOut(BaseModel):
    ticket_id: int
    ticket_created: bool
    messages: list[ChatMessageOut]
