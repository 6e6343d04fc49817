"""Reviews: writing one, its status and amendment, the agents' reviews a caller reads, the
reviews of a calibration session."""

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import asyncpg

from app.store.paging import KeyColumn, Order, Params, fetch_page, rows_of
from app.store.qa.sql import columns as _columns
from app.store.qa.sql import insert as _insert
from app.store.qa.visibility import ReviewVisibility, review_limit


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
    limit_to = review_limit(visible, p)
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


async def calibration_reviews(conn: asyncpg.Connection, calibration_id: int) -> list[ReviewRow]:
    sql = f"SELECT {_columns(ReviewRow)} FROM qa_reviews WHERE calibration_id = $1 ORDER BY id"
    return [ReviewRow(**r) for r in await conn.fetch(sql, calibration_id)]
