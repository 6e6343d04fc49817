"""Time series: buckets are local days, weeks and months of a zone, DST included; empty buckets
are 0 for counts and null for means, shares and scores."""

from datetime import UTC, datetime

import httpx

from tests.api.factories import answer_survey, make_ticket
from tests.fakes import FakeClock


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def series(client: httpx.AsyncClient, **params: str) -> dict:  # type: ignore[type-arg]
    answered = await client.get("/v1/metrics/timeseries", params=params)
    assert answered.status_code == 200, answered.text
    return answered.json()


async def test_day_buckets_follow_local_midnights_across_dst(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    # Amsterdam moves from UTC+1 to UTC+2 at 01:00 UTC on 29 March 2026.
    for instant in ("2026-03-28T23:30", "2026-03-29T21:30", "2026-03-29T22:30"):
        clock.set(utc(instant))  # 29 Mar 00:30 CET, 29 Mar 23:30 CEST, 30 Mar 00:30 CEST
        await make_ticket(client)
    s = await series(
        client,
        metric="created",
        interval="day",
        **{"from": "2026-03-28", "to": "2026-03-31", "tz": "Europe/Amsterdam"},
    )
    assert [(b["start"], b["end"], b["value"]) for b in s["buckets"]] == [
        ("2026-03-27T23:00:00Z", "2026-03-28T23:00:00Z", 0.0),
        ("2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z", 2.0),  # a day of 23 hours
        ("2026-03-29T22:00:00Z", "2026-03-30T22:00:00Z", 1.0),
    ]
    in_utc = await series(
        client, metric="created", interval="day", **{"from": "2026-03-28", "to": "2026-03-31"}
    )
    assert [b["value"] for b in in_utc["buckets"]] == [1.0, 2.0, 0.0]


async def test_week_and_month_buckets(client: httpx.AsyncClient, clock: FakeClock) -> None:
    for instant in ("2026-01-05T10:00", "2026-01-11T10:00", "2026-01-12T10:00", "2026-03-01T10:00"):
        clock.set(utc(instant))
        await make_ticket(client)
    weeks = await series(
        client, metric="created", interval="week", **{"from": "2026-01-07", "to": "2026-01-19"}
    )
    # ISO weeks start on Monday: 5 Jan and 12 Jan.
    assert [(b["start"][:10], b["value"]) for b in weeks["buckets"]] == [
        ("2026-01-05", 2.0),
        ("2026-01-12", 1.0),
    ]
    months = await series(
        client,
        metric="created",
        interval="month",
        **{"from": "2026-01-01", "to": "2026-04-01", "tz": "America/New_York"},
    )
    assert [(b["start"], b["value"]) for b in months["buckets"]] == [
        ("2026-01-01T05:00:00Z", 3.0),
        ("2026-02-01T05:00:00Z", 0.0),
        ("2026-03-01T05:00:00Z", 1.0),  # local midnight, before the DST change of 8 March
    ]


async def test_shares_and_scores_are_null_in_empty_buckets(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    clock.set(utc("2026-02-02T12:00"))
    ticket = await make_ticket(client)
    await answer_survey(client, ticket["id"], "csat", 5)
    await answer_survey(client, ticket["id"], "nps", 3)
    window = {"from": "2026-02-01", "to": "2026-02-04"}
    csat = await series(client, metric="csat_satisfied_share", interval="day", **window)
    assert [b["value"] for b in csat["buckets"]] == [None, 1.0, None]
    nps = await series(client, metric="nps_score", interval="day", **window)
    assert [(b["value"], b["count"]) for b in nps["buckets"]] == [(None, 0), (-100.0, 1), (None, 0)]


async def test_too_many_buckets_is_refused(client: httpx.AsyncClient) -> None:
    refused = await client.get(
        "/v1/metrics/timeseries",
        params={"metric": "created", "interval": "day", "from": "2020-01-01", "to": "2026-01-01"},
    )
    assert refused.status_code == 422 and "buckets" in refused.json()["detail"]
