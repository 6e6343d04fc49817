"""Quality assurance's SQL: scorecards and versions, reviews, disputes, samples, calibration
sessions, what a review reads of its ticket, and the QA figures."""

from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

import asyncpg

from app.store.paging import KeyColumn, Order, Params, fetch_page, rows_of


def _columns(row_type: Any) -> str:
    return ", ".join(f.name for f in fields(row_type))


def _insert(table: str, values: dict[str, Any], returning: str) -> tuple[str, list[Any]]:
    names = list(values)
    placeholders = ", ".join(f"${i}" for i in range(1, len(names) + 1))
    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({placeholders}) RETURNING {returning}"
    return sql, [values[n] for n in names]


# ---- scorecards ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScorecardRow:
    id: int
    name: str
    description: str | None
    built_in: bool
    current_version: int
    created_at: datetime
    updated_at: datetime
    version: int


@dataclass(frozen=True, slots=True)
class VersionRow:
    id: int
    scorecard_id: int
    number: int
    sections: list[dict[str, Any]]
    created_at: datetime
    created_by_key_id: int | None
    used_at: datetime | None


async def insert_scorecard(
    conn: asyncpg.Connection, *, name: str, description: str | None, built_in: bool, now: datetime
) -> ScorecardRow | None:
    """The new scorecard; None when it is the built-in one and another transaction made it."""
    sql = f"""
        INSERT INTO qa_scorecards (name, description, built_in, current_version, created_at,
                                   updated_at, version)
        VALUES ($1, $2, $3, 1, $4, $4, 1)
        ON CONFLICT (built_in) WHERE built_in DO NOTHING
        RETURNING {_columns(ScorecardRow)}"""
    found = await conn.fetchrow(sql, name, description, built_in, now)
    return None if found is None else ScorecardRow(**found)


async def insert_version(
    conn: asyncpg.Connection,
    scorecard_id: int,
    number: int,
    sections: list[dict[str, Any]],
    *,
    key_id: int | None,
    now: datetime,
) -> VersionRow:
    sql, args = _insert(
        "qa_scorecard_versions",
        {
            "scorecard_id": scorecard_id,
            "number": number,
            "sections": sections,
            "created_at": now,
            "created_by_key_id": key_id,
        },
        _columns(VersionRow),
    )
    return VersionRow(**await conn.fetchrow(sql, *args))


async def get_scorecard(
    conn: asyncpg.Connection, scorecard_id: int, *, lock: bool = False
) -> ScorecardRow | None:
    sql = f"SELECT {_columns(ScorecardRow)} FROM qa_scorecards WHERE id = $1"
    found = await conn.fetchrow(sql + (" FOR UPDATE" if lock else ""), scorecard_id)
    return None if found is None else ScorecardRow(**found)


async def built_in(conn: asyncpg.Connection) -> ScorecardRow | None:
    sql = f"SELECT {_columns(ScorecardRow)} FROM qa_scorecards WHERE built_in"
    found = await conn.fetchrow(sql)
    return None if found is None else ScorecardRow(**found)


async def version_of(
    conn: asyncpg.Connection, scorecard_id: int, number: int, *, lock: bool = False
) -> VersionRow | None:
    sql = f"SELECT {_columns(VersionRow)} FROM qa_scorecard_versions WHERE scorecard_id = $1 AND number = $2"
    found = await conn.fetchrow(sql + (" FOR UPDATE" if lock else ""), scorecard_id, number)
    return None if found is None else VersionRow(**found)


async def current_versions(
    conn: asyncpg.Connection, cards: list[ScorecardRow]
) -> dict[int, VersionRow]:
    """Each scorecard's current version, by scorecard id, in one statement."""
    sql = f"""SELECT {", ".join(f"v.{f.name}" for f in fields(VersionRow))}
              FROM qa_scorecard_versions v JOIN qa_scorecards c
                ON c.id = v.scorecard_id AND c.current_version = v.number
              WHERE c.id = ANY($1::bigint[])"""
    found = await conn.fetch(sql, [c.id for c in cards])
    return {r["scorecard_id"]: VersionRow(**r) for r in found}


async def get_version(conn: asyncpg.Connection, version_id: int) -> VersionRow | None:
    sql = f"SELECT {_columns(VersionRow)} FROM qa_scorecard_versions WHERE id = $1"
    found = await conn.fetchrow(sql, version_id)
    return None if found is None else VersionRow(**found)


async def mark_used(conn: asyncpg.Connection, version_id: int, now: datetime) -> None:
    await conn.execute(
        "UPDATE qa_scorecard_versions SET used_at = $2 WHERE id = $1 AND used_at IS NULL",
        version_id,
        now,
    )


async def replace_sections(
    conn: asyncpg.Connection, version_id: int, sections: list[dict[str, Any]]
) -> None:
    """Rewrite an unused version's criteria (the caller holds its row lock)."""
    await conn.execute(
        "UPDATE qa_scorecard_versions SET sections = $2 WHERE id = $1 AND used_at IS NULL",
        version_id,
        sections,
    )


async def update_scorecard(
    conn: asyncpg.Connection,
    scorecard_id: int,
    *,
    name: str,
    description: str | None,
    current_version: int,
    now: datetime,
) -> ScorecardRow:
    sql = f"""
        UPDATE qa_scorecards SET name = $2, description = $3, current_version = $4,
               updated_at = $5, version = version + 1
        WHERE id = $1 RETURNING {_columns(ScorecardRow)}"""
    return ScorecardRow(
        **await conn.fetchrow(sql, scorecard_id, name, description, current_version, now)
    )


SCORECARD_ORDER = Order("qa_scorecards", (KeyColumn("id", int),))


async def page_scorecards(
    conn: asyncpg.Connection, *, limit: int, cursor: str | None
) -> tuple[list[ScorecardRow], str | None]:
    rows, next_cursor = await fetch_page(
        conn,
        columns=_columns(ScorecardRow),
        source="qa_scorecards",
        where=[],
        params=Params(),
        order=SCORECARD_ORDER,
        cursor=cursor,
        limit=limit,
    )
    return rows_of(ScorecardRow, rows), next_cursor


# ---- what a review reads of its ticket -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReviewedTicket:
    id: int
    status: str
    channel: str
    category: str | None
    tags: list[str]
    language: str | None
    team_id: int | None
    assignee_id: int | None
    assignee_team_id: int | None
    customer_name: str | None
    created_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    first_responded_at: datetime | None
    first_response_due_at: datetime | None
    agent_reply_count: int
    reopen_count: int
    escalations: int
    transfers: int
    linked_articles: list[int]


_REVIEWED_TICKET = """
    SELECT t.id, t.status, t.channel, t.category, t.tags, t.language, t.team_id, t.assignee_id,
           a.team_id AS assignee_team_id, c.name AS customer_name, t.created_at, t.resolved_at,
           t.closed_at, t.first_responded_at, t.first_response_due_at, t.agent_reply_count,
           t.reopen_count,
           (SELECT count(*) FROM escalations e
             WHERE e.ticket_id = t.id AND e.kind NOT IN ('transfer', 'deescalation'))::int
             AS escalations,
           (SELECT count(*) FROM escalations e
             WHERE e.ticket_id = t.id AND e.kind = 'transfer')::int AS transfers,
           ARRAY(SELECT k.article_id FROM kb_links k WHERE k.ticket_id = t.id ORDER BY k.id)
             AS linked_articles
    FROM tickets t
    LEFT JOIN agents a ON a.id = t.assignee_id
    LEFT JOIN customers c ON c.id = t.customer_id
    WHERE t.id = $1
"""


async def reviewed_ticket(conn: asyncpg.Connection, ticket_id: int) -> ReviewedTicket | None:
    found = await conn.fetchrow(_REVIEWED_TICKET, ticket_id)
    return None if found is None else ReviewedTicket(**found)


@dataclass(frozen=True, slots=True)
class PublicReply:
    id: int
    occurred_at: datetime
    body: str
    author_agent_id: int | None


_PUBLIC_REPLIES = """
    SELECT id, occurred_at, body, author_agent_id FROM interactions
    WHERE ticket_id = $1 AND public AND direction = 'outbound' AND author_type = 'agent'
    ORDER BY occurred_at, id
"""


async def public_replies(conn: asyncpg.Connection, ticket_id: int) -> list[PublicReply]:
    """The ticket's public outbound interactions by agents, in order."""
    return [PublicReply(**r) for r in await conn.fetch(_PUBLIC_REPLIES, ticket_id)]


@dataclass(frozen=True, slots=True)
class InteractionAuthor:
    id: int
    author_agent_id: int | None
    author_team_id: int | None


async def interaction_of(
    conn: asyncpg.Connection, ticket_id: int, interaction_id: int
) -> InteractionAuthor | None:
    found = await conn.fetchrow(
        """SELECT i.id, i.author_agent_id, a.team_id AS author_team_id FROM interactions i
           LEFT JOIN agents a ON a.id = i.author_agent_id
           WHERE i.ticket_id = $1 AND i.id = $2""",
        ticket_id,
        interaction_id,
    )
    return None if found is None else InteractionAuthor(**found)


# ---- reviews -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewReview:
    ticket_id: int
    interaction_id: int | None
    scorecard_version_id: int
    calibration_id: int | None
    agent_id: int | None
    team_id: int | None
    reviewer_key_id: int | None
    reviewer_agent_id: int | None
    reviewer_name: str
    answers: dict[str, Any]
    root_causes: dict[str, Any]
    comment: str | None
    suggestions: list[dict[str, Any]]
    score: float | None
    failed: list[str]
    critical_failed: bool
    status: str
    reviewed_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ReviewRow(NewReview):
    id: int
    version: int


async def insert_review(conn: asyncpg.Connection, review: NewReview) -> ReviewRow | None:
    """The new review; None when the reviewer already scored this ticket in the session."""
    values = {f.name: getattr(review, f.name) for f in fields(NewReview)} | {"version": 1}
    sql, args = _insert("qa_reviews", values, _columns(ReviewRow))
    sql = sql.replace(" RETURNING", " ON CONFLICT DO NOTHING RETURNING", 1)
    found = await conn.fetchrow(sql, *args)
    return None if found is None else ReviewRow(**found)


async def get_review(
    conn: asyncpg.Connection, review_id: int, *, lock: bool = False
) -> ReviewRow | None:
    sql = f"SELECT {_columns(ReviewRow)} FROM qa_reviews WHERE id = $1"
    found = await conn.fetchrow(sql + (" FOR UPDATE" if lock else ""), review_id)
    return None if found is None else ReviewRow(**found)


async def set_review_status(
    conn: asyncpg.Connection, review_id: int, status: str, now: datetime
) -> ReviewRow:
    sql = f"""UPDATE qa_reviews SET status = $2, updated_at = $3, version = version + 1
              WHERE id = $1 RETURNING {_columns(ReviewRow)}"""
    return ReviewRow(**await conn.fetchrow(sql, review_id, status, now))


async def amend_review(
    conn: asyncpg.Connection,
    review_id: int,
    *,
    answers: dict[str, Any],
    root_causes: dict[str, Any],
    score: float | None,
    failed: list[str],
    critical_failed: bool,
    now: datetime,
) -> ReviewRow:
    sql = f"""UPDATE qa_reviews SET answers = $2, root_causes = $3, score = $4, failed = $5,
                     critical_failed = $6, status = 'amended', updated_at = $7,
                     version = version + 1
              WHERE id = $1 RETURNING {_columns(ReviewRow)}"""
    found = await conn.fetchrow(
        sql, review_id, answers, root_causes, score, failed, critical_failed, now
    )
    return ReviewRow(**found)


@dataclass(frozen=True)
class ReviewVisibility:
    """Whose reviews a caller reads: all, or those of `agent_id` and of `team_ids`."""

    everything: bool = False
    agent_id: int | None = None
    team_ids: frozenset[int] = frozenset()


def _review_limit(visible: ReviewVisibility, p: Params, alias: str = "") -> str | None:
    if visible.everything:
        return None
    alternatives = []
    if visible.agent_id is not None:
        alternatives.append(f"{alias}agent_id = {p(visible.agent_id, 'bigint')}")
    if visible.team_ids:
        alternatives.append(f"{alias}team_id = ANY({p(sorted(visible.team_ids), 'bigint[]')})")
    return "(" + " OR ".join(alternatives) + ")" if alternatives else "false"


def sees_review(visible: ReviewVisibility, review: ReviewRow) -> bool:
    return (
        visible.everything
        or (visible.agent_id is not None and review.agent_id == visible.agent_id)
        or (review.team_id is not None and review.team_id in visible.team_ids)
    )


@dataclass(frozen=True)
class ReviewFilters:
    ticket_id: int | None = None
    agent_id: int | None = None
    team_id: int | None = None
    status: str | None = None
    since: datetime | None = None
    until: datetime | None = None


REVIEW_ORDER = Order("qa_reviews", (KeyColumn("id", int),), descending=True)


async def page_reviews(
    conn: asyncpg.Connection,
    filters: ReviewFilters,
    visible: ReviewVisibility,
    *,
    limit: int,
    cursor: str | None,
) -> tuple[list[ReviewRow], str | None]:
    """Newest first; calibration reviews are not agents' reviews and are left out."""
    p = Params()
    where = ["calibration_id IS NULL"]
    for column, value in (
        ("ticket_id", filters.ticket_id),
        ("agent_id", filters.agent_id),
        ("team_id", filters.team_id),
    ):
        if value is not None:
            where.append(f"{column} = {p(value, 'bigint')}")
    if filters.status is not None:
        where.append(f"status = {p(filters.status, 'text')}")
    if filters.since is not None:
        where.append(f"reviewed_at >= {p(filters.since, 'timestamptz')}")
    if filters.until is not None:
        where.append(f"reviewed_at < {p(filters.until, 'timestamptz')}")
    limit_to = _review_limit(visible, p)
    if limit_to:
        where.append(limit_to)
    rows, next_cursor = await fetch_page(
        conn,
        columns=_columns(ReviewRow),
        source="qa_reviews",
        where=where,
        params=p,
        order=REVIEW_ORDER,
        cursor=cursor,
        limit=limit,
    )
    return rows_of(ReviewRow, rows), next_cursor


# ---- disputes ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DisputeRow:
    id: int
    review_id: int
    ticket_id: int
    agent_id: int | None
    reason: str
    raised_at: datetime
    raised_by_key_id: int | None
    decision: str | None
    decision_comment: str | None
    decided_at: datetime | None
    decided_by_key_id: int | None
    previous_answers: dict[str, Any] | None
    previous_score: float | None


async def insert_dispute(
    conn: asyncpg.Connection,
    review: ReviewRow,
    *,
    reason: str,
    key_id: int | None,
    now: datetime,
) -> DisputeRow | None:
    """The dispute; None when the review was disputed already (once per review)."""
    sql = f"""
        INSERT INTO qa_disputes (review_id, ticket_id, agent_id, reason, raised_at,
                                 raised_by_key_id)
        VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (review_id) DO NOTHING
        RETURNING {_columns(DisputeRow)}"""
    found = await conn.fetchrow(
        sql, review.id, review.ticket_id, review.agent_id, reason, now, key_id
    )
    return None if found is None else DisputeRow(**found)


async def dispute_of(
    conn: asyncpg.Connection, review_id: int, *, lock: bool = False
) -> DisputeRow | None:
    sql = f"SELECT {_columns(DisputeRow)} FROM qa_disputes WHERE review_id = $1"
    found = await conn.fetchrow(sql + (" FOR UPDATE" if lock else ""), review_id)
    return None if found is None else DisputeRow(**found)


async def disputes_of(conn: asyncpg.Connection, review_ids: list[int]) -> dict[int, DisputeRow]:
    sql = f"SELECT {_columns(DisputeRow)} FROM qa_disputes WHERE review_id = ANY($1::bigint[])"
    return {r["review_id"]: DisputeRow(**r) for r in await conn.fetch(sql, review_ids)}


async def decide_dispute(
    conn: asyncpg.Connection,
    dispute_id: int,
    *,
    decision: str,
    comment: str | None,
    key_id: int | None,
    previous_answers: dict[str, Any] | None,
    previous_score: float | None,
    now: datetime,
) -> DisputeRow:
    sql = f"""
        UPDATE qa_disputes SET decision = $2, decision_comment = $3, decided_at = $4,
               decided_by_key_id = $5, previous_answers = $6, previous_score = $7
        WHERE id = $1 RETURNING {_columns(DisputeRow)}"""
    found = await conn.fetchrow(
        sql, dispute_id, decision, comment, now, key_id, previous_answers, previous_score
    )
    return DisputeRow(**found)


# ---- samples -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AssignmentRow:
    id: int
    period: str
    period_start: date
    period_end: date
    per_agent: int
    filters: dict[str, Any]
    seed: int
    population: dict[str, list[int]]
    created_at: datetime
    created_by_key_id: int | None


@dataclass(frozen=True, slots=True)
class AssignmentItemRow:
    ticket_id: int
    agent_id: int
    reviewed: bool


@dataclass(frozen=True)
class PopulationFilters:
    start: datetime
    end: datetime
    period: str
    period_start: date
    team_id: int | None = None
    channel: str | None = None
    category: str | None = None
    min_interactions: int = 0


async def population(conn: asyncpg.Connection, f: PopulationFilters) -> dict[int, list[int]]:
    """Per assignee, the tickets resolved in the period that match the filters and were not
    sampled in this period yet."""
    p = Params()
    where = [
        f"t.resolved_at >= {p(f.start, 'timestamptz')}",
        f"t.resolved_at < {p(f.end, 'timestamptz')}",
        "t.assignee_id IS NOT NULL",
        f"t.interaction_count >= {p(f.min_interactions, 'int')}",
        f"""NOT EXISTS (SELECT 1 FROM qa_assignment_items s WHERE s.ticket_id = t.id
              AND s.period = {p(f.period, "text")}
              AND s.period_start = {p(f.period_start, "date")})""",
    ]
    if f.team_id is not None:
        where.append(f"t.team_id = {p(f.team_id, 'bigint')}")
    if f.channel is not None:
        where.append(f"t.channel = {p(f.channel, 'text')}")
    if f.category is not None:
        where.append(f"t.category = {p(f.category, 'text')}")
    sql = f"""SELECT t.assignee_id, array_agg(t.id ORDER BY t.id) AS ids FROM tickets t
              WHERE {" AND ".join(where)} GROUP BY t.assignee_id"""
    return {r["assignee_id"]: list(r["ids"]) for r in await conn.fetch(sql, *p.values)}


_ASSIGNMENT_COLUMNS = _columns(AssignmentRow)


async def same_assignment(
    conn: asyncpg.Connection,
    *,
    period: str,
    period_start: date,
    per_agent: int,
    filters: dict[str, Any],
    seed: int,
) -> AssignmentRow | None:
    """An assignment made by this very request (a repeat returns it)."""
    sql = f"""SELECT {_ASSIGNMENT_COLUMNS} FROM qa_assignments
              WHERE period = $1 AND period_start = $2 AND per_agent = $3 AND filters = $4
                AND seed = $5 ORDER BY id LIMIT 1"""
    found = await conn.fetchrow(sql, period, period_start, per_agent, filters, seed)
    return None if found is None else AssignmentRow(**found)


async def insert_assignment(
    conn: asyncpg.Connection,
    *,
    period: str,
    period_start: date,
    period_end: date,
    per_agent: int,
    filters: dict[str, Any],
    seed: int,
    population: dict[str, list[int]],
    drawn: dict[int, list[int]],
    key_id: int | None,
    now: datetime,
) -> AssignmentRow:
    sql, args = _insert(
        "qa_assignments",
        {
            "period": period,
            "period_start": period_start,
            "period_end": period_end,
            "per_agent": per_agent,
            "filters": filters,
            "seed": seed,
            "population": population,
            "created_at": now,
            "created_by_key_id": key_id,
        },
        _ASSIGNMENT_COLUMNS,
    )
    row = AssignmentRow(**await conn.fetchrow(sql, *args))
    items = [(row.id, t, agent, period, period_start) for agent, ts in drawn.items() for t in ts]
    await conn.executemany(
        """INSERT INTO qa_assignment_items (assignment_id, ticket_id, agent_id, period,
                                            period_start) VALUES ($1, $2, $3, $4, $5)""",
        items,
    )
    return row


async def get_assignment(conn: asyncpg.Connection, assignment_id: int) -> AssignmentRow | None:
    sql = f"SELECT {_ASSIGNMENT_COLUMNS} FROM qa_assignments WHERE id = $1"
    found = await conn.fetchrow(sql, assignment_id)
    return None if found is None else AssignmentRow(**found)


async def assignment_items(conn: asyncpg.Connection, assignment_id: int) -> list[AssignmentItemRow]:
    sql = """SELECT s.ticket_id, s.agent_id,
                    EXISTS (SELECT 1 FROM qa_reviews r WHERE r.ticket_id = s.ticket_id
                              AND r.calibration_id IS NULL) AS reviewed
             FROM qa_assignment_items s WHERE s.assignment_id = $1
             ORDER BY s.agent_id, s.ticket_id"""
    return [AssignmentItemRow(**r) for r in await conn.fetch(sql, assignment_id)]


# ---- calibration sessions ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CalibrationRow:
    id: int
    name: str
    scorecard_version_id: int
    ticket_ids: list[int]
    status: str
    created_at: datetime
    created_by_key_id: int | None
    closed_at: datetime | None
    results: dict[str, Any] | None
    alpha: float | None


async def insert_calibration(
    conn: asyncpg.Connection,
    *,
    name: str,
    scorecard_version_id: int,
    ticket_ids: list[int],
    key_id: int | None,
    now: datetime,
) -> CalibrationRow:
    sql, args = _insert(
        "qa_calibrations",
        {
            "name": name,
            "scorecard_version_id": scorecard_version_id,
            "ticket_ids": ticket_ids,
            "status": "open",
            "created_at": now,
            "created_by_key_id": key_id,
        },
        _columns(CalibrationRow),
    )
    return CalibrationRow(**await conn.fetchrow(sql, *args))


async def get_calibration(
    conn: asyncpg.Connection, calibration_id: int, *, lock: bool = False
) -> CalibrationRow | None:
    sql = f"SELECT {_columns(CalibrationRow)} FROM qa_calibrations WHERE id = $1"
    found = await conn.fetchrow(sql + (" FOR UPDATE" if lock else ""), calibration_id)
    return None if found is None else CalibrationRow(**found)


async def close_calibration(
    conn: asyncpg.Connection,
    calibration_id: int,
    *,
    results: dict[str, Any],
    alpha: float | None,
    now: datetime,
) -> CalibrationRow:
    sql = f"""UPDATE qa_calibrations SET status = 'closed', closed_at = $2, results = $3,
                     alpha = $4
              WHERE id = $1 RETURNING {_columns(CalibrationRow)}"""
    return CalibrationRow(**await conn.fetchrow(sql, calibration_id, now, results, alpha))


async def calibration_reviews(conn: asyncpg.Connection, calibration_id: int) -> list[ReviewRow]:
    sql = f"SELECT {_columns(ReviewRow)} FROM qa_reviews WHERE calibration_id = $1 ORDER BY id"
    return [ReviewRow(**r) for r in await conn.fetch(sql, calibration_id)]


# ---- figures -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FigureFilters:
    start: datetime
    end: datetime
    agent_id: int | None = None
    team_id: int | None = None
    scorecard_id: int | None = None


def _figure_where(f: FigureFilters, visible: ReviewVisibility, p: Params) -> list[str]:
    where = [
        "r.calibration_id IS NULL",
        f"r.reviewed_at >= {p(f.start, 'timestamptz')}",
        f"r.reviewed_at < {p(f.end, 'timestamptz')}",
    ]
    if f.agent_id is not None:
        where.append(f"r.agent_id = {p(f.agent_id, 'bigint')}")
    if f.team_id is not None:
        where.append(f"r.team_id = {p(f.team_id, 'bigint')}")
    if f.scorecard_id is not None:
        where.append(f"v.scorecard_id = {p(f.scorecard_id, 'bigint')}")
    limit_to = _review_limit(visible, p, "r.")
    if limit_to:
        where.append(limit_to)
    return where


@dataclass(frozen=True, slots=True)
class ReviewFigure:
    """What the figures need of one review."""

    id: int
    reviewed_at: datetime
    agent_id: int | None
    team_id: int | None
    scorecard_id: int
    score: float | None
    failed: list[str]
    answers: dict[str, Any]
    sections: list[dict[str, Any]]
    disputed: bool


async def review_figures(
    conn: asyncpg.Connection, f: FigureFilters, visible: ReviewVisibility, *, limit: int
) -> list[ReviewFigure]:
    """The period's reviews (agents' reviews, not calibration), oldest first, at most `limit`."""
    p = Params()
    where = _figure_where(f, visible, p)
    sql = f"""
        SELECT r.id, r.reviewed_at, r.agent_id, r.team_id, v.scorecard_id, r.score, r.failed,
               r.answers, v.sections,
               EXISTS (SELECT 1 FROM qa_disputes d WHERE d.review_id = r.id) AS disputed
        FROM qa_reviews r JOIN qa_scorecard_versions v ON v.id = r.scorecard_version_id
        WHERE {" AND ".join(where)}
        ORDER BY r.reviewed_at, r.id LIMIT {int(limit)}"""
    return [ReviewFigure(**r) for r in await conn.fetch(sql, *p.values)]


async def coverage(
    conn: asyncpg.Connection, f: FigureFilters, visible: ReviewVisibility
) -> tuple[int, int]:
    """(resolved tickets in the period, those of them with an agent's review)."""
    p = Params()
    where = [
        f"t.resolved_at >= {p(f.start, 'timestamptz')}",
        f"t.resolved_at < {p(f.end, 'timestamptz')}",
    ]
    if f.agent_id is not None:
        where.append(f"t.assignee_id = {p(f.agent_id, 'bigint')}")
    if f.team_id is not None:
        where.append(f"t.team_id = {p(f.team_id, 'bigint')}")
    if not visible.everything:
        alternatives = []
        if visible.agent_id is not None:
            alternatives.append(f"t.assignee_id = {p(visible.agent_id, 'bigint')}")
        if visible.team_ids:
            alternatives.append(f"t.team_id = ANY({p(sorted(visible.team_ids), 'bigint[]')})")
        where.append("(" + " OR ".join(alternatives) + ")" if alternatives else "false")
    sql = f"""
        SELECT count(*)::int AS resolved,
               count(*) FILTER (WHERE EXISTS (SELECT 1 FROM qa_reviews r WHERE
                   r.ticket_id = t.id AND r.calibration_id IS NULL))::int AS reviewed
        FROM tickets t WHERE {" AND ".join(where)}"""
    found = await conn.fetchrow(sql, *p.values)
    return found["resolved"], found["reviewed"]


async def calibration_alphas(
    conn: asyncpg.Connection, start: datetime, end: datetime
) -> list[tuple[int, datetime, float | None]]:
    sql = """SELECT id, closed_at, alpha FROM qa_calibrations
             WHERE status = 'closed' AND closed_at >= $1 AND closed_at < $2
             ORDER BY closed_at, id"""
    return [(r["id"], r["closed_at"], r["alpha"]) for r in await conn.fetch(sql, start, end)]


async def versions_by_id(conn: asyncpg.Connection, ids: list[int]) -> dict[int, VersionRow]:
    sql = f"SELECT {_columns(VersionRow)} FROM qa_scorecard_versions WHERE id = ANY($1::bigint[])"
    return {r["id"]: VersionRow(**r) for r in await conn.fetch(sql, ids)}
