"""The outbox: events written in their change's transaction (with a delivery per matching
subscription), and read back as a feed in commit order."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from app.domain.access import EVERYTHING, TicketScope, Visibility
from app.store.paging import Params, decode_cursor, encode_cursor, fetch_feed, rows_of
from app.store.visibility import visible_sql

WEBHOOKS_CHANNEL = "helpdesk_webhooks"
# NOTIFYed on commit by every transaction that wrote events (a statement trigger on `events`).
EVENTS_CHANNEL = "helpdesk_events"
FEED = "events-feed"


# The `ticket_id` of a desk event's deliveries (ticket ids start at 1): a subscription gets the
# desk's events in order among themselves, as it gets each ticket's.
DESK = 0


def deliveries(events: str) -> str:
    """The CTE `d`: a delivery of each event the CTE `events` wrote (with its id, type,
    ticket_id and occurred_at) for each active subscription that wants its type, so a
    subscription's deliveries begin and end exactly with its changes' commits."""
    return f"""d AS (
        INSERT INTO webhook_deliveries (event_id, subscription_id, ticket_id, status, attempts,
            created_at)
        SELECT e.id, s.id, coalesce(e.ticket_id, {DESK}), 'pending', 0, e.occurred_at
        FROM {events} e JOIN webhook_subscriptions s ON s.active AND e.type = ANY(s.event_types)
        ORDER BY e.id, s.id
        RETURNING 1
    )"""


# A NOTIFY to the delivery workers (delivered on commit) when `d` wrote something to deliver.
WAKE_DELIVERIES = f"CASE WHEN count(*) > 0 THEN pg_notify('{WEBHOOKS_CHANNEL}', '') END"

# One statement: the events, their deliveries, and the workers woken.
_EMIT = f"""
    WITH e AS (
        INSERT INTO events (type, ticket_id, payload, occurred_at)
        SELECT * FROM unnest($1::text[], $2::bigint[], $3::jsonb[], $4::timestamptz[])
        RETURNING id, type, ticket_id, occurred_at
    ), {deliveries("e")}
    SELECT count(*) AS deliveries, {WAKE_DELIVERIES} AS woken FROM d
"""


def of_new_ticket(ticket: str, type: str, payload: str, occurred_at: str) -> str:
    """The CTEs `e` and `d` writing one event of the ticket the CTE `ticket` inserted (its
    RETURNING gives `id`), and the event's deliveries, in a statement that writes the ticket:
    `payload` (SQL, jsonb) is the event's payload but for the ticket's id, added here."""
    return f"""e AS (
        INSERT INTO events (type, ticket_id, payload, occurred_at)
        SELECT {type}, id, {payload} || jsonb_build_object('ticket_id', id), {occurred_at}
        FROM {ticket}
        RETURNING id, type, ticket_id, occurred_at
    ), {deliveries("e")}"""


@dataclass(frozen=True, slots=True)
class NewEvent:
    type: str
    ticket_id: int | None  # None: a desk event
    payload: dict[str, Any]
    occurred_at: datetime


async def insert(conn: asyncpg.Connection, events: Sequence[NewEvent]) -> int:
    """Write the events and their deliveries; how many deliveries were written."""
    if not events:
        return 0
    count: int = await conn.fetchval(
        _EMIT,
        [e.type for e in events],
        [e.ticket_id for e in events],
        [e.payload for e in events],
        [e.occurred_at for e in events],
    )
    return count


@dataclass(frozen=True, slots=True)
class EventRow:
    id: int
    type: str
    ticket_id: int | None  # None: a desk event
    payload: dict[str, Any]
    occurred_at: datetime


COLUMNS = "id, type, ticket_id, payload, occurred_at"


@dataclass(frozen=True)
class EventFilters:
    types: Sequence[str] = ()
    ticket_id: int | None = None


def _where(filters: EventFilters, p: Params, visible: Visibility) -> list[str]:
    where = []
    if filters.types:
        where.append(f"type = ANY({p(list(filters.types), 'text[]')})")
    if filters.ticket_id is not None:
        where.append(f"ticket_id = {p(filters.ticket_id, 'bigint')}")
    limit = visible_sql(visible, p)
    if limit:  # an event is seen by whoever sees its ticket; a desk event by the staff
        of_tickets = f"ticket_id IN (SELECT id FROM tickets WHERE {limit})"
        where.append(f"({of_tickets} OR ticket_id IS NULL)" if visible.desk else of_tickets)
    elif not visible.desk:
        where.append("ticket_id IS NOT NULL")
    return where


async def feed(
    conn: asyncpg.Connection,
    filters: EventFilters,
    *,
    limit: int,
    cursor: str | None,
    visible: Visibility = EVERYTHING,
) -> tuple[list[EventRow], str]:
    """Events in commit order after `cursor` (see `paging.fetch_feed`)."""
    p = Params()
    rows, next_cursor = await fetch_feed(
        conn,
        columns=COLUMNS,
        source="events",
        where=_where(filters, p, visible),
        params=p,
        listing=FEED,
        cursor=cursor,
        limit=limit,
    )
    return rows_of(EventRow, rows), next_cursor


# ---- the settled horizon, for live streams --------------------------------------------------


@dataclass(frozen=True, slots=True)
class Horizon:
    """Where the settled part of the feed ends: every event a transaction older than `txid`
    wrote is settled (no event can still appear before it). `new`: some were written by
    transactions from `since` on; `pending`: some are committed but not settled yet (a
    transaction older than theirs is still running)."""

    txid: int
    new: bool
    pending: bool


_HORIZON = """
    SELECT x::text AS txid,
        EXISTS (SELECT 1 FROM events WHERE txid >= $1::text::xid8 AND txid < x) AS new,
        EXISTS (SELECT 1 FROM events WHERE txid >= x) AS pending
    FROM pg_snapshot_xmin(pg_current_snapshot()) AS x
"""


async def horizon(conn: asyncpg.Connection, since: int) -> Horizon:
    """The settled horizon now, and whether events settled from `since` on (both over the
    feed's index on (txid, id))."""
    row = await conn.fetchrow(_HORIZON, str(since))
    return Horizon(int(row["txid"]), row["new"], row["pending"])


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Which transactions had committed at one moment (PostgreSQL's `pg_snapshot`): every one
    older than `xmin`, and those older than `xmax` but not in `running`. The events they
    wrote are before that moment; every other event is after it."""

    xmin: int
    xmax: int
    running: frozenset[int]
    text: str

    @property
    def end(self) -> tuple[int, int]:
        """The feed position from which no event is before the moment."""
        return self.xmax, 0

    def before(self, txid: int) -> bool:
        """Whether the events of transaction `txid` had committed at the moment."""
        return txid < self.xmin or (txid < self.xmax and txid not in self.running)


async def snapshot(conn: asyncpg.Connection) -> Snapshot:
    """The committed transactions now."""
    text = await conn.fetchval("SELECT pg_current_snapshot()::text")
    xmin, xmax, running = text.split(":")
    return Snapshot(int(xmin), int(xmax), frozenset(int(x) for x in running.split(",") if x), text)


def check_cursor(cursor: str) -> None:
    """InvalidCursor (400) unless `cursor` is one of the feed's."""
    decode_cursor(cursor, FEED, [int, int])


def cursor_after(txid: int, event_id: int) -> str:
    """The feed's cursor that continues after the event `event_id` of transaction `txid`."""
    return encode_cursor(FEED, [txid, event_id])


async def settled(
    conn: asyncpg.Connection,
    filters: EventFilters,
    *,
    cursor: str | None,
    before: int,
    limit: int,
    visible: Visibility = EVERYTHING,
) -> tuple[list[tuple[EventRow, str]], str]:
    """Up to `limit` events after `cursor` written by transactions older than `before` (a
    settled horizon), in commit order, each with the feed's cursor following it; and the
    cursor to go on from. A page short of `limit` has read everything before the horizon, so
    that cursor moves to it: a stream of few matching events does not scan the same
    non-matching ones again at each wake. It never moves back behind `cursor`."""
    p = Params()
    where = [*_where(filters, p, visible), f"txid < {p(str(before), 'text')}::xid8"]
    records, next_cursor = await fetch_feed(
        conn,
        columns=COLUMNS,
        source="events",
        where=where,
        params=p,
        listing=FEED,
        cursor=cursor,
        limit=limit,
    )
    rows = rows_of(EventRow, records)
    events = [
        (row, cursor_after(int(r["_txid"]), row.id)) for row, r in zip(rows, records, strict=True)
    ]
    if len(events) < limit:
        after = tuple(decode_cursor(cursor, FEED, [int, int])) if cursor else (0, 0)
        if (before, 0) > after:
            next_cursor = cursor_after(before, 0)
    return events, next_cursor


# ---- the process's tail, for live streams ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class TailEvent:
    """A settled event read once for all the streams of a process, with its position in the
    feed and what of its ticket decides who sees it (None for an event of no ticket)."""

    row: EventRow
    txid: int
    ticket: TicketScope | None


_TAIL = """
    SELECT e.id, e.type, e.ticket_id, e.payload, e.occurred_at, e.txid::text AS _txid,
        t.id AS t_id, t.team_id, t.assignee_id, t.escalated_to_id, t.customer_id,
        t.created_by_key_id, t.channel
    FROM events e LEFT JOIN tickets t ON t.id = e.ticket_id
    WHERE (e.txid, e.id) > ($1::text::xid8, $2::bigint) AND e.txid < $3::text::xid8
    ORDER BY e.txid, e.id
    LIMIT $4
"""


async def tail(
    conn: asyncpg.Connection, after: tuple[int, int], *, before: int, limit: int
) -> list[TailEvent]:
    """Up to `limit` events after the feed position `after` written by transactions older than
    `before` (a settled horizon), of every ticket, in commit order, each with its ticket's
    visibility facts as they are now (the feed's predicate reads the same columns)."""
    records = await conn.fetch(_TAIL, str(after[0]), after[1], str(before), limit)
    return [
        TailEvent(
            EventRow(r["id"], r["type"], r["ticket_id"], r["payload"], r["occurred_at"]),
            int(r["_txid"]),
            None
            if r["t_id"] is None
            else TicketScope(
                team_id=r["team_id"],
                assignee_id=r["assignee_id"],
                escalated_to_id=r["escalated_to_id"],
                customer_id=r["customer_id"],
                created_by_key_id=r["created_by_key_id"],
                channel=r["channel"],
            ),
        )
        for r in records
    ]


def position_of(cursor: str) -> tuple[int, int]:
    """The feed position (transaction, event id) a feed cursor continues after."""
    txid, event_id = decode_cursor(cursor, FEED, [int, int])
    return txid, event_id


async def settled_until(
    conn: asyncpg.Connection,
    filters: EventFilters,
    *,
    cursor: str,
    until: tuple[int, int],
    limit: int,
    visible: Visibility = EVERYTHING,
    since: Snapshot | None = None,
) -> tuple[list[tuple[EventRow, str]], str]:
    """Up to `limit` events after `cursor` and no further than the feed position `until` (one
    the process's tail has reached: everything before it is settled), in commit order, each
    with the feed's cursor following it; and the cursor to go on from: `until` itself once a
    page short of `limit` has read everything up to it. With `since`, none of the events
    that had committed at that snapshot."""
    p = Params()
    bound = f"(txid, id) <= ({p(str(until[0]), 'text')}::xid8, {p(until[1], 'bigint')})"
    if since is not None:
        bound += f" AND NOT pg_visible_in_snapshot(txid, {p(since.text, 'text')}::pg_snapshot)"
    records, next_cursor = await fetch_feed(
        conn,
        columns=COLUMNS,
        source="events",
        where=[*_where(filters, p, visible), bound],
        params=p,
        listing=FEED,
        cursor=cursor,
        limit=limit,
    )
    rows = rows_of(EventRow, records)
    events = [
        (row, cursor_after(int(r["_txid"]), row.id)) for row, r in zip(rows, records, strict=True)
    ]
    if len(events) < limit and until > position_of(cursor):
        next_cursor = cursor_after(*until)
    return events, next_cursor
