"""Reminders: something an agent (or their team) must do now: follow up, call back."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from app.domain.access import EVERYTHING, Visibility
from app.store.paging import KeyColumn, Order, Params, fetch_feed, fetch_page, rows_of
from app.store.visibility import visible_sql


@dataclass(frozen=True, slots=True)
class ReminderRow:
    id: int
    ticket_id: int
    kind: str
    assignee_id: int | None
    team_id: int | None
    callback_id: int | None
    due_at: datetime
    status: str
    created_at: datetime
    done_at: datetime | None
    version: int


COLUMNS = (
    "id",
    "ticket_id",
    "kind",
    "assignee_id",
    "team_id",
    "callback_id",
    "due_at",
    "status",
    "created_at",
    "done_at",
    "version",
)

# Once per ticket, kind and due moment (reminders_once_key): a timer fired again raises nothing.
# The reminder is about the ticket's next-update deadline as it stands, for whoever has it now.
_RAISE_FOLLOW_UPS = """
    INSERT INTO reminders
        (ticket_id, kind, assignee_id, team_id, due_at, status, created_at, version)
    SELECT t.id, 'follow_up', t.assignee_id, t.team_id, t.next_update_due_at, 'open', $2, 1
    FROM tickets t
    WHERE t.id = ANY($1::bigint[]) AND t.next_update_due_at IS NOT NULL
    ON CONFLICT ON CONSTRAINT reminders_once_key DO NOTHING
    RETURNING ticket_id
"""


async def raise_follow_ups(
    conn: asyncpg.Connection, ticket_ids: Sequence[int], now: datetime
) -> list[int]:
    """Raise a follow-up reminder on each ticket that still has a next update due; the tickets
    a reminder was raised on."""
    rows = await conn.fetch(_RAISE_FOLLOW_UPS, sorted(set(ticket_ids)), now)
    return [r["ticket_id"] for r in rows]


# A callback still scheduled at its requested moment: remind its agent, on the ticket's team.
_RAISE_FOR_CALLBACKS = """
    INSERT INTO reminders
        (ticket_id, kind, assignee_id, team_id, callback_id, due_at, status, created_at, version)
    SELECT c.ticket_id, 'callback', c.assignee_id, t.team_id, c.id, c.requested_at, 'open', $3, 1
    FROM unnest($1::bigint[], $2::timestamptz[]) AS x(ticket_id, due_at)
    JOIN callbacks c
        ON c.ticket_id = x.ticket_id AND c.requested_at = x.due_at AND c.status = 'scheduled'
    JOIN tickets t ON t.id = c.ticket_id
    ON CONFLICT ON CONSTRAINT reminders_once_key DO NOTHING
    RETURNING ticket_id
"""


async def raise_for_callbacks(
    conn: asyncpg.Connection, due: Sequence[tuple[int, datetime]], now: datetime
) -> list[int]:
    """A callback reminder for each (ticket, requested moment) whose callback is still
    scheduled; the tickets a reminder was raised on."""
    if not due:
        return []
    rows = await conn.fetch(_RAISE_FOR_CALLBACKS, [t for t, _ in due], [d for _, d in due], now)
    return [r["ticket_id"] for r in rows]


_CLOSE_OPEN = """
    UPDATE reminders SET status = 'done', done_at = $3, version = version + 1
    WHERE ticket_id = $1 AND kind = $2 AND status = 'open'
"""


async def close_open(conn: asyncpg.Connection, ticket_id: int, kind: str, now: datetime) -> None:
    await conn.execute(_CLOSE_OPEN, ticket_id, kind, now)


# The reminder to acknowledge one escalation: raised for its acknowledgement deadline.
_CLOSE_DUE = """
    UPDATE reminders SET status = 'done', done_at = $4, version = version + 1
    WHERE ticket_id = $1 AND kind = $2 AND due_at = $3 AND status = 'open'
"""


async def close_due(
    conn: asyncpg.Connection, ticket_id: int, kind: str, due_at: datetime, now: datetime
) -> None:
    """Mark done the ticket's open reminder of `kind` due at `due_at`, if there is one."""
    await conn.execute(_CLOSE_DUE, ticket_id, kind, due_at, now)


_GET = f"SELECT {', '.join(COLUMNS)} FROM reminders WHERE id = $1"


def _one(reminder_id: int, visible: Visibility, lock: bool) -> tuple[str, list[object]]:
    p = Params(reminder_id)
    limit = _of_visible_tickets(visible, p)
    return f"{_GET}{' AND ' + limit if limit else ''}{' FOR UPDATE' if lock else ''}", p.values


def _of_visible_tickets(visible: Visibility, p: Params) -> str | None:
    """A reminder is seen by whoever sees its ticket."""
    limit = visible_sql(visible, p)
    return None if limit is None else f"ticket_id IN (SELECT id FROM tickets WHERE {limit})"


async def get(
    conn: asyncpg.Connection, reminder_id: int, visible: Visibility = EVERYTHING
) -> ReminderRow | None:
    sql, args = _one(reminder_id, visible, lock=False)
    found = await conn.fetchrow(sql, *args)
    return None if found is None else ReminderRow(**found)


async def lock(
    conn: asyncpg.Connection, reminder_id: int, visible: Visibility = EVERYTHING
) -> ReminderRow | None:
    sql, args = _one(reminder_id, visible, lock=True)
    found = await conn.fetchrow(sql, *args)
    return None if found is None else ReminderRow(**found)


_SET_STATUS = f"""
    UPDATE reminders SET status = $2, done_at = $3, version = version + 1
    WHERE id = $1
    RETURNING {", ".join(COLUMNS)}
"""


async def set_status(
    conn: asyncpg.Connection, reminder_id: int, status: str, done_at: datetime | None
) -> ReminderRow:
    return ReminderRow(**await conn.fetchrow(_SET_STATUS, reminder_id, status, done_at))


@dataclass(frozen=True)
class ReminderFilters:
    ticket_id: int | None = None
    assignee_id: int | None = None
    team_id: int | None = None
    status: str | None = None
    due_before: datetime | None = None


# Soonest due first: the work list of whoever reads it.
ORDER = Order("reminders", (KeyColumn("due_at", datetime), KeyColumn("id", int)))


def _where(filters: ReminderFilters, p: Params, visible: Visibility) -> list[str]:
    where = [
        f"{column} = {p(value, cast)}"
        for column, value, cast in (
            ("ticket_id", filters.ticket_id, "bigint"),
            ("assignee_id", filters.assignee_id, "bigint"),
            ("team_id", filters.team_id, "bigint"),
            ("status", filters.status, "text"),
        )
        if value is not None
    ]
    if filters.due_before is not None:
        where.append(f"due_at < {p(filters.due_before, 'timestamptz')}")
    limit = _of_visible_tickets(visible, p)
    if limit:
        where.append(limit)
    return where


async def page(
    conn: asyncpg.Connection,
    filters: ReminderFilters,
    *,
    limit: int,
    cursor: str | None,
    visible: Visibility = EVERYTHING,
) -> tuple[list[ReminderRow], str | None]:
    p = Params()
    where = _where(filters, p, visible)
    rows, next_cursor = await fetch_page(
        conn,
        columns=", ".join(COLUMNS),
        source="reminders",
        where=where,
        params=p,
        order=ORDER,
        cursor=cursor,
        limit=limit,
    )
    return rows_of(ReminderRow, rows), next_cursor


async def feed(
    conn: asyncpg.Connection,
    filters: ReminderFilters,
    *,
    limit: int,
    cursor: str | None,
    visible: Visibility = EVERYTHING,
) -> tuple[list[ReminderRow], str]:
    """Reminders in the order they were raised (committed), after `cursor`."""
    p = Params()
    rows, next_cursor = await fetch_feed(
        conn,
        columns=", ".join(COLUMNS),
        source="reminders",
        where=_where(filters, p, visible),
        params=p,
        listing="reminders-feed",
        cursor=cursor,
        limit=limit,
    )
    return rows_of(ReminderRow, rows), next_cursor
