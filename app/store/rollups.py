"""The rollups' SQL: each ticket's facts, the feeds that say which tickets changed, tallies of
facts over windows of time (by dimension for the stored rollups), and the rollups themselves."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg

from app.domain.metrics import REPEAT_WINDOW
from app.domain.rollups import BASE, PREVIOUS, SECOND_PREVIOUS, Distribution, Tally
from app.store.metrics import Scope
from app.store.paging import Params

# ---- facts -------------------------------------------------------------------------------

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


# ---- the feeds that say which tickets changed -------------------------------------------

# Per feed: its table, the column naming the ticket, and which of its rows matter.
FEEDS: dict[str, tuple[str, str, str]] = {
    "tickets": ("tickets", "id", "true"),
    "sla_events": ("sla_events", "ticket_id", "kind = 'breach'"),
    "escalations": ("escalations", "ticket_id", "true"),
    "survey_responses": ("survey_responses", "ticket_id", "true"),
}
LOCK_FEEDS = """
    WITH made AS (
        INSERT INTO metric_feeds (name, txid, last_id)
        SELECT unnest($1::text[]), '0'::xid8, 0 ON CONFLICT (name) DO NOTHING
    )
    SELECT name, txid::text AS txid, last_id FROM metric_feeds
    WHERE name = ANY($1::text[]) ORDER BY name FOR UPDATE
"""


async def lock_feeds(conn: asyncpg.Connection) -> dict[str, tuple[int, int]]:
    """Each feed's position, locked until the transaction ends: one catch-up at a time."""
    names = sorted(FEEDS)
    rows = await conn.fetch(LOCK_FEEDS, names)
    if len(rows) < len(names):  # made by this statement: not visible to it, locked now
        rows = await conn.fetch(LOCK_FEEDS, names)
    return {r["name"]: (int(r["txid"]), r["last_id"]) for r in rows}


def _changed_sql(name: str) -> str:
    table, ticket, where = FEEDS[name]
    return f"""
        SELECT {ticket} AS ticket_id, txid::text AS txid, id,
               txid < pg_snapshot_xmin(pg_current_snapshot()) AS settled
        FROM {table}
        WHERE {where} AND (txid, id) > ($1::text::xid8, $2::bigint)
        ORDER BY txid, id LIMIT $3
    """


CHANGED = {name: _changed_sql(name) for name in FEEDS}


@dataclass(frozen=True)
class Changed:
    """What a feed gave: the tickets its rows name (every visible row: a pass counts what was
    committed before it), how many rows were settled, and the position after the last of
    those. A row not settled yet (an older transaction still runs, so a row may still appear
    before it) is read again next time: taking a ticket in twice does no harm."""

    tickets: list[int]
    settled: int
    position: tuple[int, int]


async def changed(
    conn: asyncpg.Connection, feed: str, after: tuple[int, int], limit: int
) -> Changed:
    rows = await conn.fetch(CHANGED[feed], str(after[0]), after[1], limit)
    done = [r for r in rows if r["settled"]]  # settled rows come first: txid order
    position = (int(done[-1]["txid"]), done[-1]["id"]) if done else after
    return Changed([r["ticket_id"] for r in rows], len(done), position)


SAVE_FEED = "UPDATE metric_feeds SET txid = $2::text::xid8, last_id = $3 WHERE name = $1"


async def save_feed(conn: asyncpg.Connection, feed: str, at: tuple[int, int]) -> None:
    await conn.execute(SAVE_FEED, feed, str(at[0]), at[1])


# Just before every transaction still running: rows written from there on are read again.
HORIZON = """
    SELECT (pg_snapshot_xmin(pg_current_snapshot())::text::bigint - 1)::text AS txid
"""
MAX_ID = 9_223_372_036_854_775_807


async def horizon(conn: asyncpg.Connection) -> tuple[int, int]:
    """A feed position before which every row is settled and seen by this snapshot."""
    return int(await conn.fetchval(HORIZON)), MAX_ID


# ---- tallies -----------------------------------------------------------------------------

_BUCKET = f"CASE WHEN {{v}} < 1 THEN 0 ELSE 1 + floor(ln({{v}}) / ln({BASE}))::int END"


def _keys(at: str, by_dimension: bool) -> str:
    if not by_dimension:
        return "CROSS JOIN LATERAL (VALUES ('all', '')) AS k(dim, value)"
    return f"""CROSS JOIN LATERAL (VALUES ('all', ''),
        ('hour', to_char({at} AT TIME ZONE 'UTC', 'HH24')), ('team', f.team_id::text),
        ('agent', f.assignee_id::text), ('channel', f.channel::text),
        ('priority', f.priority::text), ('category', f.category::text)) AS k(dim, value)"""


# Per family: the instant that puts a fact in a window, its counters, its distributions.
_FAMILIES: dict[str, tuple[str, dict[str, str], dict[str, str]]] = {
    "created": (
        "f.created_at",
        {
            "created": "count(*)",
            "closed_without_reply": "count(*) FILTER (WHERE f.first_response_seconds IS NULL"
            " AND f.status IN ('resolved', 'closed'))",
            "first_response_measured": "count(*) FILTER (WHERE f.under_policy"
            " AND f.first_response_seconds IS NOT NULL)",
            "first_response_breached": "count(*) FILTER (WHERE f.under_policy"
            " AND f.first_response_seconds IS NOT NULL AND f.first_response_breached)",
            "customer_tickets": "count(*) FILTER (WHERE f.customer_id IS NOT NULL)",
            "repeat": "count(*) FILTER (WHERE f.repeat)",
            "no_previous": "count(*) FILTER (WHERE f.customer_id IS NOT NULL"
            " AND f.customer_previous_at IS NULL)",
            "no_second_previous": "count(*) FILTER (WHERE f.customer_id IS NOT NULL"
            " AND f.customer_second_previous_at IS NULL)",
        },
        {
            "first_response": "f.first_response_seconds",
            "first_response_business": "f.first_response_business_seconds",
        },
    ),
    "resolved": (
        "f.resolved_at",
        {
            "resolved": "count(*)",
            "first_contact": "count(*) FILTER (WHERE f.agent_replies = 1 AND NOT f.reopened"
            " AND NOT f.transferred)",
            "reopened": "count(*) FILTER (WHERE f.reopened)",
            "escalated": "count(*) FILTER (WHERE f.escalated)",
            "replies": "coalesce(sum(f.agent_replies), 0)",
            "resolution_measured": "count(*) FILTER (WHERE f.under_policy)",
            "resolution_breached": "count(*) FILTER (WHERE f.under_policy"
            " AND f.resolution_breached)",
        },
        {
            "resolution": "f.resolution_seconds",
            "resolution_business": "f.resolution_business_seconds",
            "requester_wait": "f.waited_seconds",
        },
    ),
    "closed": ("f.closed_at", {"closed": "count(*)"}, {}),
    # Answers, by the day they were given, about the tickets in scope.
    "surveys": (
        "f.responded_at",
        {
            "csat_answers": "count(*) FILTER (WHERE f.survey_kind = 'csat')",
            "csat_total": "coalesce(sum(f.score) FILTER (WHERE f.survey_kind = 'csat'), 0)",
            "csat_satisfied": "count(*) FILTER (WHERE f.survey_kind = 'csat' AND f.score >= 4)",
            "csat_negative": "count(*) FILTER (WHERE f.survey_kind = 'csat' AND f.score <= 2)",
            "nps_answers": "count(*) FILTER (WHERE f.survey_kind = 'nps')",
            "nps_promoters": "count(*) FILTER (WHERE f.survey_kind = 'nps' AND f.score >= 9)",
            "nps_passives": "count(*) FILTER (WHERE f.survey_kind = 'nps'"
            " AND f.score BETWEEN 7 AND 8)",
            "nps_detractors": "count(*) FILTER (WHERE f.survey_kind = 'nps' AND f.score <= 6)",
        },
        {},
    ),
}
# What the surveys family reads: each answer with its ticket's facts (the scope's column names).
_ANSWERS = """(SELECT s.kind AS survey_kind, s.score, s.responded_at, f.team_id, f.assignee_id,
    f.channel, f.priority, f.category, f.customer_id, f.created_by_key_id, f.escalated_to_id
    FROM survey_responses s JOIN metric_tickets f ON f.ticket_id = s.ticket_id)"""


class _Query:
    """One statement over the facts in some windows of one family's instant, in a scope."""

    def __init__(
        self,
        at: str,
        windows: Sequence[tuple[datetime, datetime]],
        scope: Scope | None,
        by_dimension: bool,
    ) -> None:
        self.p = Params()
        spans = " OR ".join(
            f"({at} >= {self.p(a, 'timestamptz')} AND {at} < {self.p(b, 'timestamptz')})"
            for a, b in windows
        )
        where = [f"({spans})", *(scope.conditions(self.p) if scope else [])]
        if by_dimension:
            where.append("k.value IS NOT NULL")
        table = _ANSWERS if at == "f.responded_at" else "metric_tickets"
        self.source = f"{table} f {_keys(at, by_dimension)}"
        self.where = " AND ".join(where)


Key = tuple[str, str]


async def tally(
    conn: asyncpg.Connection,
    windows: Sequence[tuple[datetime, datetime]],
    scope: Scope | None = None,
    *,
    by_dimension: bool = False,
) -> dict[Key, Tally]:
    """The tally of the facts in `windows` (disjoint), in `scope`: one for ('all', ''), or
    with `by_dimension` one per dimension value (and per hour of the instant's UTC day)."""
    tallies: dict[Key, Tally] = {}

    def of(r: asyncpg.Record) -> Tally:
        return tallies.setdefault((r["dim"], r["value"]), Tally())

    if not windows:
        return tallies
    for at, counters, distributions in _FAMILIES.values():
        q = _Query(at, windows, scope, by_dimension)
        figures = ", ".join(f"{sql} AS {name}" for name, sql in counters.items())
        sql = f"SELECT k.dim, k.value, {figures} FROM {q.source} WHERE {q.where} GROUP BY 1, 2"
        for r in await conn.fetch(sql, *q.p.values):
            of(r).counts.update({name: r[name] for name in counters})
        if distributions:
            q = _Query(at, windows, scope, by_dimension)
            values = ", ".join(f"('{name}', {sql})" for name, sql in distributions.items())
            sql = f"""
                SELECT k.dim, k.value, m.name, {_BUCKET.format(v="m.v")} AS bucket,
                       count(*) AS n, sum(m.v) AS total
                FROM {q.source} CROSS JOIN LATERAL (VALUES {values}) AS m(name, v)
                WHERE {q.where} AND m.v IS NOT NULL GROUP BY 1, 2, 3, 4
            """
            for r in await conn.fetch(sql, *q.p.values):
                d = of(r).distributions.setdefault(r["name"], Distribution())
                d.n += r["n"]
                d.total += r["total"]
                d.count(r["bucket"], r["n"])
    # The UTC days of each ticket's customer's previous two tickets (every ticket's rollups
    # only: in a narrower scope the previous ticket may be outside it).
    q = _Query("f.created_at", windows, scope, by_dimension)
    sql = f"""
        SELECT k.dim, k.value, m.name,
               (m.at AT TIME ZONE 'UTC')::date - DATE '1970-01-01' AS bucket, count(*) AS n
        FROM {q.source} CROSS JOIN LATERAL (VALUES
            ('{PREVIOUS}', f.customer_previous_at),
            ('{SECOND_PREVIOUS}', f.customer_second_previous_at)) AS m(name, at)
        WHERE {q.where} AND f.customer_id IS NOT NULL AND m.at IS NOT NULL
          AND k.dim IN ('all', 'hour')
        GROUP BY 1, 2, 3, 4
    """
    for r in await conn.fetch(sql, *q.p.values):
        d = of(r).distributions.setdefault(r["name"], Distribution())
        d.n += r["n"]
        d.count(r["bucket"], r["n"])
    q = _Query("f.created_at", windows, scope, by_dimension)
    sql = f"""
        SELECT k.dim, k.value, 'category' AS kind, f.category AS name, count(*) AS n
        FROM {q.source} WHERE {q.where} AND f.category IS NOT NULL GROUP BY 1, 2, 3, 4
        UNION ALL
        SELECT k.dim, k.value, 'tag', t.tag, count(*)
        FROM {q.source} CROSS JOIN LATERAL unnest(f.tags) AS t(tag) WHERE {q.where}
        GROUP BY 1, 2, 3, 4
    """
    for r in await conn.fetch(sql, *q.p.values):
        names = of(r).categories if r["kind"] == "category" else of(r).tags
        names[r["name"]] = r["n"]
    q = _Query("f.resolved_at", windows, scope, by_dimension)
    sql = f"""
        SELECT k.dim, k.value, f.type, count(*) AS n,
               coalesce(sum(f.resolution_seconds), 0) AS resolution,
               coalesce(sum(f.handle_seconds), 0) AS handle
        FROM {q.source} WHERE {q.where} GROUP BY 1, 2, 3
    """
    for r in await conn.fetch(sql, *q.p.values):
        of(r).types[r["type"]] = [float(r["n"]), float(r["resolution"]), float(r["handle"])]
    return tallies


# Tickets created in the period and not done (resolved or closed) before its end.
NOT_DONE = """
    SELECT (SELECT count(*) FROM metric_tickets
            WHERE done_at IS NULL AND created_at >= $1 AND created_at < $2 AND {scope})
         + (SELECT count(*) FROM metric_tickets
            WHERE done_at >= $2 AND created_at >= $1 AND created_at < $2 AND {scope})
"""


async def not_done(conn: asyncpg.Connection, scope: Scope, frm: datetime, to: datetime) -> int:
    p = Params(frm, to)
    where = " AND ".join(scope.conditions(p)) or "true"
    return int(await conn.fetchval(NOT_DONE.format(scope=where), *p.values))


async def customers(
    conn: asyncpg.Connection, scope: Scope, frm: datetime, to: datetime
) -> tuple[int, int]:
    """Customers with a ticket created in the period in `scope`, and those with more than
    one, counted by customer (see `previous_on_the_first_day` for every ticket's)."""
    p = Params(frm, to)
    where = " AND ".join(["customer_id IS NOT NULL", *scope.conditions(p)])
    sql = f"""
        SELECT count(*) AS customers, count(*) FILTER (WHERE n > 1) AS repeat
        FROM (SELECT customer_id, count(*) AS n FROM metric_tickets
              WHERE created_at >= $1 AND created_at < $2 AND {where} GROUP BY customer_id) x
    """
    r = await conn.fetchrow(sql, *p.values)
    return r["customers"], r["repeat"]


# Tickets created in [$1, $2) whose customer's previous (second previous) ticket was created
# on the period's first UTC day ($3) but before the period. They are found from the first day's
# side (a ticket is the previous of one ticket at most, so at most a day's tickets), and only
# then checked for the period: MATERIALIZED keeps the planner from also reading the period's
# range of created_at, which costs what the period holds (8 ms of 9 for 30 days at 1M).
EARLY_PREVIOUS = """
    WITH early AS MATERIALIZED (
        SELECT created_at, customer_id, customer_previous_at, customer_second_previous_at
        FROM metric_tickets
        WHERE (customer_previous_at >= $3 AND customer_previous_at < $1)
           OR (customer_second_previous_at >= $3 AND customer_second_previous_at < $1)
    )
    SELECT count(*) FILTER (WHERE customer_previous_at >= $3 AND customer_previous_at < $1)
               AS previous,
           count(*) FILTER (WHERE customer_second_previous_at >= $3
                            AND customer_second_previous_at < $1) AS second_previous
    FROM early
    WHERE created_at >= $1 AND created_at < $2 AND customer_id IS NOT NULL
"""


async def previous_on_the_first_day(
    conn: asyncpg.Connection, frm: datetime, to: datetime, first_day: datetime
) -> tuple[int, int]:
    """Of every ticket created in [frm, to): how many have their customer's previous ticket,
    and their second previous, in [first_day, frm) — the part of the period's first day the
    day-by-day histograms cannot split."""
    r = await conn.fetchrow(EARLY_PREVIOUS, frm, to, first_day)
    return r["previous"], r["second_previous"]


# ---- the rollups -------------------------------------------------------------------------

READ = """
    SELECT tally FROM metric_rollups
    WHERE (day, dim, value) IN (SELECT * FROM unnest($1::date[], $2::text[], $3::text[]))
"""


async def read(conn: asyncpg.Connection, keys: Iterable[tuple[date, str, str]]) -> list[Tally]:
    """The stored tallies of these (day, dimension, value) keys (missing ones: nothing)."""
    days, dims, values = [], [], []
    for day, dim, value in keys:
        days.append(day)
        dims.append(dim)
        values.append(value)
    rows = await conn.fetch(READ, days, dims, values)
    return [Tally.from_json(r["tally"]) for r in rows]


CLEAR = "DELETE FROM metric_rollups WHERE day = ANY($1::date[])"
WRITE = """
    INSERT INTO metric_rollups (day, dim, value, tally)
    SELECT k.day, k.dim, k.value, t.tally
    FROM unnest($1::date[], $2::text[], $3::text[]) WITH ORDINALITY AS k(day, dim, value, n)
    JOIN jsonb_array_elements($4::jsonb) WITH ORDINALITY AS t(tally, n) USING (n)
"""


async def replace(
    conn: asyncpg.Connection, days: Sequence[date], tallies: dict[tuple[date, str, str], Any]
) -> None:
    """The rollups of `days` replaced by `tallies` (JSON documents by key)."""
    await conn.execute(CLEAR, list(days))
    if tallies:
        keys = list(tallies)
        await conn.execute(
            WRITE,
            [k[0] for k in keys],
            [k[1] for k in keys],
            [k[2] for k in keys],
            [tallies[k] for k in keys],  # one JSON array
        )


TRUNCATE = "TRUNCATE metric_rollups, metric_tickets"


async def clear_all(conn: asyncpg.Connection) -> None:
    await conn.execute(TRUNCATE)


ANALYZE = "ANALYZE metric_tickets, metric_rollups"


async def analyze(conn: asyncpg.Connection) -> None:
    """Fresh statistics after a rebuild: the planner would otherwise guess from none."""
    await conn.execute(ANALYZE)
