"""The metrics' first implementation, kept as the tests' oracle: every KPI of a period worked
out exactly from the tickets themselves (percentile_cont, correlated lookups), with none of
the rollups' machinery. The service's figures must agree with it: counts and means exactly,
percentiles within the histogram's 1 %."""

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from app.domain.metrics import REPEAT_WINDOW, TOP_N
from app.store.metrics import Scope
from app.store.paging import Params


def _and(conditions: Sequence[str]) -> str:
    return " AND ".join(conditions) if conditions else "true"


def _in(column: str, frm: str, to: str) -> str:
    return f"({column} >= {frm} AND {column} < {to})"


# ---- the summary -----------------------------------------------------------------------------


def _percentiles(name: str, value: str, where: str) -> str:
    return (
        f"count({value}) FILTER (WHERE {where}) AS {name}_n, "
        f"avg({value}) FILTER (WHERE {where}) AS {name}_mean, "
        f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {value}) FILTER (WHERE {where}) AS {name}_p50, "
        f"percentile_cont(0.9) WITHIN GROUP (ORDER BY {value}) FILTER (WHERE {where}) AS {name}_p90"
    )


def _breached(metric: str) -> str:
    return (
        "EXISTS (SELECT 1 FROM sla_events e WHERE e.ticket_id = tk.id"
        f" AND e.metric = '{metric}' AND e.kind = 'breach')"
    )


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
# Escalated, transferred or de-escalated at least once (issue 19's trail: a PATCH of team_id
# is on it too; routing a ticket to its first team is not).
_TRANSFERRED = """EXISTS (SELECT 1 FROM escalations e WHERE e.ticket_id = tk.id)"""
# Escalated up (to a higher tier, or to a supervisor) at least once.
_ESCALATED = """EXISTS (
    SELECT 1 FROM escalations e
    WHERE e.ticket_id = tk.id AND e.kind IN ('functional', 'hierarchical')
)"""


def _tickets_sql(scope: Scope, p: Params, frm: str, to: str) -> str:
    created, resolved, closed = (
        _in(f"tk.{c}", frm, to) for c in ("created_at", "resolved_at", "closed_at")
    )
    scoped = scope.conditions(p)
    return f"""
    SELECT
        count(*) FILTER (WHERE c) AS created,
        count(*) FILTER (WHERE r) AS resolved,
        count(*) FILTER (WHERE cl) AS closed,
        {_percentiles("first_response", "fr", "c")},
        count(*) FILTER (WHERE c AND fr IS NULL AND status IN ('resolved', 'closed'))
            AS closed_without_reply,
        {_percentiles("first_response_business", "frb", "c")},
        {_percentiles("resolution", "rs", "r")},
        {_percentiles("resolution_business", "rsb", "r")},
        {_percentiles("requester_wait", "waited", "r")},
        count(*) FILTER (WHERE r AND agent_reply_count = 1 AND reopen_count = 0
                         AND NOT transferred) AS first_contact,
        count(*) FILTER (WHERE c AND (resolved_at < {to} OR closed_at < {to})) AS created_done,
        count(*) FILTER (WHERE r AND reopen_count > 0) AS reopened,
        count(*) FILTER (WHERE r AND escalated) AS escalated,
        coalesce(sum(agent_reply_count) FILTER (WHERE r), 0) AS replies,
        count(*) FILTER (WHERE c AND sla_policy_id IS NOT NULL AND fr IS NOT NULL)
            AS fr_measured,
        count(*) FILTER (WHERE c AND sla_policy_id IS NOT NULL AND fr IS NOT NULL
                         AND fr_breached) AS fr_breached,
        count(*) FILTER (WHERE r AND sla_policy_id IS NOT NULL) AS res_measured,
        count(*) FILTER (WHERE r AND sla_policy_id IS NOT NULL AND res_breached)
            AS res_breached
    FROM (
        SELECT tk.status, tk.agent_reply_count, tk.reopen_count, tk.sla_policy_id,
               tk.resolved_at, tk.closed_at,
               {created} AS c, coalesce({resolved}, false) AS r, coalesce({closed}, false) AS cl,
               extract(epoch FROM tk.first_responded_at - tk.created_at) AS fr,
               tk.first_response_business_seconds AS frb,
               CASE WHEN {resolved} THEN tk.resolution_business_seconds END AS rsb,
               CASE WHEN {resolved} THEN extract(epoch FROM tk.resolved_at - tk.created_at) END
                   AS rs,
               CASE WHEN {resolved} THEN {_WAITED} END AS waited,
               CASE WHEN {resolved} THEN {_TRANSFERRED} ELSE false END AS transferred,
               CASE WHEN {resolved} THEN {_ESCALATED} ELSE false END AS escalated,
               CASE WHEN {created} AND tk.first_responded_at IS NOT NULL
                    THEN {_breached("first_response")} ELSE false END AS fr_breached,
               CASE WHEN {resolved} THEN {_breached("resolution")} ELSE false END
                   AS res_breached
        FROM (SELECT * FROM tickets WHERE {_and(scoped)}) tk
        WHERE ({created} OR {resolved} OR {closed})
        OFFSET 0  -- computed once per ticket: not inlined into each aggregate that reads it
    ) t
    """


async def ticket_figures(
    conn: asyncpg.Connection, scope: Scope, frm: datetime, to: datetime
) -> asyncpg.Record:
    p = Params()
    f, t = p(frm, "timestamptz"), p(to, "timestamptz")
    return await conn.fetchrow(_tickets_sql(scope, p, f, t), *p.values)


async def repeat_contacts(
    conn: asyncpg.Connection, scope: Scope, frm: datetime, to: datetime
) -> asyncpg.Record:
    p = Params()
    created = _in("created_at", p(frm, "timestamptz"), p(to, "timestamptz"))
    window = p(REPEAT_WINDOW, "interval")
    earlier = [
        "p.customer_id = x.customer_id",
        "p.id <> x.id",
        "p.resolved_at <= x.created_at",
        f"p.resolved_at >= x.created_at - {window}",
    ]
    # The earlier ticket counts whoever sees it (app.domain.metrics: repeat_contacts).
    sql = f"""
        WITH x AS (
            SELECT id, customer_id, created_at FROM tickets
            WHERE {_and([created, "customer_id IS NOT NULL", *scope.conditions(p)])}
        ), per AS (SELECT customer_id, count(*) AS n FROM x GROUP BY customer_id)
        SELECT (SELECT count(*) FROM per) AS customers,
               (SELECT count(*) FROM per WHERE n > 1) AS repeat_customers,
               (SELECT count(*) FROM x) AS tickets,
               (SELECT count(*) FROM x WHERE EXISTS (
                    SELECT 1 FROM tickets p WHERE {_and(earlier)})) AS within_window
    """
    return await conn.fetchrow(sql, *p.values)


async def top_issues(
    conn: asyncpg.Connection, scope: Scope, frm: datetime, to: datetime
) -> list[asyncpg.Record]:
    """The most common categories and tags: rows of (kind, name, n), most common first."""
    p = Params()
    where = _and(
        [_in("created_at", p(frm, "timestamptz"), p(to, "timestamptz")), *scope.conditions(p)]
    )
    sql = f"""
        (SELECT 'category' AS kind, category AS name, count(*) AS n FROM tickets
         WHERE {where} AND category IS NOT NULL GROUP BY category ORDER BY n DESC, name LIMIT {TOP_N})
        UNION ALL
        (SELECT 'tag', tag, count(*) AS n FROM tickets, unnest(tags) AS tag
         WHERE {where} GROUP BY tag ORDER BY n DESC, tag LIMIT {TOP_N})
    """
    return list(await conn.fetch(sql, *p.values))


# Seconds of calls and callbacks logged on a ticket.
_HANDLED = """(SELECT coalesce(sum(i.duration_seconds), 0) FROM interactions i
              WHERE i.ticket_id = tk.id AND i.kind IN ('call', 'callback'))"""


async def by_type(
    conn: asyncpg.Connection, scope: Scope, frm: datetime, to: datetime
) -> list[asyncpg.Record]:
    p = Params()
    where = [_in("resolved_at", p(frm, "timestamptz"), p(to, "timestamptz")), *scope.conditions(p)]
    sql = f"""
        SELECT tk.type, count(*) AS resolved,
               avg(extract(epoch FROM tk.resolved_at - tk.created_at)) AS resolution_mean,
               avg({_HANDLED}) AS handle_mean
        FROM (SELECT id, type, created_at, resolved_at FROM tickets WHERE {_and(where)}) tk
        GROUP BY tk.type ORDER BY tk.type
    """
    return list(await conn.fetch(sql, *p.values))


async def survey_figures(
    conn: asyncpg.Connection, scope: Scope, frm: datetime, to: datetime
) -> list[asyncpg.Record]:
    """Per kind: answers, the sum of scores and the answers by band."""
    p = Params()
    where = [_in("responded_at", p(frm, "timestamptz"), p(to, "timestamptz")), *scope.of_ticket(p)]
    sql = f"""
        SELECT kind, count(*) AS answers, sum(score) AS total,
               count(*) FILTER (WHERE score >= 4) AS four_up,
               count(*) FILTER (WHERE score <= 2) AS two_down,
               count(*) FILTER (WHERE score >= 9) AS nine_up,
               count(*) FILTER (WHERE score BETWEEN 7 AND 8) AS seven_eight,
               count(*) FILTER (WHERE score <= 6) AS six_down
        FROM survey_responses WHERE {_and(where)} GROUP BY kind
    """
    return list(await conn.fetch(sql, *p.values))
