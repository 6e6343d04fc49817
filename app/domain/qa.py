"""Quality assurance: scorecards, the score of a review, fair samples and reviewer agreement.

A scorecard is sections of criteria. Each criterion has a weight and a scale (yes/no, 3-, 4- or
5-point); an answer is a point on the scale, 0 the worst (a fail) to `points - 1` the best, or
None for "not applicable" where the criterion allows it. The score is the weighted share of the
possible points, in per cent:

- an `n/a` answer leaves the criterion out of the numerator and the denominator;
- a **critical** criterion answered with a fail zeroes its failure scope: itself (`criterion`),
  its section (`section`) or the whole review (`all`, bonus included);
- a **bonus** criterion is outside the denominator: its points lift the score above 100 %.
"""

import hashlib
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

Scale = Literal["yes_no", "three_point", "four_point", "five_point"]
FailureScope = Literal["criterion", "section", "all"]
POINTS: dict[str, int] = {"yes_no": 2, "three_point": 3, "four_point": 4, "five_point": 5}


class ScorecardError(ValueError):
    """A scorecard or a set of answers that cannot be scored; `field` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str
    weight: float = 1.0
    scale: Scale = "yes_no"
    allow_na: bool = False
    critical: FailureScope | None = None
    bonus: bool = False
    root_causes: tuple[str, ...] = ()
    # The automatic pre-check that suggests this criterion's answer (app.domain.qa_prechecks).
    precheck: str | None = None

    @property
    def points(self) -> int:
        return POINTS[self.scale]


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class Scorecard:
    sections: tuple[Section, ...]

    def criteria(self) -> dict[str, tuple[Section, Criterion]]:
        return {c.key: (s, c) for s in self.sections for c in s.criteria}


def validate(card: Scorecard) -> None:
    """Raise ScorecardError naming the first thing that makes `card` unusable."""
    if not card.sections:
        raise ScorecardError("sections", "a scorecard needs at least one section")
    seen_sections: set[str] = set()
    seen: set[str] = set()
    scored = 0
    for i, section in enumerate(card.sections):
        where = f"sections[{i}]"
        if section.key in seen_sections:
            raise ScorecardError(f"{where}.key", f"section key {section.key!r} is used twice")
        seen_sections.add(section.key)
        if not section.criteria:
            raise ScorecardError(f"{where}.criteria", "a section needs at least one criterion")
        for j, c in enumerate(section.criteria):
            at = f"{where}.criteria[{j}]"
            if c.key in seen:
                raise ScorecardError(f"{at}.key", f"criterion key {c.key!r} is used twice")
            seen.add(c.key)
            if not (c.weight > 0 and math.isfinite(c.weight)):
                raise ScorecardError(f"{at}.weight", "a weight is a positive number")
            if c.scale not in POINTS:
                raise ScorecardError(f"{at}.scale", f"unknown scale {c.scale!r}")
            if c.bonus and c.critical is not None:
                raise ScorecardError(f"{at}.critical", "a bonus criterion cannot be critical")
            if len(set(c.root_causes)) != len(c.root_causes):
                raise ScorecardError(f"{at}.root_causes", "a root cause is listed twice")
            scored += not c.bonus
    if scored == 0:
        raise ScorecardError(
            "sections", "a scorecard needs at least one criterion that is not a bonus"
        )


@dataclass(frozen=True)
class SectionScore:
    key: str
    earned: float
    possible: float
    # The section's own percentage (None: every criterion in it was n/a).
    score: float | None
    zeroed: bool


@dataclass(frozen=True)
class ReviewScore:
    # Per cent of the possible points, bonus added (None: every scored criterion was n/a).
    score: float | None
    earned: float
    bonus: float
    possible: float
    sections: tuple[SectionScore, ...]
    # Criteria answered with the lowest point of their scale (bonus criteria are never failed).
    failed: tuple[str, ...]
    # The critical criteria failed, with the scope each zeroed.
    critical_failures: tuple[tuple[str, FailureScope], ...] = field(default=())


Answers = Mapping[str, int | None]


def check_answers(card: Scorecard, answers: Answers) -> None:
    """Raise ScorecardError unless `answers` gives each criterion of `card` one allowed value."""
    criteria = card.criteria()
    # What was given first (a wrong answer is named even when others are missing), then gaps.
    for key, value in answers.items():
        if key not in criteria:
            raise ScorecardError(f"answers.{key}", "no such criterion on this scorecard")
        c = criteria[key][1]
        if value is None:
            if not c.allow_na:
                raise ScorecardError(f"answers.{key}", "this criterion does not allow n/a")
        elif not 0 <= value < c.points:
            raise ScorecardError(
                f"answers.{key}", f"an answer on this scale is 0 to {c.points - 1}"
            )
    for key in criteria:
        if key not in answers:
            raise ScorecardError(f"answers.{key}", "missing: every criterion needs an answer")


def score(card: Scorecard, answers: Answers) -> ReviewScore:
    """The review's score: see the module's text for the rules."""
    check_answers(card, answers)
    sections: list[SectionScore] = []
    failed: list[str] = []
    critical: list[tuple[str, FailureScope]] = []
    earned_total = bonus_total = possible_total = 0.0
    zero_all = False
    for section in card.sections:
        earned = possible = bonus = 0.0
        zero_section = False
        for c in section.criteria:
            value = answers[c.key]
            if value is None:
                continue
            share = c.weight * value / (c.points - 1)
            if c.bonus:
                bonus += share
                continue
            possible += c.weight
            if value == 0:
                failed.append(c.key)
                if c.critical is not None:
                    critical.append((c.key, c.critical))
                    zero_section |= c.critical == "section"
                    zero_all |= c.critical == "all"
            earned += share  # a failed criterion earns 0 points whatever its scope
        if zero_section:
            earned = 0.0
        sections.append(
            SectionScore(
                key=section.key,
                earned=earned,
                possible=possible,
                score=None if possible == 0 else round(100 * earned / possible, 4),
                zeroed=zero_section,
            )
        )
        earned_total += earned
        bonus_total += bonus
        possible_total += possible
    if zero_all:
        earned_total = bonus_total = 0.0
        sections = [
            SectionScore(s.key, 0.0, s.possible, None if s.possible == 0 else 0.0, True)
            for s in sections
        ]
    total = (
        None
        if possible_total == 0
        else round(100 * (earned_total + bonus_total) / possible_total, 4)
    )
    return ReviewScore(
        score=total,
        earned=earned_total,
        bonus=bonus_total,
        possible=possible_total,
        sections=tuple(sections),
        failed=tuple(failed),
        critical_failures=tuple(critical),
    )


# ---- the built-in scorecard ----------------------------------------------------------------

DEFAULT_NAME = "Service desk checklist"


def _c(key: str, label: str, **kw: object) -> Criterion:
    return Criterion(key=key, label=label, **kw)  # type: ignore[arg-type]


DEFAULT_SCORECARD = Scorecard(
    sections=(
        Section(
            "opening",
            "Opening",
            (
                _c("greeting", "Greeted the customer", precheck="greeting"),
                _c("customer_name", "Used the customer's name", precheck="customer_name"),
            ),
        ),
        Section(
            "understanding",
            "Understanding and solution",
            (
                _c("empathy", "Showed empathy", scale="three_point"),
                _c("no_jargon", "Explained without jargon", scale="three_point"),
                _c("answered_all", "Answered every question", weight=2.0, critical="section"),
                _c("several_solutions", "Offered more than one solution", allow_na=True),
                _c(
                    "self_help",
                    "Pointed to self-help",
                    allow_na=True,
                    bonus=True,
                    precheck="kb_article_linked",
                ),
            ),
        ),
        Section(
            "communication",
            "Communication",
            (
                _c(
                    "time_estimate", "Gave a time estimate and next steps", precheck="time_estimate"
                ),
                _c(
                    "positive_tone",
                    "Kept a positive tone and did not blame the customer",
                    critical="all",
                    precheck="no_blame",
                ),
                _c(
                    "anything_else",
                    "Asked whether anything else was needed",
                    precheck="anything_else",
                ),
                _c("thanks", "Thanked the customer", precheck="thanks"),
                _c(
                    "updated_daily",
                    "Kept the customer updated at least every 24 h",
                    allow_na=True,
                    precheck="update_gap",
                ),
            ),
        ),
        Section(
            "process",
            "Process",
            (
                _c(
                    "resolution",
                    "Resolved at first contact or escalated properly",
                    weight=2.0,
                    precheck="resolved_or_escalated",
                ),
                _c(
                    "first_response_sla",
                    "First response within its SLA",
                    allow_na=True,
                    precheck="first_response_sla",
                ),
                _c("tagged", "Tagged and categorised the ticket", precheck="tagged"),
            ),
        ),
    )
)


# ---- fair samples --------------------------------------------------------------------------


def draw_sample(
    population: Mapping[int, Sequence[int]], per_agent: int, seed: int
) -> dict[int, list[int]]:
    """Up to `per_agent` tickets per agent (agent id → their eligible ticket ids), uniformly at
    random: every subset of that size is equally likely. The same population and seed give the
    same sample, whatever order the population was read in."""
    rng = random.Random(seed)
    drawn: dict[int, list[int]] = {}
    for agent in sorted(population):
        tickets = sorted(set(population[agent]))
        drawn[agent] = sorted(rng.sample(tickets, min(per_agent, len(tickets))))
    return drawn


# ---- reviewer agreement --------------------------------------------------------------------

Level = Literal["nominal", "ordinal", "interval"]


def krippendorff_alpha(
    units: Sequence[Sequence[float | None]], level: Level = "interval"
) -> float | None:
    """Krippendorff's alpha over `units` (each: one value per reviewer, None where that reviewer
    gave none). Units with fewer than two values are not pairable and are left out. None when
    nothing is pairable or every value is the same (no disagreement is possible: alpha is
    undefined)."""
    pairable = [[v for v in unit if v is not None] for unit in units]
    pairable = [u for u in pairable if len(u) >= 2]
    if not pairable:
        return None
    values = sorted({v for u in pairable for v in u})
    if len(values) < 2:
        return None
    index = {v: i for i, v in enumerate(values)}
    # The coincidence matrix: o[c][k] counts pairs of values c, k within units.
    o = [[0.0] * len(values) for _ in values]
    for unit in pairable:
        m = len(unit)
        for a in range(m):
            for b in range(m):
                if a != b:
                    o[index[unit[a]]][index[unit[b]]] += 1 / (m - 1)
    n_c = [sum(row) for row in o]
    n = sum(n_c)

    def delta(c: int, k: int) -> float:
        if level == "nominal":
            return 0.0 if c == k else 1.0
        if level == "interval":
            return (values[c] - values[k]) ** 2
        lo, hi = min(c, k), max(c, k)
        return (sum(n_c[lo : hi + 1]) - (n_c[lo] + n_c[hi]) / 2) ** 2

    observed = sum(o[c][k] * delta(c, k) for c in range(len(values)) for k in range(len(values)))
    expected = sum(
        n_c[c] * n_c[k] * delta(c, k) for c in range(len(values)) for k in range(len(values))
    ) / (n - 1)
    if expected == 0:
        return None
    return 1 - observed / expected


def consensus(values: Sequence[float]) -> float:
    """The session's consensus on one answer: the median of the reviewers' values."""
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


@dataclass(frozen=True)
class CalibrationReview:
    reviewer: int | None
    reviewer_name: str
    ticket_id: int
    answers: Mapping[str, int | None]
    score: float | None


def calibration_results(card: Scorecard, reviews: Sequence[CalibrationReview]) -> dict[str, object]:
    """A closed session's agreement: Krippendorff's alpha per criterion (nominal on yes/no,
    ordinal on the point scales; units are the tickets, n/a is a missing value), interval alpha
    on the scores, and each reviewer's mean distance from the consensus (the median answer of a
    ticket, as a share of the scale; the median score, in points)."""
    reviewers = sorted(
        {(r.reviewer, r.reviewer_name) for r in reviews}, key=lambda x: (x[0] or 0, x[1])
    )
    tickets = sorted({r.ticket_id for r in reviews})
    by = {(r.reviewer, r.ticket_id): r for r in reviews}
    criteria = []
    for _, c in card.criteria().values():
        units = [
            [(by[(who, t)].answers.get(c.key) if (who, t) in by else None) for who, _ in reviewers]
            for t in tickets
        ]
        level: Level = "nominal" if c.points == 2 else "ordinal"
        value = krippendorff_alpha(units, level)  # type: ignore[arg-type]
        criteria.append({"criterion": c.key, "level": level, "alpha": value})
    score_units = [
        [(by[(who, t)].score if (who, t) in by else None) for who, _ in reviewers] for t in tickets
    ]
    deviations = []
    for who, name in reviewers:
        distances: list[float] = []
        score_distances: list[float] = []
        mine = [r for r in reviews if r.reviewer == who and r.reviewer_name == name]
        for review in mine:
            others = [r for r in reviews if r.ticket_id == review.ticket_id]
            for _, c in card.criteria().values():
                given = review.answers.get(c.key)
                values = [r.answers.get(c.key) for r in others]
                answered = [v for v in values if v is not None]
                if given is None or len(answered) < 2:
                    continue
                distances.append(abs(given - consensus(answered)) / (c.points - 1))
            scores = [r.score for r in others if r.score is not None]
            if review.score is not None and len(scores) >= 2:
                score_distances.append(abs(review.score - consensus(scores)))
        deviations.append(
            {
                "reviewer_key_id": who,
                "reviewer_name": name,
                "reviews": len(mine),
                "deviation": round(sum(distances) / len(distances), 4) if distances else None,
                "score_deviation": round(sum(score_distances) / len(score_distances), 4)
                if score_distances
                else None,
            }
        )
    return {
        "alpha": krippendorff_alpha(score_units, "interval"),
        "criteria": criteria,
        "reviewers": deviations,
    }


# ---- figures -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoredReview:
    """What the QA figures read of one agent's review."""

    reviewed_at: datetime
    agent_id: int | None
    team_id: int | None
    scorecard_id: int
    score: float | None
    answers: Mapping[str, int | None]
    points: Mapping[str, int]  # criterion → points of its scale (bonus criteria left out)
    failed: Sequence[str]
    disputed: bool


def bucket_start(at: datetime, bucket: str) -> datetime:
    """The UTC day, ISO week (from Monday) or month `at` falls in."""
    day = at.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if bucket == "week":
        return day - timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    return day


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def figures(reviews: Sequence[ScoredReview], bucket: str) -> dict[str, Any]:
    """Scores per agent, team, scorecard and bucket; per criterion how often it was answered,
    failed and its mean answer (share of the scale); the most failed; the dispute rate."""

    def groups(key: Any) -> list[dict[str, Any]]:
        by: dict[Any, list[float]] = {}
        counts: dict[Any, int] = {}
        for r in reviews:
            k = key(r)
            counts[k] = counts.get(k, 0) + 1
            if r.score is not None:
                by.setdefault(k, []).append(r.score)
        return [
            {"id": k, "reviews": counts[k], "average_score": _mean(by.get(k, []))}
            for k in sorted(counts, key=lambda x: (x is None, x or 0))
        ]

    answered: dict[str, list[float]] = {}
    failed: dict[str, int] = {}
    for r in reviews:
        for key, value in r.answers.items():
            if key in r.points and value is not None:
                answered.setdefault(key, []).append(value / (r.points[key] - 1))
        for key in r.failed:
            failed[key] = failed.get(key, 0) + 1
    criteria = [
        {
            "criterion": key,
            "answered": len(values),
            "failed": failed.get(key, 0),
            "fail_rate": round(failed.get(key, 0) / len(values), 4),
            "average": _mean(values),
        }
        for key, values in sorted(answered.items())
    ]
    most_failed = sorted(
        (c for c in criteria if c["failed"]), key=lambda c: (-c["failed"], c["criterion"])
    )[:10]
    buckets: dict[datetime, list[ScoredReview]] = {}
    for r in reviews:
        buckets.setdefault(bucket_start(r.reviewed_at, bucket), []).append(r)
    disputes = sum(r.disputed for r in reviews)
    scores = [r.score for r in reviews if r.score is not None]
    return {
        "reviews": len(reviews),
        "average_score": _mean(scores),
        "by_agent": groups(lambda r: r.agent_id),
        "by_team": groups(lambda r: r.team_id),
        "by_scorecard": groups(lambda r: r.scorecard_id),
        "by_criterion": criteria,
        "most_failed": most_failed,
        "timeseries": [
            {
                "start": start,
                "reviews": len(rs),
                "average_score": _mean([r.score for r in rs if r.score is not None]),
            }
            for start, rs in sorted(buckets.items())
        ],
        "disputes": disputes,
        "dispute_rate": round(disputes / len(reviews), 4) if reviews else None,
    }


def period_seed(seed: int, period_start: date) -> int:
    """The draw seed of one period of a sample schedule: fixed by the schedule's seed and the
    period's first day, so anyone can redraw any period's sample, and nobody picks it."""
    digest = hashlib.sha256(f"{seed}:{period_start.isoformat()}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1  # a non-negative BIGINT
