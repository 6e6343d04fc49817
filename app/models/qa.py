"""Quality assurance: scorecards and their versions, reviews and disputes, samples, calibration."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    Float,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel

from app.models.base import reference, timestamp


def _jsonb(default: str) -> Any:
    return Field(
        sa_column=Column(JSONB, nullable=False, server_default=text(f"'{default}'::jsonb"))
    )


class QaScorecard(SQLModel, table=True):
    """A named scorecard; what it scores with is its newest version."""

    __tablename__ = "qa_scorecards"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    name: str = Field(sa_type=String(200))
    description: str | None = Field(default=None, sa_type=Text)
    # The built-in checklist: at most one.
    built_in: bool = Field(default=False)
    current_version: int = Field(default=1)
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
    version: int = Field(default=1)
    __table_args__ = (
        Index(
            "qa_scorecards_one_built_in",
            "built_in",
            unique=True,
            postgresql_where=text("built_in"),
        ),
    )


class QaScorecardVersion(SQLModel, table=True):
    """One version of a scorecard's criteria: immutable once a review has used it."""

    __tablename__ = "qa_scorecard_versions"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    scorecard_id: int = Field(sa_type=BigInteger, foreign_key="qa_scorecards.id")
    number: int
    sections: Any = _jsonb("[]")
    created_at: datetime = timestamp()
    created_by_key_id: int | None = reference("api_keys.id", index=False)
    # Set by the first review scored on it; from then on an edit makes a new version.
    used_at: datetime | None = timestamp(nullable=True)
    __table_args__ = (
        UniqueConstraint("scorecard_id", "number", name="qa_scorecard_versions_number_key"),
    )


class QaCalibration(SQLModel, table=True):
    """A calibration session: reviewers score the same tickets blind until it is closed."""

    __tablename__ = "qa_calibrations"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    name: str = Field(sa_type=String(200))
    scorecard_version_id: int = Field(sa_type=BigInteger, foreign_key="qa_scorecard_versions.id")
    ticket_ids: list[int] = Field(sa_column=Column(ARRAY(BigInteger), nullable=False))
    status: str = Field(sa_type=String(20))
    created_at: datetime = timestamp()
    created_by_key_id: int | None = reference("api_keys.id", index=False)
    closed_at: datetime | None = timestamp(nullable=True)
    # At close: the agreement per criterion and each reviewer's deviation from consensus.
    results: Any = Field(default=None, sa_column=Column(JSONB, nullable=True))
    alpha: float | None = Field(default=None, sa_type=Float)
    __table_args__ = (
        CheckConstraint("status IN ('open', 'closed')", name="qa_calibrations_status"),
        Index("qa_calibrations_closed_at_idx", "closed_at"),
    )


class QaReview(SQLModel, table=True):
    """A review of a ticket (or one interaction of it) against a scorecard version."""

    __tablename__ = "qa_reviews"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    ticket_id: int = Field(sa_type=BigInteger, foreign_key="tickets.id")
    interaction_id: int | None = reference("interactions.id", index=False)
    scorecard_version_id: int = Field(sa_type=BigInteger, foreign_key="qa_scorecard_versions.id")
    calibration_id: int | None = reference("qa_calibrations.id", index=False)
    # Who was reviewed (the ticket's assignee or the interaction's author) and their team then.
    agent_id: int | None = reference("agents.id", index=False)
    team_id: int | None = reference("teams.id", index=False)
    reviewer_key_id: int | None = reference("api_keys.id", index=False)
    reviewer_agent_id: int | None = reference("agents.id", index=False)
    reviewer_name: str = Field(sa_type=String(200))
    answers: Any = _jsonb("{}")
    root_causes: Any = _jsonb("{}")
    comment: str | None = Field(default=None, sa_type=Text)
    # The automatic pre-checks as suggested, and whether the reviewer accepted each one.
    suggestions: Any = _jsonb("[]")
    score: float | None = Field(default=None, sa_type=Float)
    failed: list[str] = Field(
        sa_column=Column(ARRAY(Text), nullable=False, server_default=text("'{}'"))
    )
    critical_failed: bool = Field(default=False)
    status: str = Field(sa_type=String(20))
    reviewed_at: datetime = timestamp()
    updated_at: datetime = timestamp()
    version: int = Field(default=1)
    __table_args__ = (
        CheckConstraint(
            "status IN ('final', 'disputed', 'upheld', 'amended')", name="qa_reviews_status"
        ),
        Index("qa_reviews_ticket_idx", "ticket_id"),
        Index("qa_reviews_agent_idx", "agent_id", "reviewed_at"),
        Index("qa_reviews_reviewed_at_idx", "reviewed_at"),
        Index("qa_reviews_calibration_idx", "calibration_id"),
        # A reviewer scores a ticket once in a session.
        Index(
            "qa_reviews_calibration_once",
            "calibration_id",
            "ticket_id",
            "reviewer_key_id",
            unique=True,
            postgresql_where=text("calibration_id IS NOT NULL"),
        ),
    )


class QaDispute(SQLModel, table=True):
    """The reviewed agent's dispute of a review (once), and a supervisor's decision on it."""

    __tablename__ = "qa_disputes"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    review_id: int = Field(sa_type=BigInteger, foreign_key="qa_reviews.id", unique=True)
    ticket_id: int = Field(sa_type=BigInteger, foreign_key="tickets.id", index=False)
    agent_id: int | None = reference("agents.id", index=False)
    reason: str = Field(sa_type=Text)
    raised_at: datetime = timestamp()
    raised_by_key_id: int | None = reference("api_keys.id", index=False)
    decision: str | None = Field(default=None, sa_type=String(20))
    decision_comment: str | None = Field(default=None, sa_type=Text)
    decided_at: datetime | None = timestamp(nullable=True)
    decided_by_key_id: int | None = reference("api_keys.id", index=False)
    # What the review said before an amendment: the trail stays.
    previous_answers: Any = Field(default=None, sa_column=Column(JSONB, nullable=True))
    previous_score: float | None = Field(default=None, sa_type=Float)
    __table_args__ = (
        CheckConstraint(
            "decision IS NULL OR decision IN ('upheld', 'amended')", name="qa_disputes_decision"
        ),
    )


class QaAssignment(SQLModel, table=True):
    """A fair sample: N resolved tickets per agent of one period, drawn with a stored seed from
    a recorded population."""

    __tablename__ = "qa_assignments"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    period: str = Field(sa_type=String(10))
    period_start: date = Field(sa_type=Date)
    period_end: date = Field(sa_type=Date)
    per_agent: int
    filters: Any = _jsonb("{}")
    seed: int = Field(sa_type=BigInteger)
    # agent id → the eligible ticket ids the sample was drawn from.
    population: Any = _jsonb("{}")
    created_at: datetime = timestamp()
    created_by_key_id: int | None = reference("api_keys.id", index=False)
    # The schedule that drew it; null: drawn on request.
    schedule_id: int | None = reference("qa_sample_schedules.id", index=False)
    __table_args__ = (
        Index("qa_assignments_period_idx", "period_start", "period_end"),
        # One sample per schedule and period, whatever retries or replicas do.
        Index(
            "qa_assignments_schedule_period_key",
            "schedule_id",
            "period_start",
            unique=True,
            postgresql_where=text("schedule_id IS NOT NULL"),
        ),
    )


class QaSampleSchedule(SQLModel, table=True):
    """A recurring sample: each period's fair sample, drawn when the period ends by a timer
    about the schedule."""

    __tablename__ = "qa_sample_schedules"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    period: str = Field(sa_type=String(10))
    per_agent: int
    filters: Any = _jsonb("{}")
    # The scorecard its samples are reviewed with; null: the built-in checklist.
    scorecard_id: int | None = reference("qa_scorecards.id", index=False)
    # Each period's draw seed follows from this one and the period's first day.
    seed: int = Field(sa_type=BigInteger)
    # The first day of the next period to draw.
    next_period_start: date = Field(sa_type=Date)
    stopped_at: datetime | None = timestamp(nullable=True)
    created_at: datetime = timestamp()
    created_by_key_id: int | None = reference("api_keys.id", index=False)
    __table_args__ = (
        CheckConstraint("period IN ('day', 'week', 'month')", name="qa_sample_schedules_period"),
    )


class QaAssignmentItem(SQLModel, table=True):
    """One ticket of a sample; a ticket is sampled at most once per cycle."""

    __tablename__ = "qa_assignment_items"
    id: int | None = Field(default=None, primary_key=True, sa_type=BigInteger)
    assignment_id: int = Field(sa_type=BigInteger, foreign_key="qa_assignments.id")
    ticket_id: int = Field(sa_type=BigInteger, foreign_key="tickets.id")
    agent_id: int = Field(sa_type=BigInteger, foreign_key="agents.id")
    period: str = Field(sa_type=String(10))
    period_start: date = Field(sa_type=Date)
    __table_args__ = (
        UniqueConstraint("ticket_id", "period", "period_start", name="qa_assignment_items_once"),
        Index("qa_assignment_items_assignment_idx", "assignment_id"),
    )
