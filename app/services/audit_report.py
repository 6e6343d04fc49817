"""The help-desk audit report: built from what the desk records, read at once or kept (built by
the worker) so the next one compares with it; and the rows behind each of its findings."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from app.db import Connection, connection, transaction
from app.domain import audit_report as audit
from app.domain.access import EVERYTHING, Principal, Visibility
from app.domain.events import REPORT_READY
from app.domain.metrics import AGE_BUCKETS, nps_score
from app.errors import Conflict, NotFound, UnprocessableEntity
from app.schemas import Page
from app.schemas.reports import AuditQuery, AuditRequest, FindingRowsOut, StoredReportOut
from app.services import timers
from app.services.context import Desk
from app.services.tickets import change
from app.store import audit_report as store
from app.store import metrics as metrics_store
from app.store.audit_report import ReportRow, Window
from app.store.metrics import Scope
from app.store.timers import Claimed

# The default period, the longest one a report may cover, and the rows a drill-down lists.
PERIOD = timedelta(days=30)
LONGEST = timedelta(days=400)
MAX_ROWS = 1000
TOP = 10
# Handle time is summed per ticket in SQL and priced one by one here, by its team's rate: a
# busy desk handles tens of thousands of tickets a month.
MAX_HANDLED = 200_000
# The subject of the desk's one audit schedule timer.
SCHEDULE = 0


def team_scope(caller: Principal) -> tuple[int, ...] | None:
    """The teams a caller's reports cover: a supervisor's own, the whole desk for an admin."""
    if caller.role == "admin" or caller.role == "system":
        return None
    return tuple(sorted(caller.team_ids))


def _period(frm: datetime | None, to: datetime | None, now: datetime) -> tuple[datetime, datetime]:
    end = (to or now).astimezone(UTC)
    start = frm.astimezone(UTC) if frm else end - PERIOD
    if start >= end:
        raise UnprocessableEntity(
            "`from` must be before `to`",
            errors=[{"field": "query.from", "message": "must be before `to`"}],
        )
    if end - start > LONGEST:
        raise UnprocessableEntity(
            f"a report covers at most {LONGEST.days} days",
            errors=[{"field": "query.from", "message": f"at most {LONGEST.days} days before `to`"}],
        )
    return start, end


def _window(desk: Desk, frm: datetime, to: datetime, teams: tuple[int, ...] | None,
            now: datetime) -> Window:  # fmt: skip
    return Window(
        frm=frm,
        to=to,
        at=min(to, now),
        team_ids=teams,
        follow_up_lead=timedelta(seconds=desk.settings.follow_up_lead_seconds),
    )


def _thresholds(desk: Desk) -> dict[str, float | None]:
    try:
        return audit.thresholds(desk.settings.audit_thresholds)
    except audit.ThresholdError as exc:
        # A setting, not a request: the report cannot be made until it is corrected.
        raise UnprocessableEntity(f"HELPDESK_AUDIT_THRESHOLDS: {exc}") from None


@asynccontextmanager
async def _reading(desk: Desk) -> AsyncIterator[Connection]:
    """Every figure of a report from one snapshot, read only, on the metrics' database."""
    timeout_ms = int(desk.settings.metrics_statement_timeout_seconds * 1000)
    async with connection(desk.reads) as conn:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            await conn.execute(f"SET LOCAL statement_timeout = {timeout_ms}")
            yield conn


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    return value


# ---- measuring ---------------------------------------------------------------------------------


async def _handled(conn: Connection, desk: Desk, w: Window) -> list[dict[str, Any]]:
    """The tickets with handle time in the period, each with its cost by its team's rate."""
    rates = desk.settings.cost_rates
    found = await store.rows(conn, "tickets_handled", w, limit=MAX_HANDLED)
    return [
        {**r, "cost": audit.cost(r["seconds"], audit.rate_of(rates, r["team_id"]))} for r in found
    ]


async def _rows_of(
    conn: Connection, desk: Desk, check: audit.Check, w: Window, limit: int
) -> list[dict[str, Any]]:
    """The rows behind a check, by id."""
    if check.rows == "matrix_rows_dead":
        return audit.dead_matrix_rows(await store.escalation_matrix(conn))[:limit]
    if check.rows == "tickets_handled":
        return (await _handled(conn, desk, w))[:limit]
    assert check.rows is not None
    return await store.rows(conn, check.rows, w, limit=limit)


async def _count(conn: Connection, check: audit.Check, w: Window) -> int:
    if check.rows == "matrix_rows_dead":
        return len(audit.dead_matrix_rows(await store.escalation_matrix(conn)))
    assert check.rows is not None
    return await store.count(conn, check.rows, w)


async def _measure(conn: Connection, desk: Desk, check: audit.Check, w: Window) -> audit.Measured:
    if check.figure == "setting":
        days = desk.settings.retention_days
        return audit.Measured(None, None, None if days is None else float(days))
    if check.rows == "tickets_handled":
        handled = await _handled(conn, desk, w)
        value = sum(r["cost"] for r in handled) / len(handled) if handled else None
        if not desk.settings.cost_rates:
            value = None  # no rate set: the cost is not measured
        return audit.figure_of(check, len(handled), None, value)
    count = await _count(conn, check, w)
    of = await store.count(conn, check.of, w) if check.of else None
    value: float | None = None
    if check.figure == "mean" and check.rows and check.column:
        value = await store.mean(conn, check.rows, check.column, w)
    elif check.figure == "least" and check.rows and check.column:
        value = await store.least(conn, check.rows, check.column, w)
    elif check.figure == "age_days" and check.rows and check.column:
        last = await store.rows(conn, check.rows, w, limit=1)
        value = audit.age_days(w.at, last[0][check.column] if last else None)
    return audit.figure_of(check, count, of, value)


def _checks(teams: tuple[int, ...] | None) -> tuple[audit.Check, ...]:
    # Keys, backups and the audit log are the whole desk's: a supervisor's report leaves them out.
    return tuple(c for c in audit.CHECKS if teams is None or c.section != "access")


async def _tables(conn: Connection, desk: Desk, w: Window) -> dict[str, dict[str, Any]]:
    """The tables beside the findings, section by section."""
    scope = Scope(visible=_visibility(w.team_ids))
    backlog = await metrics_store.backlog(conn, scope, w.at)
    ages = {r["value"]: r["n"] for r in backlog if r["dimension"] == "age"}
    sla = [
        {
            "priority": r["priority"],
            "tickets": r["tickets"],
            **{
                m: round(1 - r[m] / r["tickets"], 4) if r["tickets"] else None
                for m in ("first_response", "next_update", "resolution")
            },
        }
        for r in await store.compliance_by_priority(conn, w)
    ]
    customers, repeat = await store.repeat_contacts(conn, w)
    answers, promoters, detractors = await store.nps(conn, w)
    csat = await store.count(conn, "csat_answers", w)
    resolved = await store.count(conn, "tickets_resolved", w)
    handled = await _handled(conn, desk, w)
    tables: dict[str, dict[str, Any]] = {
        "service": {
            "SLA compliance per priority": sla,
            "Backlog by age": [
                {"age": label, "tickets": ages.get(label, 0)} for label, _ in AGE_BUCKETS
            ],
            "Most common categories": [
                {"category": c, "tickets": n} for c, n in await store.categories(conn, w, TOP)
            ],
            "Customers": [
                {
                    "customers": customers,
                    "repeat_customers": repeat,
                    "csat_answers": csat,
                    "nps_answers": answers,
                    "nps": nps_score(promoters, detractors, answers),
                    "answers_per_resolved_ticket": round((csat + answers) / resolved, 4)
                    if resolved
                    else None,
                }
            ],
        },
        "quality": {
            "Most failed criteria": [
                {"criterion": c, "failed": n} for c, n in await store.most_failed(conn, w, TOP)
            ],
        },
        "cost": {
            "Cost per channel": audit.cost_table(handled, "channel"),
            "Cost per category": audit.cost_table(handled, "category"),
        }
        if desk.settings.cost_rates
        else {},
        "knowledge": {
            "Searches without a result per language": [
                {"language": lang or "none", "searches": n}
                for lang, n in sorted(
                    (await store.counted_by(conn, "searches_without_result", "language", w)).items()
                )
            ],
        },
    }
    if w.team_ids is None:
        tables["access"] = {
            "Active keys per role": [
                {"role": role, "keys": n}
                for role, n in sorted(
                    (await store.counted_by(conn, "keys_active", "role", w)).items()
                )
            ],
            "Customer tokens and erasures": [
                {
                    "customer_tokens_minted": await store.count(conn, "customer_tokens_minted", w),
                    "erasures": await store.count(conn, "erasures", w),
                    "retention_days": desk.settings.retention_days,
                }
            ],
        }
    return tables


def _visibility(teams: tuple[int, ...] | None) -> Visibility:
    return EVERYTHING if teams is None else Visibility(team_ids=frozenset(teams))


async def _build(
    conn: Connection,
    desk: Desk,
    frm: datetime,
    to: datetime,
    teams: tuple[int, ...] | None,
    now: datetime,
    *,
    report_id: int = 0,
) -> dict[str, Any]:
    limits = _thresholds(desk)
    w = _window(desk, frm, to, teams, now)
    checks = _checks(teams)
    before_from, before_to = audit.previous_period(frm, to)
    stored = await store.last_ready(conn, teams, frm, not_id=report_id)
    previous: dict[str, float | None] = {}
    if stored is not None and stored.report is not None:
        previous = {f["id"]: f["figure"] for f in stored.report["findings"]}
        before_from, before_to = stored.period_from, stored.period_to
        source = f"stored report {stored.id}"
    else:
        earlier = _window(desk, before_from, before_to, teams, now)
        for check in checks:
            if check.periodic:
                previous[check.id] = (await _measure(conn, desk, check, earlier)).value
        source = "the same checks over the previous period"
    findings = [
        audit.finding(
            check,
            await _measure(conn, desk, check, w),
            limits[check.id],
            previous.get(check.id),
            frm,
            to,
        )
        for check in checks
    ]
    created = await store.count(conn, "tickets_created", w)
    not_measured = list(audit.NOT_MEASURED)
    if teams is not None:
        not_measured.append(("Access and data", "the whole desk's: in an admin's report only"))
    if not desk.settings.cost_rates:
        not_measured.append(("Cost", "no cost rate is set (HELPDESK_COST_RATES)"))
    return {
        "period": {"from": frm.isoformat(), "to": to.isoformat()},
        "previous_period": {
            "from": before_from.isoformat(),
            "to": before_to.isoformat(),
            "source": source,
        },
        "team_ids": None if teams is None else list(teams),
        "generated_at": now.isoformat(),
        "empty": created == 0,
        "summary": audit.summary(findings, created),
        "findings": findings,
        "tables": _json(await _tables(conn, desk, w)),
        "not_measured": not_measured,
    }


def _json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json(v) for v in value]
    return _plain(value)


# ---- the use cases -----------------------------------------------------------------------------


async def report(desk: Desk, q: AuditQuery, *, caller: Principal, now: datetime) -> dict[str, Any]:
    """The audit of the period, built now (not kept)."""
    frm, to = _period(q.from_, q.to, now)
    async with _reading(desk) as conn:
        return await _build(conn, desk, frm, to, team_scope(caller), now)


def markdown(report_: dict[str, Any]) -> str:
    return audit.markdown(report_)


async def finding_rows(
    desk: Desk, finding_id: str, q: AuditQuery, *, caller: Principal, now: datetime
) -> FindingRowsOut:
    """The rows behind one finding of the period's report: exactly those its `count` counts."""
    check = audit.BY_ID.get(finding_id)
    teams = team_scope(caller)
    if check is None or check not in _checks(teams):
        raise NotFound(f"the audit report has no finding {finding_id!r}")
    if check.rows is None:
        raise NotFound(f"the finding {finding_id!r} is a setting: it has no rows")
    frm, to = _period(q.from_, q.to, now)
    w = _window(desk, frm, to, teams, now)
    async with _reading(desk) as conn:
        total = (
            len(await _handled(conn, desk, w))
            if check.rows == "tickets_handled"
            else await _count(conn, check, w)
        )
        items = await _rows_of(conn, desk, check, w, MAX_ROWS)
    return FindingRowsOut(
        finding=finding_id,
        period={"from": frm, "to": to},  # type: ignore[arg-type]
        count=total,
        items=[{k: _plain(v) for k, v in r.items()} for r in items],
        truncated=total > len(items),
    )


def ready(stored: StoredReportOut) -> dict[str, Any]:
    """A kept report's content; 409 while the worker has not built it yet."""
    if stored.report is None:
        raise Conflict(f"the audit report {stored.id} is still being built: ask again shortly")
    return stored.report.model_dump(by_alias=True, mode="json")


def stored_out(row: ReportRow) -> StoredReportOut:
    return StoredReportOut.model_validate(
        {
            "id": row.id,
            "status": row.status,
            "origin": row.origin,
            "period": {"from": row.period_from, "to": row.period_to},
            "team_ids": row.team_ids,
            "requested_at": row.requested_at,
            "built_at": row.built_at,
            "report": row.report,
        }
    )


async def request(
    desk: Desk, data: AuditRequest, *, caller: Principal, now: datetime
) -> StoredReportOut:
    """Keep a report of the period: recorded now as pending, built by the worker."""
    frm, to = _period(data.from_, data.to, now)
    _thresholds(desk)  # refused now rather than by the worker
    async with transaction(desk.db) as conn:
        row = await store.insert(
            conn,
            frm=frm,
            to=to,
            team_ids=team_scope(caller),
            origin="request",
            key_id=caller.key_id,
            now=now,
        )
        # Built by the worker, due at once: a report reads a whole period, too long to hold
        # the request for.
        await timers.schedule_subject(
            conn,
            timers.AUDIT_REPORT,
            row.id,
            now,
            now=now,
            wake_within=desk.settings.worker_max_sleep_seconds,
        )
    return stored_out(row)


def _sees(caller: Principal, row: ReportRow) -> bool:
    teams = team_scope(caller)
    return teams is None or (row.team_ids is not None and set(row.team_ids) <= set(teams))


async def get(desk: Desk, report_id: int, *, caller: Principal) -> StoredReportOut:
    async with connection(desk.db) as conn:
        row = await store.get(conn, report_id)
    if row is None or not _sees(caller, row):
        raise NotFound(f"there is no audit report {report_id}")
    return stored_out(row)


async def list_reports(
    desk: Desk, limit: int, cursor: str | None, *, caller: Principal
) -> Page[StoredReportOut]:
    async with connection(desk.db) as conn:
        rows, after = await store.page(conn, team_scope(caller), cursor, limit)
    return Page[StoredReportOut](items=[stored_out(r) for r in rows], next_cursor=after)


async def build_requested(conn: Connection, due: list[Claimed], now: datetime, desk: Desk) -> int:
    """The handler of `audit_report` timers: build each kept report asked for (its id is the
    timer's subject), in the claim's transaction, and say it is ready."""
    built = 0
    for timer in due:
        assert timer.subject_id is not None
        row = await store.get(conn, timer.subject_id, lock=True)
        if row is not None and row.status == "pending":
            await _finish(conn, desk, row, now)
            built += 1
    return built


async def build_scheduled(conn: Connection, due: list[Claimed], now: datetime, desk: Desk) -> int:
    """The handler of the `audit_report_schedule` timer: keep the previous calendar month's
    whole-desk report (unless the schedule is off) and arm the next month's."""
    built = 0
    if desk.settings.audit_report_schedule == "monthly":
        frm, to = audit.month_before(now)
        row = await store.insert(
            conn, frm=frm, to=to, team_ids=None, origin="schedule", key_id=None, now=now
        )
        await _finish(conn, desk, row, now)
        built = 1
    # Armed again even when off: turning the schedule back on needs no one to arm it.
    await timers.schedule_subject(
        conn,
        timers.AUDIT_SCHEDULE,
        SCHEDULE,
        audit.next_month(now),
        now=now,
        wake_within=desk.settings.worker_max_sleep_seconds,
    )
    return built


async def keep_schedule(desk: Desk, now: datetime) -> None:
    """Arm the monthly schedule's next firing when none is (a worker starting): every worker
    arms the same moment, which is kept once."""
    async with transaction(desk.db) as conn:
        await timers.schedule_subject(
            conn,
            timers.AUDIT_SCHEDULE,
            SCHEDULE,
            audit.next_month(now),
            now=now,
            wake_within=desk.settings.worker_max_sleep_seconds,
        )


async def _finish(conn: Connection, desk: Desk, row: ReportRow, now: datetime) -> None:
    teams = None if row.team_ids is None else tuple(row.team_ids)
    built = await _build(conn, desk, row.period_from, row.period_to, teams, now, report_id=row.id)
    await store.finish(conn, row.id, built, now)
    ready = {"report_id": row.id, "from": built["period"]["from"], "to": built["period"]["to"]}
    await change.record(conn, [], [(REPORT_READY, None, ready)], at=now)
