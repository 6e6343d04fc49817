"""A batch's timers fire in due order per ticket: a warning before its breach, and the
escalation matrix acts on them in that order."""

from datetime import timedelta

from tests.api.factories import created, patch
from tests.worker.conftest import T0, WorkerDesk
from tests.worker.test_escalations import set_matrix

WARN_THEN_BREACH = {
    "rules": [
        {"priority": "high", "metric": "first_response", "on": "warning", "action": "hierarchical"},
        {"priority": "high", "metric": "first_response", "on": "breach", "action": "functional"},
    ]
}


async def test_warnings_fire_before_breaches_and_the_matrix_acts_in_that_order(
    desk: WorkerDesk,
) -> None:
    l1 = await created(await desk.client.post("/v1/teams", json={"name": "L1", "tier": 1}))
    await created(await desk.client.post("/v1/teams", json={"name": "L2", "tier": 2}))
    boss = await created(
        await desk.client.post(
            "/v1/agents",
            json={"name": "Boss", "email": "boss@desk.example.com", "role": "supervisor"},
        )
    )
    path = f"/v1/teams/{l1['id']}"
    assert (await patch(desk.client, path, supervisor_id=boss["id"])).status_code == 200
    await set_matrix(desk, WARN_THEN_BREACH)
    tickets = [
        await created(
            await desk.client.post(
                "/v1/tickets",
                json={
                    "subject": f"Down {n}",
                    "team_id": l1["id"],
                    "priority": "high",
                    "priority_reason": "as reported",
                },
            )
        )
        for n in range(8)
    ]

    # One pass, long after every deadline: each ticket's warnings and breaches in one batch.
    assert await desk.at(T0 + timedelta(days=30)) > 0
    assert await desk.at(T0 + timedelta(days=30)) == 0  # nothing left for a second pass

    events = await desk.sql("SELECT ticket_id, metric, kind FROM sla_events ORDER BY id")
    trail = await desk.sql("SELECT ticket_id, kind, trigger FROM escalations ORDER BY id")
    for ticket in tickets:
        mine = [(e["metric"], e["kind"]) for e in events if e["ticket_id"] == ticket["id"]]
        for metric in {m for m, _ in mine}:
            kinds = [k for m, k in mine if m == metric]
            assert kinds == sorted(kinds, key=["warning", "breach"].index), (ticket["id"], mine)
        moves = [(e["kind"], e["trigger"]) for e in trail if e["ticket_id"] == ticket["id"]]
        assert moves == [("hierarchical", "sla_warning"), ("functional", "sla_breach")], moves
        after = (await desk.client.get(f"/v1/tickets/{ticket['id']}")).json()
        assert (after["tier"], after["escalated_to_id"]) == (2, boss["id"])
