"""SLA clock benchmark: what working out a ticket's clocks costs (`sla.evaluate`, done on every
read of a ticket and every change that moves its clocks), on a 24x7 calendar and on office
hours (Mon–Fri 09:00–17:00, Europe/Amsterdam, with a holiday), for four tickets: new, answered,
paused and resumed, and resolved. Each is timed read after read ("warm": its due times are the
sums the calendar remembers) and with the calendar's remembered sums forgotten before each read
("cold": as the first read of a ticket after a restart), in five rounds of each in turn, the
best round of each kept; and the ratio warm/cold. A few seconds; `--reads N` per cell."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.domain import calendar  # noqa: E402
from app.domain.calendar import ALWAYS_OPEN, Holiday, WorkingHours, make_calendar  # noqa: E402
from app.domain.sla import ClockPolicy, StatusChange, Targets, TicketTimeline, evaluate  # noqa: E402

CALENDARS = {
    "24x7": ALWAYS_OPEN,
    "office hours": make_calendar(
        "Europe/Amsterdam",
        [WorkingHours(d, wall(9), wall(17)) for d in range(5)],
        [Holiday(date(2026, 12, 25))],
    ),
}
TARGETS = Targets(first_response=4 * 3600, next_update=8 * 3600, resolution=24 * 3600)
CREATED = datetime(2026, 12, 3, 15, 12, 7, tzinfo=UTC)  # a Thursday afternoon


def at(hours: float) -> datetime:
    return CREATED + timedelta(hours=hours)


def ticket(*statuses: tuple[float, str], replied: float, last: float) -> TicketTimeline:
    """A ticket created at CREATED, new, then in each status from its hour on, first answered
    and last answered at those hours."""
    changes = (StatusChange(CREATED, "new"), *(StatusChange(at(h), s) for h, s in statuses))
    return TicketTimeline(CREATED, changes, at(replied), at(last))


TICKETS = {
    "new": TicketTimeline(CREATED, (StatusChange(CREATED, "new"),)),
    "answered": ticket((0.2, "open"), replied=0.5, last=2),
    "paused, resumed": ticket((1, "pending"), (20, "open"), replied=1, last=1),
    "resolved": ticket((1, "open"), (30, "resolved"), replied=1, last=28),
}
NOW = at(40)
# The calendar's remembered sums (none in a version that did not remember them).
remembered = getattr(calendar, "_added", None)


def reader(policy: ClockPolicy, timeline: TicketTimeline) -> Callable[[int], object]:
    """The i-th read of `timeline`'s clocks, a second after the one before."""
    return lambda i: evaluate(policy, timeline, NOW + timedelta(seconds=i))


def timed(reads: int, read: Callable[[int], object], forget: bool) -> float:
    """µs of CPU per read; `forget`: the remembered sums dropped before each (not timed)."""
    spent = 0.0
    for i in range(reads):
        if forget and remembered is not None:
            remembered.cache_clear()
        start = time.process_time()
        read(i)
        spent += time.process_time() - start
    return spent / reads * 1e6


def main(args: argparse.Namespace) -> None:
    print(f"sla.evaluate, CPU µs per read ({args.reads:,} reads per cell)")
    print(f"  {'calendar':13s} {'ticket':16s} {'cold':>7s} {'warm':>7s}  warm/cold")
    for name, cal in CALENDARS.items():
        policy = ClockPolicy(TARGETS, cal)
        for shape, timeline in TICKETS.items():
            read = reader(policy, timeline)
            timed(50, read, False)  # warm-up
            # Rounds of each in turn, the best of each kept: the neighbours' load only adds.
            rounds = [
                (timed(args.reads // 5, read, True), timed(args.reads // 5, read, False))
                for _ in range(5)
            ]
            cold, warm = min(c for c, _ in rounds), min(w for _, w in rounds)
            print(f"  {name:13s} {shape:16s} {cold:7.1f} {warm:7.1f}  {warm / cold:.2f}×")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reads", type=int, default=5000, help="reads timed per cell")
    main(parser.parse_args())
