"""SLA events: the warnings, breaches and missed callbacks the worker records, once each."""

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime

import asyncpg

from app.domain.access import EVERYTHING, Visibility
from app.store.paging import KeyColumn, Order, Params, fetch_feed, fetch_page, rows_of
from app.store.visibility import visible_sql


@dataclass(frozen=True, slots=True)
class TicketFacts:
    """What an SLA event records of its ticket, and the due times that say whether it is
    still due."""

    id: int
    team_id: int | None
    assignee_id: int | None
    priority: str
    sla_policy_id: int | None
    first_response_due_at: datetime | None
    next_update_due_at: datetime | None
    resolution_due_at: datetime | None


_FACTS = f"""
    SELECT {", ".join(f.name for f in fields(TicketFacts))}
    FROM tickets WHERE id = ANY($1::bigint[])
"""


async def ticket_facts(
    conn: asyncpg.Connection, ticket_ids: Sequence[int]
) -> dict[int, TicketFacts]:
    """The tickets of a batch of timers, in one query."""
    rows = await conn.fetch(_FACTS, sorted(set(ticket_ids)))
    return {r["id"]: TicketFacts(**r) for r in rows}


@dataclass(frozen=True, slots=True)
class NewSlaEvent:
    ticket_id: int
    metric: str
    kind: str
    due_at: datetime
    recorded_at: datetime
    team_id: int | None
    assignee_id: int | None
    priority: str | None
    policy_id: int | None


@dataclass(frozen=True, slots=True)
class SlaEventRow(NewSlaEvent):
    id: int


_NEW = tuple(f.name for f in fields(NewSlaEvent))
COLUMNS = (*_NEW, "id")
# ON CONFLICT: an event is recorded once per ticket, metric, kind and due moment, however many
# times its timer fires (a re-armed timer, a replayed pass). RETURNING gives only the new ones.
_RECORD = f"""
    INSERT INTO sla_events ({", ".join(_NEW)})
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[],
        $5::timestamptz[], $6::bigint[], $7::bigint[], $8::text[], $9::bigint[])
    ON CONFLICT ON CONSTRAINT sla_events_once_key DO NOTHING
    RETURNING {", ".join(COLUMNS)}
"""


async def record(conn: asyncpg.Connection, events: Sequence[NewSlaEvent]) -> list[SlaEventRow]:
    """Insert the events not recorded before; those are returned."""
    if not events:
        return []
    rows = await conn.fetch(_RECORD, *([getattr(e, name) for e in events] for name in _NEW))
    return [SlaEventRow(**r) for r in rows]


@dataclass(frozen=True)
class SlaEventFilters:
    ticket_id: int | None = None
    metric: str | None = None
    kind: str | None = None
    team_id: int | None = None
    since: datetime | None = None  # recorded at or after
    until: datetime | None = None  # recorded before


# Newest first: a consumer polling for what happened reads the head of the list.
ORDER = Order("sla-events", (KeyColumn("id", int),), descending=True)


def _where(filters: SlaEventFilters, p: Params, visible: Visibility) -> list[str]:
    where = [
        f"{column} = {p(value, cast)}"
        for column, value, cast in (
            ("ticket_id", filters.ticket_id, "bigint"),
            ("metric", filters.metric, "text"),
            ("kind", filters.kind, "text"),
            ("team_id", filters.team_id, "bigint"),
        )
        if value is not None
    ]
    if filters.since is not None:
        where.append(f"recorded_at >= {p(filters.since, 'timestamptz')}")
    if filters.until is not None:
        where.append(f"recorded_at < {p(filters.until, 'timestamptz')}")
    # An event is seen by whoever sees its ticket.
    limit = visible_sql(visible, p)
    if limit:
        where.append(f"ticket_id IN (SELECT id FROM tickets WHERE {limit})")
    return where


async def page(
    conn: asyncpg.Connection,
    filters: SlaEventFilters,
    *,
    limit: int,
    cursor: str | None,
    visible: Visibility = EVERYTHING,
) -> tuple[list[SlaEventRow], str | None]:
    p = Params()
    where = _where(filters, p, visible)
    rows, next_cursor = await fetch_page(
        conn,
        columns=", ".join(COLUMNS),
        source="sla_events",
        where=where,
        params=p,
        order=ORDER,
        cursor=cursor,
        limit=limit,
    )
    return rows_of(SlaEventRow, rows), next_cursor


async def feed(
    conn: asyncpg.Connection,
    filters: SlaEventFilters,
    *,
    limit: int,
    cursor: str | None,
    visible: Visibility = EVERYTHING,
) -> tuple[list[SlaEventRow], str]:
    """Events in the order they were committed, after `cursor` (see `paging.fetch_feed`)."""
    p = Params()
    rows, next_cursor = await fetch_feed(
        conn,
        columns=", ".join(COLUMNS),
        source="sla_events",
        where=_where(filters, p, visible),
        params=p,
        listing="sla-events-feed",
        cursor=cursor,
        limit=limit,
    )
    return rows_of(SlaEventRow, rows), next_cursor
