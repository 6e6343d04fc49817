"""Where inbound mail meets the rest of the desk: only the people on a ticket thread onto it
(anyone else's answer is held for a person to accept or reject), the desk's own mail coming
back is recorded and never appended, and events carry nothing that threads mail."""

import json
from typing import Any

import httpx
import pytest

from tests.api.conftest import client_for, new_key
from tests.api.factories import (
    compose_email,
    created,
    follow_events,
    log,
    make_agent,
    make_team,
    make_ticket,
    patch,
    send_email,
)

ADA = "Ada Lovelace <ada@example.com>"
MALLORY = "Mallory <mallory@evil.example>"


async def _interactions(client: httpx.AsyncClient, ticket_id: int) -> list[dict[str, Any]]:
    return (await client.get(f"/v1/tickets/{ticket_id}/interactions")).json()["items"]


async def _customer_emails(client: httpx.AsyncClient) -> list[str]:
    return [c["email"] for c in (await client.get("/v1/customers")).json()["items"]]


async def _adas_ticket(client: httpx.AsyncClient) -> tuple[dict[str, Any], dict[str, Any]]:
    """Ada's mail (Message-ID <ask@mail.example.com>) opened a ticket; an agent answered it by
    email. The ticket and the agent's reply (with its headers)."""
    asked = await send_email(client, compose_email(message_id="<ask@mail.example.com>"))
    ticket = (await client.get(f"/v1/tickets/{asked.json()['ticket_id']}")).json()
    reply = await log(client, ticket["id"], body="Which printer model is it?")
    return ticket, reply


async def _held(client: httpx.AsyncClient, ticket_id: int) -> dict[str, Any]:
    """Mallory answers Ada's message: held."""
    raw = compose_email(
        sender=MALLORY, subject="Re: Printer jams", in_reply_to="<ask@mail.example.com>"
    )
    held = (await send_email(client, raw)).json()
    assert (held["outcome"], held["held_ticket_id"]) == ("held", ticket_id), held
    return held


# ---- the desk's own mail coming back --------------------------------------------------------


async def test_the_desks_own_mail_coming_back_is_recorded_and_reopens_nothing(
    client: httpx.AsyncClient,
) -> None:
    ticket, reply = await _adas_ticket(client)
    path = f"/v1/tickets/{ticket['id']}"
    assert (await patch(client, path, status="resolved")).status_code == 200
    before = (await client.get(path)).json()
    # The gateway's mailbox receives the desk's own reply, as sent, and posts it in.
    own = compose_email(
        sender="Support <support@desk.example.com>",
        subject=reply["email"]["subject"],
        body=f"Which printer model is it?\n\n{reply['email']['reference_token']}",
        message_id=reply["email"]["message_id"],
        in_reply_to=reply["email"]["in_reply_to"],
    )
    answer = await send_email(client, own)
    assert answer.status_code == 201, answer.text
    recorded = answer.json()
    assert (recorded["kind"], recorded["outcome"]) == ("loop", "recorded")
    assert (recorded["ticket_id"], recorded["interaction_id"]) == (ticket["id"], None)
    assert recorded["automatic_reason"] == "the desk's own signed Message-ID"
    after = (await client.get(path)).json()
    assert (after["status"], after["version"], after["reopen_count"]) == (
        "resolved",
        before["version"],
        0,
    )
    assert len(await _interactions(client, ticket["id"])) == 2
    assert await _customer_emails(client) == ["ada@example.com"]  # no customer "Support"


async def test_mail_from_the_desks_own_address_is_recorded_and_appended_nowhere(
    client: httpx.AsyncClient, app, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(app.state.desk.settings, "mail_addresses", ["support@desk.example.com"])
    ticket, _ = await _adas_ticket(client)
    # Its Message-ID rewritten by a relay: the From address alone says whose it is.
    own = compose_email(
        sender="Support <SUPPORT@desk.example.com>",
        subject=f"Re: Printer jams [#{ticket['id']}]",
        in_reply_to="<ask@mail.example.com>",
    )
    recorded = (await send_email(client, own)).json()
    assert (recorded["kind"], recorded["outcome"]) == ("loop", "recorded")
    assert recorded["ticket_id"] is None and recorded["interaction_id"] is None
    assert recorded["automatic_reason"] == "from the desk's own address"
    assert len(await _interactions(client, ticket["id"])) == 2
    assert len((await client.get("/v1/tickets")).json()["items"]) == 1
    assert await _customer_emails(client) == ["ada@example.com"]


# ---- threading only from the people on the ticket -------------------------------------------


async def test_a_stranger_answering_a_customers_message_is_held_not_appended(
    app, client: httpx.AsyncClient
) -> None:  # type: ignore[no-untyped-def]
    ticket, _ = await _adas_ticket(client)
    path = f"/v1/tickets/{ticket['id']}"
    before = (await client.get(path)).json()
    held = await _held(client, ticket["id"])
    assert (held["ticket_id"], held["interaction_id"], held["threaded_by"]) == (
        None,
        None,
        "message_id",
    )
    assert held["sender_email"] == "mallory@evil.example"
    after = (await client.get(path)).json()
    assert (after["version"], after["interaction_count"]) == (before["version"], 2)
    assert "mallory@evil.example" not in await _customer_emails(client)
    # Not in the customer's portal.
    token = (await created(await client.post(f"/v1/customers/{ticket['customer_id']}/tokens")))[
        "token"
    ]
    async with client_for(app, token) as portal:
        public = await portal.get(f"{path}/interactions", params={"public_only": "true"})
        assert public.status_code == 200
        assert "jams on every page" in public.text and "Mallory" not in public.text
    # Not on the ticket either: the subject token does not let the stranger in.
    again = compose_email(sender=MALLORY, subject=f"Re: Printer jams [#{ticket['id']}]")
    assert (await send_email(client, again)).json()["outcome"] == "held"
    # Nor does the customer's export hold the stranger's mail.
    export = await client.get(f"/v1/customers/{ticket['customer_id']}/export")
    assert export.status_code == 200 and "mallory@evil.example" not in export.text


async def test_a_reference_token_copied_by_a_stranger_is_held(client: httpx.AsyncClient) -> None:
    ticket, reply = await _adas_ticket(client)
    token = reply["email"]["reference_token"]
    copied = compose_email(sender=MALLORY, subject="About that", body=f"Look at this {token}")
    held = (await send_email(client, copied)).json()
    assert (held["outcome"], held["threaded_by"]) == ("held", "reference_token")
    assert (held["ticket_id"], held["held_ticket_id"]) == (None, ticket["id"])
    assert len(await _interactions(client, ticket["id"])) == 2


async def test_a_reference_token_in_the_subject_threads_for_the_customer(
    client: httpx.AsyncClient,
) -> None:
    ticket, reply = await _adas_ticket(client)
    token = reply["email"]["reference_token"]
    raw = compose_email(sender=ADA, subject=f"Re: Printer jams {token}", body="An HP 4250.")
    answer = (await send_email(client, raw)).json()
    assert (answer["outcome"], answer["threaded_by"]) == ("appended", "reference_token")
    assert answer["ticket_id"] == ticket["id"]
    assert (await _interactions(client, ticket["id"]))[-1]["body"] == "An HP 4250."


async def test_writing_on_a_ticket_does_not_put_a_stranger_on_it(
    client: httpx.AsyncClient,
) -> None:
    """A colleague copied on the desk's reply answers it: the desk's signed Message-ID lets that
    answer in. Their next mail naming only the ticket is held: writing once is no membership."""
    ticket, reply = await _adas_ticket(client)
    answer = compose_email(
        sender="Charles <charles@example.com>", in_reply_to=reply["email"]["message_id"]
    )
    joined = (await send_email(client, answer)).json()
    assert (joined["outcome"], joined["ticket_id"]) == ("appended", ticket["id"])
    later = compose_email(
        sender="Charles <charles@example.com>", subject=f"Re: Printer jams [#{ticket['id']}]"
    )
    assert (await send_email(client, later)).json()["outcome"] == "held"
    answering_ada = compose_email(
        sender="Charles <charles@example.com>", in_reply_to="<ask@mail.example.com>"
    )
    assert (await send_email(client, answering_ada)).json()["outcome"] == "held"


async def test_an_auto_reply_from_a_stranger_is_recorded_against_no_ticket(
    client: httpx.AsyncClient,
) -> None:
    await _adas_ticket(client)
    away = compose_email(
        sender=MALLORY,
        in_reply_to="<ask@mail.example.com>",
        headers={"Auto-Submitted": "auto-replied"},
    )
    recorded = (await send_email(client, away)).json()
    assert (recorded["kind"], recorded["outcome"], recorded["ticket_id"]) == (
        "auto_reply",
        "recorded",
        None,
    )
    assert (await client.get("/v1/inbound/held")).json()["items"] == []


# ---- held mail: accept, reject ----------------------------------------------------------------


async def test_held_mail_is_listed_and_accepted_into_the_ticket_it_answers(
    client: httpx.AsyncClient,
) -> None:
    ticket, _ = await _adas_ticket(client)
    path = f"/v1/tickets/{ticket['id']}"
    assert (await patch(client, path, status="resolved")).status_code == 200
    held = await _held(client, ticket["id"])
    listed = (await client.get("/v1/inbound/held")).json()
    assert [m["id"] for m in listed["items"]] == [held["id"]]
    assert listed["items"][0]["text"] == "The printer on floor 2 jams on every page."
    accepted = await client.post(f"/v1/inbound/held/{held['id']}/accept")
    assert accepted.status_code == 200, accepted.text
    out = accepted.json()
    assert (out["outcome"], out["ticket_id"], out["held_ticket_id"]) == (
        "reopened",
        ticket["id"],
        ticket["id"],
    )
    assert out["decided_at"] is not None
    logged = await _interactions(client, ticket["id"])
    assert logged[-1]["id"] == out["interaction_id"]
    assert (logged[-1]["author_name"], logged[-1]["author_type"]) == ("Mallory", "customer")
    assert logged[-1]["author_id"] != ticket["customer_id"]  # the sender's, not Ada's
    assert (await client.get(path)).json()["status"] == "open"
    assert (await client.get("/v1/inbound/held")).json()["items"] == []
    again = await client.post(f"/v1/inbound/held/{held['id']}/accept")
    assert again.status_code == 409 and "decided already" in again.json()["detail"]
    assert (await client.post(f"/v1/inbound/held/{held['id']}/reject")).status_code == 409


async def test_held_mail_accepted_as_a_new_ticket_is_its_senders(
    client: httpx.AsyncClient,
) -> None:
    ticket, _ = await _adas_ticket(client)
    held = await _held(client, ticket["id"])
    accepted = await client.post(
        f"/v1/inbound/held/{held['id']}/accept", json={"into": "new_ticket"}
    )
    assert accepted.status_code == 200, accepted.text
    out = accepted.json()
    assert out["outcome"] == "created" and out["ticket_id"] != ticket["id"]
    new = (await client.get(f"/v1/tickets/{out['ticket_id']}")).json()
    sender = (await client.get(f"/v1/customers/{new['customer_id']}")).json()
    assert (new["channel"], sender["email"]) == ("email", "mallory@evil.example")
    assert len(await _interactions(client, ticket["id"])) == 2
    bad = await client.post(f"/v1/inbound/held/{held['id']}/accept", json={"into": "elsewhere"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "into"


async def test_held_mail_without_a_sender_is_never_taken_for_the_customers(
    client: httpx.AsyncClient,
) -> None:
    ticket, _ = await _adas_ticket(client)
    raw = compose_email(sender="", in_reply_to="<ask@mail.example.com>", body="Who am I?")
    held = (await send_email(client, raw)).json()
    assert (held["outcome"], held["sender_email"]) == ("held", None)
    refused = await client.post(f"/v1/inbound/held/{held['id']}/accept")
    assert refused.status_code == 409 and refused.json()["field"] == "into"
    assert len(await _interactions(client, ticket["id"])) == 2
    accepted = await client.post(
        f"/v1/inbound/held/{held['id']}/accept", json={"into": "new_ticket"}
    )
    new = (await client.get(f"/v1/tickets/{accepted.json()['ticket_id']}")).json()
    assert new["customer_id"] is None


async def test_rejected_held_mail_adds_nothing_and_keeps_nothing_personal(
    client: httpx.AsyncClient, db
) -> None:  # type: ignore[no-untyped-def]
    ticket, _ = await _adas_ticket(client)
    held = await _held(client, ticket["id"])
    rejected = await client.post(f"/v1/inbound/held/{held['id']}/reject")
    assert rejected.status_code == 200, rejected.text
    out = rejected.json()
    assert (out["outcome"], out["ticket_id"], out["sender_email"]) == ("rejected", None, None)
    async with db.pool.acquire() as conn:
        row = await conn.fetchrow("SELECT * FROM inbound_emails WHERE id = $1", held["id"])
    assert "mallory" not in json.dumps({k: str(v) for k, v in dict(row).items()}).lower()
    assert len(await _interactions(client, ticket["id"])) == 2
    assert (await client.get("/v1/inbound/held")).json()["items"] == []
    # The gateway retries the same message: its record, nothing new.
    raw = compose_email(
        sender=MALLORY,
        subject="Re: Printer jams",
        in_reply_to="<ask@mail.example.com>",
        message_id=held["message_id"],
    )
    again = await send_email(client, raw)
    assert (again.status_code, again.json()["outcome"]) == (200, "rejected")
    assert (await client.post("/v1/inbound/held/999999/reject")).status_code == 404


async def test_held_mail_is_for_supervisors_of_the_ticket(app, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    team_a, team_b = await make_team(client), await make_team(client)
    ticket = await make_ticket(
        client, team_id=team_a["id"], customer={"name": "Ada", "email": "ada@example.com"}
    )
    reply = await log(client, ticket["id"])
    raw = compose_email(sender=MALLORY, body=f"Forwarded: {reply['email']['reference_token']}")
    held = (await send_email(client, raw)).json()
    assert held["outcome"] == "held"
    mine = await make_agent(client, team_id=team_a["id"], role="supervisor")
    other = await make_agent(client, team_id=team_b["id"], role="supervisor")
    agent = await make_agent(client, team_id=team_a["id"])
    async with client_for(app, await new_key(app, "supervisor", agent_id=other["id"])) as c:
        assert (await c.get("/v1/inbound/held")).json()["items"] == []
        assert (await c.post(f"/v1/inbound/held/{held['id']}/accept")).status_code == 404
    async with client_for(app, await new_key(app, "agent", agent_id=agent["id"])) as c:
        assert (await c.get("/v1/inbound/held")).status_code == 403
    async with client_for(app, await new_key(app, "supervisor", agent_id=mine["id"])) as c:
        assert [m["id"] for m in (await c.get("/v1/inbound/held")).json()["items"]] == [held["id"]]
        assert (await c.post(f"/v1/inbound/held/{held['id']}/reject")).status_code == 200


# ---- events carry nothing that threads mail ---------------------------------------------------


async def test_events_carry_no_reference_token_nor_message_id(client: httpx.AsyncClient) -> None:
    ticket, reply = await _adas_ticket(client)
    token = reply["email"]["reference_token"]
    answer = compose_email(
        sender=ADA,
        message_id="<answer@mail.example.com>",
        in_reply_to=reply["email"]["message_id"],
        body=f"An HP 4250.\n\n{token}",
    )
    assert (await send_email(client, answer)).json()["outcome"] == "appended"
    await log(client, ticket["id"], body="A new fuser is on its way.")
    events, _ = await follow_events(client)
    assert [e["type"] for e in events].count("interaction.added") == 4
    payloads = json.dumps([e["data"] for e in events])
    for mark in ("[ref:", "<hd.", "<ask@", "<answer@", "@", token[1:-1]):
        assert mark not in payloads, mark
