"""Tests for the SLA what-if: tickets replayed under two books, counted side by side."""

from datetime import UTC, datetime, time, timedelta

from app.domain.calendar import ALWAYS_OPEN, WorkingHours, make_calendar
from app.domain.sla import (
    ClockPolicy,
    StatusChange,
    Targets,
    TicketTimeline,
    TicketTraits,
    evaluate,
)
from app.domain.sla_whatif import BreachChange, Comparison, ReplayedTicket, compare

HOUR = 3600
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
NOW = T0 + timedelta(days=10)
LEAD = timedelta(hours=2)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def policy(
    first: int, resolution: int, update: int = 8 * HOUR, calendar=ALWAYS_OPEN
) -> ClockPolicy:  # type: ignore[no-untyped-def]
    return ClockPolicy(Targets(first, update, resolution), calendar)


def ticket(
    ticket_id: int,
    *statuses: tuple[float, str],
    replied: float | None = None,
    last_reply: float | None = None,
    priority: str = "medium",
) -> ReplayedTicket:
    return ReplayedTicket(
        id=ticket_id,
        timeline=TicketTimeline(
            created_at=at(statuses[0][0]),
            statuses=tuple(StatusChange(at(h), s) for h, s in statuses),
            first_responded_at=at(replied) if replied is not None else None,
            last_public_reply_at=at(last_reply) if last_reply is not None else None,
        ),
        traits=TicketTraits(priority, "incident", None, None, "email"),
    )


def under(clock: ClockPolicy):  # type: ignore[no-untyped-def]
    return lambda traits: clock


# 1: replied after 3 h, resolved after 10 h. 2: replied after 1 h, resolved after 5 h.
# 3: closed unanswered after 30 min. 4: open, answered at 2 h, paused since 4 h.
TICKETS = [
    ticket(1, (0, "new"), (10, "resolved"), replied=3),
    ticket(2, (0, "new"), (5, "resolved"), replied=1, priority="high"),
    ticket(3, (0, "new"), (0.5, "closed")),
    ticket(4, (0, "new"), (4, "pending"), replied=2, last_reply=2),
]


def test_a_tighter_draft_gains_the_breaches_it_would_have_caused() -> None:
    current = policy(4 * HOUR, 12 * HOUR)
    draft = policy(2 * HOUR, 8 * HOUR)
    result = compare(TICKETS, under(current), under(draft), NOW, reminder_lead=LEAD)
    assert result.tickets == 4
    assert result.breaches_gained == (
        BreachChange(1, "first_response"),
        BreachChange(1, "resolution"),
    )
    assert result.breaches_gained_total == 2 and result.breaches_lost_total == 0
    medium = result.draft.compliance["medium"]
    assert (medium["first_response"].met, medium["first_response"].breached) == (1, 1)
    assert medium["first_response"].not_applicable == 1  # ticket 3, closed unanswered
    assert medium["resolution"].running == 1  # ticket 4, paused short of the target
    assert medium["first_response"].share_met == 0.5
    assert result.current.compliance["medium"]["first_response"].share_met == 1.0
    assert result.current.compliance["high"]["resolution"].met == 1


def test_a_looser_draft_loses_breaches_and_moves_due_times_later() -> None:
    current = policy(2 * HOUR, 8 * HOUR)
    draft = policy(4 * HOUR, 12 * HOUR)
    result = compare(TICKETS, under(current), under(draft), NOW, reminder_lead=LEAD, top=2)
    assert result.breaches_lost == (
        BreachChange(1, "first_response"),
        BreachChange(1, "resolution"),
    )
    assert result.breaches_gained == ()
    # Every ticket's first response and resolution move (4: its resolution is paused: no due).
    assert result.moved_total == 7
    assert [(m.ticket_id, m.metric, m.shift_seconds) for m in result.moves] == [
        (1, "resolution", 4 * HOUR),
        (2, "resolution", 4 * HOUR),
    ]
    assert result.moves[0].draft_due_at - result.moves[0].current_due_at == timedelta(hours=4)


def test_the_same_book_on_both_sides_changes_nothing_and_matches_evaluate() -> None:
    current = policy(2 * HOUR, 8 * HOUR)
    result = compare(TICKETS, under(current), under(current), NOW, reminder_lead=LEAD)
    assert result.current == result.draft
    assert result.moved_total == result.breaches_gained_total == result.breaches_lost_total == 0
    states = [evaluate(current, t.timeline, NOW).resolution.state for t in TICKETS]
    resolution = result.current.compliance["medium"]["resolution"]
    assert (resolution.breached, resolution.met, resolution.running) == (
        states.count("breached"),
        states.count("met") - 1,  # ticket 2 is high
        states.count("paused"),
    )


def test_breach_lists_are_capped_but_totals_are_exact() -> None:
    many = [ticket(i, (0, "new"), (10, "resolved"), replied=3) for i in range(1, 51)]
    result = compare(
        many,
        under(policy(4 * HOUR, 12 * HOUR)),
        under(policy(HOUR, 12 * HOUR)),
        NOW,
        reminder_lead=LEAD,
        list_limit=5,
    )
    assert result.breaches_gained_total == 50
    assert [b.ticket_id for b in result.breaches_gained] == [1, 2, 3, 4, 5]


def test_batches_add_up_to_the_whole() -> None:
    current, draft = under(policy(4 * HOUR, 12 * HOUR)), under(policy(HOUR, 6 * HOUR))
    whole = compare(TICKETS, current, draft, NOW, reminder_lead=LEAD)
    batched = Comparison(current, draft, NOW, reminder_lead=LEAD)
    batched.add(TICKETS[:1])
    batched.add(TICKETS[1:])
    assert batched.result() == whole


def test_warnings_and_follow_up_reminders_are_counted_as_of_now() -> None:
    open_ticket = ticket(7, (0, "new"), (0.1, "open"), replied=1, last_reply=1)
    # Next update every 8 h (reminder 2 h ahead, at 7 h) vs every 4 h (reminder at 3 h).
    current = under(policy(4 * HOUR, 100 * HOUR, update=8 * HOUR))
    draft = under(policy(4 * HOUR, 100 * HOUR, update=4 * HOUR))
    result = compare([open_ticket], current, draft, at(4.5), reminder_lead=LEAD)
    assert (result.current.reminders_raised, result.current.reminders_pending) == (0, 1)
    assert (result.draft.reminders_raised, result.draft.reminders_pending) == (1, 0)
    # The 4 h next update warned at 80 % (1 h + 3.2 h); the 8 h one not yet (at 7.4 h).
    assert result.draft.warnings["next_update"] == 1
    assert result.current.warnings["next_update"] == 0
    # First response: replied after 1 h of 4, never warned on either side.
    assert result.current.warnings["first_response"] == result.draft.warnings["first_response"] == 0
    assert result.draft.compliance["medium"]["next_update"].running == 1


def test_a_calendar_draft_moves_due_times_across_the_weekend() -> None:
    office = make_calendar(
        "Europe/Amsterdam", [WorkingHours(d, time(9), time(17)) for d in range(5)]
    )
    friday = ReplayedTicket(
        id=9,
        timeline=TicketTimeline(
            created_at=datetime(2026, 3, 6, 14, 0, tzinfo=UTC),  # Fri 15:00 CET
            statuses=(StatusChange(datetime(2026, 3, 6, 14, 0, tzinfo=UTC), "new"),),
        ),
        traits=TicketTraits("medium", "incident", None, None, "email"),
    )
    result = compare(
        [friday],
        under(policy(4 * HOUR, 40 * HOUR)),
        under(policy(4 * HOUR, 40 * HOUR, calendar=office)),
        datetime(2026, 3, 6, 15, 0, tzinfo=UTC),
        reminder_lead=LEAD,
    )
    first = next(m for m in result.moves if m.metric == "first_response")
    # Round the clock: Fri 18:00 UTC; office hours: 2 h on Friday, 2 h on Monday → 11:00 CET.
    assert first.current_due_at == datetime(2026, 3, 6, 18, 0, tzinfo=UTC)
    assert first.draft_due_at == datetime(2026, 3, 9, 10, 0, tzinfo=UTC)
