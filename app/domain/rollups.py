"""Rollups: tallies of the ticket facts that add up, and which pieces a period is read from.

A tally holds counts, distributions and name counts for one stretch of time. Tallies of
disjoint stretches add up to the tally of their union, so a period's summary is the sum of
its whole UTC days, the whole hours at its ends and a direct tally of the minutes left over
(`plan`). Distributions keep a sum (exact means) and a log histogram whose buckets are 2 %
wide, so a percentile read from them is within 1 % of the exact one (`Distribution`)."""

import math
import operator
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

# Bucket k ≥ 1 holds [BASE^(k-1), BASE^k) seconds; bucket 0 holds values under a second.
BASE = 1.02
# Histograms of the UTC day (days since 1970-01-01) each ticket's customer's previous ticket and
# the one before were created on: a period's customers are counted from them (`customers`).
PREVIOUS, SECOND_PREVIOUS = "previous_ticket_day", "second_previous_ticket_day"
EPOCH = date(1970, 1, 1)
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


def bucket(seconds: float) -> int:
    """The histogram bucket of a duration (what the store's SQL computes too)."""
    return 0 if seconds < 1 else 1 + math.floor(math.log(seconds) / math.log(BASE))


def representative(k: int) -> float:
    """The value a bucket stands for: the middle of its range, within 1 % of any value in it."""
    if k <= 0:
        return 0.0
    return BASE ** (k - 1) * (1 + BASE) / 2


@dataclass
class Distribution:
    """Durations in seconds: how many, their exact sum, and their histogram as the counts of
    consecutive buckets from bucket `lo` (dense, so that adding two is a slice-wise sum)."""

    n: int = 0
    total: float = 0.0
    lo: int = 0
    counts: list[int] = field(default_factory=list)

    def count(self, k: int, n: int = 1) -> None:
        """`n` more values in bucket `k` (the caller adds them to `n` and `total`)."""
        if not self.counts:
            self.lo, self.counts = k, [n]
            return
        self._cover(k, k + 1)
        self.counts[k - self.lo] += n

    def _cover(self, lo: int, hi: int) -> None:
        if lo < self.lo:
            self.counts[:0] = [0] * (self.lo - lo)
            self.lo = lo
        end = self.lo + len(self.counts)
        if hi > end:
            self.counts.extend([0] * (hi - end))

    def add(self, other: "Distribution") -> None:
        self.n += other.n
        self.total += other.total
        if not other.counts:
            return
        if not self.counts:
            self.lo, self.counts = other.lo, list(other.counts)
            return
        self._cover(other.lo, other.lo + len(other.counts))
        start = other.lo - self.lo
        end = start + len(other.counts)
        self.counts[start:end] = map(operator.add, self.counts[start:end], other.counts)

    def buckets(self) -> dict[int, int]:
        """The non-empty buckets and their counts."""
        return {self.lo + i: c for i, c in enumerate(self.counts) if c}

    def mean(self) -> float | None:
        return None if self.n == 0 else self.total / self.n

    def percentile(self, q: float) -> float | None:
        """As PostgreSQL's percentile_cont(q) (linear between the two nearest ranks) over the
        buckets' representatives; None when empty."""
        if self.n == 0:
            return None
        rank = q * (self.n - 1)
        low, high = math.floor(rank), math.ceil(rank)
        below = self._at(low)
        above = below if high == low else self._at(high)
        return below + (rank - low) * (above - below)

    def _at(self, rank: int) -> float:
        seen = 0
        for i, c in enumerate(self.counts):
            seen += c
            if rank < seen:
                return representative(self.lo + i)
        return representative(self.lo + len(self.counts) - 1)


@dataclass
class Tally:
    """The facts of one stretch of time: counters, distributions, categories, tags, types."""

    counts: dict[str, int] = field(default_factory=dict)
    distributions: dict[str, Distribution] = field(default_factory=dict)
    categories: dict[str, int] = field(default_factory=dict)
    tags: dict[str, int] = field(default_factory=dict)
    # Per ticket type, over tickets resolved: [resolved, resolution seconds, handle seconds].
    types: dict[str, list[float]] = field(default_factory=dict)

    def count(self, name: str) -> int:
        return self.counts.get(name, 0)

    def distribution(self, name: str) -> Distribution:
        return self.distributions.get(name) or Distribution()

    def add(self, other: "Tally") -> None:
        _add_counts(self.counts, other.counts)
        for name, d in other.distributions.items():
            self.distributions.setdefault(name, Distribution()).add(d)
        _add_counts(self.categories, other.categories)
        _add_counts(self.tags, other.tags)
        for name, figures in other.types.items():
            mine = self.types.setdefault(name, [0.0, 0.0, 0.0])
            for i, x in enumerate(figures):
                mine[i] += x

    def to_json(self) -> dict[str, Any]:
        return {
            "counts": {k: v for k, v in self.counts.items() if v},
            "distributions": {
                name: {"n": d.n, "total": d.total, "lo": d.lo, "counts": d.counts}
                for name, d in self.distributions.items()
                if d.n
            },
            "categories": self.categories,
            "tags": self.tags,
            "types": self.types,
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> "Tally":
        return cls(
            counts=dict(doc.get("counts", {})),
            distributions={
                name: Distribution(n=d["n"], total=d["total"], lo=d["lo"], counts=d["counts"])
                for name, d in doc.get("distributions", {}).items()
            },
            categories=dict(doc.get("categories", {})),
            tags=dict(doc.get("tags", {})),
            types={k: list(v) for k, v in doc.get("types", {}).items()},
        )


def _add_counts(into: dict[str, int], more: Mapping[str, int]) -> None:
    for name, n in more.items():
        into[name] = into.get(name, 0) + n


def total(tallies: Iterable[Tally]) -> Tally:
    whole = Tally()
    for t in tallies:
        whole.add(t)
    return whole


def top(counts: Mapping[str, int], n: int) -> list[tuple[str, int]]:
    """The `n` most common names, most common first, ties by name."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:n]


# ---- which pieces a period is read from -------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """A period [from, to) as whole UTC days, whole UTC hours (only when hourly rollups can
    serve the scope) and the windows left over, to tally directly."""

    days: tuple[date, ...]
    hours: tuple[datetime, ...]
    windows: tuple[tuple[datetime, datetime], ...]

    def hour_keys(self) -> Iterator[tuple[date, str]]:
        """The hours as the rollups store them: (day, "HH")."""
        for h in self.hours:
            yield h.date(), f"{h.hour:02d}"


def _floor(at: datetime, step: timedelta) -> datetime:
    at = at.astimezone(UTC)
    if step == DAY:
        return at.replace(hour=0, minute=0, second=0, microsecond=0)
    return at.replace(minute=0, second=0, microsecond=0)


def _ceil(at: datetime, step: timedelta) -> datetime:
    floor = _floor(at, step)
    return floor if floor == at else floor + step


def _steps(start: datetime, end: datetime, step: timedelta) -> list[datetime]:
    out = []
    while start < end:
        out.append(start)
        start += step
    return out


def plan(frm: datetime, to: datetime, *, hours: bool) -> Plan:
    """The whole days inside [frm, to), then (with `hours`) the whole hours inside what is
    left at each end, then the windows left over."""
    first, last = _ceil(frm, DAY), _floor(to, DAY)
    if first < last:
        days = [d.date() for d in _steps(first, last, DAY)]
        ends = [(frm, first), (last, to)]
    else:
        days, ends = [], [(frm, to)]
    whole_hours: list[datetime] = []
    windows: list[tuple[datetime, datetime]] = []
    for a, b in ends:
        h0, h1 = _ceil(a, HOUR), _floor(b, HOUR)
        if hours and h0 < h1:
            whole_hours += _steps(h0, h1, HOUR)
            windows += [(a, h0), (h1, b)]
        else:
            windows.append((a, b))
    return Plan(
        days=tuple(days),
        hours=tuple(whole_hours),
        windows=tuple((a, b) for a, b in windows if a < b),
    )


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return start, start + DAY


def customers(t: Tally, frm: datetime, early: tuple[int, int]) -> tuple[int, int]:
    """Customers with a ticket in the period of every-ticket tally `t`, and those with more
    than one, without grouping by customer.

    A customer's first ticket in the period is the one whose previous ticket is before `frm`
    (or has none); so customers = Σ [previous < frm]. Likewise Σ [second previous < frm]
    counts customers whose first or second ticket it is, and their difference those with a
    second one. The histograms say "before `frm`'s day"; `early` adds the tickets whose
    previous (second previous) ticket is on that day but before `frm`."""
    first = (frm.astimezone(UTC).date() - EPOCH).days

    def before(name: str, none: str, extra: int) -> int:
        d = t.distribution(name)
        below = sum(d.counts[: max(0, first - d.lo)]) if d.counts else 0
        return t.count(none) + below + extra

    once = before(PREVIOUS, "no_previous", early[0])
    twice = before(SECOND_PREVIOUS, "no_second_previous", early[1])
    return once, twice - once
