"""The ticket history: lines appended in the change's transaction, read in order."""

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import asyncpg
import orjson

from app.store.paging import KeyColumn, Order, Params, fetch_page, rows_of


@dataclass(frozen=True, slots=True)
class NewLine:
    ticket_id: int
    at: datetime
    action: str
    field: str | None
    old_value: Any
    new_value: Any
    actor_type: str
    actor_key_id: int | None
    actor_name: str | None
    interaction_id: int | None
    note: str | None


@dataclass(frozen=True, slots=True)
class HistoryRow(NewLine):
    id: int


_NEW = tuple(f.name for f in fields(NewLine))
_JSON = ("old_value", "new_value")
_TYPES = (
    "bigint", "timestamptz", "text", "text", "text", "text", "text", "bigint", "text", "bigint",
    "text",
)  # fmt: skip
PARAMETERS = len(_NEW)  # how many parameters `insert_sql` takes


def insert_sql(first: int) -> str:
    """One statement for any number of lines (a change usually writes several), from the
    parameters `$first`… (`parameters(lines)`): usable as a CTE of a larger write. The JSON
    values go as text (an array of JSON values of mixed shapes is no PostgreSQL array) and are
    cast row by row."""
    arrays = ", ".join(f"${first + i}::{t}[]" for i, t in enumerate(_TYPES))
    return f"""
        INSERT INTO ticket_history ({", ".join(_NEW)})
        SELECT ticket_id, at, action, field, old_value::jsonb, new_value::jsonb, actor_type,
            actor_key_id, actor_name, interaction_id, note
        FROM unnest({arrays}) AS x({", ".join(_NEW)})
    """


_INSERT = insert_sql(1)


def _json_text(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value, option=orjson.OPT_UTC_Z).decode()


def parameters(lines: Sequence[NewLine]) -> list[list[Any]]:
    """`insert_sql`'s parameters for `lines`: one array per column."""
    return [
        [_json_text(getattr(line, name)) for line in lines]
        if name in _JSON
        else [getattr(line, name) for line in lines]
        for name in _NEW
    ]


async def append(conn: asyncpg.Connection, lines: Sequence[NewLine]) -> None:
    if not lines:
        return
    await conn.execute(_INSERT, *parameters(lines))


ORDER = Order("history", (KeyColumn("id", int),))


async def page(
    conn: asyncpg.Connection, ticket_id: int, *, limit: int, cursor: str | None
) -> tuple[list[HistoryRow], str | None]:
    p = Params(ticket_id)
    rows, next_cursor = await fetch_page(
        conn,
        columns=", ".join((*_NEW, "id")),
        source="ticket_history",
        where=["ticket_id = $1"],
        params=p,
        order=ORDER,
        cursor=cursor,
        limit=limit,
    )
    return rows_of(HistoryRow, rows), next_cursor
