"""Ticket participant shapes: adding someone to a ticket, and who is on it."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.schemas.common import Email, Id, Name, Strict

ParticipantRole = Literal["cc", "follower"]


class ParticipantCreate(Strict):
    """Someone to put on the ticket: a known customer by id, or anyone by address (the customer
    with that address, made if there is none). Give exactly one of customer_id and email."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"email": "lena@example.com", "name": "Lena", "role": "cc"},
                {"customer_id": 7, "role": "follower"},
            ]
        },
    )
    customer_id: Id | None = Field(default=None, description="A customer; or give `email`.")
    email: Email | None = Field(default=None, description="An address; or give `customer_id`.")
    name: Name | None = Field(
        default=None, description="Their name, when `email` makes a new customer."
    )
    role: ParticipantRole = Field(
        default="cc",
        description="`cc`: copied on the ticket's public email replies; `follower`: on the "
        "ticket (their mail threads onto it) but not copied.",
    )

    @model_validator(mode="after")
    def _one_person(self) -> "ParticipantCreate":
        if (self.customer_id is None) == (self.email is None):
            raise ValueError("give exactly one of customer_id and email")
        return self


class ParticipantOut(BaseModel):
    ticket_id: int
    customer_id: int
    name: str
    email: str | None
    role: ParticipantRole
    source: Literal["api", "email", "merge"] = Field(
        description="How they came: added through the API, copied on inbound mail, or brought "
        "by a merge (a merged ticket's customer and participants)."
    )
    added_at: datetime


class ParticipantListQuery(BaseModel):
    """A ticket's participants list's query string: in the order they were added."""

    limit: int = Field(default=50, ge=1, le=200, description="Page size (1–200).")
    cursor: str | None = Field(
        default=None, max_length=512, description="`next_cursor` of the previous page."
    )
