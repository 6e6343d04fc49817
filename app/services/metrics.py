"""The KPIs: a period's summary, a time series in buckets of a time zone, per-agent figures,
read from the metrics' database (the replica when there is one)."""

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

from app.db import Connection, connection
from app.domain import metrics as kpi
from app.domain.access import Visibility
from app.domain.rollups import Tally, top
from app.errors import UnprocessableEntity
from app.schemas import metrics as shapes
from app.services import rollups
from app.services.context import Desk
from app.services.kb import kpis as kb_kpis
from app.store import metrics as store
from app.store.metrics import Scope
from app.store.rollups import tallies


def _scope(q: shapes.MetricsQuery, visible: Visibility) -> Scope:
    return Scope(
        visible=visible,
        team_id=q.team_id,
        agent_id=q.agent_id,
        channel=q.channel,
        priority=q.priority,
        category=q.category,
    )


def _period(q: shapes.MetricsQuery, now: datetime) -> tuple[datetime, datetime, ZoneInfo]:
    zone = ZoneInfo(q.tz)
    try:
        frm, to = kpi.period(q.from_, q.to, zone, now)
    except kpi.PeriodError as exc:
        raise UnprocessableEntity(str(exc), field="query.from") from None
    return frm, to, zone


def _durations(t: Tally, name: str) -> shapes.Durations:
    """A distribution's count and exact mean, its median and 90th percentile estimated from
    its histogram (within 1 %)."""
    d = t.distribution(name)
    return shapes.Durations(
        count=d.n,
        mean_seconds=d.mean(),
        median_seconds=d.percentile(0.5),
        p90_seconds=d.percentile(0.9),
    )


def _float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


@asynccontextmanager
async def _reading(desk: Desk) -> AsyncIterator[Connection]:
    """A metrics read: every figure from one snapshot (repeatable read, read only), with a
    statement timeout of its own, longer than the one requests that write are held to."""
    timeout_ms = int(desk.settings.metrics_statement_timeout_seconds * 1000)
    async with connection(desk.reads) as conn:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            await conn.execute(f"SET LOCAL statement_timeout = {timeout_ms}")
            yield conn


def _rate(count: int, of: int) -> shapes.Rate:
    return shapes.Rate(count=count, of=of, rate=kpi.share(count, of))


def _backlog(rows: list[dict[str, object]]) -> shapes.Backlog:
    by: dict[str, list[shapes.Counted]] = {"status": [], "priority": [], "team": [], "age": []}
    for r in rows:
        by[str(r["dimension"])].append(shapes.Counted(value=r["value"], count=r["n"]))  # type: ignore[arg-type]
    order = [label for label, _ in kpi.AGE_BUCKETS]
    by["age"].sort(key=lambda c: order.index(c.value or ""))
    for dimension in ("status", "priority", "team"):
        by[dimension].sort(key=lambda c: (-c.count, c.value or ""))
    return shapes.Backlog(
        total=sum(c.count for c in by["status"]),
        by_status=by["status"],
        by_priority=by["priority"],
        by_team=by["team"],
        by_age=by["age"],
    )


async def summary(
    desk: Desk, q: shapes.MetricsQuery, *, visible: Visibility, now: datetime
) -> shapes.MetricsSummary:
    frm, to, _ = _period(q, now)
    scope = _scope(q, visible)
    await rollups.settle(desk)
    async with _reading(desk) as conn:
        t = await rollups.period(conn, scope, frm, to)
        not_done = await tallies.not_done(conn, scope, frm, to)
        customers, repeat_customers = await rollups.customers(conn, scope, frm, to, t)
        backlog = [dict(r) for r in await store.backlog(conn, scope, now)]
        breaches = await store.breaches(conn, scope, frm, to)
        moves = await store.moves(conn, scope, frm, to)
        callbacks = await store.callbacks(conn, scope, frm, to)
        knowledge_base = await kb_kpis.summary(conn, frm, to, now)
    csat_n, nps_n = t.count("csat_answers"), t.count("nps_answers")
    promoters, detractors = t.count("nps_promoters"), t.count("nps_detractors")
    created, resolved = t.count("created"), t.count("resolved")
    fr_measured, res_measured = (
        t.count("first_response_measured"),
        t.count("resolution_measured"),
    )
    fr_breached, res_breached = (
        t.count("first_response_breached"),
        t.count("resolution_breached"),
    )
    return shapes.MetricsSummary(
        period=shapes.Period(from_=frm, to=to, tz=q.tz),
        volume=shapes.Volume(created=created, resolved=resolved, closed=t.count("closed")),
        backlog=_backlog(backlog),
        first_response=shapes.FirstResponse(
            **_durations(t, "first_response").model_dump(),
            business=_durations(t, "first_response_business"),
            closed_without_reply=t.count("closed_without_reply"),
        ),
        resolution=shapes.BusinessDurations(
            **_durations(t, "resolution").model_dump(),
            business=_durations(t, "resolution_business"),
        ),
        requester_wait=_durations(t, "requester_wait"),
        first_contact_resolution=_rate(t.count("first_contact"), resolved),
        resolution_rate=_rate(created - not_done, created),
        reopen_rate=_rate(t.count("reopened"), resolved),
        escalation_rate=_rate(t.count("escalated"), resolved),
        moves=shapes.Moves(
            functional=moves.get("functional", 0),
            hierarchical=moves.get("hierarchical", 0),
            transfers=moves.get("transfer", 0),
            deescalations=moves.get("deescalation", 0),
        ),
        replies_per_resolution=kpi.mean(t.count("replies"), resolved),
        sla=shapes.Sla(
            first_response=shapes.SlaMetric(
                measured=fr_measured,
                breached=fr_breached,
                compliance=kpi.compliance(fr_measured, fr_breached),
            ),
            resolution=shapes.SlaMetric(
                measured=res_measured,
                breached=res_breached,
                compliance=kpi.compliance(res_measured, res_breached),
            ),
            breaches=breaches,
        ),
        csat=shapes.Csat(
            answers=csat_n,
            satisfied=t.count("csat_satisfied"),
            satisfied_share=kpi.share(t.count("csat_satisfied"), csat_n),
            mean=kpi.mean(t.count("csat_total"), csat_n),
        ),
        nps=shapes.Nps(
            answers=nps_n,
            promoters=promoters,
            passives=t.count("nps_passives"),
            detractors=detractors,
            score=kpi.nps_score(promoters, detractors, nps_n),
        ),
        negative_responses=shapes.NegativeResponses(
            csat=_rate(t.count("csat_negative"), csat_n),
            nps=_rate(detractors, nps_n),
        ),
        repeat_contacts=shapes.RepeatContacts(
            customers=customers,
            repeat_customers=repeat_customers,
            customer_rate=kpi.share(repeat_customers, customers),
            tickets=t.count("customer_tickets"),
            within_7_days=t.count("repeat"),
            ticket_rate=kpi.share(t.count("repeat"), t.count("customer_tickets")),
        ),
        callbacks=_rate(callbacks["kept"], callbacks["due"]),
        top_issues=shapes.TopIssues(
            categories=[
                shapes.Named(name=name, count=n) for name, n in top(t.categories, kpi.TOP_N)
            ],
            tags=[shapes.Named(name=name, count=n) for name, n in top(t.tags, kpi.TOP_N)],
        ),
        by_type=[
            shapes.TypeFigures(
                type=name,
                resolved=int(n),
                resolution_mean_seconds=kpi.mean(resolution, int(n)),
                handle_mean_seconds=kpi.mean(handle, int(n)),
            )
            for name, (n, resolution, handle) in sorted(t.types.items())
        ],
        knowledge_base=knowledge_base,
    )


async def timeseries(
    desk: Desk, q: shapes.TimeseriesQuery, *, visible: Visibility, now: datetime
) -> shapes.Timeseries:
    frm, to, zone = _period(q, now)
    try:
        bounds = kpi.bucket_starts(frm, to, q.interval, zone)
    except kpi.PeriodError as exc:
        raise UnprocessableEntity(str(exc), field="query.interval") from None
    async with _reading(desk) as conn:
        found = await store.series(conn, _scope(q, visible), q.metric, bounds)
    buckets = []
    for i, (start, end) in enumerate(itertools.pairwise(bounds), start=1):
        r = found.get(i)
        figures = (
            kpi.BucketFigures()
            if r is None
            else kpi.BucketFigures(r["n"], r["total"], r["part_a"], r["part_b"])
        )
        buckets.append(
            shapes.Bucket(
                start=start,
                end=end,
                value=kpi.series_value(q.metric, figures),
                count=figures.rows,
            )
        )
    return shapes.Timeseries(
        metric=q.metric,
        interval=q.interval,
        period=shapes.Period(from_=frm, to=to, tz=q.tz),
        buckets=buckets,
    )


def _sort_key(sort: str):  # type: ignore[no-untyped-def]
    name = sort.lstrip("-")
    descending = sort.startswith("-")

    def key(a: shapes.AgentFigures) -> tuple[bool, object, int]:
        value = getattr(a, name)
        if value is None:
            return (True, 0, a.agent_id)  # no figure: last, either way
        return (False, (-value if descending else value) if name != "name" else value, a.agent_id)

    return key


async def agents(
    desk: Desk, q: shapes.AgentMetricsQuery, *, visible: Visibility, now: datetime
) -> shapes.AgentMetrics:
    frm, to, _ = _period(q, now)
    async with _reading(desk) as conn:
        rows = await store.agents(conn, _scope(q, visible), frm, to)
    items = [
        shapes.AgentFigures(
            agent_id=r["agent_id"],
            name=r["name"],
            team_id=r["team_id"],
            resolved=r["resolved"],
            resolution_mean_seconds=_float(r["resolution_mean"]),
            first_contact_resolutions=r["first_contact"],
            public_replies=r["public_replies"],
            handle_seconds=r["handle_seconds"],
            handle_seconds_per_resolved=kpi.mean(r["handle_seconds"], r["resolved"]),
            csat_mean=_float(r["csat_mean"]),
            csat_answers=r["csat_answers"],
        )
        for r in rows
    ]
    items.sort(key=_sort_key(q.sort))
    return shapes.AgentMetrics(
        period=shapes.Period(from_=frm, to=to, tz=q.tz), items=items[: q.limit]
    )
