"""Participants: the people on a ticket besides its customer. Inbound mail's Cc puts them on,
their replies thread like the customer's, the desk's email replies are copied to them, every
add and removal is in the history and the event feed, and an erasure takes them off."""

from typing import Any

import httpx
import pytest

from tests.api.factories import (
    compose_email,
    follow_events,
    log,
    make_customer,
    make_ticket,
    send_email,
)

ADA = "Ada Lovelace <ada@example.com>"


async def participants(client: httpx.AsyncClient, ticket_id: int) -> list[dict[str, Any]]:
    response = await client.get(f"/v1/tickets/{ticket_id}/participants")
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def _copied_ticket(client: httpx.AsyncClient) -> int:
    """Ada's mail copied to Bob, the desk's own address and an address at the desk's domain."""
    raw = compose_email(
        sender=ADA,
        message_id="<ask@mail.example.com>",
        headers={
            "Cc": "Bob Builder <Bob@Example.com>, support@desk.example.com, "
            "robot@helpdesk.invalid, ada@example.com"
        },
    )
    received = await send_email(client, raw)
    assert received.json()["outcome"] == "created", received.text
    return int(received.json()["ticket_id"])


@pytest.fixture
def desk_address(app, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(app.state.desk.settings, "mail_addresses", ["support@desk.example.com"])


async def test_inbound_cc_joins_the_ticket_and_their_reply_threads(
    client: httpx.AsyncClient, desk_address: None
) -> None:
    ticket_id = await _copied_ticket(client)
    on = await participants(client, ticket_id)
    # Only Bob: not the desk's own address, its domain, nor the sender herself.
    assert [(p["email"], p["name"], p["role"], p["source"]) for p in on] == [
        ("bob@example.com", "Bob Builder", "cc", "email")
    ]
    history = (await client.get(f"/v1/tickets/{ticket_id}/history")).json()["items"]
    added = [h for h in history if h["action"] == "participant_added"]
    assert [h["new_value"]["customer_id"] for h in added] == [on[0]["customer_id"]]
    # Bob answers Ada's message: he is on the ticket, so it threads (not held).
    answer = await send_email(
        client,
        compose_email(
            sender="Bob <bob@example.com>",
            subject="Re: Printer jams",
            in_reply_to="<ask@mail.example.com>",
        ),
    )
    assert (answer.json()["outcome"], answer.json()["ticket_id"]) == ("appended", ticket_id)


async def test_cc_of_held_mail_joins_nothing(client: httpx.AsyncClient, desk_address: None) -> None:
    ticket_id = await _copied_ticket(client)
    held = await send_email(
        client,
        compose_email(
            sender="Mallory <mallory@evil.example>",
            in_reply_to="<ask@mail.example.com>",
            headers={"Cc": "eve@evil.example"},
        ),
    )
    assert held.json()["outcome"] == "held"
    assert [p["email"] for p in await participants(client, ticket_id)] == ["bob@example.com"]


async def test_a_public_email_reply_is_copied_to_the_cc_participants(
    client: httpx.AsyncClient, desk_address: None
) -> None:
    ticket_id = await _copied_ticket(client)
    follower = await client.post(
        f"/v1/tickets/{ticket_id}/participants",
        json={"email": "fred@example.com", "role": "follower"},
    )
    assert follower.status_code == 201, follower.text
    reply = await log(client, ticket_id, body="Which model?")
    assert reply["email"]["cc"] == ["bob@example.com"]  # not the follower
    listed = (await client.get(f"/v1/tickets/{ticket_id}/interactions")).json()["items"]
    assert listed[-1]["email"]["cc"] == ["bob@example.com"]
    note = await log(client, ticket_id, kind="note", direction="internal", public=False)
    assert note["email"] is None


async def test_adding_listing_and_removing_through_the_api(client: httpx.AsyncClient) -> None:
    owner, known = await make_customer(client), await make_customer(client)
    ticket = await make_ticket(client, customer_id=owner["id"])
    path = f"/v1/tickets/{ticket['id']}/participants"
    _, cursor = await follow_events(client)
    by_id = await client.post(path, json={"customer_id": known["id"], "role": "follower"})
    assert by_id.status_code == 201, by_id.text
    assert (by_id.json()["customer_id"], by_id.json()["role"]) == (known["id"], "follower")
    by_address = await client.post(path, json={"email": "New@Example.com", "name": "Nia"})
    assert by_address.status_code == 201, by_address.text
    assert (by_address.json()["name"], by_address.json()["role"]) == ("Nia", "cc")
    again = await client.post(path, json={"customer_id": known["id"]})
    assert again.status_code == 409
    own = await client.post(path, json={"customer_id": owner["id"]})
    assert own.status_code == 409
    for bad in ({}, {"customer_id": known["id"], "email": "x@example.com"}, {"email": "nope"}):
        assert (await client.post(path, json=bad)).status_code == 422, bad
    assert (await client.post(path, json={"customer_id": 999_999})).status_code == 422
    first = (await client.get(path, params={"limit": 1})).json()
    assert [p["customer_id"] for p in first["items"]] == [known["id"]]
    rest = (await client.get(path, params={"cursor": first["next_cursor"]})).json()
    assert [p["customer_id"] for p in rest["items"]] == [by_address.json()["customer_id"]]

    removed = await client.delete(f"{path}/{known['id']}")
    assert removed.status_code == 204
    assert (await client.delete(f"{path}/{known['id']}")).status_code == 404
    assert [p["customer_id"] for p in await participants(client, ticket["id"])] == [
        by_address.json()["customer_id"]
    ]
    events, _ = await follow_events(client, cursor)
    assert [(e["type"], e["data"]["participant_customer_id"]) for e in events] == [
        ("ticket.participant_added", known["id"]),
        ("ticket.participant_added", by_address.json()["customer_id"]),
        ("ticket.participant_removed", known["id"]),
    ]
    # Ids only: a participant's name or address never travels in an event.
    assert all("@" not in str(e["data"]) for e in events)


async def test_erasure_takes_the_person_off_every_ticket_and_every_copy(
    client: httpx.AsyncClient, desk_address: None
) -> None:
    ticket_id = await _copied_ticket(client)
    bob = (await participants(client, ticket_id))[0]
    reply = await log(client, ticket_id, body="Which model?")
    assert reply["email"]["cc"] == ["bob@example.com"]
    exported = (await client.get(f"/v1/customers/{bob['customer_id']}/export")).json()
    assert exported["participating_ticket_ids"] == [ticket_id]

    erased = await client.post(f"/v1/customers/{bob['customer_id']}/erase")
    assert erased.status_code == 200, erased.text
    assert await participants(client, ticket_id) == []
    listed = (await client.get(f"/v1/tickets/{ticket_id}/interactions")).json()["items"]
    assert [i["email"]["cc"] for i in listed if i["email"]] == [[]]
    history = (await client.get(f"/v1/tickets/{ticket_id}/history")).json()["items"]
    assert [h["action"] for h in history][-1] == "participant_removed"
    exported = (await client.get(f"/v1/customers/{bob['customer_id']}/export")).json()
    assert exported["participating_ticket_ids"] == []
    # His next mail is a stranger's: held.
    held = await send_email(
        client,
        compose_email(sender="Bob <bob@example.com>", in_reply_to="<ask@mail.example.com>"),
    )
    assert held.json()["outcome"] == "held"
