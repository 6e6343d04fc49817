"""SLA clocks derived from a ticket's history: due times, warnings, pauses, states and timers."""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from functools import lru_cache
from typing import Literal, Protocol, TypeVar

from app.domain.lifecycle import DONE

__all__ = [
    "METRICS",
    "STATE_ORDER",
    "BusinessTime",
    "ClockPolicy",
    "ClockState",
    "Metric",
    "MetricClock",
    "Pause",
    "PolicyConditions",
    "SlaReport",
    "StatusChange",
    "Targets",
    "TicketTimeline",
    "TicketTraits",
    "TimerSpec",
    "due_timers",
    "evaluate",
    "explain",
    "matches",
    "overall_state",
    "select_policy",
]

Metric = Literal["first_response", "next_update", "resolution"]
METRICS: tuple[Metric, ...] = ("first_response", "next_update", "resolution")
ClockState = Literal["on_track", "warning", "breached", "met", "paused", "not_applicable"]
# The worst first. not_applicable comes last: a clock that was never owed (first response of a
# ticket closed unanswered) must not colour the ticket's overall state, which is the worst of
# the clocks that do apply; resolution always applies, so overall_state never answers it.
STATE_ORDER: tuple[ClockState, ...] = (
    "breached",
    "warning",
    "on_track",
    "paused",
    "met",
    "not_applicable",
)

K = TypeVar("K")


class BusinessTime(Protocol):
    """Business-time arithmetic; `app.domain.calendar.BusinessCalendar` is the real one."""

    def add(self, start: datetime, seconds: int) -> datetime:
        """The earliest instant with `seconds` business seconds after `start`; add(t, 0) == t."""
        ...

    def between(self, start: datetime, end: datetime) -> int:
        """Business seconds in [start, end); 0 if end <= start."""
        ...


@dataclass(frozen=True)
class Targets:
    """Per-metric targets in business seconds of the policy's calendar."""

    first_response: int
    next_update: int
    resolution: int

    def __post_init__(self) -> None:
        for metric in METRICS:
            value = getattr(self, metric)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{metric}: target must be whole seconds >= 0, got {value!r}")

    def of(self, metric: Metric) -> int:
        return int(getattr(self, metric))


@dataclass(frozen=True)
class ClockPolicy:
    """What the clocks of one ticket run against: targets, calendar, pause statuses, warning."""

    targets: Targets
    calendar: BusinessTime
    pause_statuses: frozenset[str] = frozenset({"pending", "on_hold"})
    warning_ratio: float = 0.8

    def __post_init__(self) -> None:
        object.__setattr__(self, "pause_statuses", frozenset(self.pause_statuses))
        if not 0 <= self.warning_ratio <= 1:
            raise ValueError(f"warning_ratio must be within 0..1, got {self.warning_ratio!r}")

    def warning_seconds(self, target: int) -> int:
        return _warning_seconds(self.warning_ratio, target)


@lru_cache(maxsize=4096)
def _warning_seconds(ratio: float, target: int) -> int:
    # Via the decimal the ratio was written as: 0.7 × 100 in floats is 70.00000000000001, whose
    # ceiling would warn a second late. Cached: a page of tickets asks the same few questions.
    return math.ceil(Fraction(str(ratio)) * target)


@dataclass(frozen=True)
class StatusChange:
    at: datetime
    status: str


@dataclass(frozen=True)
class TicketTimeline:
    """The facts the clocks are derived from; `statuses[0]` is the initial status at created_at."""

    created_at: datetime
    statuses: tuple[StatusChange, ...]
    first_responded_at: datetime | None = None
    last_public_reply_at: datetime | None = None


@dataclass(frozen=True)
class Pause:
    """A stretch spent in a pause status (`end` None: still paused); the same for every metric."""

    start: datetime
    end: datetime | None
    status: str


@dataclass(frozen=True)
class MetricClock:
    """One metric's clock as of `now`.

    `due_at`/`warning_at` are None while paused, unless the clock ran out before the pause: a
    breach stays at the instant it happened (with its warning point). For a stopped clock they
    are where the target (warning point) was reached, or where it would have been had the clock
    kept running. `paused` says the ticket sits in a pause status now (never for a stopped
    clock); `paused_seconds` is the business time spent in pause statuses since `started_at`.
    """

    metric: Metric
    target_seconds: int
    started_at: datetime
    stopped_at: datetime | None
    due_at: datetime | None
    warning_at: datetime | None
    used_seconds: int
    remaining_seconds: int
    percent_used: float
    state: ClockState
    paused_seconds: int = 0
    paused: bool = False


@dataclass(frozen=True)
class SlaReport:
    first_response: MetricClock
    next_update: MetricClock | None
    resolution: MetricClock
    pauses: tuple[Pause, ...]


@dataclass(frozen=True)
class TimerSpec:
    """A timer a worker must fire: `kind` is "<metric>_warning" or "<metric>_breach"."""

    kind: str
    due_at: datetime


# [start, end) of the ticket's history; end None = up to now and beyond.
_Span = tuple[datetime, datetime | None, str]
_Segment = tuple[datetime, datetime | None]


def evaluate(policy: ClockPolicy, timeline: TicketTimeline, now: datetime) -> SlaReport:
    """Derive every clock from the whole history; `now` only measures time used and the state.

    Due and warning instants depend on the history alone, never on `now`, so re-evaluating a
    running clock later yields the same timers. A clock does not run in a pause status nor while
    the ticket is resolved/closed; first_response stops at the first public agent reply (or,
    without one, while the ticket is resolved/closed, resuming on reopen; stopped so before its
    due time it is not_applicable, never met); resolution stops at resolved/closed and resumes
    on reopen with the time already used. next_update exists once an agent has replied publicly
    and the ticket is not resolved/closed, anchored at the last reply.

    Raises ValueError for an empty or out-of-order status history; the calendar raises for
    naive datetimes.
    """
    spans = _spans(timeline)
    current = spans[-1][2]
    # Spam closed unanswered must not breach first response forever: a done ticket stops it.
    done_since = _done_since(spans) if current in DONE else None
    created = timeline.created_at
    replied = timeline.first_responded_at is not None
    cal = _Remembered(policy.calendar)
    first = _clock(
        "first_response",
        policy,
        cal,
        spans,
        created,
        timeline.first_responded_at if replied else done_since,
        now,
        unanswered=not replied,
    )
    reply = timeline.last_public_reply_at or timeline.first_responded_at
    next_update = None
    if reply is not None and current not in DONE:
        next_update = _clock("next_update", policy, cal, spans, max(reply, created), None, now)
    resolution = _clock("resolution", policy, cal, spans, created, done_since, now)
    pauses = tuple(
        Pause(_utc(s), _utc(e) if e is not None else None, status)
        for s, e, status in spans
        if status in policy.pause_statuses and (e is None or e > s)
    )
    return SlaReport(first, next_update, resolution, pauses)


def due_timers(report: SlaReport) -> tuple[TimerSpec, ...]:
    """The timers to arm: warning (if before the due time) and breach of every running clock.

    Stopped clocks need none, nor paused ones without a due time. A clock paused after its
    breach keeps its timers, so a breach the worker had not fired yet when the pause began still
    fires. Past instants are included: the worker's dedup by (kind, due_at) keeps one already
    fired from firing again. Order: METRICS, warning first.
    """
    timers: list[TimerSpec] = []
    for clock in (report.first_response, report.next_update, report.resolution):
        if clock is None or clock.stopped_at is not None or clock.due_at is None:
            continue
        if clock.warning_at is not None and clock.warning_at < clock.due_at:
            timers.append(TimerSpec(f"{clock.metric}_warning", clock.warning_at))
        timers.append(TimerSpec(f"{clock.metric}_breach", clock.due_at))
    return tuple(timers)


@dataclass(frozen=True)
class Crossing:
    """A warning point or a due time a clock passed: `kind` is "warning" or "breach"."""

    metric: Metric
    kind: str
    at: datetime


def crossed_before_stopping(report: SlaReport) -> tuple[Crossing, ...]:
    """The warnings and breaches of the clocks that have stopped, at the instants they happened.

    A running clock's crossings are its timers' to record (`due_timers` arms them, past ones
    included); a stopped clock has no timers, so a history replayed after the fact (an import)
    records these instead. A first response never owed (not_applicable) crossed nothing. Only
    the next-update interval the report describes is seen, not earlier ones."""
    found: list[Crossing] = []
    for clock in (report.first_response, report.next_update, report.resolution):
        if clock is None or clock.stopped_at is None or clock.state == "not_applicable":
            continue
        if clock.due_at is None:
            continue
        if (
            clock.warning_at is not None
            and clock.warning_at < clock.due_at
            and clock.warning_at <= clock.stopped_at
        ):
            found.append(Crossing(clock.metric, "warning", clock.warning_at))
        if clock.state == "breached":
            found.append(Crossing(clock.metric, "breach", clock.due_at))
    return tuple(sorted(found, key=lambda c: c.at))


def explain(clock: MetricClock, policy_name: str, calendar_name: str) -> str:
    """One line for people, e.g. "resolution: 8h business target under 'Default' on calendar
    'Office NL', 1h30m paused, due 2026-03-30T09:00:00Z"."""
    parts = [
        f"{clock.metric}: {_duration(clock.target_seconds)} business target under "
        f"'{policy_name}' on calendar '{calendar_name}'"
    ]
    if clock.paused_seconds:
        parts.append(f"{_duration(clock.paused_seconds)} paused")
    over = _duration(-clock.remaining_seconds)
    if clock.state == "met":
        parts.append(f"met at {_iso(clock.stopped_at)} with {_duration(clock.used_seconds)} used")
    elif clock.state == "not_applicable":
        parts.append("closed without a reply")
    elif clock.state == "breached" and clock.stopped_at is not None:
        parts.append(f"breached: stopped at {_iso(clock.stopped_at)}, {over} over")
    elif clock.state == "paused":
        parts.append(f"paused now with {_duration(clock.remaining_seconds)} left")
    elif clock.state == "breached" and clock.paused:
        parts.append(f"paused now, breached {over} over")
    elif clock.state == "breached":
        parts.append(f"breached at {_iso(clock.due_at)}")
    elif clock.state == "warning":
        parts.append(f"due {_iso(clock.due_at)}, warning since {_iso(clock.warning_at)}")
    else:
        parts.append(f"due {_iso(clock.due_at)}")
    return ", ".join(parts)


@dataclass(frozen=True)
class PolicyConditions:
    """Which tickets a policy applies to; an empty set means any value."""

    priorities: frozenset[str] = frozenset()
    types: frozenset[str] = frozenset()
    team_ids: frozenset[int] = frozenset()
    organizations: frozenset[str] = frozenset()
    channels: frozenset[str] = frozenset()


@dataclass(frozen=True)
class TicketTraits:
    priority: str
    type: str
    team_id: int | None
    organization: str | None
    channel: str


def matches(conditions: PolicyConditions, traits: TicketTraits) -> bool:
    """Every non-empty condition must contain the ticket's value; a missing value matches none."""
    pairs: tuple[tuple[frozenset[str] | frozenset[int], str | int | None], ...] = (
        (conditions.priorities, traits.priority),
        (conditions.types, traits.type),
        (conditions.team_ids, traits.team_id),
        (conditions.organizations, traits.organization),
        (conditions.channels, traits.channel),
    )
    return all(not wanted or value in wanted for wanted, value in pairs)


def select_policy(
    candidates: Sequence[tuple[K, PolicyConditions]], traits: TicketTraits
) -> K | None:
    """The first candidate, in the given order, whose conditions match; None if none does."""
    return next((key for key, conditions in candidates if matches(conditions, traits)), None)


def overall_state(report: SlaReport) -> ClockState:
    """The worst state among the report's clocks, by STATE_ORDER."""
    clocks = (report.first_response, report.next_update, report.resolution)
    return min((c.state for c in clocks if c is not None), key=STATE_ORDER.index)


def _spans(timeline: TicketTimeline) -> list[_Span]:
    changes = timeline.statuses
    if not changes:
        raise ValueError("a ticket timeline needs its initial status")
    created = timeline.created_at
    spans: list[_Span] = []
    for i, change in enumerate(changes):
        if i and change.at < changes[i - 1].at:
            raise ValueError(
                f"status changes out of order: {change.at.isoformat()} after "
                f"{changes[i - 1].at.isoformat()}"
            )
        # A change logged a moment before created_at (clock skew) applies from creation.
        start = max(change.at, created)
        end = max(changes[i + 1].at, created) if i + 1 < len(changes) else None
        spans.append((start, end, change.status))
    return spans


def _done_since(spans: list[_Span]) -> datetime:
    """Start of the trailing run of resolved/closed statuses (resolved → closed keeps it)."""
    since = spans[-1][0]
    for start, _, status in reversed(spans):
        if status not in DONE:
            break
        since = start
    return since


class _Remembered:
    """The policy's calendar for one evaluation, remembering the business time between two
    instants: the clocks measure the same stretches again (first response and resolution both
    from creation; a stopped clock's time used, then its due and warning instants)."""

    __slots__ = ("_between", "_calendar")

    def __init__(self, calendar: BusinessTime) -> None:
        self._calendar = calendar
        self._between: dict[tuple[datetime, datetime], int] = {}

    def add(self, start: datetime, seconds: int) -> datetime:
        return self._calendar.add(start, seconds)

    def between(self, start: datetime, end: datetime) -> int:
        seconds = self._between.get((start, end))
        if seconds is None:
            seconds = self._between[start, end] = self._calendar.between(start, end)
        return seconds


def _clock(
    metric: Metric,
    policy: ClockPolicy,
    cal: BusinessTime,
    spans: list[_Span],
    start: datetime,
    stop: datetime | None,
    now: datetime,
    *,
    unanswered: bool = False,
) -> MetricClock:
    target = policy.targets.of(metric)
    if stop is not None:
        stop = max(stop, start)
    idle = policy.pause_statuses | DONE
    running = _segments(spans, start, stop, lambda status: status not in idle)
    paused = stop is None and spans[-1][2] in policy.pause_statuses
    used = sum(cal.between(s, _clip(e, now)) for s, e in running)
    paused_seconds = sum(
        cal.between(s, _clip(e, now))
        for s, e in _segments(spans, start, stop, lambda status: status in policy.pause_statuses)
    )
    due_at: datetime | None = None
    warning_at: datetime | None = None
    if paused:
        # Every running segment has ended, so this is the breach instant if the target ran out
        # before the pause, and None otherwise: a pause must not hide a breach.
        due_at = _reach(cal, running, target)
        if due_at is not None:
            warning_at = _reach(cal, running, policy.warning_seconds(target))
    else:
        # A stopped clock is projected past its stop, so a met clock still shows its due time.
        path = running if stop is None else [*running, (stop, None)]
        due_at = _reach(cal, path, target)
        warning_at = _reach(cal, path, policy.warning_seconds(target))
    state: ClockState
    if stop is not None and unanswered:
        # Resolved/closed without a reply: nothing was owed if that came before the due time;
        # at or after it, the running clock had already shown (and timed) the breach.
        state = "not_applicable" if used < target else "breached"
    elif stop is not None:
        state = "met" if used <= target else "breached"
    elif paused or due_at is None or warning_at is None:
        # Frozen where it stopped running; a clock that had already run out stays breached.
        state = "breached" if used >= target else "paused"
    elif now >= due_at:
        state = "breached"
    elif now >= warning_at:
        state = "warning"
    else:
        state = "on_track"
    return MetricClock(
        metric=metric,
        target_seconds=target,
        started_at=_utc(start),
        stopped_at=_utc(stop) if stop is not None else None,
        due_at=due_at,
        warning_at=warning_at,
        used_seconds=used,
        remaining_seconds=target - used,
        percent_used=round(used * 100 / target, 1) if target else 100.0,
        state=state,
        paused_seconds=paused_seconds,
        paused=paused,
    )


def _segments(
    spans: list[_Span], start: datetime, stop: datetime | None, counts: Callable[[str], bool]
) -> list[_Segment]:
    """The parts of [start, stop) spent in statuses that `counts`, in order, none empty."""
    out: list[_Segment] = []
    for s, e, status in spans:
        if not counts(status):
            continue
        lo = max(s, start)
        hi = e if stop is None else (stop if e is None else min(e, stop))
        if hi is None or hi > lo:
            out.append((lo, hi))
    return out


def _reach(cal: BusinessTime, segments: list[_Segment], amount: int) -> datetime | None:
    """The instant at which `amount` business seconds have run through `segments`."""
    used = 0
    for s, e in segments:
        if e is None:
            return cal.add(s, amount - used)
        available = cal.between(s, e)
        if used + available >= amount:
            return cal.add(s, amount - used)
        used += available
    return None


def _clip(end: datetime | None, now: datetime) -> datetime:
    return now if end is None else min(end, now)


def _utc(at: datetime) -> datetime:
    return at.astimezone(UTC)


def _iso(at: datetime | None) -> str:
    return "-" if at is None else _utc(at).strftime("%Y-%m-%dT%H:%M:%SZ")


def _duration(seconds: int) -> str:
    """Compact h/m/s ("1h30m", "45s", "0s"); business durations are not split into days."""
    seconds = abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = "".join(f"{n}{unit}" for n, unit in ((hours, "h"), (minutes, "m"), (secs, "s")) if n)
    return text or "0s"
