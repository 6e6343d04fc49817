"""The SLA what-if's read: the clock facts of the tickets created in a period, a batch at a time."""

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from app.domain.access import Visibility
from app.store.paging import Params
from app.store.visibility import visible_sql


@dataclass(frozen=True, slots=True)
class ReplayRow:
    """What a ticket's clocks are derived from, and what selects its policy."""

    id: int
    created_at: datetime
    status: str
    status_log: list[list[str]]
    first_responded_at: datetime | None
    last_public_reply_at: datetime | None
    priority: str
    type: str
    team_id: int | None
    channel: str
    organization: str | None


async def batch(
    conn: asyncpg.Connection,
    visible: Visibility,
    frm: datetime,
    to: datetime,
    *,
    after: tuple[datetime, int] | None,
    limit: int,
) -> list[ReplayRow]:
    """The next `limit` tickets created in [frm, to) that `visible` allows, in (created_at, id)
    order after `after` (the last one of the previous batch): a keyset over
    tickets_created_at_id_idx, so every batch costs the same however far in it is."""
    p = Params()
    where = [f"created_at >= {p(frm, 'timestamptz')}", f"created_at < {p(to, 'timestamptz')}"]
    if after is not None:
        where.append(f"(created_at, id) > ({p(after[0], 'timestamptz')}, {p(after[1], 'bigint')})")
    limit_sql = visible_sql(visible, p)
    if limit_sql:
        where.append(limit_sql)
    # The organization by a correlated lookup, not a join: visible_sql's column names are the
    # tickets table's, unqualified.
    sql = f"""
        SELECT id, created_at, status, status_log, first_responded_at, last_public_reply_at,
               priority, type, team_id, channel,
               (SELECT organization FROM customers WHERE customers.id = customer_id)
        FROM tickets
        WHERE {" AND ".join(where)}
        ORDER BY created_at, id
        LIMIT {p(limit, "int")}
    """
    return [ReplayRow(*r) for r in await conn.fetch(sql, *p.values)]
