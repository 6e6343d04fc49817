"""Escalation shapes: EscalationCreate, DeescalationCreate, EscalationOut, the list queries and
the escalation matrix."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.schemas.common import NOT_BLANK, AwareDatetime, Id, QueryIdValue, Strict, Stripped, Tier

# NUL is refused by Strict, as in every body's text.
Reason = Annotated[
    str, StringConstraints(min_length=1, max_length=2000, pattern=NOT_BLANK), Stripped
]
EscalationKind = Literal["functional", "hierarchical", "transfer", "deescalation"]
EscalationTrigger = Literal[
    "manual", "sla_warning", "sla_breach", "rule", "acknowledgement_overdue"
]


class EscalationCreate(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"kind": "functional", "reason": "needs a network engineer"},
                {"kind": "hierarchical", "reason": "customer threatens to cancel"},
            ]
        },
    )
    kind: Literal["functional", "hierarchical", "transfer"] = Field(
        description="functional: to the next tier, or to `to_team_id` of a higher tier; "
        "hierarchical: to `to_agent_id` (a supervisor) or the team's supervisor; transfer: to "
        "`to_team_id` of the ticket's own tier."
    )
    reason: Reason
    to_team_id: Id | None = None
    to_agent_id: Id | None = Field(
        default=None, description="hierarchical only: the supervisor (or admin) to escalate to."
    )


class DeescalationCreate(Strict):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "workaround found"}]}
    )
    reason: Reason
    to_tier: Tier | None = Field(default=None, description="Default: one tier down.")
    to_team_id: Id | None = Field(
        default=None,
        description="Default: the team the ticket was escalated from, if it came from that tier.",
    )


class EscalationOut(BaseModel):
    id: int
    ticket_id: int
    kind: EscalationKind
    trigger: EscalationTrigger
    from_team_id: int | None
    to_team_id: int | None
    from_tier: int
    to_tier: int
    from_agent_id: int | None = Field(description="The assignee before the move.")
    to_agent_id: int | None = Field(description="The supervisor, or the new assignee.")
    reason: str
    actor_name: str | None
    created_at: datetime
    acknowledgement_due_at: datetime | None = Field(
        description="Past it, unacknowledged, the escalation goes to the team's supervisor."
    )
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    seconds_to_acknowledge: int | None
    sla_event_id: int | None = Field(description="The SLA warning or breach that triggered it.")


class TicketEscalationListQuery(BaseModel):
    """A ticket's escalation trail, oldest first."""

    limit: int = Field(default=50, ge=1, le=200, description="Page size (1–200).")
    cursor: str | None = Field(
        default=None, max_length=512, description="`next_cursor` of the previous page."
    )


class EscalationListQuery(BaseModel):
    """The escalations list's query string: newest first, or in commit order to follow."""

    ticket_id: QueryIdValue | None = None
    kind: EscalationKind | None = None
    trigger: EscalationTrigger | None = None
    team_id: QueryIdValue | None = Field(default=None, description="From or to this team.")
    to_agent_id: QueryIdValue | None = Field(
        default=None,
        description="Addressed to this agent: the supervisor a hierarchical escalation names, "
        "or whom a move assigned the ticket to.",
    )
    acknowledged: bool | None = None
    since: AwareDatetime | None = Field(default=None, description="Created at or after.")
    until: AwareDatetime | None = Field(default=None, description="Created before.")
    order: Literal["newest_first", "commit"] = Field(
        default="newest_first",
        description="`commit`: the feed to follow, oldest first in commit order with a "
        "`next_cursor` also at the end; polling with it never misses nor repeats one.",
    )
    limit: int = Field(default=50, ge=1, le=200, description="Page size (1–200).")
    cursor: str | None = Field(
        default=None, max_length=512, description="`next_cursor` of the previous page."
    )


# ---- the escalation matrix -----------------------------------------------------------------------


class EscalationMatrixRule(Strict):
    priority: Literal["any", "critical", "high", "medium", "low"]
    metric: Literal["any", "first_response", "next_update", "resolution"]
    on: Literal["warning", "breach"]
    action: Literal["functional", "hierarchical"] = Field(
        description="functional: to the next tier; hierarchical: to the team's supervisor."
    )


class EscalationMatrixIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "rules": [
                        {
                            "priority": "critical",
                            "metric": "first_response",
                            "on": "warning",
                            "action": "hierarchical",
                        },
                        {
                            "priority": "any",
                            "metric": "resolution",
                            "on": "breach",
                            "action": "functional",
                        },
                    ]
                }
            ]
        },
    )
    rules: list[EscalationMatrixRule] = Field(
        max_length=40,
        description="Tried in order; the first whose priority, metric and warning/breach "
        "match decides. A rule repeating an earlier one's condition is refused.",
    )


class EscalationMatrixOut(BaseModel):
    rules: list[EscalationMatrixRule]
    updated_at: datetime
    version: int
