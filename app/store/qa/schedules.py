"""Sample schedules: a recurring fair sample, and the next period each one draws."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg

from app.store.qa.sql import columns as _columns
from app.store.qa.sql import insert as _insert


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    id: int
    period: str
    per_agent: int
    filters: dict[str, Any]
    scorecard_id: int | None
    seed: int
    next_period_start: date
    stopped_at: datetime | None
    created_at: datetime
    created_by_key_id: int | None


_COLUMNS = _columns(ScheduleRow)


async def insert_schedule(
    conn: asyncpg.Connection,
    *,
    period: str,
    per_agent: int,
    filters: dict[str, Any],
    scorecard_id: int | None,
    seed: int,
    next_period_start: date,
    key_id: int | None,
    now: datetime,
) -> ScheduleRow:
    sql, args = _insert(
        "qa_sample_schedules",
        {
            "period": period,
            "per_agent": per_agent,
            "filters": filters,
            "scorecard_id": scorecard_id,
            "seed": seed,
            "next_period_start": next_period_start,
            "created_at": now,
            "created_by_key_id": key_id,
        },
        _COLUMNS,
    )
    return ScheduleRow(**await conn.fetchrow(sql, *args))


async def get_schedule(
    conn: asyncpg.Connection, schedule_id: int, *, lock: bool = False
) -> ScheduleRow | None:
    sql = f"SELECT {_COLUMNS} FROM qa_sample_schedules WHERE id = $1"
    found = await conn.fetchrow(sql + (" FOR UPDATE" if lock else ""), schedule_id)
    return None if found is None else ScheduleRow(**found)


async def advance(conn: asyncpg.Connection, schedule_id: int, next_period_start: date) -> None:
    """The period after the one just drawn is the next to draw (the caller holds the lock)."""
    await conn.execute(
        "UPDATE qa_sample_schedules SET next_period_start = $2 WHERE id = $1",
        schedule_id,
        next_period_start,
    )


async def stop(conn: asyncpg.Connection, schedule_id: int, now: datetime) -> ScheduleRow:
    sql = f"""UPDATE qa_sample_schedules SET stopped_at = coalesce(stopped_at, $2)
              WHERE id = $1 RETURNING {_COLUMNS}"""
    return ScheduleRow(**await conn.fetchrow(sql, schedule_id, now))
