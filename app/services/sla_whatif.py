"""SLA what-if: what a draft policy or calendar would have meant for a period's tickets, replayed
from their stored history beside the current policies. Reads only: nothing is written."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from app.db import Connection, connection
from app.domain import sla as clocks_domain
from app.domain import sla_whatif as whatif
from app.domain.access import Visibility
from app.domain.calendar import CalendarError
from app.domain.priority import PRIORITIES
from app.errors import UnprocessableEntity
from app.schemas.sla_whatif import (
    MAX_PERIOD_DAYS,
    SlaWhatIfOut,
    SlaWhatIfRequest,
    WhatIfBreach,
    WhatIfBreaches,
    WhatIfCompliance,
    WhatIfMove,
    WhatIfMoves,
    WhatIfPeriod,
    WhatIfReminders,
    WhatIfSide,
    WhatIfWarnings,
)
from app.services import clocks
from app.services.config.sla_policies import MINUTE
from app.services.context import Desk
from app.services.policies import PolicyBook, calendar_of, loaded
from app.store import config as config_store
from app.store import sla_whatif as store
from app.store.config import CalendarRow, PolicyRow

BATCH = 2000
# Beyond this a replay would run past the metrics' statement timeout on a modest machine
# (bench/whatif.py: 100,000 in about half of the default 120 s): a period holding more is
# refused, to be asked in parts, rather than held open without end.
MAX_TICKETS = 150_000


def _invalid(field: str, message: str) -> UnprocessableEntity:
    return UnprocessableEntity(f"{field}: {message}", errors=[{"field": field, "message": message}])


def _check_period(frm: datetime, to: datetime) -> None:
    if frm >= to:
        raise _invalid("to", "`from` must be before `to`")
    if to - frm > timedelta(days=MAX_PERIOD_DAYS):
        raise _invalid("to", f"a period is at most {MAX_PERIOD_DAYS} days")


@asynccontextmanager
async def _snapshot(desk: Desk) -> AsyncIterator[Connection]:
    """One read-only repeatable-read snapshot of the metrics' database, with the metrics'
    statement timeout: the configuration and every batch of tickets are read as of one moment."""
    timeout_ms = int(desk.settings.metrics_statement_timeout_seconds * 1000)
    async with connection(desk.reads) as conn:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            await conn.execute(f"SET LOCAL statement_timeout = {timeout_ms}")
            yield conn


def _draft_calendar(
    data: SlaWhatIfRequest, calendars: dict[int, CalendarRow], now: datetime
) -> CalendarRow | None:
    """The stored calendar the draft calendar replaces, with the draft's hours and holidays."""
    if data.calendar is None:
        return None
    named = next((c for c in calendars.values() if c.name == data.calendar.name), None)
    if named is None:
        # A draft calendar replaces the one of its name: there must be one.
        raise _invalid("calendar.name", "a calendar of this name does not exist")
    draft = replace(
        named,
        zone=data.calendar.time_zone,
        hours=[h.model_dump(mode="json") for h in data.calendar.hours],
        holidays=[h.model_dump(mode="json") for h in data.calendar.holidays],
        updated_at=now,
    )
    try:
        calendar_of(draft)
    except CalendarError as exc:
        raise _invalid("calendar.hours", str(exc)) from None
    return draft


def _draft_policy(
    data: SlaWhatIfRequest, policies: list[PolicyRow], calendars: dict[int, CalendarRow]
) -> PolicyRow | None:
    """The draft as a stored policy would read: in place of the policy of its name, or new."""
    draft = data.policy
    if draft is None:
        return None
    missing = [p for p in PRIORITIES if p not in draft.targets]
    if missing:
        raise _invalid(
            "policy.targets", f"a target for every priority is needed; missing {', '.join(missing)}"
        )
    for priority, t in draft.targets.items():
        for name in ("first_response_minutes", "resolution_minutes"):
            if getattr(t, name) <= 0:
                raise _invalid(f"policy.targets.{priority}.{name}", "must be above zero")
    if draft.calendar_id not in calendars:
        raise _invalid("policy.calendar_id", f"calendar {draft.calendar_id} does not exist")
    named = next((p for p in policies if p.name == draft.name), None)
    conditions = draft.conditions.model_dump(mode="json")
    if named is not None and named.is_default and any(conditions.values()):
        raise _invalid(
            "policy.conditions", "the default policy applies to every ticket: no conditions"
        )
    return PolicyRow(
        # A new draft gets an id no stored policy has; only the order and the values matter.
        id=named.id if named is not None else 0,
        name=draft.name,
        position=draft.position,
        is_default=named is not None and named.is_default,
        conditions=conditions,
        targets={
            p: {
                "first_response": t.first_response_minutes * MINUTE,
                "next_update": t.next_update_minutes * MINUTE,
                "resolution": t.resolution_minutes * MINUTE,
            }
            for p, t in draft.targets.items()
        },
        calendar_id=draft.calendar_id,
        pause_statuses=sorted(set(draft.pause_statuses)),
        warning_percent=draft.warning_percent,
        created_at=named.created_at if named is not None else datetime.min,
        updated_at=named.updated_at if named is not None else datetime.min,
        version=named.version if named is not None else 0,
    )


def _book(policies: list[PolicyRow], calendars: dict[int, CalendarRow]) -> PolicyBook:
    # The order the store reads them in: by position, the default one last.
    ordered = sorted(policies, key=lambda p: (p.is_default, p.position, p.id))
    return PolicyBook(tuple(loaded(p, calendars[p.calendar_id]) for p in ordered))


def _chooser(book: PolicyBook) -> whatif.Book:
    """The clock a ticket runs against, chosen as a ticket write chooses it."""
    cache: dict[tuple[Any, ...], clocks_domain.ClockPolicy] = {}

    def choose(traits: clocks_domain.TicketTraits) -> clocks_domain.ClockPolicy:
        # One ClockPolicy per policy and priority, so the draft's unchanged ones compare equal
        # by identity, cheaply.
        policy = book.for_ticket(traits)
        key = (policy.id, policy.name, traits.priority)
        found = cache.get(key)
        if found is None:
            found = cache[key] = policy.clock(traits.priority)
        return found

    return choose


def _replayed(row: store.ReplayRow) -> whatif.ReplayedTicket:
    # The very functions a ticket write derives its clocks with; ReplayRow carries the fields
    # they read.
    return whatif.ReplayedTicket(
        id=row.id,
        timeline=clocks.timeline(row),  # type: ignore[arg-type]
        traits=clocks.traits(row, row.organization),  # type: ignore[arg-type]
    )


async def what_if(
    desk: Desk, data: SlaWhatIfRequest, *, visible: Visibility, now: datetime
) -> SlaWhatIfOut:
    """Every ticket created in the period that the caller sees, replayed in batches on one
    read-only snapshot, under the current policies and under the draft, as of `now`."""
    _check_period(data.from_, data.to)
    if data.policy is None and data.calendar is None:
        raise _invalid("policy", "give a draft policy, a draft calendar, or both")
    async with _snapshot(desk) as conn:
        calendars = {c.id: c for c in await config_store.calendars(conn)}
        policies = await config_store.policies(conn)
        draft_calendar = _draft_calendar(data, calendars, now)
        draft_policy = _draft_policy(data, policies, calendars)
        draft_calendars = dict(calendars)
        if draft_calendar is not None:
            draft_calendars[draft_calendar.id] = draft_calendar
        draft_policies = [p for p in policies if draft_policy is None or p.id != draft_policy.id]
        if draft_policy is not None:
            draft_policies.append(draft_policy)
        current_book = _book(policies, calendars)
        draft_book = _book(draft_policies, draft_calendars)
        comparison = whatif.Comparison(
            _chooser(current_book),
            _chooser(draft_book),
            now,
            reminder_lead=timedelta(seconds=desk.settings.follow_up_lead_seconds),
            list_limit=data.list_limit,
            top=data.top,
        )
        after: tuple[datetime, int] | None = None
        while True:
            rows = await store.batch(conn, visible, data.from_, data.to, after=after, limit=BATCH)
            comparison.add(_replayed(r) for r in rows)
            if comparison.tickets > MAX_TICKETS:
                raise _invalid(
                    "from",
                    f"the period holds more than {MAX_TICKETS:,} tickets; ask for a shorter one",
                )
            if len(rows) < BATCH:
                break
            after = (rows[-1].created_at, rows[-1].id)
    return _out(data, comparison.result())


def _side(side: whatif.Side) -> WhatIfSide:
    order = {p: i for i, p in enumerate(PRIORITIES)}
    return WhatIfSide(
        compliance=[
            WhatIfCompliance(
                priority=priority,
                metric=metric,
                met=c.met,
                breached=c.breached,
                not_applicable=c.not_applicable,
                running=c.running,
                share_met=c.share_met,
            )
            for priority in sorted(side.compliance, key=lambda p: order.get(p, len(order)))
            for metric, c in side.compliance[priority].items()
        ],
        warnings=WhatIfWarnings(**side.warnings, total=sum(side.warnings.values())),
        next_update_reminders=WhatIfReminders(
            raised=side.reminders_raised, pending=side.reminders_pending
        ),
    )


def _breaches(items: tuple[whatif.BreachChange, ...], total: int) -> WhatIfBreaches:
    return WhatIfBreaches(
        total=total, items=[WhatIfBreach(ticket_id=b.ticket_id, metric=b.metric) for b in items]
    )


def _out(data: SlaWhatIfRequest, result: whatif.WhatIf) -> SlaWhatIfOut:
    return SlaWhatIfOut(
        period=WhatIfPeriod(**{"from": data.from_, "to": data.to}),
        tickets=result.tickets,
        current=_side(result.current),
        draft=_side(result.draft),
        breaches_gained=_breaches(result.breaches_gained, result.breaches_gained_total),
        breaches_lost=_breaches(result.breaches_lost, result.breaches_lost_total),
        due_moves=WhatIfMoves(
            total=result.moved_total,
            items=[
                WhatIfMove(
                    ticket_id=m.ticket_id,
                    metric=m.metric,
                    current_due_at=m.current_due_at,
                    draft_due_at=m.draft_due_at,
                    shift_seconds=m.shift_seconds,
                )
                for m in result.moves
            ],
        ),
    )
