"""The audit report's SQL: for each finding, the rows behind it (counted for the figure, listed
for its drill-down, from the same statement), the tables beside them, and the stored reports."""

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from app.domain.audit import AUDITED
from app.domain.metrics import OPEN_STATUSES
from app.store.paging import KeyColumn, Order, Params, fetch_page


@dataclass(frozen=True)
class Window:
    """What a report looks at: the period [frm, to), the instant its state checks read (`at`:
    the period's end, or now when that is sooner), and the teams it is limited to (None: all)."""

    frm: datetime
    to: datetime
    at: datetime
    team_ids: tuple[int, ...] | None = None
    # Follow-up reminders: how long before the next-update deadline they are raised.
    follow_up_lead: timedelta = timedelta(hours=2)
    stale_after: timedelta = timedelta(hours=24)
    unused_after: timedelta = timedelta(days=90)
    backlog_age: timedelta = timedelta(days=7)

    def teams(self, p: Params, column: str = "team_id") -> str:
        """The team limit on `column` ("true" for the whole desk)."""
        if self.team_ids is None:
            return "true"
        return f"{column} = ANY({p(list(self.team_ids), 'bigint[]')})"


def _period(p: Params, w: Window, column: str) -> str:
    return f"({column} >= {p(w.frm, 'timestamptz')} AND {column} < {p(w.to, 'timestamptz')})"


def _created(p: Params, w: Window) -> str:
    """The tickets created in the period, in scope, each counted once (not merged away)."""
    return (
        f"SELECT * FROM tickets WHERE {_period(p, w, 'created_at')} AND merged_into_id IS NULL "
        f"AND {w.teams(p)}"
    )


# ---- the rows behind each finding --------------------------------------------------------------
# Each source is a SELECT whose rows are what the finding counts: `id` first, then what tells a
# reader which row it is (ids, states, codes: never names or text a person typed).

Source = Callable[[Params, Window], str]


def _sla_breached(metric: str) -> Source:
    def source(p: Params, w: Window) -> str:
        return f"""
            SELECT t.id, t.priority, t.channel, t.team_id FROM ({_created(p, w)}) t
            WHERE EXISTS (SELECT 1 FROM sla_events e WHERE e.ticket_id = t.id
                          AND e.kind = 'breach' AND e.metric = {p(metric, "text")})"""

    return source


def _callbacks_missed(p: Params, w: Window) -> str:
    return f"""
        SELECT c.id, c.ticket_id, c.status FROM callbacks c JOIN tickets t ON t.id = c.ticket_id
        WHERE {_period(p, w, "c.requested_at")} AND c.status <> 'scheduled'
          AND NOT (c.status = 'done' AND c.done_at <= c.missed_at) AND {w.teams(p, "t.team_id")}"""


def _escalations_late(p: Params, w: Window) -> str:
    at = p(w.at, "timestamptz")
    return f"""
        SELECT e.id, e.ticket_id, e.kind, e.to_team_id FROM escalations e
        WHERE {_period(p, w, "e.created_at")} AND e.ack_due_at IS NOT NULL
          AND ((e.acknowledged_at IS NULL AND e.ack_due_at < {at})
               OR e.acknowledged_at > e.ack_due_at)
          AND {w.teams(p, "e.to_team_id")}"""


def _escalations_due(p: Params, w: Window) -> str:
    at = p(w.at, "timestamptz")
    return f"""
        SELECT e.id FROM escalations e
        WHERE {_period(p, w, "e.created_at")} AND e.ack_due_at IS NOT NULL
          AND (e.acknowledged_at IS NOT NULL OR e.ack_due_at < {at})
          AND {w.teams(p, "e.to_team_id")}"""


def _csat(p: Params, w: Window) -> str:
    return f"""
        SELECT s.id, s.ticket_id, s.score FROM survey_responses s
        JOIN tickets t ON t.id = s.ticket_id
        WHERE s.kind = 'csat' AND {_period(p, w, "s.responded_at")} AND {w.teams(p, "t.team_id")}"""


def _csat_unsatisfied(p: Params, w: Window) -> str:
    return f"SELECT * FROM ({_csat(p, w)}) a WHERE a.score < 4"


def _backlog_old(p: Params, w: Window) -> str:
    at = p(w.at, "timestamptz")
    age = p(w.backlog_age, "interval")
    return f"""
        SELECT id, status, priority, team_id FROM tickets
        WHERE status = ANY({p(list(OPEN_STATUSES), "text[]")}) AND merged_into_id IS NULL
          AND created_at < {at} - {age} AND {w.teams(p)}"""


def _no_policy(p: Params, w: Window) -> str:
    return f"""
        SELECT t.id, t.priority, t.channel FROM ({_created(p, w)}) t
        WHERE t.sla_policy_id IS NULL"""


def _tiers(p: Params, w: Window) -> str:
    # A tier in use needs a team of it with an active agent, and (below the top tier in use)
    # a team one tier up: functional escalations go exactly one tier up.
    return """
        WITH used AS (SELECT DISTINCT tier FROM teams),
        staffed AS (SELECT DISTINCT tm.tier FROM teams tm
                    JOIN agents a ON a.team_id = tm.id AND a.active)
        SELECT u.tier AS id,
               CASE WHEN u.tier NOT IN (SELECT tier FROM staffed) THEN 'no active agent'
                    ELSE 'no team one tier up' END AS problem
        FROM used u
        WHERE u.tier NOT IN (SELECT tier FROM staffed)
           OR (u.tier < (SELECT max(tier) FROM used) AND u.tier + 1 NOT IN (SELECT tier FROM used))"""


def _unsupervised(p: Params, w: Window) -> str:
    return f"""
        SELECT tm.id, tm.tier, tm.supervisor_id FROM teams tm
        LEFT JOIN agents s ON s.id = tm.supervisor_id
        WHERE (s.id IS NULL OR NOT s.active) AND {w.teams(p, "tm.id")}"""


def _unspoken(p: Params, w: Window) -> str:
    # Languages compare by their primary subtag: an agent speaking `de` serves `de-AT`.
    return f"""
        SELECT t.id, t.language, t.team_id FROM ({_created(p, w)}) t
        WHERE t.language IS NOT NULL AND t.team_id IS NOT NULL
          AND NOT EXISTS (
              SELECT 1 FROM agents a, unnest(a.languages) spoken
              WHERE a.team_id = t.team_id AND a.active
                AND lower(split_part(spoken, '-', 1)) = lower(split_part(t.language, '-', 1)))"""


def _rules_unmatched(p: Params, w: Window) -> str:
    return f"""
        SELECT r.id, r.position, r.team_id FROM routing_rules r
        WHERE r.active AND r.created_at < {p(w.to, "timestamptz")} AND {w.teams(p, "r.team_id")}
          AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.routed_by_rule_id = r.id
                          AND {_period(p, w, "t.created_at")})"""


def _deadline(p: Params, w: Window) -> str:
    return f"(m.due_at + {p(w.follow_up_lead, 'interval')})"


def _reminders_due(p: Params, w: Window) -> str:
    deadline = _deadline(p, w)
    return f"""
        SELECT m.id, m.ticket_id, m.status, m.done_at, {deadline} AS deadline FROM reminders m
        JOIN tickets t ON t.id = m.ticket_id
        WHERE m.kind = 'follow_up' AND {deadline} >= {p(w.frm, "timestamptz")}
          AND {deadline} < {p(min(w.to, w.at), "timestamptz")} AND {w.teams(p, "t.team_id")}"""


def _reminders_late(p: Params, w: Window) -> str:
    return f"""
        SELECT id, ticket_id, status FROM ({_reminders_due(p, w)}) d
        WHERE NOT (d.status = 'done' AND d.done_at <= d.deadline)"""


def _stale(p: Params, w: Window) -> str:
    at = p(w.at, "timestamptz")
    return f"""
        SELECT id, status, team_id FROM tickets
        WHERE status = ANY({p(list(OPEN_STATUSES), "text[]")}) AND merged_into_id IS NULL
          AND created_at < {at}
          AND coalesce(last_public_reply_at, created_at) < {at} - {p(w.stale_after, "interval")}
          AND {w.teams(p)}"""


def _past_review(p: Params, w: Window) -> str:
    return f"""
        SELECT id, language, status FROM kb_articles
        WHERE status <> 'archived' AND review_by <= {p(w.at, "timestamptz")}"""


def _outdated(p: Params, w: Window) -> str:
    return """
        SELECT a.id, a.language, a.source_article_id FROM kb_articles a
        JOIN kb_articles s ON s.id = a.source_article_id
        WHERE a.status <> 'archived' AND s.status <> 'archived'
          AND a.source_revision < s.revision"""


def _uncovered_languages(p: Params, w: Window) -> str:
    return f"""
        SELECT lang AS id, count(*) AS tickets FROM (
            SELECT lower(split_part(t.language, '-', 1)) AS lang FROM ({_created(p, w)}) t
            WHERE t.language IS NOT NULL) l
        WHERE NOT EXISTS (SELECT 1 FROM kb_articles a
                          WHERE a.status = 'published' AND a.base_language = l.lang)
        GROUP BY lang"""


def _searches(p: Params, w: Window) -> str:
    return f"""
        SELECT id, language, result_count FROM kb_searches
        WHERE kind = 'search' AND {_period(p, w, "searched_at")}"""


def _zero_results(p: Params, w: Window) -> str:
    return f"SELECT id, language FROM ({_searches(p, w)}) s WHERE s.result_count = 0"


def _resolved(p: Params, w: Window) -> str:
    return f"""
        SELECT id, team_id FROM tickets
        WHERE {_period(p, w, "resolved_at")} AND merged_into_id IS NULL AND {w.teams(p)}"""


def _solved_by_article(p: Params, w: Window) -> str:
    return f"""
        SELECT r.id, r.team_id FROM ({_resolved(p, w)}) r
        WHERE EXISTS (SELECT 1 FROM kb_links k WHERE k.ticket_id = r.id)"""


def _reviews(p: Params, w: Window) -> str:
    return f"""
        SELECT r.id, r.ticket_id, r.score FROM qa_reviews r
        WHERE r.calibration_id IS NULL AND {_period(p, w, "r.reviewed_at")}
          AND {w.teams(p, "r.team_id")}"""


def _scored(p: Params, w: Window) -> str:
    return f"SELECT * FROM ({_reviews(p, w)}) v WHERE v.score IS NOT NULL"


def _unreviewed(p: Params, w: Window) -> str:
    return f"""
        SELECT r.id, r.team_id FROM ({_resolved(p, w)}) r
        WHERE NOT EXISTS (SELECT 1 FROM qa_reviews q
                          WHERE q.ticket_id = r.id AND q.calibration_id IS NULL)"""


def _disputes(p: Params, w: Window) -> str:
    return f"""
        SELECT d.id, d.review_id, d.decision FROM qa_disputes d
        WHERE d.review_id IN (SELECT id FROM ({_reviews(p, w)}) v)"""


def _calibrations(p: Params, w: Window) -> str:
    return f"""
        SELECT id, alpha FROM qa_calibrations
        WHERE status = 'closed' AND alpha IS NOT NULL AND {_period(p, w, "closed_at")}"""


def _handled(p: Params, w: Window) -> str:
    # Handle time as the metrics count it: the durations of calls and callbacks.
    return f"""
        SELECT t.id, t.channel, t.category, t.team_id, sum(i.duration_seconds)::bigint AS seconds
        FROM interactions i JOIN tickets t ON t.id = i.ticket_id
        WHERE i.kind IN ('call', 'callback') AND i.duration_seconds > 0
          AND {_period(p, w, "i.occurred_at")} AND {w.teams(p, "t.team_id")}
        GROUP BY t.id"""


def _active_keys(p: Params, w: Window) -> str:
    at = p(w.at, "timestamptz")
    return f"""
        SELECT id, role, created_at, last_used_at, expires_at FROM api_keys
        WHERE revoked_at IS NULL AND created_at <= {at}
          AND (expires_at IS NULL OR expires_at > {at})"""


def _admins(p: Params, w: Window) -> str:
    return f"SELECT id, role FROM ({_active_keys(p, w)}) k WHERE k.role = 'admin'"


def _unused_keys(p: Params, w: Window) -> str:
    at = p(w.at, "timestamptz")
    return f"""
        SELECT id, role, last_used_at FROM ({_active_keys(p, w)}) k
        WHERE coalesce(k.last_used_at, k.created_at) < {at} - {p(w.unused_after, "interval")}"""


def _no_expiry(p: Params, w: Window) -> str:
    return f"SELECT id, role FROM ({_active_keys(p, w)}) k WHERE k.expires_at IS NULL"


def _verified_backups(p: Params, w: Window) -> str:
    return f"""
        SELECT id, taken_at, verified_at FROM backups
        WHERE verified_at IS NOT NULL AND verified_at <= {p(w.at, "timestamptz")}
        ORDER BY verified_at DESC, id DESC LIMIT 1"""


def _audit_gaps(p: Params, w: Window) -> str:
    # A table the audit log covers whose row trigger is missing: its writes go unrecorded.
    return f"""
        SELECT name AS id FROM unnest({p(list(AUDITED), "text[]")}) name
        WHERE NOT EXISTS (SELECT 1 FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
                          WHERE c.relname = name AND g.tgname = 'audit_' || name
                            AND NOT g.tgisinternal)"""


def _tokens(p: Params, w: Window) -> str:
    return f"SELECT id, expires_at FROM customer_tokens WHERE {_period(p, w, 'minted_at')}"


def _erasures(p: Params, w: Window) -> str:
    return f"SELECT id, erased_at FROM personal_data_erasures WHERE {_period(p, w, 'erased_at')}"


# Every set of rows a report counts, by name: a finding's rows and its denominator's.
SOURCES: dict[str, Source] = {
    "tickets_created": lambda p, w: f"SELECT id, priority, channel FROM ({_created(p, w)}) t",
    "sla_breached_first_response": _sla_breached("first_response"),
    "sla_breached_next_update": _sla_breached("next_update"),
    "sla_breached_resolution": _sla_breached("resolution"),
    "callbacks_due": lambda p, w: (
        f"""
        SELECT c.id FROM callbacks c JOIN tickets t ON t.id = c.ticket_id
        WHERE {_period(p, w, "c.requested_at")} AND c.status <> 'scheduled'
          AND {w.teams(p, "t.team_id")}"""
    ),
    "callbacks_missed": _callbacks_missed,
    "escalations_due": _escalations_due,
    "escalations_late": _escalations_late,
    "csat_answers": _csat,
    "csat_unsatisfied": _csat_unsatisfied,
    "backlog_old": _backlog_old,
    "no_sla_policy": _no_policy,
    "tiers_without_path": _tiers,
    "teams_without_supervisor": _unsupervised,
    "languages_unspoken": _unspoken,
    "routing_rules_unmatched": _rules_unmatched,
    "reminders_due": _reminders_due,
    "reminders_late": _reminders_late,
    "tickets_without_update": _stale,
    "articles_past_review": _past_review,
    "translations_outdated": _outdated,
    "languages_without_article": _uncovered_languages,
    "searches": _searches,
    "searches_without_result": _zero_results,
    "tickets_resolved": _resolved,
    "tickets_solved_by_article": _solved_by_article,
    "qa_reviews_scored": _scored,
    "qa_reviews": _reviews,
    "tickets_unreviewed": _unreviewed,
    "qa_disputes": _disputes,
    "qa_calibrations": _calibrations,
    "tickets_handled": _handled,
    "keys_active": _active_keys,
    "keys_admin": _admins,
    "keys_unused": _unused_keys,
    "keys_without_expiry": _no_expiry,
    "backup_verified": _verified_backups,
    "audit_gaps": _audit_gaps,
    "customer_tokens_minted": _tokens,
    "erasures": _erasures,
}


async def count(conn: asyncpg.Connection, source: str, w: Window) -> int:
    p = Params()
    return int(await conn.fetchval(f"SELECT count(*) FROM ({SOURCES[source](p, w)}) s", *p.values))


async def rows(
    conn: asyncpg.Connection, source: str, w: Window, *, limit: int
) -> list[dict[str, Any]]:
    """The rows of `source`, in the order of their ids, at most `limit`."""
    p = Params()
    sql = f"SELECT * FROM ({SOURCES[source](p, w)}) s ORDER BY s.id LIMIT {int(limit)}"
    return [dict(r) for r in await conn.fetch(sql, *p.values)]


async def mean(conn: asyncpg.Connection, source: str, column: str, w: Window) -> float | None:
    """The mean of `column` over `source`'s rows (None: no rows)."""
    p = Params()
    found = await conn.fetchval(
        f"SELECT avg(s.{column})::float8 FROM ({SOURCES[source](p, w)}) s", *p.values
    )
    return None if found is None else float(found)


async def least(conn: asyncpg.Connection, source: str, column: str, w: Window) -> float | None:
    p = Params()
    found = await conn.fetchval(
        f"SELECT min(s.{column})::float8 FROM ({SOURCES[source](p, w)}) s", *p.values
    )
    return None if found is None else float(found)


async def counted_by(
    conn: asyncpg.Connection, source: str, column: str, w: Window
) -> dict[str, int]:
    """`source`'s rows counted by `column` (as text; '' for none)."""
    p = Params()
    sql = f"""SELECT coalesce(s.{column}::text, '') AS value, count(*) AS n
              FROM ({SOURCES[source](p, w)}) s GROUP BY 1"""
    return {r["value"]: r["n"] for r in await conn.fetch(sql, *p.values)}


# ---- the tables beside the findings ------------------------------------------------------------


async def compliance_by_priority(conn: asyncpg.Connection, w: Window) -> list[asyncpg.Record]:
    """Per priority of the period's tickets: how many, and how many breached each metric."""
    p = Params()
    sql = f"""
        SELECT t.priority, count(*) AS tickets,
               count(*) FILTER (WHERE b.first_response) AS first_response,
               count(*) FILTER (WHERE b.next_update) AS next_update,
               count(*) FILTER (WHERE b.resolution) AS resolution
        FROM ({_created(p, w)}) t
        CROSS JOIN LATERAL (
            SELECT bool_or(e.metric = 'first_response') AS first_response,
                   bool_or(e.metric = 'next_update') AS next_update,
                   bool_or(e.metric = 'resolution') AS resolution
            FROM sla_events e WHERE e.ticket_id = t.id AND e.kind = 'breach') b
        GROUP BY t.priority ORDER BY t.priority"""
    return list(await conn.fetch(sql, *p.values))


async def categories(conn: asyncpg.Connection, w: Window, top: int) -> list[tuple[str, int]]:
    """The period's most common ticket categories (none: '')."""
    p = Params()
    sql = f"""SELECT coalesce(t.category, '') AS category, count(*) AS n FROM ({_created(p, w)}) t
              GROUP BY 1 ORDER BY n DESC, 1 LIMIT {int(top)}"""
    return [(r["category"], r["n"]) for r in await conn.fetch(sql, *p.values)]


async def repeat_contacts(conn: asyncpg.Connection, w: Window) -> tuple[int, int]:
    """(customers with tickets created in the period, those with more than one)."""
    p = Params()
    sql = f"""SELECT count(*) AS customers, count(*) FILTER (WHERE n > 1) AS repeat FROM (
                  SELECT customer_id, count(*) AS n FROM ({_created(p, w)}) t
                  WHERE customer_id IS NOT NULL GROUP BY customer_id) c"""
    found = await conn.fetchrow(sql, *p.values)
    return found["customers"], found["repeat"]


async def nps(conn: asyncpg.Connection, w: Window) -> tuple[int, int, int]:
    """(NPS answers in the period, promoters, detractors)."""
    p = Params()
    sql = f"""
        SELECT count(*) AS n, count(*) FILTER (WHERE s.score >= 9) AS promoters,
               count(*) FILTER (WHERE s.score <= 6) AS detractors
        FROM survey_responses s JOIN tickets t ON t.id = s.ticket_id
        WHERE s.kind = 'nps' AND {_period(p, w, "s.responded_at")} AND {w.teams(p, "t.team_id")}"""
    found = await conn.fetchrow(sql, *p.values)
    return found["n"], found["promoters"], found["detractors"]


async def most_failed(conn: asyncpg.Connection, w: Window, top: int) -> list[tuple[str, int]]:
    """The criteria the period's reviews failed most."""
    p = Params()
    sql = f"""SELECT c AS criterion, count(*) AS n
              FROM qa_reviews r, unnest(r.failed) c
              WHERE r.id IN (SELECT id FROM ({_reviews(p, w)}) v)
              GROUP BY c ORDER BY n DESC, c LIMIT {int(top)}"""
    return [(r["criterion"], r["n"]) for r in await conn.fetch(sql, *p.values)]


async def team_agents(conn: asyncpg.Connection, ids: Sequence[int]) -> dict[int, int]:
    """Per team, its active agents."""
    sql = """SELECT team_id, count(*) AS n FROM agents
             WHERE active AND team_id = ANY($1::bigint[]) GROUP BY team_id"""
    return {r["team_id"]: r["n"] for r in await conn.fetch(sql, list(ids))}


async def escalation_matrix(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    rules = await conn.fetchval("SELECT rules FROM escalation_matrix WHERE id = 1")
    if rules is None:
        return []
    return list(json.loads(rules) if isinstance(rules, str) else rules)


# ---- stored reports ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRow:
    id: int
    period_from: datetime
    period_to: datetime
    team_ids: list[int] | None
    status: str
    origin: str
    requested_by_key_id: int | None
    requested_at: datetime
    built_at: datetime | None
    report: dict[str, Any] | None


_COLUMNS = (
    "id, period_from, period_to, team_ids, status, origin, requested_by_key_id, requested_at, "
    "built_at, report"
)


def _row(r: asyncpg.Record) -> ReportRow:
    values = {name: r[name] for name in ReportRow.__dataclass_fields__}
    if isinstance(values["report"], str):
        values["report"] = json.loads(values["report"])
    return ReportRow(**values)


async def insert(
    conn: asyncpg.Connection,
    *,
    frm: datetime,
    to: datetime,
    team_ids: Sequence[int] | None,
    origin: str,
    key_id: int | None,
    now: datetime,
) -> ReportRow:
    sql = f"""INSERT INTO audit_reports (period_from, period_to, team_ids, status, origin,
                                          requested_by_key_id, requested_at)
              VALUES ($1, $2, $3, 'pending', $4, $5, $6) RETURNING {_COLUMNS}"""
    teams = None if team_ids is None else list(team_ids)
    return _row(await conn.fetchrow(sql, frm, to, teams, origin, key_id or None, now))


async def get(conn: asyncpg.Connection, report_id: int, *, lock: bool = False) -> ReportRow | None:
    sql = f"SELECT {_COLUMNS} FROM audit_reports WHERE id = $1" + (" FOR UPDATE" if lock else "")
    found = await conn.fetchrow(sql, report_id)
    return None if found is None else _row(found)


async def finish(
    conn: asyncpg.Connection, report_id: int, report: dict[str, Any], now: datetime
) -> None:
    await conn.execute(
        """UPDATE audit_reports SET status = 'ready', built_at = $2, report = $3::jsonb
           WHERE id = $1""",
        report_id,
        now,
        json.dumps(report),
    )


async def last_ready(
    conn: asyncpg.Connection, team_ids: Sequence[int] | None, before: datetime, *, not_id: int = 0
) -> ReportRow | None:
    """The latest built report of the same scope whose period ended by `before`."""
    sql = f"""SELECT {_COLUMNS} FROM audit_reports
              WHERE status = 'ready' AND period_to <= $1 AND id <> $3
                AND team_ids IS NOT DISTINCT FROM $2::bigint[]
              ORDER BY period_to DESC, id DESC LIMIT 1"""
    teams = None if team_ids is None else sorted(team_ids)
    found = await conn.fetchrow(sql, before, teams, not_id)
    return None if found is None else _row(found)


LISTING = Order("audit_reports", (KeyColumn("id", int),), descending=True)


async def page(
    conn: asyncpg.Connection, team_ids: Sequence[int] | None, cursor: str | None, limit: int
) -> tuple[list[ReportRow], str | None]:
    """Reports newest first; `team_ids` given: only those limited to some of those teams."""
    p = Params()
    where = []
    if team_ids is not None:
        where.append(f"team_ids IS NOT NULL AND team_ids <@ {p(list(team_ids), 'bigint[]')}")
    found, after = await fetch_page(
        conn,
        columns=_COLUMNS,
        source="audit_reports",
        where=where,
        params=p,
        order=LISTING,
        cursor=cursor,
        limit=limit,
    )
    return [_row(r) for r in found], after
