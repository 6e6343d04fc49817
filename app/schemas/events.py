"""Events out: the event feed, webhook subscriptions and their deliveries."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.schemas.common import OMITTED, SPACE, QueryIdValue, Strict, no_default

EventType = Literal[
    "ticket.created",
    "ticket.updated",
    "ticket.status_changed",
    "ticket.assigned",
    "interaction.added",
    "escalation.created",
    "sla.warning",
    "sla.breach",
    "reminder.due",
    "survey.received",
    "qa.review.created",
    "qa.review.disputed",
    "ticket.merged",
    "ticket.participant_added",
    "ticket.participant_removed",
    "kb.article.published",
    "kb.article.updated",
    "kb.article.archived",
    "report.ready",
]
DeliveryStatus = Literal["pending", "sending", "retrying", "delivered", "dead"]
WebhookUrl = Annotated[
    str,
    StringConstraints(
        min_length=8,
        max_length=2000,
        # The authority names a host: an optional user@, then at least the host's first
        # character before any :port.
        pattern=rf"^https?://(?:[^{SPACE}/?#@]*@)?[^{SPACE}/?#@:][^{SPACE}/?#@]*(?:[/?#][^{SPACE}]*)?$",
    ),
]
URL_RULES = (
    "The http(s) endpoint events are POSTed to: its host an IP address or a valid IDNA name "
    "(labels of at most 63 characters, 253 in all), its port in range."
)
WebhookSecret = Annotated[
    str,
    # Base64 of at least 16 bytes, padded.
    StringConstraints(
        pattern=r"^whsec_(?:[A-Za-z0-9+/]{4}){5,}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$",
        max_length=200,
    ),
]


class EventOut(BaseModel):
    id: int
    type: EventType
    ticket_id: int | None = Field(
        description="The ticket it happened to; null for an event of the desk itself "
        "(an article published, a report ready), which only staff receive."
    )
    occurred_at: datetime
    data: dict[str, Any] = Field(
        description="Ids, states and changed field names; never free text or personal data."
    )


class EventListQuery(BaseModel):
    """The event feed's query string: oldest first in commit order."""

    type: list[EventType] = Field(default=[], description="Only these types (repeatable).")
    ticket_id: QueryIdValue | None = None
    limit: int = Field(default=50, ge=1, le=200, description="Page size (1–200).")
    cursor: str | None = Field(
        default=None, max_length=512, description="`next_cursor` of the previous page."
    )


class EventStreamQuery(BaseModel):
    """The event stream's query string: the feed's filters, and where to start."""

    type: list[EventType] = Field(default=[], description="Only these types (repeatable).")
    ticket_id: QueryIdValue | None = None
    cursor: str | None = Field(
        default=None,
        max_length=512,
        description="Start after this feed cursor (an event's `id:`, or the feed's "
        "`next_cursor`); a `Last-Event-ID` header wins over it. Neither: from now on.",
    )


class WebhookCreate(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://hooks.example.com/helpdesk",
                    "event_types": ["ticket.created", "interaction.added"],
                }
            ]
        },
    )
    url: WebhookUrl = Field(description=URL_RULES)
    event_types: list[EventType] = Field(min_length=1, max_length=20)
    secret: WebhookSecret | None = Field(
        default=None, description="A `whsec_` base64 secret; generated when left out."
    )
    active: bool = True
    description: Annotated[str, StringConstraints(max_length=1000)] | None = None


class WebhookUpdate(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"active": False}]})
    url: WebhookUrl = Field(default=None, description=URL_RULES, json_schema_extra=no_default)
    event_types: list[EventType] = Field(
        default=None, min_length=1, max_length=20, json_schema_extra=no_default
    )
    secret: WebhookSecret = OMITTED
    active: bool = OMITTED
    description: Annotated[str, StringConstraints(max_length=1000)] | None = None


class WebhookOut(BaseModel):
    id: int
    url: str
    event_types: list[EventType]
    active: bool
    description: str | None
    created_at: datetime
    updated_at: datetime
    version: int


class WebhookCreated(WebhookOut):
    secret: str = Field(description="The signing secret: shown here only.")


class WebhookListQuery(BaseModel):
    limit: int = Field(default=50, ge=1, le=200, description="Page size (1–200).")
    cursor: str | None = Field(default=None, max_length=512)


class DeliveryOut(BaseModel):
    id: int
    subscription_id: int
    event_id: int
    event_type: EventType
    ticket_id: int | None = Field(description="The event's ticket; null for a desk event.")
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime


class DeliveryListQuery(BaseModel):
    """Newest first."""

    status: DeliveryStatus | None = None
    limit: int = Field(default=50, ge=1, le=200, description="Page size (1–200).")
    cursor: str | None = Field(default=None, max_length=512)
