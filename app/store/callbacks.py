"""Callbacks: a customer asked to be called back at a given moment."""

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime

import asyncpg

from app.store.paging import KeyColumn, Order, Params, fetch_page


@dataclass(frozen=True, slots=True)
class NewCallback:
    ticket_id: int
    requested_at: datetime
    missed_at: datetime
    phone: str | None
    note: str | None
    assignee_id: int | None
    status: str
    created_at: datetime
    done_at: datetime | None
    created_by_key_id: int | None


@dataclass(frozen=True, slots=True)
class CallbackRow(NewCallback):
    id: int


_NEW = tuple(f.name for f in fields(NewCallback))
COLUMNS = (*_NEW, "id")

_INSERT = f"""
    INSERT INTO callbacks ({", ".join(_NEW)})
    VALUES ({", ".join(f"${i}" for i in range(1, len(_NEW) + 1))})
    RETURNING {", ".join(COLUMNS)}
"""


async def insert(conn: asyncpg.Connection, callback: NewCallback) -> CallbackRow:
    row = await conn.fetchrow(_INSERT, *(getattr(callback, name) for name in _NEW))
    return CallbackRow(**row)


LISTING = Order("callbacks", (KeyColumn("id", int),))


async def page_of_ticket(
    conn: asyncpg.Connection, ticket_id: int, *, cursor: str | None, limit: int
) -> tuple[list[CallbackRow], str | None]:
    """The ticket's callbacks, oldest first, after `cursor`."""
    p = Params()
    records, next_cursor = await fetch_page(
        conn,
        columns=", ".join(COLUMNS),
        source="callbacks",
        where=[f"ticket_id = {p(ticket_id)}"],
        params=p,
        order=LISTING,
        cursor=cursor,
        limit=limit,
    )
    # A page's records carry its key columns too: take the callback's own.
    return [CallbackRow(**{name: r[name] for name in COLUMNS}) for r in records], next_cursor


_COMPLETE = """
    UPDATE callbacks SET status = 'done', done_at = $2
    WHERE ticket_id = $1 AND status = 'scheduled'
    RETURNING id
"""


async def complete_scheduled(conn: asyncpg.Connection, ticket_id: int, now: datetime) -> int:
    """Mark the ticket's scheduled callbacks done; how many there were."""
    return len(await conn.fetch(_COMPLETE, ticket_id, now))


@dataclass(frozen=True, slots=True)
class Missed:
    id: int
    ticket_id: int
    missed_at: datetime


# Only a callback still scheduled is missed: one done since the timer was armed stays done.
_MARK_MISSED = """
    UPDATE callbacks c SET status = 'missed'
    FROM unnest($1::bigint[], $2::timestamptz[]) AS x(ticket_id, missed_at)
    WHERE c.ticket_id = x.ticket_id AND c.missed_at = x.missed_at AND c.status = 'scheduled'
    RETURNING c.id, c.ticket_id, c.missed_at
"""


async def mark_missed(
    conn: asyncpg.Connection, due: Sequence[tuple[int, datetime]]
) -> list[Missed]:
    """Mark missed the scheduled callbacks of each (ticket, missed moment); those marked."""
    if not due:
        return []
    rows = await conn.fetch(_MARK_MISSED, [t for t, _ in due], [d for _, d in due])
    return [Missed(**r) for r in rows]
