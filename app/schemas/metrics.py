"""Metrics shapes: the KPI summary, a time series, per-agent figures, and their query strings."""

from datetime import datetime
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
)

from app.domain.metrics import Interval, SeriesMetric
from app.schemas.common import (
    AwareDatetime,
    Channel,
    FullDate,
    Priority,
    QueryIdValue,
    QueryTextValue,
    TimeZoneName,
)
from app.schemas.kb import KbSummaryOut

# A period bound: an instant with its offset, or a date (its midnight in `tz`).
Bound = AwareDatetime | FullDate


class MetricsQuery(BaseModel):
    """The filters every metrics endpoint takes."""

    model_config = ConfigDict(populate_by_name=True)

    from_: Bound | None = Field(
        default=None,
        alias="from",
        union_mode="left_to_right",
        description="Start of the period (included): an instant, or a date meaning its "
        "midnight in `tz`; must be before `to`. Default: 30 days before `to`.",
    )
    to: Bound | None = Field(
        default=None,
        union_mode="left_to_right",
        description="End of the period (excluded); default now.",
    )
    tz: TimeZoneName = Field(
        default="UTC",
        max_length=64,
        description="IANA time zone: of date bounds, and of the time series' buckets.",
    )
    team_id: QueryIdValue | None = None
    agent_id: QueryIdValue | None = Field(default=None, description="The tickets' assignee.")
    channel: Channel | None = None
    priority: Priority | None = None
    category: QueryTextValue | None = None


class TimeseriesQuery(MetricsQuery):
    metric: SeriesMetric
    interval: Interval = "day"


AgentSort = Literal[
    "resolved",
    "-resolved",
    "handle_seconds",
    "-handle_seconds",
    "resolution_mean_seconds",
    "-resolution_mean_seconds",
    "csat_mean",
    "-csat_mean",
    "name",
]


class AgentMetricsQuery(MetricsQuery):
    sort: AgentSort = Field(default="-resolved", description="`-` first: descending.")
    limit: int = Field(default=50, ge=1, le=200, description="At most this many agents.")


class Period(BaseModel):
    from_: datetime = Field(alias="from", serialization_alias="from")
    to: datetime
    tz: str

    model_config = ConfigDict(populate_by_name=True)


class Durations(BaseModel):
    count: int
    mean_seconds: float | None = Field(description="Exact.")
    median_seconds: float | None = Field(
        description="Estimated from a histogram of 2 % wide buckets: within 1 % of the exact "
        "median (under a second counts as 0)."
    )
    p90_seconds: float | None = Field(description="The 90th percentile, estimated as the median.")


class BusinessDurations(Durations):
    business: Durations = Field(
        description="The same in business seconds: the policy's calendar, pauses left out."
    )


class FirstResponse(BusinessDurations):
    closed_without_reply: int


class Volume(BaseModel):
    created: int
    resolved: int
    closed: int


class Counted(BaseModel):
    value: str | None = Field(description="The status, priority, team id or age bucket.")
    count: int


class Backlog(BaseModel):
    total: int
    by_status: list[Counted]
    by_priority: list[Counted]
    by_team: list[Counted]
    by_age: list[Counted]


class Rate(BaseModel):
    count: int = Field(description="How many met the condition.")
    of: int = Field(description="Out of how many.")
    rate: float | None = Field(description="count / of; null when `of` is 0.")


class SlaMetric(BaseModel):
    measured: int
    breached: int
    compliance: float | None


class Sla(BaseModel):
    first_response: SlaMetric
    resolution: SlaMetric
    breaches: dict[str, int] = Field(description="Breach events in the period, by metric.")


class Csat(BaseModel):
    answers: int
    satisfied: int
    satisfied_share: float | None
    mean: float | None


class Nps(BaseModel):
    answers: int
    promoters: int
    passives: int
    detractors: int
    score: float | None


class NegativeResponses(BaseModel):
    csat: Rate
    nps: Rate


class RepeatContacts(BaseModel):
    customers: int
    repeat_customers: int
    customer_rate: float | None
    tickets: int
    within_7_days: int
    ticket_rate: float | None


class Named(BaseModel):
    name: str
    count: int


class TopIssues(BaseModel):
    categories: list[Named]
    tags: list[Named]


class TypeFigures(BaseModel):
    type: str
    resolved: int
    resolution_mean_seconds: float | None
    handle_mean_seconds: float | None


class Moves(BaseModel):
    functional: int
    hierarchical: int
    transfers: int
    deescalations: int


class MetricsSummary(BaseModel):
    period: Period
    volume: Volume
    backlog: Backlog
    first_response: FirstResponse
    resolution: BusinessDurations
    requester_wait: Durations
    first_contact_resolution: Rate
    resolution_rate: Rate
    reopen_rate: Rate
    escalation_rate: Rate
    moves: Moves
    replies_per_resolution: float | None
    sla: Sla
    csat: Csat
    nps: Nps
    negative_responses: NegativeResponses
    repeat_contacts: RepeatContacts
    callbacks: Rate
    top_issues: TopIssues
    by_type: list[TypeFigures]
    knowledge_base: KbSummaryOut = Field(
        description="Per language: tickets solved by an article, searches and those with no "
        "result, portal searches followed by no ticket within a day, outdated translations, "
        "articles past review_by; and the most used articles. Desk-wide (the team and filters "
        "asked do not narrow it); the queries that found nothing are at /v1/metrics/kb."
    )


class Bucket(BaseModel):
    start: datetime
    end: datetime
    value: float | None = Field(
        description="0 for an empty bucket's count; null for a mean, "
        "share or score with nothing to measure."
    )
    count: int = Field(description="The rows behind the value.")


class Timeseries(BaseModel):
    metric: str
    interval: str
    period: Period
    buckets: list[Bucket]


class AgentFigures(BaseModel):
    agent_id: int
    name: str
    team_id: int | None
    resolved: int
    resolution_mean_seconds: float | None
    first_contact_resolutions: int
    public_replies: int
    handle_seconds: int
    handle_seconds_per_resolved: float | None
    csat_mean: float | None
    csat_answers: int


class AgentMetrics(BaseModel):
    period: Period
    items: list[AgentFigures]
