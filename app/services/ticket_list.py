"""The ticket list: filters, keyset pages and each item's SLA summary in one hand-written
statement, run on a leased asyncpg connection.

It is the busiest read a help desk serves (every agent's queue view polls it), and building it
with the SQL expression language cost more than PostgreSQL took to answer. One piece of SQL,
`sla.state_sql`, both filters by and summarises the overall SLA state."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from app.services import pagination, sla

# Sort name → (SQL key, descending). `sla_due_at` matches the expression index: tickets with no
# running clock sort last.
SORTS: dict[str, tuple[str, bool]] = {
    "created_at": ("created_at", False),
    "-created_at": ("created_at", True),
    "updated_at": ("updated_at", False),
    "-updated_at": ("updated_at", True),
    "sla_due_at": ("coalesce(sla_due_at, 'infinity'::timestamptz)", False),
}


@dataclass(frozen=True)
class TicketFilters:
    status: Sequence[str] = ()
    priority: Sequence[str] = ()
    type: Sequence[str] = ()
    channel: Sequence[str] = ()
    team_id: int | None = None
    assignee_id: int | None = None
    customer_id: int | None = None
    tag: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    sla_state: Sequence[str] = ()


class _Params:
    """Positional parameters for asyncpg: each value added once, referred to as $n."""

    def __init__(self) -> None:
        self.values: list[Any] = []

    def __call__(self, value: Any, cast: str = "") -> str:
        self.values.append(value)
        return f"${len(self.values)}{cast}"


def _where(f: TicketFilters, p: _Params, states: dict[str, str]) -> list[str]:
    where: list[str] = []
    if f.sla_state:
        where.append("(" + " OR ".join(states[s] for s in f.sla_state) + ")")
    for column, wanted in (
        ("status", f.status),
        ("priority", f.priority),
        ("type", f.type),
        ("channel", f.channel),
    ):
        if len(wanted) == 1:
            # Equality, not ANY: the (status, created_at, id) index then also gives the order.
            where.append(f"{column} = {p(wanted[0], '::text')}")
        elif wanted:
            where.append(f"{column} = ANY({p(list(wanted), '::text[]')})")
    for column, ident in (
        ("team_id", f.team_id),
        ("assignee_id", f.assignee_id),
        ("customer_id", f.customer_id),
    ):
        if ident is not None:
            where.append(f"{column} = {p(ident, '::bigint')}")
    if f.tag:
        where.append(f"tags @> {p([f.tag], '::text[]')}")
    if f.created_after:
        where.append(f"created_at >= {p(f.created_after, '::timestamptz')}")
    if f.created_before:
        where.append(f"created_at < {p(f.created_before, '::timestamptz')}")
    return where


async def fetch_page(
    conn: asyncpg.Connection,
    columns: Sequence[str],
    filters: TicketFilters,
    *,
    sort: str,
    limit: int,
    cursor: str | None,
    now: datetime,
) -> tuple[list[Any], str | None]:
    """Up to `limit` rows (asyncpg records: `columns`, then `sla_state`) and the next cursor."""
    key, descending = SORTS[sort]
    p = _Params()
    states = sla.state_sql(p(now, "::timestamptz"))
    where = _where(filters, p, states)
    if cursor:
        after, after_id = pagination.decode_cursor(cursor, sort, [datetime, int])
        # Both key columns run the same way, so a row comparison walks the index.
        bound = f"coalesce({p(after, '::timestamptz')}, 'infinity'::timestamptz)"
        where.append(f"({key}, id) {'<' if descending else '>'} ({bound}, {p(after_id)})")
    direction = "DESC" if descending else "ASC"
    sql = (
        f"SELECT {', '.join(columns)}, {key} AS sort_key, {sla.state_case(states)} AS sla_state "
        f"FROM tickets {'WHERE ' + ' AND '.join(where) if where else ''} "
        f"ORDER BY {key} {direction}, id {direction} LIMIT {p(limit + 1)}"
    )
    rows = await conn.fetch(sql, *p.values)
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        # PostgreSQL's infinity arrives as datetime.max: no clock, which the cursor says as null.
        at = last["sort_key"]
        sort_value = None if at.replace(tzinfo=None) == datetime.max else at
        next_cursor = pagination.encode_cursor(sort, [sort_value, last["id"]])
    return rows[:limit], next_cursor
