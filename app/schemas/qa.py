"""Quality-assurance shapes: scorecards, reviews and disputes, samples, calibration, QA figures."""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    Field,
    StringConstraints,
)

from app.schemas.common import (
    NOT_BLANK,
    OMITTED,
    AwareDatetime,
    Channel,
    FullDate,
    Id,
    Name,
    QueryIdValue,
    ShortText,
    Strict,
    Stripped,
)

Key = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,59}$"),
    Field(description="Lower case letters, digits and `_`, starting with a letter (≤ 60)."),
]
# An answer: a point of its criterion's scale (0 to 4 at most), or null for n/a. Answers and root
# causes are keyed by criterion keys, which the scorecard (not the schema) knows.
Answer = Annotated[int, Field(ge=0, le=4)] | None
Answers = Annotated[dict[str, Answer], Field(max_length=200)]
RootCauses = Annotated[dict[str, list[ShortText]], Field(max_length=200)]
Scale = Literal["yes_no", "three_point", "four_point", "five_point"]
FailureScope = Literal["criterion", "section", "all"]
PrecheckName = Literal[
    "greeting",
    "customer_name",
    "thanks",
    "time_estimate",
    "anything_else",
    "no_blame",
    "update_gap",
    "first_response_sla",
    "escalated_or_transferred",
    "tagged",
    "resolved_first_contact",
    "resolved_or_escalated",
    "kb_article_linked",
]
LongText = Annotated[
    str, StringConstraints(min_length=1, max_length=4000, pattern=NOT_BLANK), Stripped
]
Period = Literal["day", "week", "month"]


class CriterionIn(Strict):
    key: Key
    label: Name
    weight: float = Field(default=1.0, gt=0, le=1000)
    scale: Scale = "yes_no"
    allow_na: bool = Field(default=False, description="`null` (n/a) is an allowed answer.")
    critical: FailureScope | None = Field(
        default=None, description="A fail (the lowest point) zeroes this much of the review."
    )
    bonus: bool = Field(default=False, description="Adds above 100 %; never in the denominator.")
    root_causes: list[ShortText] = Field(default=[], max_length=30)
    precheck: PrecheckName | None = Field(
        default=None, description="The automatic pre-check that suggests this answer."
    )


class SectionIn(Strict):
    key: Key
    label: Name
    criteria: list[CriterionIn] = Field(min_length=1, max_length=50)


class ScorecardCreate(Strict):
    name: Name
    description: LongText | None = None
    sections: list[SectionIn] = Field(min_length=1, max_length=20)


class ScorecardUpdate(Strict):
    """Send what changes. New `sections` on a version a review has used make a new version."""

    name: Name = OMITTED
    description: LongText | None = None
    sections: list[SectionIn] = Field(default=None, min_length=1, max_length=20)  # type: ignore[assignment]


class ScorecardOut(BaseModel):
    id: int
    name: str
    description: str | None
    built_in: bool
    current_version: int = Field(description="The version new reviews are scored on.")
    version_id: int = Field(description="The id of that version.")
    used: bool = Field(description="A review used it: the next edit makes a new version.")
    sections: list[SectionIn]
    created_at: datetime
    updated_at: datetime
    version: int = Field(description="For If-Match (the ETag).")


class ScorecardListQuery(BaseModel):
    limit: int = Field(default=50, ge=1, le=200, description="Page size (1–200).")
    cursor: str | None = Field(default=None, max_length=512)


# ---- reviews -------------------------------------------------------------------------------


class ReviewCreate(Strict):
    """An answer per criterion: 0 (a fail) to the scale's top (1 on yes/no, 4 on 5-point), or
    `null` for n/a where allowed. A criterion left out takes its pre-check's suggestion (the
    review records it as accepted); one the pre-check could not decide must be answered."""

    scorecard_id: Id | None = Field(default=None, description="Default: the built-in checklist.")
    interaction_id: Id | None = Field(default=None, description="Review this interaction only.")
    calibration_id: Id | None = Field(default=None, description="Score within this session.")
    answers: Answers = Field(default={})
    root_causes: RootCauses = Field(default={})
    comment: LongText | None = None


class SuggestionOut(BaseModel):
    check: str
    criterion: str | None = Field(description="The criterion it suggests an answer for.")
    passed: bool | None = Field(description="null: the check cannot tell.")
    evidence: str
    interaction_id: int | None
    suggested_answer: int | None = Field(description="The answer it suggests (null: none).")
    outcome: Literal["accepted", "overruled", "none"] | None = Field(
        description="What the reviewer did with it (null: no review yet)."
    )


class SectionScoreOut(BaseModel):
    key: str
    score: float | None
    zeroed: bool


class DisputeOut(BaseModel):
    reason: str
    raised_at: datetime
    decision: Literal["upheld", "amended"] | None
    decision_comment: str | None
    decided_at: datetime | None
    previous_answers: dict[str, int | None] | None = Field(
        description="What an amendment replaced."
    )
    previous_score: float | None


class ReviewOut(BaseModel):
    id: int
    ticket_id: int
    interaction_id: int | None
    scorecard_id: int
    scorecard_version: int
    calibration_id: int | None
    agent_id: int | None = Field(description="Who was reviewed.")
    team_id: int | None
    reviewer_name: str
    answers: dict[str, int | None]
    root_causes: dict[str, list[str]]
    comment: str | None
    suggestions: list[SuggestionOut]
    score: float | None = Field(description="Per cent; above 100 with bonus; null: all n/a.")
    sections: list[SectionScoreOut]
    failed: list[str]
    critical_failed: bool
    status: Literal["final", "disputed", "upheld", "amended"]
    dispute: DisputeOut | None
    reviewed_at: datetime
    updated_at: datetime


class PrechecksOut(BaseModel):
    ticket_id: int
    scorecard_id: int
    scorecard_version: int
    suggestions: list[SuggestionOut]


class ReviewListQuery(BaseModel):
    ticket_id: QueryIdValue | None = None
    agent_id: QueryIdValue | None = None
    team_id: QueryIdValue | None = None
    status: Literal["final", "disputed", "upheld", "amended"] | None = None
    since: AwareDatetime | None = Field(default=None, description="Reviewed at or after.")
    until: AwareDatetime | None = Field(default=None, description="Reviewed before.")
    limit: int = Field(default=50, ge=1, le=200, description="Page size (1–200).")
    cursor: str | None = Field(default=None, max_length=512)


class PrecheckQuery(BaseModel):
    scorecard_id: QueryIdValue | None = None


class DisputeCreate(Strict):
    reason: LongText


class DisputeDecision(Strict):
    """Uphold the review as it is, or amend it with new answers (the old ones are kept)."""

    decision: Literal["upheld", "amended"]
    comment: LongText | None = None
    answers: Answers | None = None
    root_causes: RootCauses | None = None


# ---- samples -------------------------------------------------------------------------------


class AssignmentCreate(Strict):
    period: Period
    starts_on: FullDate = Field(
        description="A day of the period: the sample covers that day, its ISO week (from "
        "Monday) or its month."
    )
    per_agent: int = Field(ge=1, le=100, description="Tickets drawn per agent.")
    team_id: Id | None = None
    channel: Channel | None = None
    category: ShortText | None = None
    min_interactions: int = Field(default=0, ge=0, le=10_000)
    seed: int | None = Field(
        default=None, ge=0, le=2**63 - 1, description="Default: a fresh random seed, stored."
    )


class AssignmentListQuery(BaseModel):
    period: Period | None = None
    team_id: QueryIdValue | None = Field(default=None, description="Drawn for this team.")
    schedule_id: QueryIdValue | None = Field(default=None, description="Drawn by this schedule.")
    starts_from: FullDate | None = Field(default=None, description="Periods starting on or after.")
    starts_before: FullDate | None = Field(default=None, description="Periods starting before.")
    limit: int = Field(default=50, ge=1, le=200, description="Page size (1–200).")
    cursor: str | None = Field(default=None, max_length=512)


class AssignmentItemOut(BaseModel):
    ticket_id: int
    agent_id: int
    reviewed: bool


class AssignmentOut(BaseModel):
    id: int
    period: Period
    starts_on: date
    ends_on: date = Field(description="The day after the period.")
    per_agent: int
    filters: dict[str, Any]
    seed: int
    population: dict[str, list[int]] = Field(
        description="Agent id → the eligible tickets the sample was drawn from."
    )
    items: list[AssignmentItemOut]
    created_at: datetime
    schedule_id: int | None = Field(description="The schedule that drew it; null: on request.")


class ScheduleCreate(Strict):
    """A recurring sample: when each period ends, its sample is drawn as `POST /v1/qa/assignments`
    draws one."""

    period: Period
    starts_on: FullDate | None = Field(
        default=None,
        description="A day of the first period to draw (default: today's period). Each period "
        "is drawn when it ends (at 00:00 UTC of the day after it).",
    )
    per_agent: int = Field(ge=1, le=100, description="Tickets drawn per agent.")
    team_id: Id | None = None
    channel: Channel | None = None
    category: ShortText | None = None
    min_interactions: int = Field(default=0, ge=0, le=10_000)
    scorecard_id: Id | None = Field(
        default=None, description="The scorecard its samples are reviewed with (default: built-in)."
    )
    seed: int | None = Field(
        default=None,
        ge=0,
        le=2**63 - 1,
        description="Default: a fresh random seed, stored. Each period's draw seed follows from "
        "it and the period's first day.",
    )


class ScheduleOut(BaseModel):
    id: int
    period: Period
    per_agent: int
    filters: dict[str, Any]
    scorecard_id: int | None
    seed: int
    next_starts_on: date = Field(description="The first day of the next period to draw.")
    next_run_at: datetime | None = Field(description="When it is drawn; null once stopped.")
    stopped_at: datetime | None
    created_at: datetime


# ---- calibration ---------------------------------------------------------------------------


class CalibrationCreate(Strict):
    name: Name
    scorecard_id: Id | None = Field(default=None, description="Default: the built-in checklist.")
    ticket_ids: list[Id] = Field(min_length=1, max_length=50)


class CalibrationClose(Strict):
    """Closing a session takes no body: what a retry with the same Idempotency-Key repeats."""


class CriterionAgreement(BaseModel):
    criterion: str
    level: Literal["nominal", "ordinal"]
    alpha: float | None = Field(description="Krippendorff's alpha; null: undefined.")


class ReviewerDeviation(BaseModel):
    reviewer_key_id: int | None
    reviewer_name: str
    reviews: int
    deviation: float | None = Field(
        description="Mean distance of the reviewer's answers from the consensus (median), as a "
        "share of each scale (0: always the consensus, 1: always the opposite end)."
    )
    score_deviation: float | None = Field(
        description="Mean distance of the reviewer's scores from the median score, in points."
    )


class CalibrationResults(BaseModel):
    alpha: float | None = Field(description="Agreement on the scores (interval alpha).")
    criteria: list[CriterionAgreement]
    reviewers: list[ReviewerDeviation]


class CalibrationOut(BaseModel):
    id: int
    name: str
    scorecard_id: int
    scorecard_version: int
    ticket_ids: list[int]
    status: Literal["open", "closed"]
    created_at: datetime
    closed_at: datetime | None
    reviews: list[ReviewOut] = Field(
        description="While open, only the caller's own (reviewers are blind); all once closed."
    )
    results: CalibrationResults | None


# ---- figures -------------------------------------------------------------------------------


class QaMetricsQuery(BaseModel):
    from_: AwareDatetime = Field(
        alias="from", description="Reviews at or after; must be before `to`."
    )
    to: AwareDatetime = Field(description="Reviews before.")
    bucket: Literal["day", "week", "month"] = "week"
    agent_id: QueryIdValue | None = None
    team_id: QueryIdValue | None = None
    scorecard_id: QueryIdValue | None = None


class ScoreGroup(BaseModel):
    id: int | None
    reviews: int
    average_score: float | None


class CriterionFigure(BaseModel):
    criterion: str
    answered: int
    failed: int
    fail_rate: float | None
    average: float | None = Field(description="Mean answer as a share of the scale (0–1).")


class ScoreBucket(BaseModel):
    start: datetime
    reviews: int
    average_score: float | None


class Coverage(BaseModel):
    resolved: int
    reviewed: int
    share: float | None


class AlphaPoint(BaseModel):
    calibration_id: int
    closed_at: datetime
    alpha: float | None


class QaMetrics(BaseModel):
    reviews: int
    average_score: float | None
    by_agent: list[ScoreGroup]
    by_team: list[ScoreGroup]
    by_scorecard: list[ScoreGroup]
    by_criterion: list[CriterionFigure]
    most_failed: list[CriterionFigure]
    timeseries: list[ScoreBucket]
    coverage: Coverage
    disputes: int
    dispute_rate: float | None
    calibration_alpha: list[AlphaPoint]
