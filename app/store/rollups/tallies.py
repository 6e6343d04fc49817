"""Tallies of the facts over windows of time, in a scope (by dimension for the stored rollups),
and the figures that do not add up across days: not done, customers, previous tickets."""

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from app.domain.rollups import BASE, PREVIOUS, SECOND_PREVIOUS, Distribution, Tally
from app.store.metrics import Scope
from app.store.paging import Params

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
