"""What the worker changes on its own is recorded as a person's change would be: auto-close's
events and history, acknowledgement reminders' events, and their closing."""

from datetime import timedelta

from tests.api.factories import created, escalate, follow_events, patch
from tests.worker.conftest import T0, WorkerDesk
from tests.worker.test_escalations import set_matrix, two_tiers


async def test_auto_close_emits_the_events_and_history_of_a_close(desk: WorkerDesk) -> None:
    ticket = await created(await desk.client.post("/v1/tickets", json={"subject": "Done"}))
    path = f"/v1/tickets/{ticket['id']}"
    assert (await patch(desk.client, path, status="resolved")).status_code == 200
    _, cursor = await follow_events(desk.client)

    await desk.at(T0 + timedelta(days=desk.services.settings.auto_close_days, hours=1))

    closed = (await desk.client.get(path)).json()
    assert closed["status"] == "closed"
    seen, _ = await follow_events(desk.client, cursor)
    changes = [e for e in seen if e["ticket_id"] == ticket["id"]]
    assert [e["type"] for e in changes] == ["ticket.updated", "ticket.status_changed"]
    assert changes[1]["data"]["from"] == "resolved" and changes[1]["data"]["to"] == "closed"
    assert changes[1]["data"]["version"] == closed["version"]
    lines = (await desk.client.get(f"{path}/history")).json()["items"]
    close = [line for line in lines if line["field"] == "status" and line["new_value"] == "closed"]
    assert len(close) == 1 and close[0]["old_value"] == "resolved"


async def test_an_acknowledgement_reminder_is_an_event_and_done_once_acknowledged_late(
    desk: WorkerDesk,
) -> None:
    l1, _, _ = await two_tiers(desk)
    ticket = await created(
        await desk.client.post("/v1/tickets", json={"subject": "Stuck", "team_id": l1["id"]})
    )
    other = await created(
        await desk.client.post("/v1/tickets", json={"subject": "Also", "team_id": l1["id"]})
    )
    first = await created(await escalate(desk.client, ticket["id"]))
    await created(await escalate(desk.client, other["id"]))
    target = desk.services.settings.escalation_ack_target_seconds
    _, cursor = await follow_events(desk.client)

    await desk.at(T0 + timedelta(seconds=target / 2))
    seen, _ = await follow_events(desk.client, cursor)
    due = [e["data"] for e in seen if e["type"] == "reminder.due"]
    assert {"ticket_id": ticket["id"], "kind": "escalation_ack"} in due

    # Acknowledged after its target (and after the overdue escalation): still done.
    await desk.at(T0 + timedelta(seconds=target * 2))
    desk.clock.set(T0 + timedelta(seconds=target * 3))
    path = f"/v1/escalations/{first['id']}/acknowledge"
    assert (await desk.client.post(path)).status_code == 200
    query = {"ticket_id": ticket["id"]}
    reminders = (await desk.client.get("/v1/reminders", params=query)).json()["items"]
    acks = [r for r in reminders if r["kind"] == "escalation_ack"]
    assert [(r["status"], r["ticket_id"]) for r in acks] == [("done", ticket["id"])]
    assert acks[0]["done_at"] is not None


async def test_the_matrix_says_why_when_it_cannot_escalate(desk: WorkerDesk) -> None:
    await set_matrix(
        desk,
        {
            "rules": [
                {
                    "priority": "any",
                    "metric": "first_response",
                    "on": "warning",
                    "action": "hierarchical",
                },
                {
                    "priority": "any",
                    "metric": "first_response",
                    "on": "breach",
                    "action": "functional",
                },
            ]
        },
    )
    top = await created(await desk.client.post("/v1/teams", json={"name": "L3", "tier": 3}))
    ticket = await created(
        await desk.client.post("/v1/tickets", json={"subject": "Deep", "team_id": top["id"]})
    )

    await desk.at(T0 + timedelta(days=30))

    lines = (await desk.client.get(f"/v1/tickets/{ticket['id']}/history")).json()["items"]
    skipped = {line["field"]: line for line in lines if line["action"] == "escalation_skipped"}
    assert set(skipped) == {"hierarchical", "functional"}
    assert f"team {top['id']} has no supervisor" in skipped["hierarchical"]["note"]
    assert "top tier" in skipped["functional"]["note"]
    assert skipped["functional"]["new_value"]["trigger"] == "sla_breach"
    assert (await desk.client.get(f"/v1/tickets/{ticket['id']}/escalations")).json()["items"] == []
