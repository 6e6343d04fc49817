"""A chat conversation posted out of order keeps the record it would have had in one post: the
ticket opens at its earliest message, each message at its own time, the first response measured
from that opening and the subject taken from the earliest customer message."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.fakes import FakeClock

T = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# m1 (customer, 09:00) asks, m2 (agent, 09:01) answers, m3 (customer, 09:02) thanks.
M1 = {"id": "m-1", "sent_at": T.isoformat(), "author": "customer", "body": "my printer jams"}
M2 = {"id": "m-2", "sent_at": (T + timedelta(minutes=1)).isoformat(), "author": "agent"}
M2 |= {"body": "let us look at the tray"}
M3 = {"id": "m-3", "sent_at": (T + timedelta(minutes=2)).isoformat(), "author": "customer"}
M3 |= {"body": "thanks, it works"}
# What depends on nothing but the conversation (not on how many posts it took).
_OWN = {"id", "external_id", "version", "updated_at"}


async def _post(
    client: httpx.AsyncClient, conversation: str, *messages: dict[str, Any]
) -> dict[str, Any]:
    body = {
        "conversation_id": conversation,
        "customer": {"name": "Ada Lovelace", "email": "ada@example.com"},
        "messages": list(messages),
    }
    answer = await client.post("/v1/inbound/chat", json=body)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


async def _record(client: httpx.AsyncClient, ticket_id: int) -> dict[str, Any]:
    ticket = (await client.get(f"/v1/tickets/{ticket_id}")).json()
    sla = (await client.get(f"/v1/tickets/{ticket_id}/sla")).json()
    page = await client.get(f"/v1/tickets/{ticket_id}/interactions", params={"limit": 200})
    return {
        "ticket": {k: v for k, v in ticket.items() if k not in _OWN},
        "sla": {k: v for k, v in sla.items() if k != "ticket_id"},
        "interactions": [
            (i["external_id"], i["occurred_at"], i["direction"]) for i in page.json()["items"]
        ],
    }


async def test_a_conversation_posted_out_of_order_keeps_the_record_of_one_post(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    clock.set(T + timedelta(minutes=30))
    split = await _post(client, "split", M3, M2)
    assert split["ticket_created"] is True
    earliest = await _post(client, "split", M1)
    assert earliest["ticket_id"] == split["ticket_id"]
    assert earliest["messages"] == [
        {"id": "m-1", "interaction_id": earliest["messages"][0]["interaction_id"], "created": True}
    ]
    whole = await _post(client, "whole", M3, M2, M1)

    record = await _record(client, split["ticket_id"])
    assert record == await _record(client, whole["ticket_id"])
    ticket = record["ticket"]
    assert datetime.fromisoformat(ticket["created_at"]) == T
    assert ticket["subject"] == "my printer jams"
    replied = datetime.fromisoformat(ticket["first_responded_at"])
    assert replied - datetime.fromisoformat(ticket["created_at"]) == timedelta(seconds=60)
    assert [(i[0], datetime.fromisoformat(i[1])) for i in record["interactions"]] == [
        ("m-1", T),
        ("m-2", T + timedelta(minutes=1)),
        ("m-3", T + timedelta(minutes=2)),
    ]


async def test_the_clocks_and_the_trail_follow_the_earlier_opening(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    clock.set(T + timedelta(minutes=30))
    opened = await _post(client, "c", M3)
    before = (await client.get(f"/v1/tickets/{opened['ticket_id']}")).json()
    await _post(client, "c", M1)
    after = (await client.get(f"/v1/tickets/{opened['ticket_id']}")).json()
    due_before = datetime.fromisoformat(before["sla"]["first_response"]["due_at"])
    due_after = datetime.fromisoformat(after["sla"]["first_response"]["due_at"])
    assert due_before - due_after == timedelta(minutes=2)  # derived again from 09:00
    history = await client.get(f"/v1/tickets/{opened['ticket_id']}/history", params={"limit": 200})
    moved = [h for h in history.json()["items"] if h["field"] == "created_at"]
    assert len(moved) == 1, history.json()
    assert datetime.fromisoformat(moved[0]["new_value"]) == T
    events = (await client.get("/v1/events", params={"limit": 200})).json()["items"]
    updated = [e for e in events if e["type"] == "ticket.updated"]
    assert [sorted(e["data"]["fields"]) for e in updated] == [["created_at", "subject"]]


async def test_a_subject_an_agent_edited_stays_when_an_earlier_message_comes(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    clock.set(T + timedelta(minutes=30))
    opened = await _post(client, "c", M3)
    path = f"/v1/tickets/{opened['ticket_id']}"
    etag = (await client.get(path)).headers["etag"]
    edited = await client.patch(path, json={"subject": "Printer"}, headers={"If-Match": etag})
    assert edited.status_code == 200, edited.text
    await _post(client, "c", M1)
    after = (await client.get(path)).json()
    assert after["subject"] == "Printer"
    assert datetime.fromisoformat(after["created_at"]) == T
