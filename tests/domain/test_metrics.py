"""KPI arithmetic and buckets: no database."""

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.domain.metrics import (
    BucketFigures,
    PeriodError,
    age_bucket,
    bucket_starts,
    nps_score,
    period,
    series_value,
    share,
)


def test_nps_is_promoters_less_detractors_per_hundred_answers() -> None:
    assert nps_score(promoters=6, detractors=2, answers=10) == 40.0
    assert nps_score(promoters=0, detractors=3, answers=3) == -100.0
    assert nps_score(0, 0, 0) is None


def test_a_share_of_nothing_is_null() -> None:
    assert share(1, 4) == 0.25
    assert share(0, 0) is None


def test_a_fall_back_day_lasts_25_hours() -> None:
    zone = ZoneInfo("Europe/Amsterdam")
    frm = datetime(2026, 10, 24, 22, 0, tzinfo=UTC)  # 25 Oct, local midnight
    bounds = bucket_starts(frm, frm + timedelta(hours=25), "day", zone)
    assert [b - a for a, b in itertools.pairwise(bounds)] == [timedelta(hours=25)]


def test_a_midnight_skipped_by_dst_starts_its_day_at_the_first_instant_after() -> None:
    zone = ZoneInfo("America/Santiago")  # 6 Sep 2026: 00:00 becomes 01:00
    frm = datetime(2026, 9, 5, 12, 0, tzinfo=UTC)
    bounds = bucket_starts(frm, frm + timedelta(days=1), "day", zone)
    day = bounds[1].astimezone(zone)
    assert (day.day, day.hour) == (6, 1)
    assert bounds[2] - bounds[1] == timedelta(hours=23)


def test_periods_default_to_the_last_30_days_and_must_not_be_empty() -> None:
    now = datetime(2026, 3, 31, 12, tzinfo=UTC)
    assert period(None, None, ZoneInfo("UTC"), now) == (now - timedelta(days=30), now)
    with pytest.raises(PeriodError):
        period(now, now, ZoneInfo("UTC"), now)


def test_counts_are_zero_and_means_null_in_an_empty_bucket() -> None:
    empty = BucketFigures()
    assert series_value("created", empty) == 0.0
    assert series_value("resolution_mean_seconds", empty) is None
    assert series_value("resolution_mean_seconds", BucketFigures(2, 30.0)) == 15.0
    assert series_value("nps_score", BucketFigures(4, None, 3, 1)) == 50.0


def test_age_buckets() -> None:
    assert age_bucket(3600) == "under_1d"
    assert age_bucket(2 * 86_400) == "1d_to_3d"
    assert age_bucket(400 * 86_400) == "over_30d"
