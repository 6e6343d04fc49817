"""Inbound chat: one ticket per conversation, each message one interaction, logged once per
message id however often and in whatever order the gateway posts them."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.api.conftest import client_for, new_key
from tests.api.factories import patch

T = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _message(n: int, minutes: int, author: str = "customer", **fields: Any) -> dict[str, Any]:
    at = (T + timedelta(minutes=minutes)).isoformat()
    return {"id": f"m-{n}", "sent_at": at, "author": author, "body": f"message {n}"} | fields


def _conversation(*messages: dict[str, Any], conversation: str = "c-1") -> dict[str, Any]:
    return {
        "conversation_id": conversation,
        "customer": {"name": "Ada Lovelace", "email": "ada@example.com"},
        "messages": list(messages),
    }


async def _post(client: httpx.AsyncClient, body: dict[str, Any]) -> httpx.Response:
    return await client.post("/v1/inbound/chat", json=body)


async def _bodies(client: httpx.AsyncClient, ticket_id: int) -> list[str]:
    page = (await client.get(f"/v1/tickets/{ticket_id}/interactions", params={"limit": 200})).json()
    return sorted(i["external_id"] for i in page["items"])


async def test_a_conversation_opens_one_chat_ticket_at_its_first_message(
    client: httpx.AsyncClient,
    clock,  # type: ignore[no-untyped-def]
) -> None:
    clock.set(T + timedelta(hours=1))
    first = await _post(client, _conversation(_message(1, 0), _message(2, 3, "agent")))
    assert first.status_code == 201, first.text
    out = first.json()
    assert out["ticket_created"] is True
    assert [m["created"] for m in out["messages"]] == [True, True]
    ticket = (await client.get(f"/v1/tickets/{out['ticket_id']}")).json()
    assert ticket["channel"] == "chat" and ticket["external_id"] == "chat:c-1"
    assert ticket["subject"] == "message 1"
    assert datetime.fromisoformat(ticket["created_at"]) == T
    assert ticket["first_responded_at"] is not None  # the agent's chat reply
    assert await _bodies(client, out["ticket_id"]) == ["m-1", "m-2"]


async def test_a_replay_in_any_order_logs_each_message_once(
    client: httpx.AsyncClient,
    clock,  # type: ignore[no-untyped-def]
) -> None:
    clock.set(T + timedelta(hours=1))
    opened = (await _post(client, _conversation(_message(2, 5), _message(3, 9)))).json()
    again = await _post(client, _conversation(_message(3, 9), _message(1, 0), _message(4, 12)))
    assert again.status_code == 200
    assert {m["id"]: m["created"] for m in again.json()["messages"]} == {
        "m-1": True,
        "m-3": False,
        "m-4": True,
    }
    assert again.json()["ticket_id"] == opened["ticket_id"]
    assert await _bodies(client, opened["ticket_id"]) == ["m-1", "m-2", "m-3", "m-4"]
    listed = (await client.get("/v1/tickets", params={"channel": "chat"})).json()["items"]
    assert len(listed) == 1


async def test_concurrent_posts_of_a_new_conversation_make_one_ticket(
    client: httpx.AsyncClient,
    clock,  # type: ignore[no-untyped-def]
) -> None:
    clock.set(T + timedelta(hours=1))
    body = _conversation(_message(1, 0), _message(2, 1))
    answers = await asyncio.gather(*(_post(client, body) for _ in range(5)))
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 200, 201]
    assert len({a.json()["ticket_id"] for a in answers}) == 1
    assert await _bodies(client, answers[0].json()["ticket_id"]) == ["m-1", "m-2"]


async def test_two_conversations_are_two_tickets_of_one_customer(
    client: httpx.AsyncClient,
    clock,  # type: ignore[no-untyped-def]
) -> None:
    clock.set(T + timedelta(hours=1))
    a = (await _post(client, _conversation(_message(1, 0), conversation="a"))).json()
    b = (await _post(client, _conversation(_message(1, 0), conversation="b"))).json()
    assert a["ticket_id"] != b["ticket_id"]
    ta, tb = [
        (await client.get(f"/v1/tickets/{t}")).json() for t in (a["ticket_id"], b["ticket_id"])
    ]
    assert ta["customer_id"] == tb["customer_id"] is not None


async def test_a_message_from_the_future_is_refused_naming_it(
    client: httpx.AsyncClient,
    clock,  # type: ignore[no-untyped-def]
) -> None:
    clock.set(T)
    response = await _post(client, _conversation(_message(1, 0), _message(2, 60)))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "messages.1.sent_at"
    assert (await client.get("/v1/tickets")).json()["items"] == []  # nothing half-written


async def test_a_closed_conversation_replays_but_takes_no_new_message(
    client: httpx.AsyncClient,
    clock,  # type: ignore[no-untyped-def]
) -> None:
    clock.set(T + timedelta(hours=1))
    out = (await _post(client, _conversation(_message(1, 0)))).json()
    assert (
        await patch(client, f"/v1/tickets/{out['ticket_id']}", status="closed")
    ).status_code == 200
    replay = await _post(client, _conversation(_message(1, 0)))
    assert replay.status_code == 200 and replay.json()["messages"][0]["created"] is False
    assert (await _post(client, _conversation(_message(1, 0), _message(2, 5)))).status_code == 409
    assert await _bodies(client, out["ticket_id"]) == ["m-1"]


async def test_messages_are_events_too(client: httpx.AsyncClient, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(T + timedelta(hours=1))
    await _post(client, _conversation(_message(1, 0), _message(2, 1)))
    events = (await client.get("/v1/events")).json()["items"]
    assert [e["type"] for e in events].count("interaction.added") == 2


async def test_a_viewer_cannot_post_chats(app) -> None:  # type: ignore[no-untyped-def]
    async with client_for(app, await new_key(app, "viewer")) as viewer:
        assert (await _post(viewer, _conversation(_message(1, 0)))).status_code == 403


async def test_a_later_post_naming_another_customer_is_refused_not_attributed(
    client: httpx.AsyncClient,
    clock,  # type: ignore[no-untyped-def]
) -> None:
    clock.set(T + timedelta(hours=1))
    opened = (await _post(client, _conversation(_message(1, 0)))).json()
    other = _conversation(_message(2, 5)) | {
        "customer": {"name": "Bob Stranger", "email": "bob@example.com"}
    }
    refused = await _post(client, other)
    assert refused.status_code == 409, refused.text
    assert refused.json()["field"] == "customer.email"
    assert await _bodies(client, opened["ticket_id"]) == ["m-1"]
    customers = (await client.get("/v1/customers")).json()["items"]
    assert [c["email"] for c in customers] == ["ada@example.com"]
    # The same customer, however the gateway spells the address, goes on.
    same = _conversation(_message(2, 5)) | {"customer": {"name": "Ada", "email": "ADA@example.com"}}
    assert (await _post(client, same)).status_code == 200
    assert await _bodies(client, opened["ticket_id"]) == ["m-1", "m-2"]


async def test_a_key_scoped_to_other_channels_may_not_post_chat(
    client: httpx.AsyncClient,
    app,
    clock,  # type: ignore[no-untyped-def]
) -> None:
    clock.set(T + timedelta(hours=1))
    for scope, status in ((["email"], 403), (["chat"], 201), (["email", "own"], 201)):
        key = await client.post(
            "/v1/api-keys", json={"name": "gateway", "role": "integration", "scope": scope}
        )
        assert key.status_code == 201, key.text
        async with client_for(app, key.json()["key"]) as gateway:
            body = _conversation(_message(1, 0), conversation=f"c-{'-'.join(scope)}")
            answer = await _post(gateway, body)
        assert answer.status_code == status, (scope, answer.text)
        if status == 403:
            problem = answer.json()
            assert problem["field"] == "scope" and "(email)" in problem["detail"]
            assert "ticket" not in problem["detail"]
    listed = (await client.get("/v1/tickets", params={"channel": "chat"})).json()["items"]
    assert sorted(t["external_id"] for t in listed) == ["chat:c-chat", "chat:c-email-own"]
