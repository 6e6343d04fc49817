"""The metrics' SQL: counts, sums and percentiles over tickets, surveys, SLA events and
callbacks in a period, for the tickets a caller sees (app.domain.metrics says what they mean)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from app.domain.access import Visibility
from app.domain.metrics import AGE_BUCKETS, OPEN_STATUSES
from app.store.paging import Params
from app.store.visibility import visible_sql


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


# Escalated, transferred or de-escalated at least once (the escalation trail: a PATCH of team_id
# is on it too; routing a ticket to its first team is not).
_TRANSFERRED = """EXISTS (SELECT 1 FROM escalations e WHERE e.ticket_id = tk.id)"""


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
            SELECT tk.resolved_by_id AS agent_id, count(*) AS resolved,
                   avg(extract(epoch FROM tk.resolved_at - tk.created_at)) AS resolution_mean,
                   count(*) FILTER (WHERE tk.agent_reply_count = 1 AND tk.reopen_count = 0
                                    AND NOT {_TRANSFERRED}) AS first_contact
            FROM (SELECT * FROM tickets WHERE {scoped}) tk
            WHERE tk.resolved_by_id IS NOT NULL AND tk.merged_into_id IS NULL AND {_in("tk.resolved_at", f, t)}
            GROUP BY tk.resolved_by_id
        ), worked AS (
            SELECT i.author_agent_id AS agent_id,
                   count(*) FILTER (WHERE i.public AND i.direction = 'outbound')
                       AS public_replies,
                   coalesce(sum(i.duration_seconds) FILTER (WHERE i.kind IN ('call', 'callback')), 0)
                       AS handle_seconds
            FROM interactions i
            WHERE i.author_type = 'agent' AND i.author_agent_id IS NOT NULL
              AND {_in("i.occurred_at", f, t)} {worked_in_scope}
            GROUP BY i.author_agent_id
        ), rated AS (
            SELECT tk.agent_id, avg(s.score) AS csat_mean, count(*) AS csat_answers
            FROM survey_responses s
            CROSS JOIN LATERAL (SELECT coalesce(resolved_by_id, assignee_id) AS agent_id
                                FROM tickets WHERE tickets.id = s.ticket_id AND {scoped}) tk
            WHERE s.kind = 'csat' AND tk.agent_id IS NOT NULL AND {_in("s.responded_at", f, t)}
            GROUP BY tk.agent_id
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
    if table == "tickets":
        where.append("merged_into_id IS NULL")  # counted once, as the ticket merged into
    sql = f"""
        SELECT width_bucket({at}, {edges}) AS bucket, count(*) AS n,
               sum(({total})::float8) AS total,
               count(*) FILTER (WHERE {first}) AS part_a, count(*) FILTER (WHERE {second}) AS part_b
        FROM {table} WHERE {_and(where)} GROUP BY 1
    """
    return {r["bucket"]: r for r in await conn.fetch(sql, *p.values)}
