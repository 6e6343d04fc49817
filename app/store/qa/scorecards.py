"""Scorecards and their versions: a version's criteria never change once a review used it."""

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import asyncpg

from app.store.paging import KeyColumn, Order, Params, fetch_page, rows_of
from app.store.qa.sql import columns as _columns
from app.store.qa.sql import insert as _insert


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


async def versions_by_id(conn: asyncpg.Connection, ids: list[int]) -> dict[int, VersionRow]:
    sql = f"SELECT {_columns(VersionRow)} FROM qa_scorecard_versions WHERE id = ANY($1::bigint[])"
    return {r["id"]: VersionRow(**r) for r in await conn.fetch(sql, ids)}
