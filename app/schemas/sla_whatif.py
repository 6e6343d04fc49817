"""SLA what-if shapes: a draft policy and/or calendar and a period in, the figures of the
period's tickets under the current policies and under the draft out, side by side."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.common import AwareDatetime, Strict
from app.schemas.sla import CalendarCreate, Metric, SlaPolicyCreate

MAX_PERIOD_DAYS = 366


class SlaWhatIfRequest(Strict):
    """A draft policy, a draft calendar, or both (give a draft policy, a draft calendar, or
    both), and the period whose tickets are replayed."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [
                {
                    "policy": {
                        "name": "Default",
                        "position": 0,
                        "targets": {
                            p: {
                                "first_response_minutes": m,
                                "next_update_minutes": 1440,
                                "resolution_minutes": m * 8,
                            }
                            for p, m in (
                                ("critical", 15),
                                ("high", 30),
                                ("medium", 120),
                                ("low", 480),
                            )
                        },
                        "calendar_id": 1,
                    },
                    "from": "2026-01-01T00:00:00Z",
                    "to": "2026-04-01T00:00:00Z",
                }
            ]
        },
    )
    policy: SlaPolicyCreate | None = Field(
        default=None,
        description="A draft policy: it replaces the policy of the same name, or, named anew, "
        "is tried at its position with its conditions. Every target must be above zero.",
    )
    calendar: CalendarCreate | None = Field(
        default=None,
        description="A draft calendar: it replaces the calendar of the same name for every "
        "policy counting in it (to try a new calendar, create it first: no clock moves for a "
        "calendar no policy uses).",
    )
    from_: AwareDatetime = Field(
        alias="from", description="Tickets created at or after this instant are replayed."
    )
    to: AwareDatetime = Field(
        description=f"…and before this one: `from` must be before `to`; a period is at most "
        f"{MAX_PERIOD_DAYS} days."
    )
    list_limit: Annotated[int, Field(ge=1, le=1000)] = Field(
        default=100, description="How many ticket ids each breach list gives (totals are exact)."
    )
    top: Annotated[int, Field(ge=1, le=200)] = Field(
        default=20, description="How many of the due times that move most are listed."
    )


class WhatIfCompliance(BaseModel):
    priority: str
    metric: Metric
    met: int
    breached: int
    not_applicable: int = Field(
        description="Never owed: a first response of a ticket closed unanswered; a next update "
        "of a ticket resolved/closed or not answered yet."
    )
    running: int = Field(description="Not decided yet: on track, warning or paused.")
    share_met: float | None = Field(description="met / (met + breached); null when neither.")


class WhatIfWarnings(BaseModel):
    first_response: int
    next_update: int
    resolution: int
    total: int


class WhatIfReminders(BaseModel):
    raised: int = Field(description="Follow-up reminders whose time has come.")
    pending: int = Field(description="Follow-up reminders armed for later.")


class WhatIfSide(BaseModel):
    compliance: list[WhatIfCompliance] = Field(description="Per priority and metric.")
    warnings: WhatIfWarnings = Field(description="Clocks that reached their warning point.")
    next_update_reminders: WhatIfReminders


class WhatIfBreach(BaseModel):
    ticket_id: int
    metric: Metric


class WhatIfBreaches(BaseModel):
    total: int
    items: list[WhatIfBreach] = Field(description="The first `list_limit`, in creation order.")


class WhatIfMove(BaseModel):
    ticket_id: int
    metric: Metric
    current_due_at: datetime
    draft_due_at: datetime
    shift_seconds: int = Field(description="draft − current; negative: due earlier.")


class WhatIfMoves(BaseModel):
    total: int = Field(description="Due times that move at all.")
    items: list[WhatIfMove] = Field(description="The `top` largest shifts, either way.")


class WhatIfPeriod(BaseModel):
    from_: datetime = Field(alias="from", serialization_alias="from")
    to: datetime


class SlaWhatIfOut(BaseModel):
    period: WhatIfPeriod
    tickets: int = Field(description="Tickets created in the period (that the caller sees).")
    current: WhatIfSide = Field(description="Under the policies and calendars as they are.")
    draft: WhatIfSide = Field(description="With the draft in place.")
    breaches_gained: WhatIfBreaches = Field(description="Breached under the draft only.")
    breaches_lost: WhatIfBreaches = Field(description="Breached under the current ones only.")
    due_moves: WhatIfMoves
