"""A ticket's SLA clocks: the policy that applies, due times re-derived from the ticket's history
after every change and stored with it, the timers it must have, and the clocks as shown."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.domain import sla as clocks
from app.schemas import SlaPauseOut, TicketSlaDetail
from app.services import timers
from app.services.policies import LoadedPolicy, PolicyBook
from app.settings import Settings
from app.store.tickets import NewTicket, TicketRow, with_columns


def timeline(ticket: NewTicket) -> clocks.TicketTimeline:
    log = ticket.status_log or [[ticket.created_at.isoformat(), ticket.status]]
    return clocks.TicketTimeline(
        created_at=ticket.created_at,
        statuses=tuple(
            clocks.StatusChange(datetime.fromisoformat(at), status) for at, status in log
        ),
        first_responded_at=ticket.first_responded_at,
        last_public_reply_at=ticket.last_public_reply_at,
    )


def traits(ticket: NewTicket, organization: str | None) -> clocks.TicketTraits:
    return clocks.TicketTraits(
        priority=ticket.priority,
        type=ticket.type,
        team_id=ticket.team_id,
        organization=organization,
        channel=ticket.channel,
    )


def with_status(ticket: NewTicket, status: str, at: datetime) -> list[list[str]]:
    """The ticket's status log with a move to `status` at `at` appended."""
    return [*(ticket.status_log or []), [at.isoformat(), status]]


@dataclass(frozen=True)
class Derived:
    """What a ticket's history implies under its policy: the SLA columns to store, the timers
    it must have, and the report they came from."""

    policy: LoadedPolicy
    report: clocks.SlaReport
    columns: dict[str, Any]
    timers: tuple[clocks.TimerSpec, ...]


def _running(report: clocks.SlaReport) -> list[clocks.MetricClock]:
    return [c for c in _metrics(report) if c.due_at is not None and c.stopped_at is None]


def _metrics(report: clocks.SlaReport) -> list[clocks.MetricClock]:
    return [
        c for c in (report.first_response, report.next_update, report.resolution) if c is not None
    ]


# What `derive` reads of a ticket (besides the policy book, the customer's organization and the
# settings), and what it writes, in three parts:
# - what chooses the policy (with the customer's organization);
POLICY_CHOOSERS = frozenset({"type", "team_id", "customer_id", "channel"})
# - what the clocks' instants are worked out from under the policy: the priority and the history;
TIMELINE_INPUTS = frozenset(
    {
        "priority",
        "status",
        "status_log",
        "created_at",
        "first_responded_at",
        "last_public_reply_at",
        "resolved_at",
    }
)
# - the SLA columns it stores (`Derived.columns`): the policy's id and every due time among them.
SLA_COLUMNS = frozenset(
    {
        "sla_policy_id",
        "first_response_due_at",
        "next_update_due_at",
        "resolution_due_at",
        "sla_due_at",
        "sla_warning_at",
        "sla_paused",
        "sla_breached",
        "first_response_business_seconds",
        "resolution_business_seconds",
    }
)
# A change that sets none of these leaves the clocks, the SLA columns and the timers as the
# ticket's last derivation left them (they do not depend on when they are derived), so the writer
# need not derive them again. tests/api/test_clock_inputs.py checks that every other column
# leaves them alone.
CLOCK_INPUTS = POLICY_CHOOSERS | TIMELINE_INPUTS | SLA_COLUMNS
# The timers a derivation wants (`Derived.timers`: each running clock's warning and breach, the
# follow-up reminder, the auto-close) follow from the policy, the priority and the history alone:
# a change that moves only what chooses the policy (a team, a channel) and whose derivation stores
# the SLA columns as they were (the same policy, the same due times) wants the timers the ticket's
# last derivation synced, and the writer need not sync them again. tests/api/test_timer_inputs.py
# checks it for each of POLICY_CHOOSERS.
_MOVES_TIMERS = TIMELINE_INPUTS | SLA_COLUMNS


def moves_clocks(columns: Any) -> bool:
    """Whether setting `columns` (names) can move the ticket's clocks."""
    return not CLOCK_INPUTS.isdisjoint(columns)


def moves_timers(written: Any) -> bool:
    """Whether writing `written` (names: a change's columns with the SLA columns its derivation
    moved, `settled`'s third value) can change the timers the ticket wants. (A derivation under a
    policy whose content changed since the ticket's last one is not caught here when it moves no
    SLA column: the configuration's recompute derives every live ticket again, `rederive`, and
    syncs them.)"""
    return not _MOVES_TIMERS.isdisjoint(written)


def derive(
    ticket: NewTicket,
    book: PolicyBook,
    now: datetime,
    *,
    organization: str | None,
    settings: Settings,
) -> Derived:
    """The policy for the ticket as it is now, and everything its clocks imply."""
    policy = book.for_ticket(traits(ticket, organization))
    report = clocks.evaluate(policy.clock(ticket.priority), timeline(ticket), now)
    metrics = _metrics(report)
    running = _running(report)
    columns = {
        "sla_policy_id": policy.id,
        "first_response_due_at": report.first_response.due_at,
        "next_update_due_at": report.next_update.due_at if report.next_update else None,
        "resolution_due_at": report.resolution.due_at,
        "sla_due_at": min((c.due_at for c in running if c.due_at), default=None),
        "sla_warning_at": min((c.warning_at for c in running if c.warning_at), default=None),
        "sla_paused": any(c.state == "paused" for c in metrics),
        # A running clock past due is found by `sla_due_at <= now`; a stopped or paused one
        # that has used up its target is flagged here.
        "sla_breached": any(c.state == "breached" and c not in running for c in metrics),
        # What the first response and the resolution took in business time, once they happened.
        "first_response_business_seconds": (
            report.first_response.used_seconds if ticket.first_responded_at is not None else None
        ),
        "resolution_business_seconds": (
            report.resolution.used_seconds if ticket.resolved_at is not None else None
        ),
    }
    due = (*clocks.due_timers(report), *_housekeeping(ticket, report, settings))
    return Derived(policy, report, columns, due)


def _housekeeping(
    ticket: NewTicket, report: clocks.SlaReport, settings: Settings
) -> list[clocks.TimerSpec]:
    """The follow-up reminder ahead of the next-update deadline, and the auto-close of a
    resolved ticket."""
    due = []
    update = report.next_update
    if update is not None and update.due_at is not None and update.stopped_at is None:
        lead = timedelta(seconds=settings.follow_up_lead_seconds)
        due.append(clocks.TimerSpec(timers.FOLLOW_UP, max(update.started_at, update.due_at - lead)))
    if ticket.status == "resolved" and ticket.resolved_at is not None:
        close_at = ticket.resolved_at + timedelta(days=settings.auto_close_days)
        due.append(clocks.TimerSpec(timers.AUTO_CLOSE, close_at))
    return due


def settled(
    ticket: TicketRow,
    changes: dict[str, Any],
    *,
    book: PolicyBook,
    organization: str | None,
    now: datetime,
    settings: Settings,
) -> tuple[TicketRow, Derived, dict[str, Any]]:
    """`changes` with the SLA columns they imply: the ticket as it will be stored, its clocks
    (with the timers it wants) and the columns to write (the changes and the SLA columns that
    move), for the change's one statement (app/store/tickets.py `write_change`)."""
    changed = with_columns(ticket, changes)
    derived = derive(changed, book, now, organization=organization, settings=settings)
    sla_changes = {k: v for k, v in derived.columns.items() if getattr(changed, k) != v}
    if not sla_changes:
        return changed, derived, dict(changes)
    return with_columns(changed, sla_changes), derived, {**changes, **sla_changes}


# ---- the clocks as shown -------------------------------------------------------------------


def _metric_out(clock: clocks.MetricClock, policy: LoadedPolicy) -> dict[str, Any]:
    return {
        "metric": clock.metric,
        "state": clock.state,
        "target_seconds": clock.target_seconds,
        "started_at": clock.started_at,
        "stopped_at": clock.stopped_at,
        "due_at": clock.due_at,
        "warning_at": clock.warning_at,
        "business_seconds_used": clock.used_seconds,
        "business_seconds_remaining": clock.remaining_seconds,
        "percent_used": clock.percent_used,
        "explanation": clocks.explain(clock, policy.name, policy.calendar_name),
    }


def shown(policy: LoadedPolicy, report: clocks.SlaReport) -> dict[str, Any]:
    """The clocks as TicketSlaOut, a dict in its field order. Rendered straight from the domain's
    values, already of the right types, on every read of a ticket: building pydantic models of
    them only to serialize them again costed a read a tenth of its time (tests check the shape
    against the schema)."""
    return {
        "state": clocks.overall_state(report),
        "policy_id": policy.id,
        "policy_name": policy.name,
        "calendar": policy.calendar_name,
        "first_response": _metric_out(report.first_response, policy),
        "next_update": _metric_out(report.next_update, policy) if report.next_update else None,
        "resolution": _metric_out(report.resolution, policy),
    }


def _report(ticket: TicketRow, book: PolicyBook, now: datetime) -> tuple[LoadedPolicy, Any]:
    # Under the policy the ticket's last change chose: a read does not re-select it.
    policy = book.by_id(ticket.sla_policy_id)
    return policy, clocks.evaluate(policy.clock(ticket.priority), timeline(ticket), now)


def view(ticket: TicketRow, book: PolicyBook, now: datetime) -> dict[str, Any]:
    """The ticket's clocks as of `now`."""
    return shown(*_report(ticket, book, now))


def detail(ticket: TicketRow, book: PolicyBook, now: datetime) -> TicketSlaDetail:
    policy, report = _report(ticket, book, now)
    return TicketSlaDetail(
        **shown(policy, report),
        ticket_id=ticket.id,
        pauses=[SlaPauseOut(start=p.start, end=p.end, status=p.status) for p in report.pauses],
    )


def summary(row: Any) -> dict[str, Any]:
    """A list item's `sla` (TicketSlaSummary) from the columns selected for it."""
    return {
        "state": row["sla_state"],
        "due_at": row["sla_due_at"],
        "warning_at": row["sla_warning_at"],
        "policy_id": row["sla_policy_id"],
    }
