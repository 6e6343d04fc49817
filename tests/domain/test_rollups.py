"""Rollup arithmetic: histogram percentiles within 1 % of the exact ones, tallies that add up
and survive JSON, and plans that cover a period exactly once."""

import itertools
import math
import random
from datetime import UTC, datetime, timedelta

import pytest

from app.domain.rollups import (
    DAY,
    HOUR,
    Distribution,
    Plan,
    Tally,
    bucket,
    day_bounds,
    plan,
    representative,
    total,
)


def exact_percentile(values: list[float], q: float) -> float:
    """PostgreSQL's percentile_cont."""
    ordered = sorted(values)
    rank = q * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (rank - low) * (ordered[high] - ordered[low])


def distribution(values: list[float]) -> Distribution:
    d = Distribution()
    for v in values:
        d.n += 1
        d.total += v
        d.count(bucket(v))
    return d


def test_a_bucket_stands_for_its_values_within_one_percent() -> None:
    rng = random.Random(1)
    for v in [
        1.0,
        1.5,
        59.999,
        60.0,
        3600.0,
        86_400.0,
        *(rng.uniform(1, 1e8) for _ in range(5000)),
    ]:
        assert representative(bucket(v)) == pytest.approx(v, rel=0.01 + 1e-12)
    assert bucket(0) == bucket(0.99) == 0 and representative(0) == 0


@pytest.mark.parametrize("seed", range(6))
def test_percentiles_are_within_one_percent_of_percentile_cont(seed: int) -> None:
    rng = random.Random(seed)
    values = [rng.lognormvariate(8, 2) + 1 for _ in range(rng.choice([1, 2, 3, 10, 500]))]
    d = distribution(values)
    assert d.mean() == pytest.approx(sum(values) / len(values))
    for q in (0.0, 0.5, 0.9, 1.0):
        assert d.percentile(q) == pytest.approx(exact_percentile(values, q), rel=0.01)


def test_an_empty_distribution_has_no_figures() -> None:
    assert Distribution().mean() is None and Distribution().percentile(0.5) is None


def test_tallies_add_up_and_survive_json() -> None:
    rng = random.Random(2)
    values = [rng.uniform(0, 90_000) for _ in range(300)]
    parts = []
    for chunk in (values[:100], values[100:250], values[250:]):
        t = Tally(
            counts={"created": len(chunk), "resolved": 1},
            distributions={"resolution": distribution(chunk)},
            categories={"billing": 2},
            tags={"vpn": 1},
            types={"incident": [1.0, 10.0, 5.0]},
        )
        parts.append(Tally.from_json(t.to_json()))
    whole = total(parts)
    assert whole.counts == {"created": 300, "resolved": 3}
    added, direct = whole.distribution("resolution"), distribution(values)
    assert (added.n, added.buckets()) == (direct.n, direct.buckets())
    assert added.total == pytest.approx(direct.total)
    assert whole.categories == {"billing": 6} and whole.tags == {"vpn": 3}
    assert whole.types == {"incident": [3.0, 30.0, 15.0]}


def _covered(p: Plan) -> list[tuple[datetime, datetime]]:
    spans = [day_bounds(d) for d in p.days] + [(h, h + HOUR) for h in p.hours] + list(p.windows)
    return sorted(spans)


PERIODS = [
    (datetime(2026, 5, 1, tzinfo=UTC), datetime(2026, 5, 8, tzinfo=UTC)),
    (datetime(2026, 5, 1, 4, 30, tzinfo=UTC), datetime(2026, 5, 31, 18, 30, 5, tzinfo=UTC)),
    (datetime(2026, 5, 1, 22, 10, tzinfo=UTC), datetime(2026, 5, 2, 1, 5, tzinfo=UTC)),
    (datetime(2026, 5, 1, 10, 5, tzinfo=UTC), datetime(2026, 5, 1, 10, 6, tzinfo=UTC)),
    (datetime(2026, 5, 1, 10, tzinfo=UTC), datetime(2026, 5, 1, 11, tzinfo=UTC)),
]


@pytest.mark.parametrize(("frm", "to"), PERIODS)
@pytest.mark.parametrize("hours", [True, False])
def test_a_plan_covers_its_period_exactly_once(frm: datetime, to: datetime, hours: bool) -> None:
    p = plan(frm, to, hours=hours)
    spans = _covered(p)
    assert spans[0][0] == frm and spans[-1][1] == to
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert end == start  # no gap, no overlap
    assert all(b - a < DAY for a, b in p.windows)
    if not hours:
        assert p.hours == ()
    else:
        assert all(b - a < HOUR for a, b in p.windows)


def test_a_month_is_whole_days_and_ragged_hours() -> None:
    p = plan(
        datetime(2026, 5, 1, 4, 30, tzinfo=UTC),
        datetime(2026, 5, 31, 18, 30, 5, tzinfo=UTC),
        hours=True,
    )
    assert len(p.days) == 29  # 2 May to 30 May
    assert len(p.hours) == 19 + 18  # 05:00–23:00 on 1 May, 00:00–17:00 on 31 May
    assert next(iter(p.hour_keys())) == (datetime(2026, 5, 1).date(), "05")
    assert sum((b - a for a, b in p.windows), timedelta()) == timedelta(minutes=60, seconds=5)
