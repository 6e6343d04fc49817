"""Business calendars: working hours and holidays in a time zone, and business-time arithmetic."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "ALWAYS_OPEN",
    "END_OF_DAY",
    "BusinessCalendar",
    "CalendarError",
    "Holiday",
    "WorkingHours",
    "add_business_time",
    "business_seconds_between",
    "format_wall_time",
    "make_calendar",
    "next_business_moment",
    "parse_wall_time",
]

_DAY = 86_400
_WEEK = 7 * _DAY
_ONE_DAY = timedelta(days=1)
_ONE_SECOND = timedelta(seconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
# A calendar whose working time is all cancelled by holidays would make a forward search loop
# forever; ten years without a single working second can only be a misconfiguration.
_MAX_IDLE_DAYS = 3653
_WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_WALL_TIME = re.compile(r"([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?")

END_OF_DAY: time = time(0)
"""24:00 as a `WorkingHours.end`: datetime.time stops at 23:59:59, and an end of 00:00 already
means the midnight that ends the start's day (18:00–00:00 is 18:00–24:00)."""


class CalendarError(ValueError):
    """An invalid calendar definition, or a calendar with no reachable working time."""


@dataclass(frozen=True)
class WorkingHours:
    """One weekly working interval in the calendar's local wall-clock time.

    `weekday` is 0 = Monday … 6 = Sunday. If `end <= start` the interval runs past midnight into
    the next day; 00:00–00:00 is the whole day. Any other `end == start` is rejected. Times must
    be naive and whole seconds. 24:00 is written `END_OF_DAY` (time(0)): an end of 00:00 is the
    next midnight, so Monday 18:00–24:00 is `WorkingHours(0, time(18), END_OF_DAY)`; across a
    DST change at midnight it ends where that midnight falls (a missing one: where the gap ends).
    `parse_wall_time` reads "24:00" from text.
    """

    weekday: int
    start: time
    end: time


@dataclass(frozen=True)
class Holiday:
    """A day without work: it removes every working interval that starts on that local date.

    With `recurring=True` the same month and day is a holiday every year (29 February only in
    leap years).
    """

    day: date
    recurring: bool = False


@dataclass(frozen=True)
class BusinessCalendar:
    """Weekly working hours and holidays in one time zone; build it with `make_calendar`.

    Semantics shared by every operation:

    * All datetimes in must be timezone-aware (naive → ValueError); all datetimes out are UTC.
    * Business time is real elapsed time inside working intervals, not a wall-clock difference.
      Intervals are local wall-clock, so across a DST change 01:00–04:00 lasts 2 h or 4 h. A
      local time that does not exist (spring-forward gap) means the instant the gap ends; an
      ambiguous one (fall-back) means its first occurrence (fold=0).
    * Intervals are half-open: 09:00–17:00 contains 09:00 but not 17:00.
    * Business time is counted in whole seconds: input instants are floored to the second
      (microseconds dropped) before counting, and computed results are whole seconds.

    The constructor validates like `make_calendar` (raising CalendarError), so no invalid
    calendar can exist.
    """

    zone: ZoneInfo
    hours: tuple[WorkingHours, ...]
    holidays: tuple[Holiday, ...] = ()

    def __post_init__(self) -> None:
        # Accept any iterable but store tuples, so the calendar stays hashable and immutable.
        object.__setattr__(self, "hours", tuple(self.hours))
        object.__setattr__(self, "holidays", tuple(self.holidays))
        _validate(self)
        # Calendars key the interval caches below; hash the nested tuples once, not per lookup.
        object.__setattr__(self, "_hash", hash((self.zone, self.hours, self.holidays)))

    def __hash__(self) -> int:
        return self._hash  # type: ignore[attr-defined,no-any-return]

    def add(self, start: datetime, seconds: int) -> datetime:
        """See `add_business_time`."""
        return add_business_time(self, start, seconds)

    def between(self, start: datetime, end: datetime) -> int:
        """See `business_seconds_between`."""
        return business_seconds_between(self, start, end)

    def next_business_moment(self, at: datetime) -> datetime:
        """See `next_business_moment`."""
        return next_business_moment(self, at)

    def is_business_time(self, at: datetime) -> bool:
        """Whether `at` lies inside a working interval (start included, end excluded)."""
        t = _to_seconds(at)
        day = _local_date(self, t)
        for s, e in _intervals(self, day - _ONE_DAY, day + 2 * _ONE_DAY):
            if e > t:
                return s <= t
        return False


def make_calendar(
    zone: str, hours: Iterable[WorkingHours], holidays: Iterable[Holiday] = ()
) -> BusinessCalendar:
    """Build a validated calendar from an IANA zone name, working hours and holidays.

    An end of 24:00 is `END_OF_DAY` (see `WorkingHours`); messages show it as 24:00:00.
    Raises CalendarError naming the offending entry, e.g. "hours[2]: end must differ from
    start" or "hours[1]: Mon 11:00:00–17:00:00 overlaps hours[0]: Mon 09:00:00–12:00:00", for
    an unknown zone, a weekday outside 0..6, an interval with end == start (other than
    00:00–00:00), overlapping intervals (after expanding those past midnight, including across
    the Sunday→Monday boundary) or no intervals at all.
    """
    if not isinstance(zone, str):
        raise CalendarError(f"zone: expected an IANA time zone name, got {zone!r}")
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise CalendarError(f"zone: unknown time zone {zone!r}") from None
    return BusinessCalendar(zone=tz, hours=tuple(hours), holidays=tuple(holidays))


def parse_wall_time(text: str, *, end: bool = False) -> time:
    """A local wall-clock time from "HH:MM" or "HH:MM:SS"; with `end=True` also "24:00[:00]",
    which becomes `END_OF_DAY`.

    Raises CalendarError for anything else (24:00 as a start included).
    """
    match = _WALL_TIME.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise CalendarError(f"expected a time as HH:MM or HH:MM:SS, got {text!r}")
    hour, minute, second = (int(part or 0) for part in match.groups())
    if end and (hour, minute, second) == (24, 0, 0):
        return END_OF_DAY
    if hour > 23 or minute > 59 or second > 59:
        allowed = "00:00–24:00" if end else "00:00–23:59:59"
        raise CalendarError(f"time out of range {allowed}: {text!r}")
    return time(hour, minute, second)


def format_wall_time(at: time, *, end: bool = False) -> str:
    """The text of a wall-clock time, "HH:MM" or "HH:MM:SS" if it has seconds; with `end=True`
    midnight is "24:00", so `parse_wall_time(format_wall_time(t, end=e), end=e) == t`."""
    if end and at == END_OF_DAY:
        return "24:00"
    return at.isoformat("seconds" if at.second else "minutes")


def add_business_time(cal: BusinessCalendar, start: datetime, seconds: int) -> datetime:
    """The instant `seconds` of business time after `start`, in UTC.

    For `seconds == 0` this is `start` itself (in UTC, microseconds kept), even outside working
    hours. Otherwise it is the earliest instant t with
    `business_seconds_between(cal, start, t) == seconds`: counting begins at the next working
    moment, and the result may be the very end of an interval (17:00, not the next 09:00).
    Hence add(t, a + b) == add(add(t, a), b) for all a, b >= 0.

    Raises ValueError for negative seconds or a naive start, TypeError for non-integer seconds,
    and CalendarError if no working time exists within ten years.
    """
    if not isinstance(seconds, int):
        raise TypeError(f"seconds must be an int, got {type(seconds).__name__}")
    if seconds < 0:
        raise ValueError(f"seconds must be >= 0, got {seconds}")
    t = _to_seconds(start)
    if seconds == 0:
        return start.astimezone(UTC)
    if _is_continuous(cal):
        return _from_seconds(t + seconds)
    return _added(cal, t, seconds)


@lru_cache(maxsize=65_536)
def _added(cal: BusinessCalendar, t: int, seconds: int) -> datetime:
    """`add_business_time` from the whole second `t`, remembered: a ticket's due times are the
    same sums on every read of it (they depend on its history, not on the time of the read)."""
    remaining = seconds
    for s, e in _intervals(cal, _local_date(cal, t) - _ONE_DAY):
        if e <= t:
            continue
        available = e - max(s, t)
        if remaining <= available:
            return _from_seconds(max(s, t) + remaining)
        remaining -= available
    raise AssertionError("unreachable: an open-ended interval stream never stops")


def business_seconds_between(cal: BusinessCalendar, start: datetime, end: datetime) -> int:
    """Whole seconds of business time in [start, end); 0 if end <= start.

    Both instants are floored to the second first, so the result is the number of working
    one-second slots [s, s + 1) with floor(start) <= s < floor(end). It is additive:
    between(a, b) + between(b, c) == between(a, c) for a <= b <= c.
    """
    a = _to_seconds(start)
    b = _to_seconds(end)
    if b <= a:
        return 0
    if _is_continuous(cal):
        return b - a
    total = 0
    # Intervals starting two local days after `end` cannot begin before it, whatever DST does.
    for s, e in _intervals(cal, _local_date(cal, a) - _ONE_DAY, _local_date(cal, b) + 2 * _ONE_DAY):
        if s >= b:
            break
        if e > a:
            total += min(e, b) - max(s, a)
    return total


def next_business_moment(cal: BusinessCalendar, at: datetime) -> datetime:
    """`at` itself (in UTC) if it is business time, else the start of the next working interval.

    Raises ValueError for a naive `at` and CalendarError if no working time exists within ten
    years.
    """
    t = _to_seconds(at)
    for s, e in _intervals(cal, _local_date(cal, t) - _ONE_DAY):
        if e > t:
            return at.astimezone(UTC) if s <= t else _from_seconds(s)
    raise AssertionError("unreachable: an open-ended interval stream never stops")


def _validate(cal: BusinessCalendar) -> None:
    if not isinstance(cal.zone, tzinfo):
        raise CalendarError(f"zone: expected a ZoneInfo, got {cal.zone!r}")
    if not cal.hours:
        raise CalendarError("hours: at least one working interval is required")
    spans: list[tuple[int, int]] = []
    for i, h in enumerate(cal.hours):
        if not isinstance(h, WorkingHours):
            raise CalendarError(f"hours[{i}]: expected WorkingHours, got {h!r}")
        if isinstance(h.weekday, bool) or not isinstance(h.weekday, int) or not 0 <= h.weekday <= 6:
            raise CalendarError(
                f"hours[{i}]: weekday must be 0 (Monday) … 6 (Sunday), got {h.weekday!r}"
            )
        for name, value in (("start", h.start), ("end", h.end)):
            if not isinstance(value, time):
                raise CalendarError(f"hours[{i}]: {name} must be a datetime.time, got {value!r}")
            if value.tzinfo is not None:
                raise CalendarError(f"hours[{i}]: {name} must be a naive local time")
            if value.microsecond:
                raise CalendarError(f"hours[{i}]: {name} must be whole seconds")
        start, end = _time_seconds(h.start), _time_seconds(h.end)
        if start == end and start != 0:
            raise CalendarError(f"hours[{i}]: end must differ from start")
        length = end - start if end > start else _DAY - start + end
        spans.append((h.weekday * _DAY + start, h.weekday * _DAY + start + length))
    # Compare every pair, also with one shifted by a week, so a Sunday-night interval running
    # into Monday is checked against Monday morning. Calendars hold few intervals.
    for i, (s1, e1) in enumerate(spans):
        for j in range(i):
            s2, e2 = spans[j]
            if any(s1 < e2 + k and s2 + k < e1 for k in (-_WEEK, 0, _WEEK)):
                raise CalendarError(
                    f"hours[{i}]: {_describe(cal.hours[i])} overlaps hours[{j}]: "
                    f"{_describe(cal.hours[j])}"
                )
    for i, hol in enumerate(cal.holidays):
        if not isinstance(hol, Holiday):
            raise CalendarError(f"holidays[{i}]: expected Holiday, got {hol!r}")
        # A datetime is a date subclass, but a time of day would be silently ignored.
        if not isinstance(hol.day, date) or isinstance(hol.day, datetime):
            raise CalendarError(f"holidays[{i}]: day must be a datetime.date, got {hol.day!r}")


def _describe(h: WorkingHours) -> str:
    end = "24:00:00" if h.end == END_OF_DAY else h.end.isoformat()
    return f"{_WEEKDAY_NAMES[h.weekday]} {h.start.isoformat()}–{end}"


def _time_seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def _to_seconds(dt: datetime) -> int:
    """Floor an aware datetime to whole seconds since the Unix epoch."""
    if not isinstance(dt, datetime):
        raise TypeError(f"expected a datetime, got {type(dt).__name__}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"datetime must be timezone-aware, got naive {dt.isoformat()}")
    return (dt - _EPOCH) // _ONE_SECOND


def _from_seconds(seconds: int) -> datetime:
    return _EPOCH + timedelta(seconds=seconds)


def _local_date(cal: BusinessCalendar, seconds: int) -> date:
    return _from_seconds(seconds).astimezone(cal.zone).date()


def _instant(zone: tzinfo, day: date, at: time) -> int:
    """Epoch seconds of local wall-clock `day` `at`: fold=0 if ambiguous, gap end if missing."""
    wall = (day.toordinal() - _EPOCH_ORDINAL) * _DAY + _time_seconds(at)
    local = datetime.combine(day, at).replace(tzinfo=zone, fold=0)
    before = _offset_seconds(local)
    after = _offset_seconds(local.replace(fold=1))
    # PEP 495: in a gap fold=0 gives the offset before the transition and fold=1 the one after,
    # so the offset grows; in a fall-back fold=0 is already the first occurrence.
    if after <= before:
        return wall - before
    # The transition instant lies in (wall - after, wall - before]; zoneinfo does not expose it,
    # so bisect on whole seconds (a gap is hours long: a dozen steps, only on DST days).
    lo, hi = wall - after, wall - before
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _offset_seconds(_from_seconds(mid).astimezone(zone)) == before:
            lo = mid
        else:
            hi = mid
    return hi


def _offset_seconds(dt: datetime) -> int:
    offset = dt.utcoffset()
    assert offset is not None
    return offset // _ONE_SECOND


def _is_holiday(fixed: frozenset[date], recurring: frozenset[tuple[int, int]], day: date) -> bool:
    return day in fixed or (day.month, day.day) in recurring


def _intervals(
    cal: BusinessCalendar, first_day: date, last_day: date | None = None
) -> Iterator[tuple[int, int]]:
    """Working intervals as (start, end) epoch seconds, in order, for intervals starting on the
    local dates first_day … last_day.

    Without `last_day` the sequence is endless, but raises CalendarError after ten years without
    any working time. Zero-length intervals (entirely inside a DST gap) are skipped.
    """
    day = first_day
    idle = 0
    while last_day is None or day <= last_day:
        intervals = _day_intervals(cal, day)
        yield from intervals
        idle = 0 if intervals else idle + 1
        if last_day is None and idle > _MAX_IDLE_DAYS:
            raise CalendarError(
                f"no working time in the ten years from {day - timedelta(days=idle - 1)}: "
                "every interval falls on a holiday"
            )
        day += _ONE_DAY


@dataclass(frozen=True)
class _Week:
    by_weekday: tuple[tuple[tuple[time, time, bool], ...], ...]
    fixed: frozenset[date]
    recurring: frozenset[tuple[int, int]]


@lru_cache(maxsize=256)
def _week(cal: BusinessCalendar) -> _Week:
    by_weekday: list[list[tuple[time, time, bool]]] = [[] for _ in range(7)]
    for h in sorted(cal.hours, key=lambda h: (h.weekday, h.start)):
        by_weekday[h.weekday].append((h.start, h.end, h.end <= h.start))
    return _Week(
        by_weekday=tuple(tuple(d) for d in by_weekday),
        fixed=frozenset(h.day for h in cal.holidays if not h.recurring),
        recurring=frozenset((h.day.month, h.day.day) for h in cal.holidays if h.recurring),
    )


# Clocks of many tickets cover the same recent days: resolving a day's wall-clock hours to
# instants (zoneinfo, DST bisection) once per calendar and day makes a page of tickets cheap.
@lru_cache(maxsize=65_536)
def _day_intervals(cal: BusinessCalendar, day: date) -> tuple[tuple[int, int], ...]:
    week = _week(cal)
    if _is_holiday(week.fixed, week.recurring, day):
        return ()
    intervals = []
    for start, end, overnight in week.by_weekday[day.weekday()]:
        s = _instant(cal.zone, day, start)
        e = _instant(cal.zone, day + _ONE_DAY if overnight else day, end)
        if e > s:
            intervals.append((s, e))
    return tuple(intervals)


@lru_cache(maxsize=256)
def _is_continuous(cal: BusinessCalendar) -> bool:
    """Open around the clock with no holidays: business time is elapsed time."""
    whole_days = {h.weekday for h in cal.hours if h.start == h.end == time(0)}
    return whole_days == set(range(7)) and not cal.holidays


ALWAYS_OPEN: BusinessCalendar = make_calendar(
    "UTC", [WorkingHours(weekday, time(0), time(0)) for weekday in range(7)]
)
"""Open 24x7 in UTC: business time equals elapsed time."""
