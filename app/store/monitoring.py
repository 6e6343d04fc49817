"""What /metrics reports of the desk: open tickets by status, priority and team (and how many
of them are breached), SLA events recorded by metric and kind."""

from datetime import datetime

import asyncpg

from app.domain.access import Visibility
from app.domain.metrics import OPEN_STATUSES
from app.store.paging import Params
from app.store.tickets import sla_state_sql
from app.store.visibility import visible_sql


async def open_tickets(
    conn: asyncpg.Connection, visible: Visibility, now: datetime
) -> list[asyncpg.Record]:
    """Rows of (status, priority, team_id, open, breached)."""
    p = Params()
    breached = sla_state_sql(p(now, "timestamptz"))["breached"]
    where = [f"status = ANY({p(list(OPEN_STATUSES), 'text[]')})"]
    limit = visible_sql(visible, p)
    if limit:
        where.append(limit)
    sql = f"""
        SELECT status, priority, team_id, count(*) AS open,
               count(*) FILTER (WHERE {breached}) AS breached
        FROM tickets WHERE {" AND ".join(where)}
        GROUP BY status, priority, team_id
    """
    return list(await conn.fetch(sql, *p.values))


async def sla_event_totals(conn: asyncpg.Connection, visible: Visibility) -> list[asyncpg.Record]:
    """Rows of (metric, kind, events): every event recorded, of the tickets the caller sees.

    Counted on each scrape: a running total kept by a trigger would be one hot row that
    concurrent worker replicas recording events queue on."""
    p = Params()
    limit = visible_sql(visible, p)
    where = f"WHERE ticket_id IN (SELECT id FROM tickets WHERE {limit})" if limit else ""
    sql = f"SELECT metric, kind, count(*) AS events FROM sla_events {where} GROUP BY metric, kind"
    return list(await conn.fetch(sql, *p.values))
