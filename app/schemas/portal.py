"""What a customer's portal token receives: the customer's own shapes of a ticket, of an
interaction and of an event of their tickets, and the list parameters a customer may use."""

from datetime import datetime
from typing import Literal, get_args

from pydantic import BaseModel, Field

from app.schemas.attachments import CustomerAttachmentOut


class CustomerTicketOut(BaseModel):
    """A ticket as its customer sees it. Only the fields listed here reach a customer token:
    no priority (an override says what an agent thinks of the customer) or any reason, no
    category or tags (agents' free text), no team, tier, assignee, routing or escalation, no
    SLA clocks, no counts (the stored ones include internal notes), no version."""

    id: int
    subject: str
    description: str | None
    status: str
    channel: str
    language: str | None
    customer_id: int | None
    product: str | None
    model_number: str | None
    serial_number: str | None
    account_number: str | None
    equipment_location: str | None
    created_at: datetime
    last_activity_at: datetime = Field(
        description="The last thing on the ticket the customer can see: its opening, a status "
        "move or a public message (an agent's internal work does not move it)."
    )
    resolved_at: datetime | None
    closed_at: datetime | None


class CustomerInteractionOut(BaseModel):
    """A public interaction as the ticket's customer sees it: who wrote it (by name), what and
    when; never the gateway's message id, the mail headers or reference tokens."""

    id: int
    ticket_id: int
    kind: str
    direction: str
    author_type: str
    author_name: str | None
    body: str
    occurred_at: datetime
    attachments: list[CustomerAttachmentOut] = Field(default_factory=list)


# The events a customer's stream carries: a ticket opened, its status moved, a public message
# added (an internal one is never sent). The others (assignment, escalation, SLA, surveys,
# reviews, merges) tell what agents do; a stream asked for one of them is refused.
CustomerEventType = Literal["ticket.created", "ticket.status_changed", "interaction.added"]
CUSTOMER_EVENT_TYPES: frozenset[str] = frozenset(get_args(CustomerEventType))


class CustomerEventOut(BaseModel):
    """An event of one of the customer's tickets as their stream sends it: what happened, when,
    and the ticket's status after it (as CustomerTicketOut shows it); never the team, assignee,
    priority, tier, version or SLA fields of the staff's event."""

    type: CustomerEventType
    ticket_id: int
    status: str = Field(description="The ticket's status after the event.")
    interaction_id: int | None = Field(
        default=None,
        description="interaction.added: the public interaction (read it with "
        "GET /v1/tickets/{ticket_id}/interactions?public_only=true).",
    )
    occurred_at: datetime


# The ticket list's parameters a customer token may send: each filters or sorts on a field of
# CustomerTicketOut (`q` on its subject and description and the public messages). The others
# (priority, type, team, assignee, tag, SLA state, external id) would let a customer probe
# what agents decided; they are refused, naming the parameter.
CUSTOMER_LIST_PARAMETERS = frozenset(
    {"status", "channel", "customer_id", "created_after", "created_before", "q", "sort"}
    | {"limit", "cursor"}
)
# updated_at moves with internal work, sla_due_at is an SLA internal.
CUSTOMER_SORTS = frozenset({"created_at", "-created_at", "relevance"})
