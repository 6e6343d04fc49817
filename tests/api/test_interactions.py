"""Interactions: logged on their ticket, in history, and what they imply for the ticket."""

import httpx

from tests.api.conftest import client_for, new_key
from tests.api.factories import log, make_agent, make_customer, make_ticket, patch


async def test_first_public_agent_reply_sets_first_response(client: httpx.AsyncClient) -> None:
    agent = await make_agent(client)
    ticket = await make_ticket(client)
    path = f"/v1/tickets/{ticket['id']}"
    await log(
        client, ticket["id"], kind="note", direction="internal", public=False, author_id=agent["id"]
    )
    assert (await client.get(path)).json()["first_responded_at"] is None
    reply = await log(client, ticket["id"], author_id=agent["id"])
    after = (await client.get(path)).json()
    assert after["first_responded_at"] == reply["occurred_at"]
    assert after["status"] == "open"
    assert (after["agent_reply_count"], after["interaction_count"]) == (1, 2)
    assert reply["author_name"] == agent["name"]
    await log(client, ticket["id"], author_id=agent["id"])
    again = (await client.get(path)).json()
    assert again["first_responded_at"] == reply["occurred_at"]
    assert again["agent_reply_count"] == 2


async def test_customer_reply_reopens_pending_ticket(client: httpx.AsyncClient) -> None:
    customer = await make_customer(client)
    ticket = await make_ticket(client, customer_id=customer["id"])
    path = f"/v1/tickets/{ticket['id']}"
    await patch(client, path, status="pending")
    message = await log(
        client, ticket["id"], author_type="customer", direction="inbound", kind="email"
    )
    assert message["author_id"] == customer["id"] and message["author_name"] == customer["name"]
    after = (await client.get(path)).json()
    assert after["status"] == "open" and after["customer_reply_count"] == 1


async def test_interactions_listed_in_order_with_history(client: httpx.AsyncClient) -> None:
    ticket = await make_ticket(client)
    tid = ticket["id"]
    await log(
        client,
        tid,
        kind="call",
        direction="inbound",
        author_type="customer",
        duration_seconds=300,
        occurred_at=ticket["created_at"],
    )
    await log(client, tid, kind="note", direction="internal", public=False, body="checked logs")
    await log(client, tid, kind="callback", direction="outbound", duration_seconds=60)
    page = (await client.get(f"/v1/tickets/{tid}/interactions", params={"limit": 2})).json()
    assert [i["kind"] for i in page["items"]] == ["call", "note"]
    rest = (
        await client.get(f"/v1/tickets/{tid}/interactions", params={"cursor": page["next_cursor"]})
    ).json()
    assert [i["kind"] for i in rest["items"]] == ["callback"] and rest["next_cursor"] is None
    public = (
        await client.get(f"/v1/tickets/{tid}/interactions", params={"public_only": True})
    ).json()
    assert [i["kind"] for i in public["items"]] == ["call", "callback"]
    history = (await client.get(f"/v1/tickets/{tid}/history")).json()["items"]
    logged = [h for h in history if h["action"] == "interaction"]
    assert len(logged) == 3 and all(h["interaction_id"] for h in logged)


async def test_interaction_shapes_that_make_no_sense_are_refused(client: httpx.AsyncClient) -> None:
    ticket = await make_ticket(client)
    path = f"/v1/tickets/{ticket['id']}/interactions"
    cases = [
        ({"kind": "note", "direction": "outbound", "body": "x"}, "direction"),
        ({"kind": "email", "direction": "internal", "public": True, "body": "x"}, "public"),
        (
            {"kind": "email", "direction": "outbound", "duration_seconds": 5, "body": "x"},
            "duration_seconds",
        ),
        (
            {"kind": "email", "direction": "outbound", "author_type": "customer", "body": "x"},
            "direction",
        ),
        ({"kind": "email", "direction": "outbound", "body": "x", "author_id": 999}, "author_id"),
        (
            {
                "kind": "email",
                "direction": "outbound",
                "body": "x",
                "occurred_at": "2999-01-01T00:00:00Z",
            },
            "occurred_at",
        ),
        (
            {
                "kind": "email",
                "direction": "outbound",
                "body": "x",
                "occurred_at": "2000-01-01T00:00:00Z",
            },
            "occurred_at",
        ),
        ({"kind": "fax", "direction": "outbound", "body": "x"}, "kind"),
        ({"kind": "email", "direction": "outbound", "body": ""}, "body"),
    ]
    for body, field in cases:
        response = await client.post(path, json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["errors"][0]["field"] == field, body
    assert (await client.get(path)).json()["items"] == []
    assert (await client.get(f"/v1/tickets/{ticket['id']}")).json()["version"] == 1


async def test_no_interactions_on_closed_or_unknown_tickets(client: httpx.AsyncClient) -> None:
    ticket = await make_ticket(client)
    await patch(client, f"/v1/tickets/{ticket['id']}", status="closed")
    closed = await client.post(
        f"/v1/tickets/{ticket['id']}/interactions",
        json={"kind": "email", "direction": "outbound", "body": "x"},
    )
    assert closed.status_code == 409
    unknown = await client.post(
        "/v1/tickets/9999/interactions",
        json={"kind": "email", "direction": "outbound", "body": "x"},
    )
    assert unknown.status_code == 404
    assert (await client.get("/v1/tickets/9999/interactions")).status_code == 404
    assert (await client.get("/v1/tickets/9999/history")).status_code == 404


async def test_agent_key_authors_its_interactions(app, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    agent = await make_agent(client, name="Grace")
    ticket = await make_ticket(client, assignee_id=agent["id"])  # hers: an agent sees her own
    async with client_for(app, await new_key(app, "agent", agent_id=agent["id"])) as grace:
        reply = await log(grace, ticket["id"])
    assert reply["author_id"] == agent["id"] and reply["author_name"] == "Grace"
    history = (await client.get(f"/v1/tickets/{ticket['id']}/history")).json()["items"]
    assert history[-1]["actor_type"] == "agent"


async def test_a_gateway_retry_with_the_same_message_id_returns_the_interaction_it_made(
    client: httpx.AsyncClient,
) -> None:
    ticket = await make_ticket(client)
    other = await make_ticket(client)
    body = {"kind": "chat", "direction": "inbound", "author_type": "customer", "body": "hi"}
    first = await client.post(
        f"/v1/tickets/{ticket['id']}/interactions", json={**body, "external_id": "msg-1"}
    )
    again = await client.post(
        f"/v1/tickets/{ticket['id']}/interactions", json={**body, "external_id": "msg-1"}
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    # Unique per ticket: another ticket may carry the same gateway id.
    elsewhere = await client.post(
        f"/v1/tickets/{other['id']}/interactions", json={**body, "external_id": "msg-1"}
    )
    assert elsewhere.status_code == 201
    after = (await client.get(f"/v1/tickets/{ticket['id']}")).json()
    assert after["interaction_count"] == 1
    found = (await client.get("/v1/interactions", params={"external_id": "msg-1"})).json()
    assert [i["ticket_id"] for i in found["items"]] == [ticket["id"], other["id"]]
    assert found["next_cursor"] is None


async def test_an_inbound_call_an_agent_logs_is_the_customer_speaking_not_a_reply(
    client: httpx.AsyncClient,
) -> None:
    ticket = await make_ticket(client)
    path = f"/v1/tickets/{ticket['id']}"
    assert (await patch(client, path, status="pending")).status_code == 200
    call = {"kind": "call", "direction": "inbound", "public": True, "body": "customer called"}
    assert (await client.post(f"{path}/interactions", json=call)).status_code == 201
    after = (await client.get(path)).json()
    assert after["first_responded_at"] is None
    assert (after["agent_reply_count"], after["customer_reply_count"]) == (0, 1)
    assert after["status"] == "open"  # the customer spoke: no longer waiting on them
    assert after["sla"]["first_response"]["state"] != "met"
    # The agent calling the customer back is the reply.
    call |= {"direction": "outbound", "body": "called back"}
    assert (await client.post(f"{path}/interactions", json=call)).status_code == 201
    after = (await client.get(path)).json()
    assert after["first_responded_at"] is not None and after["agent_reply_count"] == 1
    assert after["sla"]["first_response"]["state"] == "met"
