"""The worker escalates on its own: the escalation matrix on SLA warnings and breaches, exactly
once with several worker loops, and escalations left unacknowledged past their target."""

import asyncio
from datetime import timedelta
from typing import Any

import asyncpg

from app.db import Limits, connect, transaction
from app.errors import Conflict
from app.services import escalation_matrix
from app.services.context import Desk
from app.store import sla_events as sla_store
from app.workers.timers import TimerWorker
from tests.api.factories import created, escalate, patch
from tests.worker.conftest import T0, WorkerDesk

MATRIX = {
    "rules": [
        {
            "priority": "critical",
            "metric": "first_response",
            "on": "warning",
            "action": "hierarchical",
        },
        {"priority": "any", "metric": "resolution", "on": "breach", "action": "functional"},
    ]
}


async def set_matrix(desk: WorkerDesk, body: dict[str, Any]) -> None:
    etag = (await desk.client.get("/v1/escalation-matrix")).headers["ETag"]
    answer = await desk.client.put("/v1/escalation-matrix", json=body, headers={"If-Match": etag})
    assert answer.status_code == 200, answer.text


async def two_tiers(desk: WorkerDesk) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    l1 = await created(await desk.client.post("/v1/teams", json={"name": "L1", "tier": 1}))
    l2 = await created(await desk.client.post("/v1/teams", json={"name": "L2", "tier": 2}))
    boss = await created(
        await desk.client.post(
            "/v1/agents",
            json={"name": "Boss", "email": "boss@desk.example.com", "role": "supervisor"},
        )
    )
    for team in (l1, l2):
        assert (
            await patch(desk.client, f"/v1/teams/{team['id']}", supervisor_id=boss["id"])
        ).status_code == 200
    return l1, l2, boss


async def drain_with_three_loops(desk: WorkerDesk) -> list[int]:
    pools = [await connect(desk.url, Limits(pool_size=2)) for _ in range(3)]
    workers = [TimerWorker(Desk.of(p, desk.services.settings), desk.clock, batch=7) for p in pools]

    async def overdue() -> int:
        rows = await desk.sql(
            "SELECT count(*) AS n FROM timers WHERE fired_at IS NULL AND due_at <= $1",
            desk.clock.now(),
        )
        return int(rows[0]["n"])

    async def drain(worker: TimerWorker) -> int:
        """Passes until no timer is due any more: a loop that finds nothing to claim while the
        others hold the due ones keeps coming back, as a replica would (bounded). A pass that
        PostgreSQL ends as a deadlock (two passes lock timers and tickets of the same tickets
        in opposite orders) is rolled back whole and taken again, as `TimerWorker.run` does;
        what it claimed fires once, in the pass that commits."""
        total = 0
        for _ in range(1_000):
            try:
                fired = (await worker.run_once()).claimed
            except Conflict as exc:
                if not isinstance(exc.__cause__, asyncpg.exceptions.DeadlockDetectedError):
                    raise
                continue
            total += fired
            if fired == 0:
                if await overdue() == 0:
                    return total
                await asyncio.sleep(0.005)
        raise AssertionError("the loops did not drain the due timers")

    try:
        return await asyncio.gather(*[drain(w) for w in workers])
    finally:
        for p in pools:
            await p.close()


async def test_three_workers_apply_the_matrix_exactly_once_per_warning_and_breach(
    desk: WorkerDesk,
) -> None:
    l1, l2, boss = await two_tiers(desk)
    await set_matrix(desk, MATRIX)
    tickets = [
        await created(
            await desk.client.post(
                "/v1/tickets",
                json={
                    "subject": f"Outage {n}",
                    "team_id": l1["id"],
                    "priority": "critical" if n % 2 == 0 else "low",
                    "priority_reason": "as reported",
                },
            )
        )
        for n in range(30)
    ]
    desk.clock.set(T0 + timedelta(days=30))  # every first-response and resolution clock is past

    counts = await drain_with_three_loops(desk)

    assert sum(counts) > 0 and sum(1 for c in counts if c > 0) >= 2, counts
    rows = await desk.sql(
        "SELECT ticket_id, kind, trigger, to_team_id, to_agent_id, sla_event_id FROM escalations"
        " ORDER BY id"
    )
    by_ticket: dict[int, list[tuple[str, str]]] = {}
    for r in rows:
        by_ticket.setdefault(r["ticket_id"], []).append((r["kind"], r["trigger"]))
    for n, ticket in enumerate(tickets):
        wanted = [("functional", "sla_breach")]
        if n % 2 == 0:
            wanted.insert(0, ("hierarchical", "sla_warning"))
        assert sorted(by_ticket[ticket["id"]]) == sorted(wanted), (n, by_ticket[ticket["id"]])
    assert len({r["sla_event_id"] for r in rows}) == len(rows)
    moved = (await desk.client.get(f"/v1/tickets/{tickets[0]['id']}")).json()
    assert (moved["team_id"], moved["tier"], moved["escalated_to_id"]) == (l2["id"], 2, boss["id"])

    # Replayed: the same SLA timers fire again; nothing is escalated twice.
    await desk.sql(
        "UPDATE timers SET fired_at = NULL WHERE kind LIKE '%\\_warning' OR kind LIKE '%\\_breach'"
    )
    await drain_with_three_loops(desk)
    again = await desk.sql("SELECT count(*) AS n FROM escalations")
    assert again[0]["n"] == len(rows)


async def test_the_matrix_applied_twice_to_the_same_events_escalates_once(
    desk: WorkerDesk,
) -> None:
    l1, _, _ = await two_tiers(desk)
    await set_matrix(desk, MATRIX)
    await created(
        await desk.client.post("/v1/tickets", json={"subject": "Slow", "team_id": l1["id"]})
    )
    desk.clock.set(T0 + timedelta(days=30))
    await desk.worker.run_once()
    before = await desk.sql("SELECT count(*) AS n FROM escalations")
    assert before[0]["n"] == 1
    async with transaction(desk.db) as conn:
        recorded, _ = await sla_store.page(conn, sla_store.SlaEventFilters(), limit=50, cursor=None)
    for _ in range(2):
        async with transaction(desk.db) as conn:
            assert (
                await escalation_matrix.apply_matrix(
                    conn, recorded, desk.clock.now(), desk.services
                )
                == 0
            )
    after = await desk.sql("SELECT count(*) AS n FROM escalations")
    assert after[0]["n"] == 1


async def test_an_empty_matrix_escalates_nothing(desk: WorkerDesk) -> None:
    await created(await desk.client.post("/v1/tickets", json={"subject": "Quiet"}))
    desk.clock.set(T0 + timedelta(days=30))
    await desk.worker.run_once()
    assert (await desk.sql("SELECT count(*) AS n FROM sla_events"))[0]["n"] > 0
    assert (await desk.sql("SELECT count(*) AS n FROM escalations"))[0]["n"] == 0


async def test_an_unacknowledged_escalation_reminds_then_goes_to_the_supervisor(
    desk: WorkerDesk,
) -> None:
    l1, l2, boss = await two_tiers(desk)
    ticket = await created(
        await desk.client.post("/v1/tickets", json={"subject": "Stuck", "team_id": l1["id"]})
    )
    first = await created(await escalate(desk.client, ticket["id"]))
    target = desk.services.settings.escalation_ack_target_seconds

    await desk.at(T0 + timedelta(seconds=target / 2))
    reminders = (await desk.client.get("/v1/reminders")).json()["items"]
    assert [(r["kind"], r["team_id"]) for r in reminders] == [("escalation_ack", l2["id"])]

    await desk.at(T0 + timedelta(seconds=target))
    trail = (await desk.client.get(f"/v1/tickets/{ticket['id']}/escalations")).json()["items"]
    assert [(e["kind"], e["trigger"], e["to_agent_id"]) for e in trail] == [
        ("functional", "manual", None),
        ("hierarchical", "acknowledgement_overdue", boss["id"]),
    ]
    assert str(first["id"]) in trail[1]["reason"]


async def test_an_acknowledged_escalation_raises_nothing_more(desk: WorkerDesk) -> None:
    l1, _, _ = await two_tiers(desk)
    ticket = await created(
        await desk.client.post("/v1/tickets", json={"subject": "Taken", "team_id": l1["id"]})
    )
    first = await created(await escalate(desk.client, ticket["id"]))
    assert (await desk.client.post(f"/v1/escalations/{first['id']}/acknowledge")).status_code == 200
    target = desk.services.settings.escalation_ack_target_seconds
    await desk.at(T0 + timedelta(seconds=target * 2))
    reminders = (await desk.client.get("/v1/reminders")).json()["items"]
    assert [r for r in reminders if r["kind"] == "escalation_ack"] == []
    trail = (await desk.client.get(f"/v1/tickets/{ticket['id']}/escalations")).json()["items"]
    assert len(trail) == 1
