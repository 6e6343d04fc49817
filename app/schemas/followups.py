"""Follow-up shapes: callbacks, reminders, the SLA events the worker records, worker status."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.schemas.common import AwareDatetime, Id, QueryIdValue, Strict


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
    kind: Literal["follow_up", "callback", "escalation_ack"]
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
    last_seen_at: datetime = Field(description="Its last heartbeat (one every 5 s).")
    stale: bool = Field(
        description="It missed 3 heartbeats: stopped, hung or cut off from the database."
    )
    last_cycle_ms: float
    fired_total: int
    fired_last_minute: int


class WorkerStatus(BaseModel):
    replicas: list[WorkerReplicaOut] = Field(
        description="Workers seen in the last 10 minutes, the stale ones included."
    )
    timers_pending: int
    timers_overdue: int = Field(description="Due but not yet fired: should stay near 0.")
    oldest_overdue_seconds: float = Field(description="The lag monitoring should alert on.")
    last_cycle_ms: float | None = Field(description="The slowest last pass of a live replica.")
    fired_last_minute: int = Field(description="Timers the live replicas fired in a minute.")


# ---- list query strings ----------------------------------------------------------------------


class CallbackListQuery(BaseModel):
    """A ticket's callbacks list's query string: oldest first."""

    limit: int = Field(default=50, ge=1, le=200, description="Page size (1–200).")
    cursor: str | None = Field(
        default=None, max_length=512, description="`next_cursor` of the previous page."
    )


class ReminderListQuery(BaseModel):
    """The reminders list's query string: soonest due first, or in the order they were raised."""

    ticket_id: QueryIdValue | None = None
    assignee_id: QueryIdValue | None = None
    team_id: QueryIdValue | None = None
    status: Literal["open", "done", "dismissed"] | None = None
    due_before: AwareDatetime | None = None
    order: Literal["due", "commit"] = Field(
        default="due",
        description="`commit`: the feed to follow — reminders in the order they were raised, "
        "with a `next_cursor` also at the end; polling with it never misses nor repeats one.",
    )
    limit: int = Field(default=50, ge=1, le=200, description="Page size (1–200).")
    cursor: str | None = Field(
        default=None, max_length=512, description="`next_cursor` of the previous page."
    )


class SlaEventListQuery(BaseModel):
    """The SLA events list's query string: newest first, or in commit order to follow."""

    ticket_id: QueryIdValue | None = None
    metric: Literal["first_response", "next_update", "resolution", "callback"] | None = None
    kind: Literal["warning", "breach", "missed"] | None = None
    team_id: QueryIdValue | None = None
    since: AwareDatetime | None = Field(default=None, description="Recorded at or after.")
    until: AwareDatetime | None = Field(default=None, description="Recorded before.")
    order: Literal["newest_first", "commit"] = Field(
        default="newest_first",
        description="`commit`: the feed to follow — oldest first in the order events were "
        "committed, with a `next_cursor` also at the end; polling with it never misses nor "
        "repeats an event (an event is served once every transaction older than the one "
        "that wrote it has ended).",
    )
    limit: int = Field(default=50, ge=1, le=200, description="Page size (1–200).")
    cursor: str | None = Field(
        default=None, max_length=512, description="`next_cursor` of the previous page."
    )
