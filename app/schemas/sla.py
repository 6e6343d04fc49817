"""SLA shapes: business calendars, policies, the priority matrix, a ticket's SLA clocks."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from app.domain.calendar import CalendarError, format_wall_time, parse_wall_time
from app.schemas.common import (
    Channel,
    FullDate,
    Id,
    Name,
    Priority,
    ShortText,
    Strict,
    TicketType,
    TimeZoneName,
)

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SlaState = Literal["on_track", "warning", "breached", "met", "paused", "not_applicable"]
Metric = Literal["first_response", "next_update", "resolution"]


StartTime = Annotated[
    str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$")
]
EndTime = Annotated[
    str,
    StringConstraints(pattern=r"^(([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?|24:00(:00)?)$"),
]


class WorkingHoursIn(Strict):
    """One weekly working interval. Intervals of a calendar may not overlap."""

    day: Weekday
    start: StartTime = Field(description="Local wall-clock time, HH:MM (or HH:MM:SS), e.g. 09:00.")
    end: EndTime = Field(
        description="HH:MM; 24:00 is the next midnight. An end before the start runs past "
        "midnight; 00:00–24:00 (or 00:00–00:00) is the whole day; any other end equal to its "
        "start is refused (end must differ from start)."
    )

    @field_validator("start", "end")
    @classmethod
    def _wall_time(cls, value: str, info: ValidationInfo) -> str:
        end = info.field_name == "end"
        try:
            return format_wall_time(parse_wall_time(value, end=end), end=end)
        except CalendarError as exc:
            raise ValueError(str(exc)) from None


class HolidayIn(Strict):
    date: FullDate
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


class CalendarListQuery(BaseModel):
    """The calendar list's query string: calendars in id order."""

    limit: int = Field(default=50, ge=1, le=200, description="Page size (1–200).")
    cursor: str | None = Field(
        default=None, max_length=512, description="`next_cursor` of the previous page."
    )


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


class SlaPolicyListQuery(BaseModel):
    """The SLA policy list's query string: policies in the order they are tried, the default
    one last."""

    limit: int = Field(default=50, ge=1, le=200, description="Page size (1–200).")
    cursor: str | None = Field(
        default=None, max_length=512, description="`next_cursor` of the previous page."
    )


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


class TicketSlaDetail(TicketSlaOut):
    ticket_id: int
    pauses: list[SlaPauseOut]
