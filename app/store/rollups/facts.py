"""Each ticket's facts (`metric_tickets`): worked out again from the ticket, its status log,
escalations, breaches and calls; the customer's next tickets whose facts move with it; the UTC
days a ticket's facts count in."""

from collections.abc import Sequence
from datetime import date

import asyncpg

from app.domain.metrics import REPEAT_WINDOW

# Seconds spent waiting on us between creation and resolution, from the status log: each
# status lasts until the next one (the last, until resolution).
_WAITED = """(
    SELECT coalesce(sum(extract(epoch FROM least(coalesce(s.until, tk.resolved_at), tk.resolved_at)
                                            - s.since)), 0)
    FROM (SELECT (x.e ->> 0)::timestamptz AS since, x.e ->> 1 AS status,
                 lead((x.e ->> 0)::timestamptz) OVER (ORDER BY x.n) AS until
          FROM jsonb_array_elements(tk.status_log) WITH ORDINALITY AS x(e, n)) s
    WHERE s.status IN ('new', 'open', 'on_hold') AND s.since < tk.resolved_at
)"""


def _breached(metric: str) -> str:
    return (
        "EXISTS (SELECT 1 FROM sla_events e WHERE e.ticket_id = tk.id"
        f" AND e.metric = '{metric}' AND e.kind = 'breach')"
    )


# When the customer's ticket `offset` + 1 places before this one was created.
_EARLIER = """(SELECT p.created_at FROM tickets p
    WHERE p.customer_id = tk.customer_id AND (p.created_at, p.id) < (tk.created_at, tk.id)
    ORDER BY p.created_at DESC, p.id DESC LIMIT 1 OFFSET {offset})"""

_FACT_COLUMNS = """ticket_id, created_at, resolved_at, closed_at, done_at, status, type, channel,
    priority, category, tags, team_id, assignee_id, customer_id, customer_previous_at,
    customer_second_previous_at, created_by_key_id, escalated_to_id, under_policy,
    first_response_seconds, first_response_business_seconds, resolution_seconds,
    resolution_business_seconds, waited_seconds, handle_seconds, agent_replies, reopened,
    transferred, escalated, first_response_breached, resolution_breached, repeat"""

# What the KPIs need of each ticket: one row per ticket of `tk`, computed from the ticket, its
# status log, escalations, breaches and calls (app.domain.metrics defines each figure).
_FACTS = f"""
    SELECT tk.id, tk.created_at, tk.resolved_at, tk.closed_at, least(tk.resolved_at, tk.closed_at),
        tk.status, tk.type, tk.channel, tk.priority, tk.category, tk.tags, tk.team_id,
        tk.assignee_id, tk.customer_id, {_EARLIER.format(offset=0)}, {_EARLIER.format(offset=1)},
        tk.created_by_key_id, tk.escalated_to_id, tk.sla_policy_id IS NOT NULL,
        extract(epoch FROM tk.first_responded_at - tk.created_at),
        tk.first_response_business_seconds, extract(epoch FROM tk.resolved_at - tk.created_at),
        CASE WHEN tk.resolved_at IS NOT NULL THEN tk.resolution_business_seconds END,
        CASE WHEN tk.resolved_at IS NOT NULL THEN {_WAITED} END,
        (SELECT coalesce(sum(i.duration_seconds), 0) FROM interactions i
         WHERE i.ticket_id = tk.id AND i.kind IN ('call', 'callback')),
        tk.agent_reply_count, tk.reopen_count > 0,
        EXISTS (SELECT 1 FROM escalations e WHERE e.ticket_id = tk.id),
        EXISTS (SELECT 1 FROM escalations e WHERE e.ticket_id = tk.id
                AND e.kind IN ('functional', 'hierarchical')),
        tk.first_responded_at IS NOT NULL AND {_breached("first_response")},
        tk.resolved_at IS NOT NULL AND {_breached("resolution")},
        tk.customer_id IS NOT NULL AND EXISTS (
            SELECT 1 FROM tickets p
            WHERE p.customer_id = tk.customer_id AND p.id <> tk.id
              AND p.resolved_at <= tk.created_at
              AND p.resolved_at >= tk.created_at - '{REPEAT_WINDOW.total_seconds():.0f} seconds'::interval)
    FROM tickets tk
"""
# A merged ticket has no facts of its own: it is counted once, as the ticket it was merged
# into (which holds its interactions). Facts it had before its merge go.
_UPSERT = f"""
    WITH merged AS (
        DELETE FROM metric_tickets f USING tickets tk
        WHERE tk.id = f.ticket_id AND tk.merged_into_id IS NOT NULL AND {{where}}
    )
    INSERT INTO metric_tickets ({_FACT_COLUMNS})
    {_FACTS} WHERE tk.merged_into_id IS NULL AND {{where}}
    ON CONFLICT (ticket_id) DO UPDATE SET
    {", ".join(f"{c} = EXCLUDED.{c}" for c in (x.strip() for x in _FACT_COLUMNS.split(",")) if c != "ticket_id")}
"""
REFRESH = _UPSERT.format(where="tk.id = ANY($1::bigint[])")
REFRESH_RANGE = _UPSERT.format(where="tk.id BETWEEN $1 AND $2")


async def refresh(conn: asyncpg.Connection, ticket_ids: Sequence[int]) -> None:
    """The facts of these tickets worked out again from what they are now."""
    await conn.execute(REFRESH, list(ticket_ids))


async def refresh_range(conn: asyncpg.Connection, lo: int, hi: int) -> None:
    await conn.execute(REFRESH_RANGE, lo, hi)


# The next two tickets of the same customer after each of these, as they are and as their
# facts last saw them: their "previous ticket" instants may have moved.
_NEXT_TWO = """
    SELECT n.id FROM {table} t
    CROSS JOIN LATERAL (
        SELECT n.id FROM tickets n
        WHERE n.customer_id = t.customer_id AND (n.created_at, n.id) > (t.created_at, t.{id})
        ORDER BY n.created_at, n.id LIMIT 2) n
    WHERE t.{id} = ANY($1::bigint[])
"""
FOLLOWERS = (
    _NEXT_TWO.format(table="tickets", id="id")
    + " UNION "
    + _NEXT_TWO.format(table="metric_tickets", id="ticket_id")
)


async def followers(conn: asyncpg.Connection, ticket_ids: Sequence[int]) -> set[int]:
    return {r["id"] for r in await conn.fetch(FOLLOWERS, list(ticket_ids))}


DAYS = """
    SELECT (v.at AT TIME ZONE 'UTC')::date AS day
    FROM metric_tickets, LATERAL (VALUES (created_at), (resolved_at), (closed_at)) AS v(at)
    WHERE ticket_id = ANY($1::bigint[]) AND v.at IS NOT NULL
    UNION
    SELECT (responded_at AT TIME ZONE 'UTC')::date FROM survey_responses
    WHERE ticket_id = ANY($1::bigint[])
"""


async def days_of(conn: asyncpg.Connection, ticket_ids: Sequence[int]) -> set[date]:
    """The UTC days whose rollups count these tickets' facts (as they stand)."""
    return {r["day"] for r in await conn.fetch(DAYS, list(ticket_ids))}


ALL_DAYS = """
    SELECT (v.at AT TIME ZONE 'UTC')::date AS day
    FROM metric_tickets, LATERAL (VALUES (created_at), (resolved_at), (closed_at)) AS v(at)
    WHERE v.at IS NOT NULL
    UNION
    SELECT (responded_at AT TIME ZONE 'UTC')::date FROM survey_responses
"""


async def all_days(conn: asyncpg.Connection) -> list[date]:
    return sorted(r["day"] for r in await conn.fetch(ALL_DAYS))


ID_RANGE = "SELECT min(id) AS lo, max(id) AS hi FROM tickets"


async def ticket_id_range(conn: asyncpg.Connection) -> tuple[int | None, int | None]:
    r = await conn.fetchrow(ID_RANGE)
    return r["lo"], r["hi"]
