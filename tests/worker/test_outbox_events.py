"""The worker's own changes write events too: SLA warnings and breaches, reminders due."""

from datetime import timedelta

from tests.api.factories import log, make_ticket
from tests.worker.conftest import T0, WorkerDesk


async def test_sla_warnings_breaches_and_reminders_are_events(desk: WorkerDesk) -> None:
    ticket = await make_ticket(desk.client, impact="organization", urgency="critical")
    await log(desk.client, ticket["id"], direction="outbound", author_type="agent")
    for hours in range(1, 24 * 3):
        await desk.at(T0 + timedelta(hours=hours))
    page = (await desk.client.get("/v1/events", params={"limit": 200})).json()
    types = [e["type"] for e in page["items"]]
    assert "sla.warning" in types and "sla.breach" in types
    reminder = next(e for e in page["items"] if e["type"] == "reminder.due")
    assert reminder["data"] == {"ticket_id": ticket["id"], "kind": "follow_up"}
    breach = next(e for e in page["items"] if e["type"] == "sla.breach")
    assert breach["ticket_id"] == ticket["id"] and breach["data"]["metric"]
    sla_events = (await desk.client.get("/v1/sla-events")).json()["items"]
    recorded = {(e["metric"], e["kind"]) for e in sla_events}
    emitted = {
        (e["data"]["metric"], e["type"].split(".")[1])
        for e in page["items"]
        if e["type"].startswith("sla.")
    }
    assert emitted == recorded  # one event per SLA event the worker recorded
