"""Tests for SLA clocks: worked examples (24x7 and office hours), timers, policies, properties."""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain.calendar import ALWAYS_OPEN, Holiday, WorkingHours, make_calendar
from app.domain.sla import (
    METRICS,
    STATE_ORDER,
    BusinessTime,
    ClockPolicy,
    MetricClock,
    Pause,
    PolicyConditions,
    StatusChange,
    Targets,
    TicketTimeline,
    TicketTraits,
    TimerSpec,
    due_timers,
    evaluate,
    explain,
    matches,
    overall_state,
    select_policy,
)

HOUR = 3600
MINUTE = 60
AMS = ZoneInfo("Europe/Amsterdam")
# Easter Monday 2026 is a day off; Mon–Fri 09:00–17:00 otherwise.
EASTER_MONDAY = date(2026, 4, 6)
OFFICE = make_calendar(
    "Europe/Amsterdam",
    [WorkingHours(d, time(9), time(17)) for d in range(5)],
    [Holiday(EASTER_MONDAY)],
)
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday; on 24x7 only elapsed time matters


class Elapsed:
    """The smallest BusinessTime: every second counts (the protocol, not the real calendar)."""

    def add(self, start: datetime, seconds: int) -> datetime:
        return start.astimezone(UTC) + timedelta(seconds=seconds)

    def between(self, start: datetime, end: datetime) -> int:
        return max(0, int((end - start).total_seconds()))


def t(hours: float = 0, minutes: int = 0, seconds: int = 0) -> datetime:
    return T0 + timedelta(hours=hours, minutes=minutes, seconds=seconds)


def ams(*args: int) -> datetime:
    return datetime(*args, tzinfo=AMS)  # type: ignore[misc]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def policy(
    calendar: BusinessTime = ALWAYS_OPEN,
    *,
    first: int = HOUR,
    update: int = 2 * HOUR,
    resolution: int = 8 * HOUR,
    ratio: float = 0.8,
) -> ClockPolicy:
    return ClockPolicy(Targets(first, update, resolution), calendar, warning_ratio=ratio)


def history(
    *changes: tuple[datetime, str],
    first: datetime | None = None,
    last: datetime | None = None,
) -> TicketTimeline:
    """A timeline created at the first change; `last` defaults to the first reply."""
    return TicketTimeline(
        created_at=changes[0][0],
        statuses=tuple(StatusChange(at, status) for at, status in changes),
        first_responded_at=first,
        last_public_reply_at=last or first,
    )


# --- 24x7 ------------------------------------------------------------------------------------


def test_reply_before_deadline_meets_first_response() -> None:
    report = evaluate(
        policy(), history((t(), "new"), (t(minutes=30), "open"), first=t(minutes=30)), t(2)
    )
    assert report.first_response == MetricClock(
        metric="first_response",
        target_seconds=HOUR,
        started_at=t(),
        stopped_at=t(minutes=30),
        due_at=t(1),
        warning_at=t(minutes=48),
        used_seconds=30 * MINUTE,
        remaining_seconds=30 * MINUTE,
        percent_used=50.0,
        state="met",
    )
    assert report.resolution.due_at == t(8)
    assert report.resolution.warning_at == t(hours=6, minutes=24)
    assert report.resolution.used_seconds == 2 * HOUR
    assert report.resolution.state == "on_track"
    assert report.pauses == ()


@pytest.mark.parametrize(
    ("reply", "state", "used"),
    [(t(1), "met", HOUR), (t(1, seconds=1), "breached", HOUR + 1), (t(3), "breached", 3 * HOUR)],
)
def test_reply_at_or_after_deadline(reply: datetime, state: str, used: int) -> None:
    clock = evaluate(policy(), history((t(), "new"), (reply, "open"), first=reply), t(5))
    fr = clock.first_response
    assert (fr.state, fr.used_seconds, fr.remaining_seconds) == (state, used, HOUR - used)
    assert fr.due_at == t(1) and fr.stopped_at == reply
    assert fr.percent_used == round(used / 36, 1)


def test_pending_for_two_hours_moves_resolution_due_by_two_hours() -> None:
    base = history((t(), "new"), (t(minutes=10), "open"), first=t(minutes=10))
    paused = history(
        (t(), "new"),
        (t(minutes=10), "open"),
        (t(1), "pending"),
        (t(3), "open"),
        first=t(minutes=10),
    )
    before, after = evaluate(policy(), base, t(4)), evaluate(policy(), paused, t(4))
    assert before.resolution.due_at == t(8)
    assert after.resolution.due_at == t(10)
    assert after.resolution.warning_at == t(hours=8, minutes=24)
    assert after.resolution.used_seconds == 2 * HOUR
    assert after.resolution.paused_seconds == 2 * HOUR
    assert after.pauses == (Pause(t(1), t(3), "pending"),)
    # Next update is anchored at the reply and pauses the same way.
    assert before.next_update is not None and after.next_update is not None
    assert (before.next_update.due_at, after.next_update.due_at) == (
        t(hours=2, minutes=10),
        t(hours=4, minutes=10),
    )


def test_paused_clock_has_no_due_time_but_known_remaining() -> None:
    tl = history((t(), "new"), (t(minutes=50), "pending"))
    report = evaluate(policy(), tl, t(5))
    for clock in (report.first_response, report.resolution):
        assert clock.state == "paused"
        assert clock.due_at is None and clock.warning_at is None and clock.stopped_at is None
    assert report.first_response.used_seconds == 50 * MINUTE
    assert report.first_response.remaining_seconds == 10 * MINUTE
    assert report.resolution.remaining_seconds == 7 * HOUR + 10 * MINUTE
    assert report.resolution.percent_used == 10.4
    assert report.resolution.paused_seconds == 4 * HOUR + 10 * MINUTE
    assert report.pauses == (Pause(t(minutes=50), None, "pending"),)
    assert due_timers(report) == ()


@pytest.mark.parametrize(("hold", "remaining"), [(t(1), 0), (t(2), -HOUR)])
def test_paused_after_running_out_stays_breached(hold: datetime, remaining: int) -> None:
    # Like a running clock at its due time: out of time once the target is used up.
    report = evaluate(policy(), history((t(), "new"), (hold, "on_hold")), t(3))
    assert report.first_response.state == "breached"
    # The pause does not hide the breach: it stays at the instant the target ran out.
    assert report.first_response.due_at == t(1)
    assert report.first_response.remaining_seconds == remaining
    assert report.resolution.state == "paused"


def test_custom_pause_statuses() -> None:
    custom = ClockPolicy(Targets(HOUR, HOUR, 8 * HOUR), ALWAYS_OPEN, frozenset({"waiting"}))
    tl = history((t(), "new"), (t(1), "pending"), (t(2), "waiting"), (t(3), "open"))
    report = evaluate(custom, tl, t(4))
    assert report.resolution.due_at == t(9)
    assert report.pauses == (Pause(t(2), t(3), "waiting"),)


def test_resolve_then_reopen_keeps_used_time() -> None:
    changes = [(t(), "new"), (t(1), "open"), (t(3), "resolved")]
    resolved = history(*changes, first=t(1))
    report = evaluate(policy(), resolved, t(4))
    res = report.resolution
    assert (res.state, res.stopped_at, res.used_seconds) == ("met", t(3), 3 * HOUR)
    # Where it would have been due, had it kept running.
    assert res.due_at == t(8)
    assert report.next_update is None

    closed = history(*changes, (t(4), "closed"), first=t(1))
    assert evaluate(policy(), closed, t(6)).resolution.stopped_at == t(3)

    reopened = history(*changes, (t(5), "open"), first=t(1))
    report = evaluate(policy(update=4 * HOUR), reopened, t(6))
    res = report.resolution
    assert (res.state, res.stopped_at, res.used_seconds) == ("on_track", None, 4 * HOUR)
    assert res.due_at == t(10)
    assert res.warning_at == t(hours=8, minutes=24)
    # First response stays met; next update is back, anchored at the reply, minus the resolved time.
    assert report.first_response.state == "met"
    assert report.next_update is not None
    assert report.next_update.started_at == t(1)
    assert (report.next_update.due_at, report.next_update.used_seconds) == (t(7), 3 * HOUR)
    assert report.next_update.state == "on_track"


def test_resolved_late_is_breached() -> None:
    tl = history((t(), "new"), (t(1), "open"), (t(9), "resolved"), first=t(1))
    res = evaluate(policy(), tl, t(10)).resolution
    assert (res.state, res.used_seconds, res.remaining_seconds) == ("breached", 9 * HOUR, -HOUR)
    assert res.due_at == t(8) and res.percent_used == 112.5


def test_closed_without_reply_stops_first_response() -> None:
    tl = history((t(), "new"), (t(minutes=20), "closed"))
    report = evaluate(policy(), tl, t(50))
    fr = report.first_response
    # Stopped, but not met: no reply was ever sent.
    assert (fr.state, fr.stopped_at, fr.used_seconds) == (
        "not_applicable",
        t(minutes=20),
        20 * MINUTE,
    )
    assert due_timers(report) == ()


@pytest.mark.parametrize("done", ["resolved", "closed"])
def test_done_before_due_without_reply_is_not_applicable_and_arms_no_timer(done: str) -> None:
    report = evaluate(policy(), history((t(), "new"), (t(minutes=20), done)), t(5))
    fr = report.first_response
    assert (fr.state, fr.stopped_at, fr.due_at) == ("not_applicable", t(minutes=20), t(1))
    assert explain(fr, "P", "C").endswith(
        "1h business target under 'P' on calendar 'C', closed without a reply"
    )
    assert not [x for x in due_timers(report) if x.kind.startswith("first_response")]


@pytest.mark.parametrize(
    ("done_at", "used", "over"),
    [(t(1), HOUR, "0s"), (t(1, seconds=1), HOUR + 1, "1s"), (t(3), 3 * HOUR, "2h")],
)
def test_done_at_or_after_due_without_reply_stays_breached(
    done_at: datetime, used: int, over: str
) -> None:
    # At the due instant the running clock already showed (and timed) the breach.
    report = evaluate(policy(), history((t(), "new"), (done_at, "closed")), t(5))
    fr = report.first_response
    assert (fr.state, fr.stopped_at, fr.used_seconds) == ("breached", done_at, used)
    assert fr.due_at == t(1)
    assert explain(fr, "P", "C").endswith(
        f"breached: stopped at {done_at:%Y-%m-%dT%H:%M:%SZ}, {over} over"
    )
    assert not [x for x in due_timers(report) if x.kind.startswith("first_response")]


def test_reopened_without_reply_runs_first_response_again_with_time_used() -> None:
    tl = history((t(), "new"), (t(minutes=20), "closed"), (t(1), "open"))
    report = evaluate(policy(), tl, t(hours=1, minutes=10))
    fr = report.first_response
    # 20 min before closing, 10 min since reopening; the closed hour does not count.
    assert (fr.state, fr.stopped_at, fr.used_seconds) == ("on_track", None, 30 * MINUTE)
    assert (fr.due_at, fr.warning_at) == (t(hours=1, minutes=40), t(hours=1, minutes=28))
    assert due_timers(report)[:2] == (
        TimerSpec("first_response_warning", t(hours=1, minutes=28)),
        TimerSpec("first_response_breach", t(hours=1, minutes=40)),
    )
    # A reply after the reopen meets it as usual.
    answered = replace(tl, first_responded_at=t(hours=1, minutes=30))
    assert evaluate(policy(), answered, t(2)).first_response.state == "met"


def test_breached_then_paused_keeps_its_breach_instant() -> None:
    tl = history((t(), "new"), (t(2), "pending"))
    report = evaluate(policy(), tl, t(3))
    fr = report.first_response
    assert (fr.state, fr.paused, fr.stopped_at) == ("breached", True, None)
    assert (fr.due_at, fr.warning_at) == (t(1), t(minutes=48))
    # A breach timer the worker had not fired yet when the pause began still fires.
    assert due_timers(report)[:2] == (
        TimerSpec("first_response_warning", t(minutes=48)),
        TimerSpec("first_response_breach", t(1)),
    )
    # Resuming does not move it either.
    resumed = evaluate(
        policy(), replace(tl, statuses=(*tl.statuses, StatusChange(t(4), "open"))), t(5)
    )
    assert (resumed.first_response.due_at, resumed.first_response.state) == (t(1), "breached")
    assert resumed.first_response.paused is False


def test_paused_after_warning_but_before_due_has_no_due_time() -> None:
    # The warning point (48 min) has passed, the due time has not: paused hides both, as before.
    report = evaluate(policy(), history((t(), "new"), (t(minutes=55), "on_hold")), t(3))
    fr = report.first_response
    assert (fr.state, fr.paused, fr.due_at, fr.warning_at) == ("paused", True, None, None)
    assert [x.kind for x in due_timers(report)] == []


def test_office_breached_then_paused_keeps_its_business_time_breach_instant() -> None:
    # Due Tuesday 11:00 CEST (4 business hours from Friday 15:00); on hold from 14:00.
    tl = history((FRIDAY_3PM, "new"), (ams(2026, 4, 7, 14), "on_hold"))
    fr = evaluate(office(), tl, ams(2026, 4, 8, 12)).first_response
    assert (fr.state, fr.due_at, fr.warning_at) == (
        "breached",
        utc(2026, 4, 7, 9),
        utc(2026, 4, 7, 8, 12),
    )
    assert fr.used_seconds == 7 * HOUR


def test_next_update_lifecycle() -> None:
    assert evaluate(policy(), history((t(), "new")), t(1)).next_update is None

    tl = history((t(), "new"), (t(1), "open"), first=t(1), last=t(hours=3, minutes=30))
    nu = evaluate(policy(), tl, t(4)).next_update
    assert nu is not None
    assert (nu.started_at, nu.due_at, nu.warning_at) == (
        t(hours=3, minutes=30),
        t(hours=5, minutes=30),
        t(hours=5, minutes=6),
    )
    assert (nu.state, nu.used_seconds, nu.stopped_at) == ("on_track", 30 * MINUTE, None)

    waiting = replace(tl, statuses=(*tl.statuses, StatusChange(t(4), "pending")))
    nu = evaluate(policy(), waiting, t(5)).next_update
    assert nu is not None and nu.state == "paused" and nu.due_at is None

    done = replace(tl, statuses=(*tl.statuses, StatusChange(t(4), "resolved")))
    assert evaluate(policy(), done, t(5)).next_update is None


@pytest.mark.parametrize(
    ("now", "state", "used"),
    [
        (t(), "on_track", 0),
        (t(minutes=47, seconds=59), "on_track", 47 * MINUTE + 59),
        (t(minutes=48), "warning", 48 * MINUTE),
        (t(minutes=59, seconds=59), "warning", HOUR - 1),
        (t(1), "breached", HOUR),
        (t(5), "breached", 5 * HOUR),
    ],
)
def test_state_over_time(now: datetime, state: str, used: int) -> None:
    fr = evaluate(policy(), history((t(), "new")), now).first_response
    assert (fr.state, fr.used_seconds, fr.remaining_seconds) == (state, used, HOUR - used)
    # The instants do not move with `now`.
    assert (fr.due_at, fr.warning_at) == (t(1), t(minutes=48))


def test_warning_rounds_up_to_whole_seconds() -> None:
    # 0.7 × 100 s is 70 s exactly, not 71 s from floating-point noise; 0.75 × 5 s is 3.75 → 4.
    fr = evaluate(policy(first=100, ratio=0.7), history((t(), "new")), t()).first_response
    assert fr.warning_at == t(seconds=70)
    fr = evaluate(policy(first=5, ratio=0.75), history((t(), "new")), t()).first_response
    assert fr.warning_at == t(seconds=4)


def test_due_timers_for_running_clocks_only() -> None:
    tl = history((t(), "new"), (t(1, minutes=30), "open"), first=t(1, minutes=30))
    report = evaluate(policy(), tl, t(2))
    assert due_timers(report) == (
        TimerSpec("next_update_warning", t(hours=3, minutes=6)),
        TimerSpec("next_update_breach", t(hours=3, minutes=30)),
        TimerSpec("resolution_warning", t(hours=6, minutes=24)),
        TimerSpec("resolution_breach", t(8)),
    )
    fresh = evaluate(policy(), history((t(), "new")), t())
    assert [x.kind for x in due_timers(fresh)] == [
        "first_response_warning",
        "first_response_breach",
        "resolution_warning",
        "resolution_breach",
    ]
    # Timers already in the past are still listed: the worker dedups what it has fired.
    late = evaluate(policy(), history((t(), "new")), t(9))
    assert due_timers(late) == due_timers(fresh)


def test_no_warning_timer_when_warning_is_at_due_time() -> None:
    report = evaluate(policy(ratio=1.0), history((t(), "new")), t())
    assert due_timers(report) == (
        TimerSpec("first_response_breach", t(1)),
        TimerSpec("resolution_breach", t(8)),
    )


def test_zero_target_is_due_at_the_start() -> None:
    created = t(minutes=7)
    report = evaluate(policy(first=0), history((created, "new")), created)
    fr = report.first_response
    assert (fr.due_at, fr.warning_at, fr.state) == (created, created, "breached")
    assert fr.percent_used == 100.0
    assert due_timers(report)[0] == TimerSpec("first_response_breach", created)
    answered = history((created, "new"), first=created)
    assert evaluate(policy(first=0), answered, t(1)).first_response.state == "met"


def test_any_business_time_implementation_will_do() -> None:
    tl = history((t(), "new"), (t(1), "open"), (t(2), "pending"), (t(4), "open"), first=t(1))
    assert evaluate(policy(Elapsed()), tl, t(5)) == evaluate(policy(), tl, t(5))


def test_output_instants_are_utc() -> None:
    created = datetime(2026, 3, 2, 10, 0, tzinfo=AMS)
    report = evaluate(policy(), history((created, "new")), created)
    assert report.first_response.started_at.tzinfo is UTC
    assert report.first_response.due_at == utc(2026, 3, 2, 10)


def test_invalid_inputs() -> None:
    with pytest.raises(ValueError, match="resolution"):
        Targets(1, 1, -1)
    with pytest.raises(ValueError, match="warning_ratio"):
        policy(ratio=1.5)
    with pytest.raises(ValueError, match="initial status"):
        evaluate(policy(), TicketTimeline(t(), ()), t())
    with pytest.raises(ValueError, match="out of order"):
        evaluate(policy(), history((t(), "new"), (t(2), "open"), (t(1), "pending")), t(3))


# --- Mon–Fri 09:00–17:00 Europe/Amsterdam, Easter Monday 2026-04-06 off ----------------------
# Friday 2026-04-03 15:00 CEST (13:00Z); the next working day is Tuesday 2026-04-07.

FRIDAY_3PM = ams(2026, 4, 3, 15)


def office(update: int = 2 * HOUR) -> ClockPolicy:
    return policy(OFFICE, first=4 * HOUR, update=update)


def test_office_first_response_over_weekend_and_holiday() -> None:
    report = evaluate(office(), history((FRIDAY_3PM, "new")), ams(2026, 4, 6, 12))
    fr = report.first_response
    # Friday 15–17 (2 h), then Tuesday 09–11.
    assert fr.due_at == ams(2026, 4, 7, 11) == utc(2026, 4, 7, 9)
    # 80 % of 4 h is 3 h 12 m: Friday 2 h + Tuesday 1 h 12 m.
    assert fr.warning_at == utc(2026, 4, 7, 8, 12)
    # On the holiday nothing has been used since Friday's close.
    assert (fr.used_seconds, fr.state) == (2 * HOUR, "on_track")
    assert (
        evaluate(
            office(), history((FRIDAY_3PM, "new")), ams(2026, 4, 7, 10, 12)
        ).first_response.state
        == "warning"
    )


@pytest.mark.parametrize(
    ("reply", "state", "used"),
    [
        (ams(2026, 4, 7, 10, 30), "met", 3 * HOUR + 30 * MINUTE),
        (ams(2026, 4, 7, 11), "met", 4 * HOUR),
        (ams(2026, 4, 7, 11, 0, 1), "breached", 4 * HOUR + 1),
        # A reply on the holiday costs no business time.
        (ams(2026, 4, 6, 20), "met", 2 * HOUR),
    ],
)
def test_office_reply(reply: datetime, state: str, used: int) -> None:
    tl = history((FRIDAY_3PM, "new"), (reply, "open"), first=reply)
    fr = evaluate(office(), tl, ams(2026, 4, 8, 12)).first_response
    assert (fr.state, fr.used_seconds) == (state, used)
    assert fr.due_at == utc(2026, 4, 7, 9)


def test_office_pending_two_business_hours_moves_resolution_by_two_business_hours() -> None:
    now = ams(2026, 4, 7, 12)
    base = evaluate(office(), history((FRIDAY_3PM, "new")), now).resolution
    # Friday 2 h + Tuesday 6 h.
    assert base.due_at == utc(2026, 4, 7, 13)
    # Pending Friday 16:00 → Tuesday 10:00: four calendar days, two business hours.
    tl = history(
        (FRIDAY_3PM, "new"), (ams(2026, 4, 3, 16), "pending"), (ams(2026, 4, 7, 10), "open")
    )
    res = evaluate(office(), tl, now).resolution
    assert res.due_at == utc(2026, 4, 7, 15) == OFFICE.add(base.due_at, 2 * HOUR)
    assert res.paused_seconds == 2 * HOUR
    assert res.used_seconds == 3 * HOUR
    # While still pending (on the holiday) there is no due time; 7 h remain.
    during = evaluate(office(), replace(tl, statuses=tl.statuses[:2]), ams(2026, 4, 6, 12))
    assert during.resolution.state == "paused" and during.resolution.due_at is None
    assert during.resolution.remaining_seconds == 7 * HOUR


def test_office_resolve_then_reopen() -> None:
    tl = history(
        (FRIDAY_3PM, "new"),
        (ams(2026, 4, 3, 15, 30), "open"),
        (ams(2026, 4, 3, 16, 30), "resolved"),
        (ams(2026, 4, 7, 9, 30), "open"),
        first=ams(2026, 4, 3, 15, 30),
        last=ams(2026, 4, 3, 16),
    )
    report = evaluate(office(update=2 * HOUR), tl, ams(2026, 4, 7, 10))
    # 1.5 h used before resolving; 6.5 h from Tuesday 09:30.
    assert report.resolution.due_at == ams(2026, 4, 7, 16)
    assert report.resolution.used_seconds == 2 * HOUR
    # Next update: 30 min on Friday after the reply, resolved time does not count, 1.5 h on Tuesday.
    assert report.next_update is not None
    assert report.next_update.due_at == ams(2026, 4, 7, 11)


def test_office_across_daylight_saving_time() -> None:
    # Friday 2026-03-27 16:00 CET; clocks go forward on Sunday: Monday 09:00 CEST is 07:00Z.
    report = evaluate(office(), history((ams(2026, 3, 27, 16), "new")), ams(2026, 3, 27, 16))
    assert report.first_response.due_at == utc(2026, 3, 30, 10)
    assert explain(report.first_response, "Default", "Office NL") == (
        "first_response: 4h business target under 'Default' on calendar 'Office NL', "
        "due 2026-03-30T10:00:00Z"
    )


# --- explain ---------------------------------------------------------------------------------


def test_explain_each_state() -> None:
    paused = history(
        (T0, "new"), (t(1), "open"), (t(2), "pending"), (t(hours=3, minutes=30), "open"), first=t(1)
    )
    report = evaluate(policy(), paused, t(hours=4, minutes=10))
    assert explain(report.resolution, "Default", "24x7") == (
        "resolution: 8h business target under 'Default' on calendar '24x7', 1h30m paused, "
        "due 2026-03-02T18:30:00Z"
    )
    assert explain(report.first_response, "Gold", "24x7") == (
        "first_response: 1h business target under 'Gold' on calendar '24x7', "
        "met at 2026-03-02T10:00:00Z with 1h used"
    )
    assert report.next_update is not None
    assert explain(report.next_update, "Gold", "24x7") == (
        "next_update: 2h business target under 'Gold' on calendar '24x7', 1h30m paused, "
        "due 2026-03-02T13:30:00Z, warning since 2026-03-02T13:06:00Z"
    )
    late = evaluate(
        policy(), history((T0, "new"), (t(1, seconds=5), "open"), first=t(1, seconds=5)), t(2)
    )
    assert explain(late.first_response, "P", "C").endswith(
        "breached: stopped at 2026-03-02T10:00:05Z, 5s over"
    )
    running_late = evaluate(policy(), history((T0, "new")), t(2))
    assert explain(running_late.first_response, "P", "C").endswith(
        "breached at 2026-03-02T10:00:00Z"
    )
    waiting = evaluate(policy(), history((T0, "new"), (t(minutes=15), "pending")), t(1))
    assert explain(waiting.first_response, "P", "C").endswith(
        "45m paused, paused now with 45m left"
    )
    over = evaluate(policy(), history((T0, "new"), (t(2), "pending")), t(3))
    assert explain(over.first_response, "P", "C").endswith(
        "1h paused, paused now, breached 1h over"
    )


# --- overall state -----------------------------------------------------------------------------


def test_state_order_is_worst_first_with_not_applicable_last() -> None:
    assert STATE_ORDER == ("breached", "warning", "on_track", "paused", "met", "not_applicable")


def test_overall_state_is_the_worst_clock() -> None:
    fresh = evaluate(policy(), history((t(), "new")), t())
    assert overall_state(fresh) == "on_track"
    assert overall_state(evaluate(policy(), history((t(), "new")), t(minutes=50))) == "warning"
    assert overall_state(evaluate(policy(), history((t(), "new")), t(2))) == "breached"
    waiting = evaluate(policy(), history((t(), "new"), (t(minutes=10), "pending")), t(1))
    assert overall_state(waiting) == "paused"
    # next_update counts when present: replied at once, then silent past its 2 h target.
    silent = history((t(), "new"), (t(minutes=1), "open"), first=t(minutes=1))
    report = evaluate(policy(resolution=10 * HOUR), silent, t(hours=2, minutes=30))
    assert report.next_update is not None and report.next_update.state == "breached"
    assert (report.first_response.state, report.resolution.state) == ("met", "on_track")
    assert overall_state(report) == "breached"


def test_unanswered_first_response_does_not_colour_the_overall_state() -> None:
    spam = evaluate(policy(), history((t(), "new"), (t(minutes=5), "closed")), t(1))
    assert (spam.first_response.state, spam.resolution.state) == ("not_applicable", "met")
    assert overall_state(spam) == "met"
    late = evaluate(policy(), history((t(), "new"), (t(9), "closed")), t(10))
    assert overall_state(late) == "breached"


# --- policy selection ------------------------------------------------------------------------

TRAITS = TicketTraits(
    priority="high", type="incident", team_id=7, organization="acme", channel="email"
)


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        (PolicyConditions(), True),
        (PolicyConditions(priorities=frozenset({"high", "critical"})), True),
        (PolicyConditions(priorities=frozenset({"low"})), False),
        (PolicyConditions(types=frozenset({"incident"}), channels=frozenset({"email"})), True),
        (PolicyConditions(types=frozenset({"incident"}), channels=frozenset({"phone"})), False),
        (PolicyConditions(team_ids=frozenset({7})), True),
        (PolicyConditions(team_ids=frozenset({8})), False),
        (PolicyConditions(organizations=frozenset({"acme"})), True),
    ],
)
def test_matches(conditions: PolicyConditions, expected: bool) -> None:
    assert matches(conditions, TRAITS) is expected


def test_missing_trait_matches_only_an_empty_condition() -> None:
    anonymous = replace(TRAITS, team_id=None, organization=None)
    assert not matches(PolicyConditions(team_ids=frozenset({7})), anonymous)
    assert not matches(PolicyConditions(organizations=frozenset({"acme"})), anonymous)
    assert matches(PolicyConditions(priorities=frozenset({"high"})), anonymous)


def test_select_policy_takes_the_first_match_in_order() -> None:
    gold = PolicyConditions(organizations=frozenset({"acme"}), priorities=frozenset({"high"}))
    acme = PolicyConditions(organizations=frozenset({"acme"}))
    phone = PolicyConditions(channels=frozenset({"phone"}))
    default = PolicyConditions()
    assert select_policy([("phone", phone), ("gold", gold), ("acme", acme)], TRAITS) == "gold"
    assert select_policy([("acme", acme), ("gold", gold)], TRAITS) == "acme"
    assert select_policy([("default", default), ("gold", gold)], TRAITS) == "default"
    assert select_policy([("phone", phone)], TRAITS) is None
    assert select_policy([], TRAITS) is None
    assert select_policy([(1, phone), (2, default)], TRAITS) == 2


# --- properties ------------------------------------------------------------------------------

PROPERTY = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
STATUSES = ("new", "open", "pending", "on_hold", "resolved", "closed")
CALENDARS = st.sampled_from([ALWAYS_OPEN, OFFICE])
START = ams(2026, 3, 30, 8)  # spans the Easter holiday within the generated fortnight
MINUTES = st.integers(min_value=0, max_value=14 * 24 * 60)


@st.composite
def timelines(draw: st.DrawFn) -> TicketTimeline:
    offsets = sorted(draw(st.lists(MINUTES, min_size=1, max_size=8)))
    base = START + timedelta(minutes=offsets[0])
    statuses = [draw(st.sampled_from(STATUSES)) for _ in offsets]
    changes = tuple(
        StatusChange(START + timedelta(minutes=m), s)
        for m, s in zip(offsets, statuses, strict=True)
    )
    first = draw(st.none() | st.integers(0, 14 * 24 * 60))
    first_at = None if first is None else base + timedelta(minutes=first)
    last_at = None
    if first_at is not None:
        last_at = first_at + timedelta(minutes=draw(st.integers(0, 5 * 24 * 60)))
    return TicketTimeline(base, changes, first_at, last_at)


def status_at(tl: TicketTimeline, at: datetime) -> str:
    return [c.status for c in tl.statuses if c.at <= at][-1]


def with_pause(tl: TicketTimeline, start: datetime, end: datetime, status: str) -> TicketTimeline:
    """The same history, but in `status` during [start, end)."""
    before = tuple(c for c in tl.statuses if c.at < start)
    after = tuple(c for c in tl.statuses if c.at >= end)
    resume = StatusChange(end, status_at(tl, end))
    return replace(tl, statuses=(*before, StatusChange(start, status), resume, *after))


def targets() -> st.SearchStrategy[Targets]:
    seconds = st.integers(0, 40 * HOUR)
    return st.builds(Targets, seconds, seconds, seconds)


def clocks(report: object) -> dict[str, MetricClock | None]:
    return {m: getattr(report, m) for m in METRICS}


@PROPERTY
@given(
    tl=timelines(),
    cal=CALENDARS,
    goals=targets(),
    start=MINUTES,
    length=st.integers(1, 3 * 24 * 60),
    status=st.sampled_from(["pending", "on_hold"]),
)
def test_adding_a_pause_never_makes_a_due_time_earlier(
    tl: TicketTimeline, cal: BusinessTime, goals: Targets, start: int, length: int, status: str
) -> None:
    p = ClockPolicy(goals, cal)
    pause_start = tl.created_at + timedelta(minutes=start)
    paused = with_pause(tl, pause_start, pause_start + timedelta(minutes=length), status)
    now = START + timedelta(days=20)
    before, after = clocks(evaluate(p, tl, now)), clocks(evaluate(p, paused, now))
    for metric in METRICS:
        b, a = before[metric], after[metric]
        if b is None or a is None:
            continue
        if b.due_at is not None and a.due_at is not None:
            assert a.due_at >= b.due_at, metric
        if b.warning_at is not None and a.warning_at is not None:
            assert a.warning_at >= b.warning_at, metric
        assert a.used_seconds <= b.used_seconds


@PROPERTY
@given(
    tl=timelines(),
    cal=CALENDARS,
    goals=targets(),
    nows=st.lists(st.integers(-60, 30 * 24 * 60), min_size=2, max_size=4),
)
def test_due_times_depend_on_the_history_not_on_now(
    tl: TicketTimeline, cal: BusinessTime, goals: Targets, nows: list[int]
) -> None:
    p = ClockPolicy(goals, cal)
    reports = [evaluate(p, tl, tl.created_at + timedelta(minutes=n)) for n in nows]
    assert evaluate(p, tl, tl.created_at) == evaluate(p, tl, tl.created_at)
    assert len({due_timers(r) for r in reports}) == 1
    for metric in METRICS:
        seen = {
            (c.due_at, c.warning_at, c.stopped_at, c.started_at)
            for r in reports
            if (c := getattr(r, metric)) is not None
        }
        assert len(seen) <= 1, metric


@PROPERTY
@given(tl=timelines(), cal=CALENDARS, goals=targets())
def test_a_running_clock_has_used_exactly_its_target_at_its_due_time(
    tl: TicketTimeline, cal: BusinessTime, goals: Targets
) -> None:
    p = ClockPolicy(goals, cal)
    last_event = max(c.at for c in tl.statuses)
    for metric in METRICS:
        clock = getattr(evaluate(p, tl, last_event), metric)
        if clock is None or clock.stopped_at is not None or clock.due_at is None:
            continue
        if clock.due_at < last_event:
            continue  # reached before the last change; the cut at `now` is checked elsewhere
        at_due = getattr(evaluate(p, tl, clock.due_at), metric)
        assert at_due.used_seconds == clock.target_seconds
        assert at_due.state == "breached"
        assert TimerSpec(f"{metric}_breach", clock.due_at) in due_timers(
            evaluate(p, tl, last_event)
        )


@PROPERTY
@given(tl=timelines(), cal=CALENDARS, goals=targets(), later=st.integers(0, 30 * 24 * 60))
def test_first_response_without_a_reply_is_never_met(
    tl: TicketTimeline, cal: BusinessTime, goals: Targets, later: int
) -> None:
    unanswered = replace(tl, first_responded_at=None, last_public_reply_at=None)
    report = evaluate(ClockPolicy(goals, cal), unanswered, tl.created_at + timedelta(minutes=later))
    fr = report.first_response
    assert fr.state != "met"
    if fr.stopped_at is not None:
        assert fr.state in ("not_applicable", "breached")
        assert not [x for x in due_timers(report) if x.kind.startswith("first_response")]
    assert overall_state(report) != "not_applicable"


@PROPERTY
@given(tl=timelines(), cal=CALENDARS, goals=targets(), later=st.integers(0, 30 * 24 * 60))
def test_a_pause_never_hides_a_breach(
    tl: TicketTimeline, cal: BusinessTime, goals: Targets, later: int
) -> None:
    report = evaluate(ClockPolicy(goals, cal), tl, tl.created_at + timedelta(minutes=later))
    for metric in METRICS:
        clock = getattr(report, metric)
        if clock is None or not clock.paused:
            continue
        if clock.due_at is None:
            assert clock.warning_at is None
            # Only a clock that never ran can be out of time without a breach instant.
            assert clock.state == "paused" or clock.used_seconds == clock.target_seconds == 0
        else:
            assert clock.warning_at is not None and clock.warning_at <= clock.due_at
            assert TimerSpec(f"{metric}_breach", clock.due_at) in due_timers(report)


class Counting(Elapsed):
    """Elapsed, counting what it is asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[datetime, datetime]] = []

    def between(self, start: datetime, end: datetime) -> int:
        self.asked.append((start, end))
        return super().between(start, end)


def test_an_evaluation_measures_each_stretch_of_business_time_once() -> None:
    # First response and resolution both run from creation; a stopped clock's time used is
    # also the first stretch its due and warning instants are reached through.
    cal = Counting()
    policy = ClockPolicy(Targets(HOUR, 4 * HOUR, 8 * HOUR), cal)
    timeline = TicketTimeline(
        created_at=t(),
        statuses=(StatusChange(t(), "new"), StatusChange(t(minutes=5), "open")),
        first_responded_at=t(minutes=30),
        last_public_reply_at=t(hours=1),
    )
    report = evaluate(policy, timeline, t(hours=2))
    assert len(cal.asked) == len(set(cal.asked)) > 0
    assert report == evaluate(
        ClockPolicy(Targets(HOUR, 4 * HOUR, 8 * HOUR), Elapsed()), timeline, t(hours=2)
    )


def test_office_hours_due_times_are_summed_once_per_start_and_amount() -> None:
    # A ticket's due times depend on its history alone: every later read asks the same sums.
    due = OFFICE.add(ams(2026, 3, 6, 16, 30), 3 * HOUR)
    assert due == ams(2026, 3, 9, 11, 30)
    assert OFFICE.add(ams(2026, 3, 6, 16, 30), 3 * HOUR) is due
