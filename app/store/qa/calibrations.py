"""Calibration sessions: opened on tickets and a scorecard version, closed with their results."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from app.store.qa.sql import columns as _columns
from app.store.qa.sql import insert as _insert


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
