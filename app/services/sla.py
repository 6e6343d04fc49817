"""SLA clocks on tickets: which policy applies, the clocks from the ticket's history, due times and timers."""

import time as time_module
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from types import SimpleNamespace
from typing import Any

import asyncpg
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.db import raw_connection
from app.domain import sla as clocks
from app.domain.calendar import BusinessCalendar, Holiday, WorkingHours, make_calendar
from app.models import Ticket, Timer
from app.schemas import WEEKDAYS, SlaMetricOut, SlaPauseOut, TicketSlaDetail, TicketSlaOut
from app.settings import get_settings

SLA_TIMER_KINDS = tuple(f"{m}_{k}" for m in clocks.METRICS for k in ("warning", "breach"))
FOLLOW_UP = "follow_up_reminder"
AUTO_CLOSE = "auto_close"
# Timers that follow from the ticket itself and are re-derived on every change.
DERIVED_TIMER_KINDS = (*SLA_TIMER_KINDS, FOLLOW_UP, AUTO_CLOSE)
TIMERS_CHANNEL = "helpdesk_timers"
STATE_ORDER = ("breached", "warning", "on_track", "paused", "met")


def calendar_from_row(row: Any) -> BusinessCalendar:
    return make_calendar(
        row.zone,
        [
            WorkingHours(
                WEEKDAYS.index(h["day"]),
                time.fromisoformat(h["start"]),
                time.fromisoformat(h["end"]),
            )
            for h in row.hours
        ],
        [
            Holiday(datetime.fromisoformat(h["date"]).date(), h.get("recurring", False))
            for h in row.holidays
        ],
    )


@dataclass(frozen=True)
class LoadedPolicy:
    id: int
    name: str
    conditions: clocks.PolicyConditions
    targets: dict[str, clocks.Targets]
    calendar: BusinessCalendar
    calendar_name: str
    pause_statuses: frozenset[str]
    warning_ratio: float

    def clock(self, priority: str) -> clocks.ClockPolicy:
        return clocks.ClockPolicy(
            targets=self.targets[priority],
            calendar=self.calendar,
            pause_statuses=self.pause_statuses,
            warning_ratio=self.warning_ratio,
        )


@dataclass(frozen=True)
class PolicyBook:
    """Every SLA policy in the order they are tried; the default one last."""

    policies: tuple[LoadedPolicy, ...]

    def for_ticket(self, ticket: Any, organization: str | None) -> LoadedPolicy:
        traits = clocks.TicketTraits(
            priority=ticket.priority,
            type=ticket.type,
            team_id=ticket.team_id,
            organization=organization,
            channel=ticket.channel,
        )
        chosen = clocks.select_policy([(p, p.conditions) for p in self.policies], traits)
        return chosen if chosen is not None else self.policies[-1]

    def by_id(self, policy_id: int | None) -> LoadedPolicy | None:
        return next((p for p in self.policies if p.id == policy_id), None)


def load_policy(row: Any, calendar: Any) -> LoadedPolicy:
    """A policy from its row and its calendar's (models, or rows with their column names)."""
    c = row.conditions
    return LoadedPolicy(
        id=row.id,  # type: ignore[arg-type]
        name=row.name,
        conditions=clocks.PolicyConditions(
            priorities=frozenset(c.get("priorities", ())),
            types=frozenset(c.get("types", ())),
            team_ids=frozenset(c.get("team_ids", ())),
            organizations=frozenset(c.get("organizations", ())),
            channels=frozenset(c.get("channels", ())),
        ),
        targets={p: clocks.Targets(**t) for p, t in row.targets.items()},
        calendar=calendar_from_row(calendar),
        calendar_name=calendar.name,
        pause_statuses=frozenset(row.pause_statuses),
        warning_ratio=row.warning_percent / 100,
    )


async def load_book(conn: asyncpg.Connection) -> PolicyBook:
    """Every policy with its calendar, read on `conn` (inside a transaction, what it can see)."""
    calendars = {r["id"]: SimpleNamespace(**r) for r in await conn.fetch(_CALENDARS)}
    policies = await conn.fetch(_POLICIES)
    return PolicyBook(
        tuple(load_policy(SimpleNamespace(**p), calendars[p["calendar_id"]]) for p in policies)
    )


_CALENDARS = "SELECT id, name, zone, hours, holidays FROM calendars"
_POLICIES = (
    "SELECT id, name, conditions, targets, calendar_id, pause_statuses, warning_percent"
    " FROM sla_policies ORDER BY is_default, position, id"
)


class _BookCache:
    """The policy book for rendering reads, reloaded at most every `ttl` seconds.

    Only reads use it. Writes check the configuration revision (`config.for_writing`), so stored
    due times and armed timers never come from a stale policy; a read on another replica may
    show the previous policy for up to `ttl` seconds after an admin edit."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self.book: PolicyBook | None = None
        self.loaded = 0.0

    async def get(self, engine: AsyncEngine) -> PolicyBook:
        if self.book is None or time_module.monotonic() - self.loaded > self.ttl:
            async with raw_connection(engine) as conn:
                self.book = await load_book(conn)
            self.loaded = time_module.monotonic()
        return self.book

    def forget(self) -> None:
        self.book = None


READ_BOOK = _BookCache(ttl=2.0)


async def book_for_reading(engine: AsyncEngine) -> PolicyBook:
    return await READ_BOOK.get(engine)


def forget_cached_book() -> None:
    READ_BOOK.forget()


def timeline(ticket: Any) -> clocks.TicketTimeline:
    log = ticket.status_log or [[ticket.created_at.isoformat(), ticket.status]]
    return clocks.TicketTimeline(
        created_at=ticket.created_at,
        statuses=tuple(
            clocks.StatusChange(datetime.fromisoformat(at), status) for at, status in log
        ),
        first_responded_at=ticket.first_responded_at,
        last_public_reply_at=ticket.last_public_reply_at,
    )


def log_status(ticket: Ticket, status: str, at: datetime) -> None:
    # A new list, not an append: the JSONB column only notices assignment.
    ticket.status_log = [*(ticket.status_log or []), [at.isoformat(), status]]


def evaluate(ticket: Any, policy: LoadedPolicy, now: datetime) -> clocks.SlaReport:
    return clocks.evaluate(policy.clock(ticket.priority), timeline(ticket), now)


def overall_state(report: clocks.SlaReport) -> str:
    states = [c.state for c in _metrics(report)]
    return min(states, key=STATE_ORDER.index)


def _metrics(report: clocks.SlaReport) -> list[clocks.MetricClock]:
    return [
        c for c in (report.first_response, report.next_update, report.resolution) if c is not None
    ]


def clock_fields(
    ticket: Any, book: PolicyBook, now: datetime, *, organization: str | None
) -> tuple[dict[str, Any], tuple[clocks.TimerSpec, ...]]:
    """The ticket's SLA columns re-derived from its history, and the timers it must have.

    `ticket` is a Ticket or anything with its attributes (a new ticket not yet inserted)."""
    _, _, fields, timers = _derive(ticket, book, now, organization)
    return fields, timers


def clock_fields_and_view(
    ticket: Any, book: PolicyBook, now: datetime, *, organization: str | None
) -> tuple[dict[str, Any], tuple[clocks.TimerSpec, ...], TicketSlaOut]:
    """`clock_fields`, and the clocks as `view` shows them, from one evaluation (for a ticket
    written and returned by the same request)."""
    policy, report, fields, timers = _derive(ticket, book, now, organization)
    return fields, timers, _view(policy, report)


def _derive(
    ticket: Any, book: PolicyBook, now: datetime, organization: str | None
) -> tuple[LoadedPolicy, clocks.SlaReport, dict[str, Any], tuple[clocks.TimerSpec, ...]]:
    policy = book.for_ticket(ticket, organization)
    report = evaluate(ticket, policy, now)
    metrics = _metrics(report)
    running = [c for c in metrics if c.due_at is not None and c.stopped_at is None]
    fields = {
        "sla_policy_id": policy.id,
        "first_response_due_at": report.first_response.due_at,
        "next_update_due_at": report.next_update.due_at if report.next_update else None,
        "resolution_due_at": report.resolution.due_at,
        "sla_due_at": min((c.due_at for c in running), default=None),  # type: ignore[type-var]
        "sla_warning_at": min((c.warning_at for c in running if c.warning_at), default=None),
        "sla_paused": any(c.state == "paused" for c in metrics),
        # A running clock past due is found by `sla_due_at <= now`; a stopped or paused one
        # that has used up its target is flagged here.
        "sla_breached": any(c.state == "breached" and c not in running for c in metrics),
    }
    timers = (*clocks.due_timers(report), *_housekeeping_timers(ticket, report))
    return policy, report, fields, timers


async def apply(
    db: AsyncSession,
    ticket: Ticket,
    book: PolicyBook,
    now: datetime,
    *,
    organization: str | None,
    fresh: bool = False,
) -> None:
    """Re-derive the ticket's clocks from its history; store due times; arm and disarm its timers.

    Runs in the caller's transaction, after every change to the ticket."""
    fields, wanted = clock_fields(ticket, book, now, organization=organization)
    for name, value in fields.items():
        setattr(ticket, name, value)
    if ticket.id is None:
        await db.flush()
    await sync_timers(db, ticket.id, wanted, fresh=fresh, now=now)  # type: ignore[arg-type]


def _housekeeping_timers(ticket: Any, report: clocks.SlaReport) -> list[clocks.TimerSpec]:
    """The follow-up reminder ahead of the next-update deadline, and the auto-close of a resolved
    ticket."""
    settings = get_settings()
    timers = []
    update = report.next_update
    if update is not None and update.due_at is not None and update.stopped_at is None:
        lead = timedelta(seconds=settings.follow_up_lead_seconds)
        timers.append(clocks.TimerSpec(FOLLOW_UP, max(update.started_at, update.due_at - lead)))
    if ticket.status == "resolved" and ticket.resolved_at is not None:
        close_at = ticket.resolved_at + timedelta(days=settings.auto_close_days)
        timers.append(clocks.TimerSpec(AUTO_CLOSE, close_at))
    return timers


async def sync_timers(
    db: AsyncSession,
    ticket_id: int,
    wanted: tuple[clocks.TimerSpec, ...],
    *,
    fresh: bool,
    now: datetime,
) -> None:
    """Make the ticket's pending SLA timers exactly `wanted`: stale ones are deleted, never fired."""
    wanted_keys = {(t.kind, t.due_at) for t in wanted}
    pending: set[tuple[str, datetime]] = set()
    if not fresh:
        rows = (
            await db.execute(
                select(Timer.id, Timer.kind, Timer.due_at).where(
                    Timer.ticket_id == ticket_id,
                    Timer.fired_at.is_(None),  # type: ignore[union-attr]
                    Timer.kind.in_(DERIVED_TIMER_KINDS),  # type: ignore[attr-defined]
                )
            )
        ).all()
        stale = [r.id for r in rows if (r.kind, r.due_at) not in wanted_keys]
        if stale:
            # fired_at IS NULL again: a worker may have fired one since we read it; keep that row.
            await db.execute(
                delete(Timer).where(Timer.id.in_(stale), Timer.fired_at.is_(None))  # type: ignore[union-attr]
            )
        pending = {(r.kind, r.due_at) for r in rows}
    new = sorted(wanted_keys - pending, key=lambda k: k[1])
    if new:
        specs = [clocks.TimerSpec(kind, due_at) for kind, due_at in new]
        await arm_timers(db, ticket_id, specs, now=now)


async def arm_timers(
    db: AsyncSession, ticket_id: int, timers: list[clocks.TimerSpec], *, now: datetime
) -> None:
    """Add timers that are not derived from the ticket (e.g. a requested callback)."""
    await db.execute(
        insert(Timer)
        .values(
            [
                {
                    "ticket_id": ticket_id,
                    "kind": t.kind,
                    "due_at": t.due_at,
                    "created_at": func.now(),
                }
                for t in timers
            ]
        )
        .on_conflict_do_nothing(constraint="timers_ticket_kind_due_key")
    )
    wake = wake_payload(timers, now)
    if wake is not None:
        await db.execute(select(func.pg_notify(TIMERS_CHANNEL, wake)))


def wake_payload(timers: Sequence[clocks.TimerSpec], now: datetime) -> str | None:
    """What to NOTIFY the workers with (delivered on commit), if any of `timers` needs it.

    A worker never sleeps longer than its cap before looking for the next due time again, so
    only a timer due sooner than that needs to wake it."""
    if not timers:
        return None
    soonest = min(t.due_at for t in timers)
    if (soonest - now).total_seconds() < get_settings().worker_max_sleep_seconds:
        return soonest.isoformat()
    return None


def _metric_out(clock: clocks.MetricClock, policy: LoadedPolicy) -> SlaMetricOut:
    # model_construct: these values come straight from the domain, already of the right types.
    return SlaMetricOut.model_construct(
        metric=clock.metric,
        state=clock.state,
        target_seconds=clock.target_seconds,
        started_at=clock.started_at,
        stopped_at=clock.stopped_at,
        due_at=clock.due_at,
        warning_at=clock.warning_at,
        business_seconds_used=clock.used_seconds,
        business_seconds_remaining=clock.remaining_seconds,
        percent_used=clock.percent_used,
        explanation=clocks.explain(clock, policy.name, policy.calendar_name),
    )


def view(ticket: Any, book: PolicyBook, now: datetime) -> TicketSlaOut:
    """The ticket's clocks as of `now`, under the policy its last change selected."""
    policy = book.by_id(ticket.sla_policy_id) or book.policies[-1]
    return _view(policy, evaluate(ticket, policy, now))


def _view(policy: LoadedPolicy, report: clocks.SlaReport) -> TicketSlaOut:
    return TicketSlaOut.model_construct(
        state=overall_state(report),  # type: ignore[arg-type]
        policy_id=policy.id,
        policy_name=policy.name,
        calendar=policy.calendar_name,
        first_response=_metric_out(report.first_response, policy),
        next_update=_metric_out(report.next_update, policy) if report.next_update else None,
        resolution=_metric_out(report.resolution, policy),
    )


def detail(ticket: Any, book: PolicyBook, now: datetime) -> TicketSlaDetail:
    policy = book.by_id(ticket.sla_policy_id) or book.policies[-1]
    report = evaluate(ticket, policy, now)
    return TicketSlaDetail(
        **_view(policy, report).model_dump(),
        ticket_id=ticket.id,
        pauses=[SlaPauseOut(start=p.start, end=p.end, status=p.status) for p in report.pauses],
    )


def state_sql(now: str) -> dict[str, str]:
    """SQL for each overall SLA state at `now` (a query parameter), from the due times stored
    with the ticket, as `view` would say: they are re-derived on every change and do not depend
    on `now`. The ticket list filters and summarises by these."""
    breached = f"(sla_breached OR coalesce(sla_due_at <= {now}, false))"
    warned = f"coalesce(sla_warning_at <= {now}, false)"
    return {
        "breached": breached,
        "warning": f"(NOT {breached} AND {warned})",
        "on_track": f"(NOT {breached} AND NOT {warned} AND sla_due_at IS NOT NULL)",
        "paused": f"(NOT {breached} AND sla_due_at IS NULL AND sla_paused)",
        "met": f"(NOT {breached} AND sla_due_at IS NULL AND NOT sla_paused)",
    }


def state_case(states: dict[str, str]) -> str:
    """One CASE naming the state, the worst first."""
    whens = " ".join(f"WHEN {states[s]} THEN '{s}'" for s in STATE_ORDER if s != "met")
    return f"CASE {whens} ELSE 'met' END"


def summary(row: Any) -> dict[str, Any]:
    """A list item's `sla` (TicketSlaSummary) from the columns selected for it (`sla_state` from
    `state_case`, and the stored due times)."""
    return {
        "state": row["sla_state"],
        "due_at": row["sla_due_at"],
        "warning_at": row["sla_warning_at"],
        "policy_id": row["sla_policy_id"],
    }
