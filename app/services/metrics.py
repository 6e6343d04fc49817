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
from app.errors import UnprocessableEntity
from app.schemas import metrics as shapes
from app.services.desk import Desk
from app.store import metrics as store
from app.store.metrics import Scope


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


def _durations(figures: dict[str, object], name: str) -> dict[str, object]:
    return {
        "count": figures[f"{name}_n"],
        "mean_seconds": _float(figures[f"{name}_mean"]),
        "median_seconds": _float(figures[f"{name}_p50"]),
        "p90_seconds": _float(figures[f"{name}_p90"]),
    }


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
    async with _reading(desk) as conn:
        t = dict(await store.ticket_figures(conn, scope, frm, to))
        backlog = [dict(r) for r in await store.backlog(conn, scope, now)]
        surveys = {r["kind"]: r for r in await store.survey_figures(conn, scope, frm, to)}
        breaches = await store.breaches(conn, scope, frm, to)
        moves = await store.moves(conn, scope, frm, to)
        repeat = await store.repeat_contacts(conn, scope, frm, to)
        callbacks = await store.callbacks(conn, scope, frm, to)
        top = await store.top_issues(conn, scope, frm, to)
        types = await store.by_type(conn, scope, frm, to)
    csat, nps = surveys.get("csat"), surveys.get("nps")
    csat_n = csat["answers"] if csat else 0
    nps_n = nps["answers"] if nps else 0
    promoters, detractors = (nps["nine_up"], nps["six_down"]) if nps else (0, 0)
    return shapes.MetricsSummary(
        period=shapes.Period(from_=frm, to=to, tz=q.tz),
        volume=shapes.Volume(created=t["created"], resolved=t["resolved"], closed=t["closed"]),
        backlog=_backlog(backlog),
        first_response=shapes.FirstResponse(
            **_durations(t, "first_response"),  # type: ignore[arg-type]
            business=shapes.Durations(**_durations(t, "first_response_business")),  # type: ignore[arg-type]
            closed_without_reply=t["closed_without_reply"],
        ),
        resolution=shapes.BusinessDurations(
            **_durations(t, "resolution"),  # type: ignore[arg-type]
            business=shapes.Durations(**_durations(t, "resolution_business")),  # type: ignore[arg-type]
        ),
        requester_wait=shapes.Durations(**_durations(t, "requester_wait")),  # type: ignore[arg-type]
        first_contact_resolution=_rate(t["first_contact"], t["resolved"]),
        resolution_rate=_rate(t["created_done"], t["created"]),
        reopen_rate=_rate(t["reopened"], t["resolved"]),
        escalation_rate=_rate(t["escalated"], t["resolved"]),
        moves=shapes.Moves(
            functional=moves.get("functional", 0),
            hierarchical=moves.get("hierarchical", 0),
            transfers=moves.get("transfer", 0),
            deescalations=moves.get("deescalation", 0),
        ),
        replies_per_resolution=kpi.mean(t["replies"], t["resolved"]),
        sla=shapes.Sla(
            first_response=shapes.SlaMetric(
                measured=t["fr_measured"],
                breached=t["fr_breached"],
                compliance=kpi.compliance(t["fr_measured"], t["fr_breached"]),
            ),
            resolution=shapes.SlaMetric(
                measured=t["res_measured"],
                breached=t["res_breached"],
                compliance=kpi.compliance(t["res_measured"], t["res_breached"]),
            ),
            breaches=breaches,
        ),
        csat=shapes.Csat(
            answers=csat_n,
            satisfied=csat["four_up"] if csat else 0,
            satisfied_share=kpi.share(csat["four_up"], csat_n) if csat else None,
            mean=kpi.mean(csat["total"], csat_n) if csat else None,
        ),
        nps=shapes.Nps(
            answers=nps_n,
            promoters=promoters,
            passives=nps["seven_eight"] if nps else 0,
            detractors=detractors,
            score=kpi.nps_score(promoters, detractors, nps_n),
        ),
        negative_responses=shapes.NegativeResponses(
            csat=_rate(csat["two_down"] if csat else 0, csat_n),
            nps=_rate(detractors, nps_n),
        ),
        repeat_contacts=shapes.RepeatContacts(
            customers=repeat["customers"],
            repeat_customers=repeat["repeat_customers"],
            customer_rate=kpi.share(repeat["repeat_customers"], repeat["customers"]),
            tickets=repeat["tickets"],
            within_7_days=repeat["within_window"],
            ticket_rate=kpi.share(repeat["within_window"], repeat["tickets"]),
        ),
        callbacks=_rate(callbacks["kept"], callbacks["due"]),
        top_issues=shapes.TopIssues(
            categories=[
                shapes.Named(name=r["name"], count=r["n"]) for r in top if r["kind"] == "category"
            ],
            tags=[shapes.Named(name=r["name"], count=r["n"]) for r in top if r["kind"] == "tag"],
        ),
        by_type=[
            shapes.TypeFigures(
                type=r["type"],
                resolved=r["resolved"],
                resolution_mean_seconds=_float(r["resolution_mean"]),
                handle_mean_seconds=_float(r["handle_mean"]),
            )
            for r in types
        ],
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
