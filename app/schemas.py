"""Request and response shapes of the API: <Resource>Create, <Resource>Update (all optional), <Resource>Out."""

from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)
from pydantic.networks import validate_email

from app.domain.lifecycle import Status

T = TypeVar("T")

Role = Literal["admin", "supervisor", "agent", "integration", "viewer"]
TicketType = Literal["incident", "service_request", "question", "problem", "planned"]
Impact = Literal["organization", "department", "user", "none"]
Urgency = Literal["critical", "high", "medium", "low"]
Priority = Literal["critical", "high", "medium", "low"]
Channel = Literal["phone", "email", "chat", "web", "api"]
InteractionKind = Literal["call", "email", "chat", "note", "callback", "sms"]
Direction = Literal["inbound", "outbound", "internal"]
AuthorType = Literal["agent", "customer", "system"]
LinkKind = Literal["related", "split_from", "duplicate_of"]
Tier = Annotated[int, Field(ge=1, le=3)]

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Subject = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
LanguageTag = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$", max_length=35)
]
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("must include a time zone offset, e.g. 2026-03-01T09:00:00Z")
    try:
        year = value.astimezone(UTC).year
    except OverflowError:
        year = 0
    if not 1900 <= year <= 9999:
        raise ValueError("must be between the years 1900 and 9999")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]


def _known_zone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown IANA time zone '{value}'") from None
    return value


TimeZoneName = Annotated[str, AfterValidator(_known_zone)]


@lru_cache(maxsize=65_536)
def _valid_email(value: str) -> str:
    # pydantic's EmailStr check (60 µs a call), remembered: gateways send the same addresses
    # over and over. Invalid ones raise, and are not remembered.
    return validate_email(value)[1]


# EmailStr, with its check cached.
Email = Annotated[
    str, AfterValidator(_valid_email), WithJsonSchema({"format": "email", "type": "string"})
]


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


class Strict(BaseModel):
    """Requests: unknown fields are an error, not silently dropped; text cannot hold NUL
    characters (PostgreSQL text cannot store them)."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul_characters(cls, data: Any) -> Any:
        if _has_nul(data):
            raise ValueError("text must not contain NUL (\\u0000) characters")
        return data


# Ids are bigints: anything outside 1 … 2^63-1 names nothing, and must not reach the database.
MAX_ID = 2**63 - 1
QueryIdValue = Annotated[int, Field(ge=1, le=MAX_ID)]
# Free text in query strings: bounded, no NUL characters.
QueryTextValue = Annotated[str, Field(max_length=320, pattern=r"^[^\x00]*$")]


class ProblemField(BaseModel):
    field: str = Field(description="Where: a body field path, or `query.<name>`, `header.<name>`.")
    message: str
    type: str | None = Field(default=None, description="The validation rule that failed.")


class Problem(BaseModel):
    """Every error the API answers: an RFC 9457 problem (`application/problem+json`). Some
    kinds add members: `errors` (each failing field), `field` (the one at fault), `allowed`
    (the statuses a ticket may move to)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="A stable URI naming the kind of problem.")
    title: str
    status: int
    detail: str = Field(description="What went wrong, for a person.")
    instance: str | None = Field(default=None, description="The path the request was made to.")
    errors: list[ProblemField] | None = None


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null at the end."
    )


# ---- customers -------------------------------------------------------------------------------


class CustomerUpdate(Strict):
    name: Name | None = None
    email: Email | None = None
    phone: Annotated[str, StringConstraints(max_length=50)] | None = None
    organization: ShortText | None = None
    account_number: Annotated[str, StringConstraints(max_length=100)] | None = None
    language: LanguageTag | None = None
    time_zone: TimeZoneName | None = None


class CustomerCreate(CustomerUpdate):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Ada Lovelace",
                    "email": "ada@example.com",
                    "phone": "+31 20 555 0100",
                    "organization": "Analytical Engines BV",
                    "account_number": "AE-1001",
                    "language": "en",
                    "time_zone": "Europe/Amsterdam",
                }
            ]
        },
    )
    name: Name


class CustomerOut(BaseModel):
    id: int
    name: str
    email: str | None
    phone: str | None
    organization: str | None
    account_number: str | None
    language: str | None
    time_zone: str | None
    created_at: datetime
    updated_at: datetime
    version: int


# ---- teams and agents ------------------------------------------------------------------------


class TeamUpdate(Strict):
    name: Name | None = None
    tier: Tier | None = None
    description: Annotated[str, StringConstraints(max_length=2000)] | None = None


class TeamCreate(TeamUpdate):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"name": "Service desk", "tier": 1, "description": "First line"}]
        },
    )
    name: Name
    tier: Tier = 1


class TeamOut(BaseModel):
    id: int
    name: str
    tier: int
    description: str | None
    created_at: datetime
    updated_at: datetime
    version: int


class AgentUpdate(Strict):
    name: Name | None = None
    email: Email | None = None
    team_id: Id | None = None
    role: Literal["admin", "supervisor", "agent"] | None = None
    languages: list[LanguageTag] | None = Field(default=None, max_length=20)
    active: bool | None = None


class AgentCreate(AgentUpdate):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Grace Hopper",
                    "email": "grace@desk.example.com",
                    "team_id": 1,
                    "role": "agent",
                    "languages": ["en", "nl"],
                }
            ]
        },
    )
    name: Name
    email: Email
    role: Literal["admin", "supervisor", "agent"] = "agent"
    languages: list[LanguageTag] = Field(default_factory=list, max_length=20)
    active: bool = True


class AgentOut(BaseModel):
    id: int
    name: str
    email: str
    team_id: int | None
    role: str
    languages: list[str]
    active: bool
    created_at: datetime
    updated_at: datetime
    version: int


# ---- API keys --------------------------------------------------------------------------------


class ApiKeyCreate(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "email gateway", "role": "integration"}]},
    )
    name: Name
    role: Role
    agent_id: Id | None = Field(
        default=None, description="The agent this key acts as (authors its interactions)."
    )


class ApiKeyOut(BaseModel):
    id: int
    name: str
    role: str
    prefix: str = Field(description="The first characters of the key, to recognise it by.")
    agent_id: int | None
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The secret itself. Shown once: only its hash is stored.")


# ---- tickets ---------------------------------------------------------------------------------


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
    priority_reason: Annotated[str, StringConstraints(max_length=1000)] | None = None
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
    subject: Subject | None = None
    description: Annotated[str, StringConstraints(max_length=100_000)] | None = None
    status: Status | None = None
    type: TicketType | None = None
    impact: Impact | None = None
    urgency: Urgency | None = None
    priority: Priority | None = Field(
        default=None, description="Override the computed priority; needs `priority_reason`."
    )
    priority_reason: Annotated[str, StringConstraints(max_length=1000)] | None = None
    clear_priority_override: bool | None = Field(
        default=None, description="true: drop the override and use the matrix again."
    )
    category: ShortText | None = None
    tags: list[Tag] | None = Field(default=None, max_length=50)
    channel: Channel | None = None
    customer_id: Id | None = None
    team_id: Id | None = None
    assignee_id: Id | None = None
    tier: Tier | None = None
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
            "examples": [{"subject": "Printer on floor 3 jams", "type": "incident"}]
        },
    )
    subject: Subject


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
    sla: "TicketSlaOut"


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


# ---- interactions and history ----------------------------------------------------------------


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


class HistoryEntryOut(BaseModel):
    id: int
    ticket_id: int
    at: datetime
    action: str = Field(description="created, changed, interaction, linked, split, …")
    field: str | None
    old_value: Any
    new_value: Any
    actor_type: str
    actor_name: str | None
    interaction_id: int | None
    note: str | None


# ---- SLA: calendars, policies, the priority matrix, clocks on tickets ---------------------------

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SlaState = Literal["on_track", "warning", "breached", "met", "paused"]
Metric = Literal["first_response", "next_update", "resolution"]


class WorkingHoursIn(Strict):
    day: Weekday
    start: time = Field(description="Local wall-clock time, e.g. 09:00.")
    end: time = Field(description="End ≤ start runs past midnight; 00:00–00:00 is the whole day.")


class HolidayIn(Strict):
    date: date
    recurring: bool = Field(default=False, description="The same day every year.")
    name: ShortText | None = None


class CalendarCreate(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Office NL",
                    "time_zone": "Europe/Amsterdam",
                    "hours": [
                        {"day": d, "start": "09:00", "end": "17:00"}
                        for d in ("mon", "tue", "wed", "thu", "fri")
                    ],
                    "holidays": [{"date": "2026-12-25", "recurring": True, "name": "Christmas"}],
                }
            ]
        },
    )
    name: Name
    time_zone: TimeZoneName
    hours: list[WorkingHoursIn] = Field(min_length=1, max_length=100)
    holidays: list[HolidayIn] = Field(default_factory=list, max_length=1000)


class CalendarOut(BaseModel):
    id: int
    name: str
    time_zone: str
    hours: list[WorkingHoursIn]
    holidays: list[HolidayIn]
    created_at: datetime
    updated_at: datetime
    version: int


Minutes = Annotated[int, Field(ge=0, le=525_600)]


class SlaTargetsIn(Strict):
    first_response_minutes: Minutes
    next_update_minutes: Annotated[int, Field(ge=1, le=525_600)] = Field(
        default=1440, description="Periodic follow-up: at most this long between public replies."
    )
    resolution_minutes: Minutes


class PolicyConditionsIn(Strict):
    """All given lists must match (an empty list matches anything)."""

    priorities: list[Priority] = Field(default_factory=list)
    types: list[TicketType] = Field(default_factory=list)
    team_ids: list[Id] = Field(default_factory=list)
    organizations: list[ShortText] = Field(default_factory=list)
    channels: list[Channel] = Field(default_factory=list)


PausingStatus = Literal["new", "open", "pending", "on_hold"]


class SlaPolicyCreate(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Enterprise",
                    "position": 10,
                    "conditions": {"organizations": ["Analytical Engines BV"]},
                    "targets": {
                        p: {
                            "first_response_minutes": m,
                            "next_update_minutes": 1440,
                            "resolution_minutes": m * 8,
                        }
                        for p, m in (("critical", 15), ("high", 30), ("medium", 120), ("low", 480))
                    },
                    "calendar_id": 1,
                    "pause_statuses": ["pending", "on_hold"],
                    "warning_percent": 80,
                }
            ]
        },
    )
    name: Name
    position: Annotated[int, Field(ge=0, le=1_000_000)] = Field(
        description="Policies are tried in ascending position; the first that matches applies."
    )
    conditions: PolicyConditionsIn = Field(default_factory=PolicyConditionsIn)
    targets: dict[Priority, SlaTargetsIn] = Field(description="One entry for every priority.")
    calendar_id: Id
    pause_statuses: list[PausingStatus] = Field(default_factory=lambda: ["pending", "on_hold"])
    warning_percent: Annotated[int, Field(ge=1, le=99)] = 80


class SlaPolicyOut(BaseModel):
    id: int
    name: str
    position: int
    is_default: bool
    conditions: PolicyConditionsIn
    targets: dict[str, SlaTargetsIn]
    calendar_id: int
    pause_statuses: list[str]
    warning_percent: int
    created_at: datetime
    updated_at: datetime
    version: int


class PriorityMatrixIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "cells": {
                        "organization": {
                            "critical": "critical",
                            "high": "critical",
                            "medium": "high",
                            "low": "medium",
                        },
                        "department": {
                            "critical": "critical",
                            "high": "high",
                            "medium": "medium",
                            "low": "low",
                        },
                        "user": {
                            "critical": "high",
                            "high": "medium",
                            "medium": "medium",
                            "low": "low",
                        },
                        "none": {
                            "critical": "medium",
                            "high": "low",
                            "medium": "low",
                            "low": "low",
                        },
                    }
                }
            ]
        },
    )
    cells: dict[str, dict[str, str]] = Field(description="impact → urgency → priority, every cell.")


class PriorityMatrixOut(BaseModel):
    cells: dict[str, dict[str, str]]
    updated_at: datetime
    version: int


class SlaMetricOut(BaseModel):
    metric: Metric
    state: SlaState
    target_seconds: int = Field(description="Business seconds allowed.")
    started_at: datetime
    stopped_at: datetime | None
    due_at: datetime | None = Field(description="Null while the clock is paused.")
    warning_at: datetime | None
    business_seconds_used: int
    business_seconds_remaining: int = Field(description="Negative once over the target.")
    percent_used: float
    explanation: str


class SlaPauseOut(BaseModel):
    start: datetime
    end: datetime | None
    status: str


class TicketSlaOut(BaseModel):
    state: SlaState = Field(description="The worst state among the clocks.")
    policy_id: int
    policy_name: str
    calendar: str
    first_response: SlaMetricOut
    next_update: SlaMetricOut | None = Field(
        description="Only after a public agent reply, while the ticket is not resolved."
    )
    resolution: SlaMetricOut


class TicketSlaSummary(BaseModel):
    """The SLA as a ticket list shows it, from the due times stored with the ticket; the full
    clocks are on `GET /v1/tickets/{id}` and `/v1/tickets/{id}/sla`."""

    state: SlaState = Field(description="The worst state among the clocks (as the full view says).")
    due_at: datetime | None = Field(description="The nearest deadline of a running clock.")
    warning_at: datetime | None = Field(description="The nearest warning of a running clock.")
    policy_id: int | None


class TicketListItem(TicketOut):
    sla: TicketSlaSummary  # type: ignore[assignment]


TicketSort = Literal["created_at", "-created_at", "updated_at", "-updated_at", "sla_due_at"]


class TicketListQuery(BaseModel):
    """The ticket list's query string. Repeat a list parameter to match any of its values
    (`?status=new&status=open`); unknown parameters are ignored."""

    status: list[Status] | None = None
    priority: list[Priority] | None = None
    type: list[TicketType] | None = None
    channel: list[Channel] | None = None
    team_id: QueryIdValue | None = None
    assignee_id: QueryIdValue | None = None
    customer_id: QueryIdValue | None = None
    tag: QueryTextValue | None = None
    created_after: AwareDatetime | None = None
    created_before: AwareDatetime | None = None
    sla_state: list[SlaState] | None = None
    sort: TicketSort = Field(
        default="-created_at", description="`sla_due_at`: nearest running SLA deadline first."
    )
    limit: int = Field(default=50, ge=1, le=200, description="Page size (1–200).")
    cursor: str | None = Field(
        default=None, max_length=512, description="`next_cursor` of the previous page."
    )


class TicketSlaDetail(TicketSlaOut):
    ticket_id: int
    pauses: list[SlaPauseOut]


# ---- the deadline worker: events, reminders, callbacks, status ---------------------------------


class SlaEventOut(BaseModel):
    id: int
    ticket_id: int
    metric: Literal["first_response", "next_update", "resolution", "callback"]
    kind: Literal["warning", "breach", "missed"]
    due_at: datetime
    recorded_at: datetime
    team_id: int | None
    assignee_id: int | None
    priority: str | None
    policy_id: int | None


class ReminderOut(BaseModel):
    id: int
    ticket_id: int
    kind: Literal["follow_up", "callback"]
    assignee_id: int | None
    team_id: int | None
    callback_id: int | None
    due_at: datetime = Field(description="The deadline the reminder is about.")
    status: Literal["open", "done", "dismissed"]
    created_at: datetime
    done_at: datetime | None
    version: int


class ReminderUpdate(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"status": "done"}]})
    status: Literal["done", "dismissed", "open"]


class CallbackCreate(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "requested_at": "2026-03-03T14:00:00Z",
                    "phone": "+31 20 555 0100",
                    "note": "After the 13:00 meeting",
                }
            ]
        },
    )
    requested_at: AwareDatetime = Field(description="When the customer wants to be called.")
    phone: Annotated[str, StringConstraints(max_length=50)] | None = None
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None
    assignee_id: Id | None = Field(default=None, description="Defaults to the ticket's assignee.")


class CallbackOut(BaseModel):
    id: int
    ticket_id: int
    requested_at: datetime
    missed_at: datetime = Field(description="No outbound call by then → a callback_missed event.")
    phone: str | None
    note: str | None
    assignee_id: int | None
    status: Literal["scheduled", "done", "missed"]
    created_at: datetime
    done_at: datetime | None


class WorkerReplicaOut(BaseModel):
    id: str
    hostname: str
    pid: int
    started_at: datetime
    last_seen_at: datetime
    last_cycle_ms: float
    fired_total: int
    fired_last_minute: int


class WorkerStatus(BaseModel):
    replicas: list[WorkerReplicaOut] = Field(description="Workers seen in the last 2 minutes.")
    timers_pending: int
    timers_overdue: int = Field(description="Due but not yet fired: should stay near 0.")
    oldest_overdue_seconds: float = Field(description="The lag monitoring should alert on.")
    last_cycle_ms: float | None
    fired_last_minute: int


# ---- health ----------------------------------------------------------------------------------


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    detail: str | None = None


TicketOut.model_rebuild()
