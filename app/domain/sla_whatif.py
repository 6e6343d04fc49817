"""SLA what-if: a period's tickets replayed under two policy books, the figures side by side."""

import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.domain.sla import (
    METRICS,
    ClockPolicy,
    Metric,
    MetricClock,
    SlaReport,
    TicketTimeline,
    TicketTraits,
    evaluate,
)

__all__ = [
    "Book",
    "BreachChange",
    "Comparison",
    "Compliance",
    "DueMove",
    "ReplayedTicket",
    "Side",
    "WhatIf",
    "compare",
]

# Which clock a ticket runs against under a set of policies: the policy its traits select, at
# its priority (services.policies.PolicyBook, as `for_ticket(...).clock(priority)`).
Book = Callable[[TicketTraits], ClockPolicy]

# A metric's outcome as the compliance figures count it.
MET, BREACHED, NOT_APPLICABLE, RUNNING = "met", "breached", "not_applicable", "running"


@dataclass(frozen=True)
class ReplayedTicket:
    """The stored facts a ticket's clocks are derived from."""

    id: int
    timeline: TicketTimeline
    traits: TicketTraits


@dataclass
class Compliance:
    """One priority's and metric's clocks by outcome. `running`: not decided yet (on track,
    warning or paused short of the target)."""

    met: int = 0
    breached: int = 0
    not_applicable: int = 0
    running: int = 0

    @property
    def share_met(self) -> float | None:
        """Met out of those decided (met or breached); None when none is."""
        decided = self.met + self.breached
        return round(self.met / decided, 4) if decided else None


@dataclass
class Side:
    """The figures of one policy book over the period."""

    # priority → metric → outcome counts
    compliance: dict[str, dict[Metric, Compliance]] = field(default_factory=dict)
    warnings: dict[Metric, int] = field(default_factory=lambda: dict.fromkeys(METRICS, 0))
    reminders_raised: int = 0
    reminders_pending: int = 0

    def count(self, priority: str, metric: Metric, outcome: str) -> None:
        by_metric = self.compliance.setdefault(priority, {m: Compliance() for m in METRICS})
        c = by_metric[metric]
        setattr(c, outcome, getattr(c, outcome) + 1)


@dataclass(frozen=True)
class BreachChange:
    ticket_id: int
    metric: Metric


@dataclass(frozen=True, order=True)
class DueMove:
    """A due time that moves: `shift_seconds` = new − old (wall-clock seconds)."""

    shift_seconds: int
    ticket_id: int
    metric: Metric
    current_due_at: datetime
    draft_due_at: datetime


@dataclass(frozen=True)
class WhatIf:
    tickets: int
    current: Side
    draft: Side
    breaches_gained: tuple[BreachChange, ...]
    breaches_gained_total: int
    breaches_lost: tuple[BreachChange, ...]
    breaches_lost_total: int
    moves: tuple[DueMove, ...]
    moved_total: int


def _clocks(report: SlaReport) -> dict[Metric, MetricClock | None]:
    return {
        "first_response": report.first_response,
        "next_update": report.next_update,
        "resolution": report.resolution,
    }


def _outcome(clock: MetricClock | None) -> str:
    if clock is None or clock.state == "not_applicable":
        # next_update exists only while an answered ticket is not resolved/closed.
        return NOT_APPLICABLE
    if clock.state in ("met", "breached"):
        return clock.state
    return RUNNING


def _warned(clock: MetricClock | None, now: datetime) -> bool:
    """The clock reached its warning point by `now` (before its due time, while it ran)."""
    if clock is None or clock.state == "not_applicable" or clock.warning_at is None:
        return False
    if clock.due_at is not None and clock.warning_at >= clock.due_at:
        return False
    end = now if clock.stopped_at is None else min(now, clock.stopped_at)
    return clock.warning_at <= end


class Comparison:
    """Tickets replayed one batch at a time, under the current policies and under a draft; only
    the figures, the capped lists and the top moves are kept, so memory does not grow with the
    period. `now` says which clocks have run out; `reminder_lead` is how long before a
    next-update deadline the follow-up reminder is raised."""

    def __init__(
        self,
        current: Book,
        draft: Book,
        now: datetime,
        *,
        reminder_lead: timedelta,
        list_limit: int = 100,
        top: int = 20,
    ) -> None:
        self._books = (current, draft)
        self._now = now
        self._lead = reminder_lead
        self._limit = list_limit
        self._top = top
        self._sides = (Side(), Side())
        self._gained: list[BreachChange] = []
        self._lost: list[BreachChange] = []
        self._gained_total = self._lost_total = self._moved_total = 0
        self._tickets = 0
        # A min-heap of (|shift|, tie-breaker, move): the smallest of the top moves first out.
        self._moves: list[tuple[int, int, int, DueMove]] = []

    def add(self, tickets: Iterable[ReplayedTicket]) -> None:
        current_book, draft_book = self._books
        for ticket in tickets:
            self._tickets += 1
            current_policy = current_book(ticket.traits)
            draft_policy = draft_book(ticket.traits)
            current = evaluate(current_policy, ticket.timeline, self._now)
            # Most tickets fall under a policy the draft leaves alone: the same derivation.
            draft = (
                current
                if draft_policy == current_policy
                else evaluate(draft_policy, ticket.timeline, self._now)
            )
            self._tally(ticket, current, draft)

    @property
    def tickets(self) -> int:
        """How many tickets have been added so far."""
        return self._tickets

    def _tally(self, ticket: ReplayedTicket, current: SlaReport, draft: SlaReport) -> None:
        before, after = _clocks(current), _clocks(draft)
        priority = ticket.traits.priority
        for metric in METRICS:
            outcomes = []
            for side, clock in zip(self._sides, (before[metric], after[metric]), strict=True):
                outcome = _outcome(clock)
                outcomes.append(outcome)
                side.count(priority, metric, outcome)
                if _warned(clock, self._now):
                    side.warnings[metric] += 1
            if outcomes[0] != BREACHED and outcomes[1] == BREACHED:
                self._gained_total += 1
                if len(self._gained) < self._limit:
                    self._gained.append(BreachChange(ticket.id, metric))
            elif outcomes[0] == BREACHED and outcomes[1] != BREACHED:
                self._lost_total += 1
                if len(self._lost) < self._limit:
                    self._lost.append(BreachChange(ticket.id, metric))
            self._move(ticket.id, metric, before[metric], after[metric])
        for side, report in zip(self._sides, (current, draft), strict=True):
            self._remind(side, report.next_update)

    def _remind(self, side: Side, clock: MetricClock | None) -> None:
        """The follow-up reminder a running next-update clock arms, raised by `now` or not."""
        if clock is None or clock.due_at is None or clock.stopped_at is not None:
            return
        if max(clock.started_at, clock.due_at - self._lead) <= self._now:
            side.reminders_raised += 1
        else:
            side.reminders_pending += 1

    def _move(
        self, ticket_id: int, metric: Metric, old: MetricClock | None, new: MetricClock | None
    ) -> None:
        if old is None or new is None or old.due_at is None or new.due_at is None:
            return
        shift = int((new.due_at - old.due_at).total_seconds())
        if not shift:
            return
        self._moved_total += 1
        move = DueMove(shift, ticket_id, metric, old.due_at, new.due_at)
        # Ties: the lower ticket id (then the earlier metric) ranks higher, so the list is stable.
        entry = (abs(shift), -ticket_id, -METRICS.index(metric), move)
        if len(self._moves) < self._top:
            heapq.heappush(self._moves, entry)
        elif entry[:3] > self._moves[0][:3]:
            heapq.heapreplace(self._moves, entry)

    def result(self) -> WhatIf:
        ranked = sorted(self._moves, key=lambda e: e[:3], reverse=True)
        return WhatIf(
            tickets=self._tickets,
            current=self._sides[0],
            draft=self._sides[1],
            breaches_gained=tuple(self._gained),
            breaches_gained_total=self._gained_total,
            breaches_lost=tuple(self._lost),
            breaches_lost_total=self._lost_total,
            moves=tuple(e[3] for e in ranked),
            moved_total=self._moved_total,
        )


def compare(
    tickets: Iterable[ReplayedTicket],
    current: Book,
    draft: Book,
    now: datetime,
    *,
    reminder_lead: timedelta,
    list_limit: int = 100,
    top: int = 20,
) -> WhatIf:
    """Every ticket replayed under both books, as of `now`."""
    comparison = Comparison(
        current, draft, now, reminder_lead=reminder_lead, list_limit=list_limit, top=top
    )
    comparison.add(tickets)
    return comparison.result()
