"""Tickets: the row, reading and locking one (as the caller may see it), changing it, creating
one with its first history line and timers in one statement (finding them: ticket_search.py)."""

import functools
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from operator import attrgetter
from typing import Any

import asyncpg

from app.domain.access import Visibility
from app.store import audit, events
from app.store import history as history_store
from app.store import interactions as interactions_store
from app.store import timers as timers_store
from app.store.events import NewEvent
from app.store.history import NewLine
from app.store.paging import Params
from app.store.visibility import visible_sql


@dataclass(frozen=True, slots=True)
class NewTicket:
    """Every column of a ticket but its id: what a create inserts."""

    subject: str
    description: str | None
    type: str
    status: str
    impact: str
    urgency: str
    priority: str
    priority_reason: str
    priority_override: str | None
    priority_override_reason: str | None
    category: str | None
    tags: list[str]
    channel: str
    customer_id: int | None
    team_id: int | None
    assignee_id: int | None
    tier: int
    language: str | None
    external_id: str | None
    product: str | None
    model_number: str | None
    serial_number: str | None
    account_number: str | None
    equipment_location: str | None
    created_at: datetime
    updated_at: datetime
    first_responded_at: datetime | None
    last_public_reply_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    reopen_count: int
    agent_reply_count: int
    customer_reply_count: int
    interaction_count: int
    created_by_key_id: int | None
    version: int
    # Every status the ticket has had, [[iso instant, status], …]: the SLA clocks are derived
    # from it and the reply times above.
    status_log: list[list[str]]
    sla_policy_id: int | None
    first_response_due_at: datetime | None
    next_update_due_at: datetime | None
    resolution_due_at: datetime | None
    # The nearest running deadline and warning, whether a clock is paused, and whether a stopped
    # or paused clock ended late: what list filters on sla_state and the "nearest due" sort read.
    sla_due_at: datetime | None
    sla_warning_at: datetime | None
    sla_paused: bool
    sla_breached: bool
    # Routing: the rule that placed the ticket and why; the supervisor escalated to.
    routed_by_rule_id: int | None = None
    routing_reason: str | None = None
    escalated_to_id: int | None = None
    # The business seconds (by the policy's calendar, pauses left out) its first response and
    # its resolution took, kept as they happen: what the metrics' business-time figures read.
    first_response_business_seconds: int | None = None
    resolution_business_seconds: int | None = None
    # The ticket this one was merged into (it is closed for good).
    merged_into_id: int | None = None
    # The agent credited with its resolution (see change.apply).
    resolved_by_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketRow(NewTicket):
    id: int


NEW_COLUMNS = tuple(f.name for f in fields(NewTicket))
COLUMNS = (*NEW_COLUMNS, "id")
SELECT = f"SELECT {', '.join(COLUMNS)} FROM tickets"
# The tickets with the keys that move with their writes (ticket_keys, migration 0035): the source
# of a read in the order of one of those keys, which only ticket_keys' indexes have.
WITH_KEYS = "ticket_keys JOIN tickets USING (id)"


_NEW_VALUES = attrgetter(*NEW_COLUMNS)
_POSITION = {name: i for i, name in enumerate(NEW_COLUMNS)}


def with_columns(ticket: TicketRow, columns: Mapping[str, Any]) -> TicketRow:
    """`ticket` with `columns` (column → value) set, as `dataclasses.replace` would make it: in a
    quarter of its time, which walks every field's metadata and passes all 57 by name (a change
    makes two or three such copies)."""
    values = list(_NEW_VALUES(ticket))
    for name, value in columns.items():
        values[_POSITION[name]] = value  # KeyError: not a ticket column (or the id)
    return TicketRow(*values, id=ticket.id)


def _selected(found: asyncpg.Record) -> TicketRow:
    """A row of SELECT (COLUMNS: the fields in their order, then id), by position: a quarter of
    the cost of passing 56 columns by name, on every read of a ticket."""
    return TicketRow(*found[:-1], id=found[-1])


def _one(ticket_id: int, visible: Visibility, lock: bool) -> tuple[str, Params]:
    p = Params(ticket_id)
    limit = visible_sql(visible, p)
    where = f"id = $1{' AND ' + limit if limit else ''}"
    return f"{SELECT} WHERE {where}{' FOR UPDATE' if lock else ''}", p


async def get(
    conn: asyncpg.Connection,
    ticket_id: int,
    visible: Visibility,
    reader: audit.Reader | None = None,
) -> TicketRow | None:
    """The ticket if `visible`; with a `reader`, its read recorded in the audit log by the same
    statement."""
    sql, p = _one(ticket_id, visible, lock=False)
    if reader is not None:
        sql = audit.recording_read(sql, p, "tickets", reader)
    found = await conn.fetchrow(sql, *p.values)
    return None if found is None else _selected(found)


# A transaction that locks a ticket to change it uses each statement's generic plan from then
# on (made once per connection). A change's statement writes its history lines and events from
# arrays (unnest), whose length only a plan made for each call's values knows: PostgreSQL's plan
# cache rated the generic plan dearer and planned the statement again on every call: a tenth to
# a fifth of a PATCH's or a note's database CPU (bench/README.md, "generic plans"). What such
# a transaction runs after the lock reads or writes rows by the locked ticket's id and other ids
# or constants, which a generic plan finds by the same indexes. Transaction-local: COMMIT or
# ROLLBACK ends it.
_GENERIC_PLANS = "set_config('plan_cache_mode', 'force_generic_plan', true), "


async def lock(conn: asyncpg.Connection, ticket_id: int, visible: Visibility) -> TicketRow | None:
    """The ticket, locked for the rest of the transaction (waits at most the lock timeout),
    which uses generic plans from here on (_GENERIC_PLANS)."""
    sql, p = _one(ticket_id, visible, lock=True)
    found = await conn.fetchrow(sql.replace("SELECT ", f"SELECT {_GENERIC_PLANS}", 1), *p.values)
    return None if found is None else TicketRow(*found[1:-1], id=found[-1])


@dataclass(frozen=True, slots=True)
class Locked:
    """A ticket locked for a change, with what every change reads besides it, from the same
    statement: the configuration's revision and the organization of the ticket's customer; when
    asked for, an id for the interaction the change will store (`write_change`)."""

    ticket: TicketRow
    revision: int | None
    organization: str | None
    interaction_id: int | None = None


_CONTEXT = (
    "(SELECT revision FROM config_revision),"
    " (SELECT c.organization FROM customers c WHERE c.id = tickets.customer_id), "
)


# The sequence by name: looking it up by table and column (pg_get_serial_sequence) is ten times
# the cost of the nextval itself.
_RESERVE = "nextval('interactions_id_seq'), "


async def lock_for_change(
    conn: asyncpg.Connection, ticket_id: int, visible: Visibility, *, interaction: bool = False
) -> Locked | None:
    """`lock`, with the configuration's revision and the customer's organization; with
    `interaction`, an interaction id reserved too. The rest of the transaction uses generic
    plans (_GENERIC_PLANS)."""
    sql, p = _one(ticket_id, visible, lock=True)
    context = _GENERIC_PLANS + (_RESERVE if interaction else "") + _CONTEXT
    found = await conn.fetchrow(sql.replace("SELECT ", f"SELECT {context}", 1), *p.values)
    if found is None:
        return None
    at = 2 if interaction else 1  # past the setting's value and the reserved id
    return Locked(
        TicketRow(*found[at + 2 : -1], id=found[-1]),
        found[at],
        found[at + 1],
        found[1] if interaction else None,
    )


async def exists(conn: asyncpg.Connection, ticket_id: int, visible: Visibility) -> bool:
    sql, p = _one(ticket_id, visible, lock=False)
    return (
        await conn.fetchval(sql.replace(SELECT, "SELECT 1 FROM tickets", 1), *p.values) is not None
    )


# The last moment a ticket's customer could see something happen: its opening, its latest
# status move, its latest public interaction. `updated_at` moves with internal notes and agents'
# field changes too, which the customer must not be able to watch.
LAST_PUBLIC_ACTIVITY = (
    "GREATEST(created_at, (status_log -> -1 ->> 0)::timestamptz, (SELECT max(i.occurred_at)"
    " FROM interactions i WHERE i.ticket_id = tickets.id AND i.public))"
)
_LAST_PUBLIC_ACTIVITY_OF = f"SELECT {LAST_PUBLIC_ACTIVITY} FROM tickets WHERE id = $1"


async def last_public_activity(conn: asyncpg.Connection, ticket_id: int) -> datetime | None:
    """LAST_PUBLIC_ACTIVITY of the ticket (None: no such ticket)."""
    found: datetime | None = await conn.fetchval(_LAST_PUBLIC_ACTIVITY_OF, ticket_id)
    return found


# A merged ticket's target, and its target's if it was merged in turn (bounded: a merged ticket
# is never a merge's target, so a chain only grows when its end is merged).
_MERGED_TARGET = """
    WITH RECURSIVE chain(id, next, depth) AS (
        SELECT id, merged_into_id, 0 FROM tickets WHERE id = $1
        UNION ALL
        SELECT t.id, t.merged_into_id, c.depth + 1
        FROM tickets t JOIN chain c ON t.id = c.next WHERE c.depth < 50
    )
    SELECT id FROM chain WHERE next IS NULL
"""


async def merged_target(conn: asyncpg.Connection, ticket_id: int) -> int:
    """The ticket that holds what `ticket_id` held: itself unless it was merged."""
    found: int | None = await conn.fetchval(_MERGED_TARGET, ticket_id)
    return ticket_id if found is None else found


_BY_EXTERNAL_ID = f"{SELECT} WHERE channel = $1 AND external_id = $2"


async def by_external_id(
    conn: asyncpg.Connection, channel: str, external_id: str
) -> TicketRow | None:
    found = await conn.fetchrow(_BY_EXTERNAL_ID, channel, external_id)
    return None if found is None else _selected(found)


_UPDATES: dict[tuple[str, ...], str] = {}


async def update(conn: asyncpg.Connection, ticket_id: int, changes: Mapping[str, Any]) -> None:
    """Set `changes` (column → value) on the ticket."""
    names = tuple(changes)
    sql = _UPDATES.get(names)
    if sql is None:
        unknown = set(names) - set(NEW_COLUMNS)
        assert not unknown, f"not ticket columns: {unknown}"
        assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(names, start=2))
        sql = _UPDATES.setdefault(names, f"UPDATE tickets SET {assignments} WHERE id = $1")
    await conn.execute(sql, ticket_id, *changes.values())


@functools.cache
def _change_sql(
    columns: tuple[str, ...], lines: bool, emits: bool, interaction: bool, timers: bool
) -> str:
    """The one statement of a change: the ticket's columns, its timers synced, the interaction
    it logs, its history lines, its events with their webhook deliveries."""
    ticket = "$1" if columns or timers else None
    n = itertools.count(2 if ticket else 1)
    ctes, selected = [], []
    if columns:
        unknown = set(columns) - set(NEW_COLUMNS)
        assert not unknown, f"not ticket columns: {unknown}"
        sets = ", ".join(f"{name} = ${next(n)}" for name in columns)
        ctes.append(f"u AS (UPDATE tickets SET {sets} WHERE id = {ticket})")
    if timers:
        assert ticket is not None
        first = next(n)
        for _ in range(4):
            next(n)
        synced, wake = timers_store.sync_sql(ticket, first)
        ctes += synced
        selected.append(wake)
    if interaction:
        first = next(n)
        for _ in range(interactions_store.WITH_ID_PARAMETERS - 1):
            next(n)
        # The history lines name it: their foreign key is checked at the statement's end,
        # when every part of it has been written.
        ctes.append(f"i AS ({interactions_store.insert_with_id_sql(first)})")
    if lines:
        first = next(n)
        for _ in range(history_store.PARAMETERS - 1):
            next(n)
        ctes.append(f"h AS ({history_store.insert_sql(first)})")
    if emits:
        e = [next(n) for _ in range(4)]
        ctes.append(
            f"""e AS (
                INSERT INTO events (type, ticket_id, payload, occurred_at)
                SELECT * FROM unnest(${e[0]}::text[], ${e[1]}::bigint[], ${e[2]}::jsonb[],
                    ${e[3]}::timestamptz[])
                RETURNING id, type, ticket_id, occurred_at
            )"""
        )
        ctes.append(events.deliveries("e"))
        selected.append(f"(SELECT {events.WAKE_DELIVERIES} FROM d)")
    return f"WITH {', '.join(ctes)} SELECT {', '.join(selected) or '1'}"


async def write_change(
    conn: asyncpg.Connection,
    ticket_id: int | None,
    columns: Mapping[str, Any],
    lines: Sequence[NewLine],
    emitted: Sequence[NewEvent],
    interaction: interactions_store.InteractionRow | None = None,
    timers: timers_store.Sync | None = None,
) -> None:
    """Write a change in one statement: `columns` (column → value) set on the ticket, its
    `timers` synced, the `interaction` (its id reserved) stored, history `lines` and `emitted`
    events written (with their deliveries). `ticket_id` only matters with columns or timers
    (history and events name their tickets).

    The ticket is locked by the caller, so no worker holds any of its timers: a pass claims
    only timers of tickets it has locked (store/timers.py), and the parts of this statement,
    which run in no set order, never wait on one."""
    if not (columns or lines or emitted or interaction or timers):
        return
    sql = _change_sql(
        tuple(columns), bool(lines), bool(emitted), interaction is not None, timers is not None
    )
    args: list[Any] = [ticket_id] if columns or timers else []
    args += columns.values()
    if timers is not None:
        args += timers.parameters
    if interaction is not None:
        args += interactions_store.values_with_id(interaction)
    if lines:
        args += history_store.parameters(lines)
    if emitted:
        args += [
            [e.type for e in emitted],
            [e.ticket_id for e in emitted],
            [e.payload for e in emitted],
            [e.occurred_at for e in emitted],
        ]
    await conn.execute(sql, *args)


# A create is the busiest write: the ticket, its "created" history line, its SLA timers and its
# event (with the event's webhook deliveries) in one statement, one round trip; and, when the
# caller says who is acting, that too (the audit triggers fire at the statement's end, after it
# is set), so the statement needs no transaction around it. ON CONFLICT: a gateway retry racing
# on the same external_id inserts nothing (and so no history, timers or event); the caller then
# reads the winner's ticket.
@functools.cache
def _insert_sql(notify_channel: str | None, acting: bool) -> str:
    n = len(NEW_COLUMNS)
    values = ", ".join(f"${i}" for i in range(1, n + 1))
    h = n + 1  # history: at, new_value, actor_type, actor_key_id, actor_name
    t = n + 6  # timers: kinds, due times
    e = n + 8  # the event: type, payload but the ticket's id, occurred_at
    extra = n + 11  # then who is acting, then the wake-up, each when there is one
    told = f", set_config('helpdesk.context', ${extra}::jsonb::text, true)" if acting else ""
    wake = (
        f", pg_notify('{notify_channel}', ${extra + (1 if acting else 0)})"
        if notify_channel
        else ""
    )
    event = events.of_new_ticket("t", f"${e}", f"${e + 1}::jsonb", f"${e + 2}::timestamptz")
    return f"""
        WITH t AS (
            INSERT INTO tickets ({", ".join(NEW_COLUMNS)}) VALUES ({values})
            ON CONFLICT (channel, external_id) WHERE external_id IS NOT NULL DO NOTHING
            RETURNING id
        ), h AS (
            INSERT INTO ticket_history
                (ticket_id, at, action, new_value, actor_type, actor_key_id, actor_name)
            SELECT id, ${h}, 'created', ${h + 1}::jsonb, ${h + 2}, ${h + 3}::bigint, ${h + 4}
            FROM t
        ), armed AS (
            INSERT INTO timers (ticket_id, kind, due_at, created_at)
            SELECT t.id, x.kind, x.due_at, now()
            FROM t, unnest(${t}::text[], ${t + 1}::timestamptz[]) AS x(kind, due_at)
        ), {event}
        SELECT id, (SELECT {events.WAKE_DELIVERIES} FROM d){told}{wake} FROM t
    """


@dataclass(frozen=True, slots=True)
class CreatedLine:
    """The "created" history line written with a new ticket."""

    at: datetime
    new_value: dict[str, Any]
    actor_type: str
    actor_key_id: int | None
    actor_name: str | None


@dataclass(frozen=True, slots=True)
class CreatedEvent:
    """The event written with a new ticket: its payload but for the ticket's id, which the
    statement adds."""

    type: str
    payload: dict[str, Any]
    occurred_at: datetime


async def insert(
    conn: asyncpg.Connection,
    ticket: NewTicket,
    line: CreatedLine,
    timers: Sequence[tuple[str, datetime]],
    event: CreatedEvent,
    *,
    wake: tuple[str, str] | None,
    acting: dict[str, Any] | None,
) -> int | None:
    """Insert the ticket with its history line, timers and event; its id, or None when its
    (channel, external_id) is taken. `wake`: (channel, payload) to NOTIFY on commit; `acting`:
    who is acting, for the audit triggers, when no transaction told the database already."""
    sql = _insert_sql(wake[0] if wake else None, acting is not None)
    args: list[Any] = [getattr(ticket, name) for name in NEW_COLUMNS]
    args += [line.at, line.new_value, line.actor_type, line.actor_key_id, line.actor_name]
    args += [[kind for kind, _ in timers], [due for _, due in timers]]
    args += [event.type, event.payload, event.occurred_at]
    if acting is not None:
        args.append(acting)
    if wake:
        args.append(wake[1])
    ticket_id: int | None = await conn.fetchval(sql, *args)
    return ticket_id


def sla_state_sql(now: str) -> dict[str, str]:
    """SQL for each overall SLA state at `now` (a parameter), from the due times stored with the
    ticket, as the full clocks would say: they are re-derived on every change and do not depend
    on `now`."""
    breached = f"(sla_breached OR coalesce(sla_due_at <= {now}, false))"
    warned = f"coalesce(sla_warning_at <= {now}, false)"
    return {
        "breached": breached,
        "warning": f"(NOT {breached} AND {warned})",
        "on_track": f"(NOT {breached} AND NOT {warned} AND sla_due_at IS NOT NULL)",
        "paused": f"(NOT {breached} AND sla_due_at IS NULL AND sla_paused)",
        "met": f"(NOT {breached} AND sla_due_at IS NULL AND NOT sla_paused)",
    }


# ---- live tickets, in batches (a configuration change recomputes their clocks) ----------------

_LIVE_BATCH = """
    SELECT t.id FROM tickets t
    WHERE t.status = ANY($1::text[]) AND t.id > $2
    ORDER BY t.id LIMIT $3
"""


async def live_ids_after(
    conn: asyncpg.Connection, statuses: Sequence[str], after_id: int, limit: int
) -> list[int]:
    return [r["id"] for r in await conn.fetch(_LIVE_BATCH, list(statuses), after_id, limit)]
