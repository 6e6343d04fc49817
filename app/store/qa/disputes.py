"""Disputes: the reviewed agent's, once per review, and a supervisor's decision on it."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from app.store.qa.reviews import ReviewRow
from app.store.qa.sql import columns as _columns


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
