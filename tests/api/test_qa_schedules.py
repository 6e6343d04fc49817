"""Recurring QA samples: a schedule draws each period's fair sample when the period ends, by a
timer about the schedule, exactly once per period whatever retries, duplicates and replicas do."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from app.db import Database, connection, transaction
from app.domain import qa as rules
from app.services import timer_handlers, timers
from app.services.qa import schedules
from app.store.timers import Claimed
from tests.api.factories import created, make_agent, make_customer, make_team
from tests.api.test_qa import REPLY, resolved_ticket
from tests.fakes import FakeClock

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NEXT_MONDAY = datetime(2026, 3, 9, 0, 0, tzinfo=UTC)


async def _samples(db: Database, schedule_id: int) -> list[dict[str, Any]]:
    async with connection(db) as conn:
        rows = await conn.fetch(
            "SELECT id, period_start, seed FROM qa_assignments WHERE schedule_id = $1 ORDER BY id",
            schedule_id,
        )
    return [dict(r) for r in rows]


async def _pending(db: Database, schedule_id: int) -> list[datetime]:
    async with connection(db) as conn:
        rows = await conn.fetch(
            "SELECT due_at FROM timers WHERE kind = $1 AND subject_id = $2 AND fired_at IS NULL",
            timers.QA_SAMPLE_SCHEDULE,
            schedule_id,
        )
    return sorted(r["due_at"] for r in rows)


async def test_a_schedule_draws_each_period_once_when_it_ends(
    app, client: httpx.AsyncClient, clock: FakeClock, db: Database
) -> None:  # type: ignore[no-untyped-def]
    desk = app.state.desk
    team, customer = await make_team(client), await make_customer(client, name="Anna Smith")
    agents = [await make_agent(client, team_id=team["id"]) for _ in range(2)]
    clock.set(MONDAY)
    resolved = {
        a["id"]: [
            (
                await resolved_ticket(
                    client,
                    clock,
                    agent=a["id"],
                    team=team["id"],
                    customer=customer["id"],
                    body=REPLY,
                )
            )["id"]
            for _ in range(3)
        ]
        for a in agents
    }
    body = {"period": "week", "starts_on": "2026-03-04", "per_agent": 2, "team_id": team["id"]}
    schedule = await created(await client.post("/v1/qa/schedules", json=body))
    assert schedule["next_starts_on"] == "2026-03-02"
    assert schedule["next_run_at"] == "2026-03-09T00:00:00Z"
    assert await _pending(db, schedule["id"]) == [NEXT_MONDAY]

    # Not over yet: nothing is drawn.
    fired = await timer_handlers.fire_due(desk, NEXT_MONDAY - timedelta(seconds=1), batch=100)
    assert fired.actions["qa_sample"] == 0 and await _samples(db, schedule["id"]) == []

    # The week is over: its sample is drawn as on request, with the period's seed.
    fired = await timer_handlers.fire_due(desk, NEXT_MONDAY, batch=100)
    assert fired.actions["qa_sample"] == 1
    [sample] = await _samples(db, schedule["id"])
    assert sample["seed"] == rules.period_seed(schedule["seed"], sample["period_start"])
    drawn = (await client.get(f"/v1/qa/assignments/{sample['id']}")).json()
    assert drawn["schedule_id"] == schedule["id"] and drawn["starts_on"] == "2026-03-02"
    assert drawn["population"] == {str(a): ids for a, ids in sorted(resolved.items())}
    assert drawn["items"] == [
        {"ticket_id": t, "agent_id": a, "reviewed": False}
        for a, ts in sorted(rules.draw_sample(resolved, 2, sample["seed"]).items())
        for t in sorted(ts)
    ]
    # The next week is armed; firing again at the same moment draws nothing.
    assert await _pending(db, schedule["id"]) == [NEXT_MONDAY + timedelta(days=7)]
    fired = await timer_handlers.fire_due(desk, NEXT_MONDAY, batch=100)
    assert fired.claimed == 0 and len(await _samples(db, schedule["id"])) == 1

    # A duplicate timer for the drawn week, and two replicas firing the same timer at once:
    # the week is never drawn twice.
    async with transaction(db) as conn:
        await timers.schedule_subject(
            conn,
            timers.QA_SAMPLE_SCHEDULE,
            schedule["id"],
            NEXT_MONDAY + timedelta(minutes=1),
            now=NEXT_MONDAY,
            wake_within=0,
        )
    fired = await timer_handlers.fire_due(desk, NEXT_MONDAY + timedelta(hours=1), batch=100)
    assert fired.claimed == 1 and fired.actions["qa_sample"] == 0
    assert len(await _samples(db, schedule["id"])) == 1
    week_two_end = NEXT_MONDAY + timedelta(days=7)
    timer = Claimed(0, None, timers.QA_SAMPLE_SCHEDULE, week_two_end, schedule["id"])

    async def replica() -> int:
        async with transaction(db) as conn:
            return await schedules.draw_due(conn, [timer], week_two_end, desk)

    assert sorted(await asyncio.gather(replica(), replica())) == [0, 1]
    starts = [s["period_start"].isoformat() for s in await _samples(db, schedule["id"])]
    assert starts == ["2026-03-02", "2026-03-09"]
    listed = await client.get("/v1/qa/assignments", params={"schedule_id": schedule["id"]})
    assert [a["starts_on"] for a in listed.json()["items"]] == ["2026-03-09", "2026-03-02"]
    # A retry of a firing (the timer rerun after its pass committed) draws nothing either.
    assert await replica() == 0

    # Stopped: no timer left, nothing drawn; the samples stay.
    assert (await client.delete(f"/v1/qa/schedules/{schedule['id']}")).status_code == 204
    assert await _pending(db, schedule["id"]) == []
    stopped = (await client.get(f"/v1/qa/schedules/{schedule['id']}")).json()
    assert stopped["stopped_at"] is not None and stopped["next_run_at"] is None
    late = Claimed(0, None, timers.QA_SAMPLE_SCHEDULE, week_two_end, schedule["id"])
    async with transaction(db) as conn:
        assert await schedules.draw_due(conn, [late], week_two_end + timedelta(days=30), desk) == 0
    assert len(await _samples(db, schedule["id"])) == 2


async def test_a_schedule_catches_up_one_period_per_firing(
    app, client: httpx.AsyncClient, db: Database
) -> None:  # type: ignore[no-untyped-def]
    desk = app.state.desk
    body = {"period": "day", "starts_on": "2026-03-02", "per_agent": 1}
    schedule = await created(await client.post("/v1/qa/schedules", json=body))
    # The worker was down for three days: each firing draws one day and arms the next.
    later = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
    for _ in range(5):
        await timer_handlers.fire_due(desk, later, batch=100)
    starts = [s["period_start"].isoformat() for s in await _samples(db, schedule["id"])]
    assert starts == ["2026-03-02", "2026-03-03", "2026-03-04"]
    assert await _pending(db, schedule["id"]) == [datetime(2026, 3, 6, tzinfo=UTC)]


async def test_bad_schedules_are_refused_naming_the_field(client: httpx.AsyncClient) -> None:
    for body, field in (
        ({"period": "year", "per_agent": 1}, "period"),
        ({"period": "week", "per_agent": 0}, "per_agent"),
        ({"period": "week", "per_agent": 1, "scorecard_id": 999}, "scorecard_id"),
        ({"period": "week", "per_agent": 1, "starts_on": 20260302}, "starts_on"),
    ):
        response = await client.post("/v1/qa/schedules", json=body)
        assert response.status_code in (404, 422), response.text
        assert field in response.text
    assert (await client.get("/v1/qa/schedules/999")).status_code == 404
    assert (await client.delete("/v1/qa/schedules/999")).status_code == 404
