"""Ticket shapes: create, update, split, the ticket and its list item, the list query, links."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.domain.lifecycle import Status
from app.schemas.common import (
    NOT_BLANK,
    OMITTED,
    AwareDatetime,
    Channel,
    Email,
    Id,
    LanguageTag,
    Name,
    Priority,
    QueryIdValue,
    QueryTextValue,
    ShortText,
    Strict,
    Stripped,
    TicketType,
    Tier,
    no_default,
)
from app.schemas.customers import CustomerUpdate
from app.schemas.sla import SlaState, TicketSlaOut, TicketSlaSummary

Impact = Literal["organization", "department", "user", "none"]
Urgency = Literal["critical", "high", "medium", "low"]
LinkKind = Literal["related", "split_from", "duplicate_of"]

Subject = Annotated[
    str, StringConstraints(min_length=1, max_length=500, pattern=NOT_BLANK), Stripped
]
# Why a priority was set by hand (or tickets merged): shown in history, so never blank.
PriorityReason = Annotated[
    str, StringConstraints(min_length=1, max_length=1000, pattern=NOT_BLANK), Stripped
]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=NOT_BLANK), Stripped]


class CustomerRef(CustomerUpdate):
    """Inline contact details: the customer with this email is reused, or created."""

    name: Name
    email: Email


class TicketFields(Strict):
    """Fields a ticket shares between create and split."""

    description: Annotated[str, StringConstraints(max_length=100_000)] | None = None
    type: TicketType = "incident"
    impact: Impact = "user"
    urgency: Urgency = "medium"
    category: ShortText | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=50)
    team_id: Id | None = None
    assignee_id: Id | None = None
    tier: Tier | None = Field(default=None, description="Defaults to the team's tier, else 1.")
    language: LanguageTag | None = None
    product: ShortText | None = None
    model_number: ShortText | None = None
    serial_number: ShortText | None = Field(default=None, description="Serial or licence number.")
    account_number: Annotated[str, StringConstraints(max_length=100)] | None = None
    equipment_location: Annotated[str, StringConstraints(max_length=500)] | None = None


class TicketCreate(TicketFields):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "subject": "VPN drops every 10 minutes",
                    "description": "Since this morning the VPN disconnects for the whole floor.",
                    "type": "incident",
                    "impact": "department",
                    "urgency": "high",
                    "channel": "phone",
                    "customer": {"name": "Ada Lovelace", "email": "ada@example.com"},
                    "category": "network/vpn",
                    "tags": ["vpn", "floor-3"],
                    "language": "en",
                    "product": "Corporate VPN",
                    "equipment_location": "Amsterdam HQ, floor 3",
                }
            ]
        },
    )
    subject: Subject
    channel: Channel = "api"
    customer_id: Id | None = None
    customer: CustomerRef | None = None
    priority: Priority | None = Field(
        default=None, description="Override the computed priority; needs `priority_reason`."
    )
    priority_reason: PriorityReason | None = None
    external_id: Annotated[str, StringConstraints(min_length=1, max_length=300)] | None = Field(
        default=None,
        description="The gateway's own id; unique per channel. A retry with the same one "
        "returns the existing ticket with 200.",
    )
    created_at: AwareDatetime | None = Field(
        default=None,
        description="Admin and integration keys only: when importing history, the moment the "
        "ticket was really opened (SLA clocks start there). Not in the future.",
    )


class TicketUpdate(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"status": "pending", "urgency": "high"}]},
    )
    # May be left out, not set to null: a ticket always has these.
    subject: Subject = OMITTED
    description: Annotated[str, StringConstraints(max_length=100_000)] | None = None
    status: Status = OMITTED
    type: TicketType = OMITTED
    impact: Impact = OMITTED
    urgency: Urgency = OMITTED
    priority: Priority | None = Field(
        default=None, description="Override the computed priority; needs `priority_reason`."
    )
    priority_reason: PriorityReason | None = None
    clear_priority_override: bool | None = Field(
        default=None, description="true: drop the override and use the matrix again."
    )
    category: ShortText | None = None
    tags: list[Tag] = Field(default=None, max_length=50, json_schema_extra=no_default)
    channel: Channel = OMITTED
    customer_id: Id | None = None
    team_id: Id | None = None
    assignee_id: Id | None = None
    tier: Tier = OMITTED
    language: LanguageTag | None = None
    product: ShortText | None = None
    model_number: ShortText | None = None
    serial_number: ShortText | None = None
    account_number: Annotated[str, StringConstraints(max_length=100)] | None = None
    equipment_location: Annotated[str, StringConstraints(max_length=500)] | None = None


class TicketSplit(TicketFields):
    """A new problem found while handling a ticket: a new ticket linked `split_from` the original.

    Customer, channel, team, language, product and location are copied unless given here."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"subject": "Printer on floor 3 jams", "type": "incident", "interaction_ids": [812]}
            ]
        },
    )
    subject: Subject
    interaction_ids: Annotated[list[Id], Field(max_length=200)] | None = Field(
        default=None,
        description="Interactions of the original about the new problem: they move to the new "
        "ticket with their files and mail (a customer then sees their files there); both "
        "tickets' counts are worked out again.",
    )


class TicketRouting(BaseModel):
    rule_id: int | None = Field(description="The routing rule; null: the default team.")
    reason: str


class TicketOut(BaseModel):
    id: int
    subject: str
    description: str | None
    type: str
    status: str
    impact: str
    urgency: str
    priority: str
    priority_reason: str
    priority_overridden: bool
    category: str | None
    tags: list[str]
    channel: str
    customer_id: int | None
    team_id: int | None
    assignee_id: int | None
    tier: int
    language: str | None
    external_id: str | None
    product: str | None
    model_number: str | None
    serial_number: str | None
    account_number: str | None
    equipment_location: str | None
    created_at: datetime
    updated_at: datetime
    first_responded_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    reopen_count: int
    agent_reply_count: int
    customer_reply_count: int
    interaction_count: int
    version: int

    escalated_to_id: int | None = Field(
        description="The supervisor a hierarchical escalation named, if any."
    )
    resolved_by_id: int | None = Field(
        description="The agent credited with the resolution: the assignee when the ticket was "
        "resolved (else the agent who resolved it); kept when a resolved ticket moves on, "
        "cleared on reopen. The per-agent metrics count it."
    )
    routing: TicketRouting | None = Field(
        description="Why the ticket is in its team: the routing rule that placed it, the "
        "escalation or transfer that moved it; null when its team was given at creation."
    )
    merged_into_id: int | None = Field(
        description="The ticket this one was merged into: it is closed for good, and every "
        "write to it is a 409 naming that ticket."
    )
    sla: TicketSlaOut


class LinkCreate(Strict):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"ticket_id": 42, "kind": "related"}]}
    )
    ticket_id: Id = Field(description="The other ticket.")
    kind: LinkKind = "related"


class LinkOut(BaseModel):
    id: int
    ticket_id: int
    linked_ticket_id: int
    kind: str
    direction: Literal["outgoing", "incoming"] = Field(
        description="outgoing: this ticket → linked one (e.g. this one is split_from it)."
    )
    created_at: datetime


class TicketMerge(Strict):
    """The tickets to merge into this one, never itself: irreversible."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"ticket_ids": [41, 43], "reason": "same outage"}]},
    )
    ticket_ids: list[Id] = Field(
        min_length=1, max_length=50, description="The tickets merged into this one (1–50)."
    )
    reason: PriorityReason | None = Field(
        default=None, description="Why, kept in each merged ticket's history."
    )


class TicketMergeOut(BaseModel):
    """The target after the merge, and the tickets merged into it."""

    ticket: TicketOut
    merged_ticket_ids: list[int]


class LinkListQuery(BaseModel):
    """A ticket's links list's query string: links from and to the ticket, oldest first."""

    limit: int = Field(default=50, ge=1, le=200, description="Page size (1–200).")
    cursor: str | None = Field(
        default=None, max_length=512, description="`next_cursor` of the previous page."
    )


class TicketListItem(TicketOut):
    sla: TicketSlaSummary  # type: ignore[assignment]


TicketSort = Literal[
    "created_at", "-created_at", "updated_at", "-updated_at", "sla_due_at", "relevance"
]


class TicketListQuery(BaseModel):
    """The ticket list's query string. Repeat a list parameter to match any of its values
    (`?status=new&status=open`); an unknown parameter is a 400 naming it."""

    status: list[Status] | None = None
    priority: list[Priority] | None = None
    type: list[TicketType] | None = None
    channel: list[Channel] | None = None
    team_id: QueryIdValue | None = None
    assignee_id: QueryIdValue | None = None
    assignee: Literal["none", "me"] | None = Field(
        default=None,
        description="`none`: unassigned tickets; `me`: those assigned to the caller's agent.",
    )
    escalated_to_id: QueryIdValue | None = Field(
        default=None, description="Escalated to this supervisor (a hierarchical escalation)."
    )
    customer_id: QueryIdValue | None = None
    external_id: QueryTextValue | None = Field(
        default=None, description="The gateway's id of the ticket (with `channel`, unique)."
    )
    tag: QueryTextValue | None = None
    created_after: AwareDatetime | None = None
    created_before: AwareDatetime | None = None
    sla_state: list[SlaState] | None = None
    q: (
        Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00]*$")]
        | None
    ) = Field(
        default=None,
        description="Text search over subject, description and interaction bodies: words "
        '(stemmed in the ticket\'s language; `"exact phrase"`, `-not`, `or`) or a fragment '
        "(any language, text without spaces such as Thai).",
    )
    sort: TicketSort | None = Field(
        default=None,
        description="`-created_at` (newest first) unless `q` is given, then `relevance`. "
        "`sla_due_at`: nearest running SLA deadline first.",
    )
    limit: int = Field(default=50, ge=1, le=200, description="Page size (1–200).")
    cursor: str | None = Field(
        default=None, max_length=512, description="`next_cursor` of the previous page."
    )
