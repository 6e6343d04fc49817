"""The metrics' SQL: counts, sums and percentiles over tickets, surveys, SLA events and
callbacks in a period, for the tickets a caller sees (app.domain.metrics says what they mean)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from app.domain.access import Visibility
from app.domain.metrics import AGE_BUCKETS, OPEN_STATUSES, REPEAT_WINDOW, TOP_N
from app.store.paging import Params
from app.store.tickets import visible_sql


@dataclass(frozen=True)
class Scope:
    """Which tickets a figure is about: those the caller sees, narrowed by the filters."""

    visible: Visibility
    team_id: int | None = None
    agent_id: int | None = None  # the assignee
    channel: str | None = None
    priority: str | None = None
    category: str | None = None

    def conditions(self, p: Params) -> list[str]:
        """Predicates on the tickets table's own (unqualified) columns."""
        where = [
            f"{column} = {p(value, cast)}"
            for column, value, cast in (
                ("team_id", self.team_id, "bigint"),
                ("assignee_id", self.agent_id, "bigint"),
                ("channel", self.channel, "text"),
                ("priority", self.priority, "text"),
                ("category", self.category, "text"),
            )
            if value is not None
        ]
        limit = visible_sql(self.visible, p)
        if limit:
            where.append(limit)
        return where

    def of_ticket(self, p: Params, column: str = "ticket_id") -> list[str]:
        """The same, for a table that names its ticket in `column`: empty when unscoped."""
        where = self.conditions(p)
        if not where:
            return []
        # Correlated, so each row looks its ticket up by id; the predicate's unqualified
        # names are the ticket's (the innermost table).
        return [f"EXISTS (SELECT 1 FROM tickets WHERE tickets.id = {column} AND {_and(where)})"]


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


def _age_case(now: str) -> str:
    whens = " ".join(
        f"WHEN {now} - created_at < interval '{upper} seconds' THEN '{label}'"
        for label, upper in AGE_BUCKETS
        if upper is not None
    )
    return f"CASE {whens} ELSE '{AGE_BUCKETS[-1][0]}' END"


async def backlog(conn: asyncpg.Connection, scope: Scope, now: datetime) -> list[asyncpg.Record]:
    """Open tickets counted by status, by priority, by team and by age bucket: rows of
    (dimension, value, count)."""
    p = Params()
    at = p(now, "timestamptz")
    where = [f"status = ANY({p(list(OPEN_STATUSES), 'text[]')})", *scope.conditions(p)]
    sql = f"""
        SELECT CASE WHEN grouping(status) = 0 THEN 'status'
                    WHEN grouping(priority) = 0 THEN 'priority'
                    WHEN grouping(team_id) = 0 THEN 'team'
                    ELSE 'age' END AS dimension,
               coalesce(status, priority, team_id::text, age) AS value, count(*) AS n
        FROM (SELECT status, priority, team_id, {_age_case(at)} AS age
              FROM tickets WHERE {_and(where)}) o
        GROUP BY GROUPING SETS ((status), (priority), (team_id), (age))
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


async def moves(
    conn: asyncpg.Connection, scope: Scope, frm: datetime, to: datetime
) -> dict[str, int]:
    """Escalations, transfers and de-escalations made in the period, by kind."""
    p = Params()
    where = [_in("created_at", p(frm, "timestamptz"), p(to, "timestamptz")), *scope.of_ticket(p)]
    sql = f"SELECT kind, count(*) AS n FROM escalations WHERE {_and(where)} GROUP BY kind"
    return {r["kind"]: r["n"] for r in await conn.fetch(sql, *p.values)}


async def breaches(
    conn: asyncpg.Connection, scope: Scope, frm: datetime, to: datetime
) -> dict[str, int]:
    p = Params()
    where = [
        "kind = 'breach'",
        _in("recorded_at", p(frm, "timestamptz"), p(to, "timestamptz")),
        *scope.of_ticket(p),
    ]
    sql = f"SELECT metric, count(*) AS n FROM sla_events WHERE {_and(where)} GROUP BY metric"
    return {r["metric"]: r["n"] for r in await conn.fetch(sql, *p.values)}


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
    seen = visible_sql(scope.visible, p)
    if seen:
        earlier.append(seen)  # unqualified: p's columns
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


async def callbacks(
    conn: asyncpg.Connection, scope: Scope, frm: datetime, to: datetime
) -> asyncpg.Record:
    p = Params()
    where = [
        _in("requested_at", p(frm, "timestamptz"), p(to, "timestamptz")),
        "status <> 'scheduled'",
        *scope.of_ticket(p),
    ]
    sql = f"""
        SELECT count(*) AS due,
               count(*) FILTER (WHERE status = 'done' AND done_at <= missed_at) AS kept
        FROM callbacks WHERE {_and(where)}
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


# ---- per agent -------------------------------------------------------------------------------


async def agents(
    conn: asyncpg.Connection, scope: Scope, frm: datetime, to: datetime
) -> list[asyncpg.Record]:
    """Per agent with anything to show in the period: resolutions, replies, handle time, CSAT."""
    p = Params()
    f, t = p(frm, "timestamptz"), p(to, "timestamptz")
    conditions = scope.conditions(p)
    scoped = _and(conditions)
    # Interactions and answers look their ticket up by id, and only when the scope narrows.
    worked_in_scope = (
        f"AND EXISTS (SELECT 1 FROM tickets WHERE tickets.id = i.ticket_id AND {scoped})"
        if conditions
        else ""
    )
    sql = f"""
        WITH resolved AS (
            SELECT tk.assignee_id AS agent_id, count(*) AS resolved,
                   avg(extract(epoch FROM tk.resolved_at - tk.created_at)) AS resolution_mean,
                   count(*) FILTER (WHERE tk.agent_reply_count = 1 AND tk.reopen_count = 0
                                    AND NOT {_TRANSFERRED}) AS first_contact
            FROM (SELECT * FROM tickets WHERE {scoped}) tk
            WHERE tk.assignee_id IS NOT NULL AND {_in("tk.resolved_at", f, t)}
            GROUP BY tk.assignee_id
        ), worked AS (
            SELECT i.author_agent_id AS agent_id,
                   count(*) FILTER (WHERE i.public AND (i.direction = 'outbound' OR i.kind = 'call'))
                       AS public_replies,
                   coalesce(sum(i.duration_seconds) FILTER (WHERE i.kind IN ('call', 'callback')), 0)
                       AS handle_seconds
            FROM interactions i
            WHERE i.author_type = 'agent' AND i.author_agent_id IS NOT NULL
              AND {_in("i.occurred_at", f, t)} {worked_in_scope}
            GROUP BY i.author_agent_id
        ), rated AS (
            SELECT tk.assignee_id AS agent_id, avg(s.score) AS csat_mean, count(*) AS csat_answers
            FROM survey_responses s
            CROSS JOIN LATERAL (SELECT assignee_id FROM tickets
                                WHERE tickets.id = s.ticket_id AND {scoped}) tk
            WHERE s.kind = 'csat' AND tk.assignee_id IS NOT NULL AND {_in("s.responded_at", f, t)}
            GROUP BY tk.assignee_id
        ), ids AS (
            SELECT agent_id FROM resolved UNION SELECT agent_id FROM worked
            UNION SELECT agent_id FROM rated
        )
        SELECT a.id AS agent_id, a.name, a.team_id,
               coalesce(r.resolved, 0) AS resolved, r.resolution_mean,
               coalesce(r.first_contact, 0) AS first_contact,
               coalesce(w.public_replies, 0) AS public_replies,
               coalesce(w.handle_seconds, 0) AS handle_seconds,
               q.csat_mean, coalesce(q.csat_answers, 0) AS csat_answers
        FROM ids JOIN agents a ON a.id = ids.agent_id
        LEFT JOIN resolved r ON r.agent_id = ids.agent_id
        LEFT JOIN worked w ON w.agent_id = ids.agent_id
        LEFT JOIN rated q ON q.agent_id = ids.agent_id
        ORDER BY a.id
    """
    return list(await conn.fetch(sql, *p.values))


# ---- time series -----------------------------------------------------------------------------

# Per metric: the table, its instant, and what a bucket sums (value; first and second subsets).
_SERIES: dict[str, tuple[str, str, str, str, str, str]] = {
    # metric: (table, instant, extra condition, total, first, second)
    "created": ("tickets", "created_at", "true", "NULL", "false", "false"),
    "resolved": ("tickets", "resolved_at", "true", "NULL", "false", "false"),
    "closed": ("tickets", "closed_at", "true", "NULL", "false", "false"),
    "first_response_mean_seconds": (
        "tickets",
        "created_at",
        "first_responded_at IS NOT NULL",
        "extract(epoch FROM first_responded_at - created_at)",
        "false",
        "false",
    ),
    "resolution_mean_seconds": (
        "tickets",
        "resolved_at",
        "true",
        "extract(epoch FROM resolved_at - created_at)",
        "false",
        "false",
    ),
    "csat_satisfied_share": (
        "survey_responses",
        "responded_at",
        "kind = 'csat'",
        "NULL",
        "score >= 4",
        "false",
    ),
    "nps_score": (
        "survey_responses",
        "responded_at",
        "kind = 'nps'",
        "NULL",
        "score >= 9",
        "score <= 6",
    ),
    "sla_breaches": ("sla_events", "recorded_at", "kind = 'breach'", "NULL", "false", "false"),
}


async def series(
    conn: asyncpg.Connection, scope: Scope, metric: str, bounds: Sequence[datetime]
) -> dict[int, asyncpg.Record]:
    """Per bucket number (1 for the first of `bounds`' buckets): n, total, part_a, part_b."""
    table, at, extra, total, first, second = _SERIES[metric]
    p = Params()
    edges = p(list(bounds), "timestamptz[]")
    where = [extra, _in(at, p(bounds[0], "timestamptz"), p(bounds[-1], "timestamptz"))]
    where += scope.conditions(p) if table == "tickets" else scope.of_ticket(p)
    sql = f"""
        SELECT width_bucket({at}, {edges}) AS bucket, count(*) AS n,
               sum(({total})::float8) AS total,
               count(*) FILTER (WHERE {first}) AS part_a, count(*) FILTER (WHERE {second}) AS part_b
        FROM {table} WHERE {_and(where)} GROUP BY 1
    """
    return {r["bucket"]: r for r in await conn.fetch(sql, *p.values)}
