"""The QA figures: the period's reviews as the figures need them, coverage, sessions' alpha."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from app.store.paging import Params
from app.store.qa.visibility import ReviewVisibility, review_limit


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
    limit_to = review_limit(visible, p, "r.")
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
