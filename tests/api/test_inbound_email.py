"""POST /v1/inbound/email: a gateway's raw messages threaded onto tickets, in the documented order."""

import asyncio

import httpx

from tests.api.conftest import client_for, new_key
from tests.api.factories import (
    compose_email,
    created,
    log,
    make_customer,
    make_ticket,
    patch,
    send_email,
)


async def _interactions(client: httpx.AsyncClient, ticket_id: int) -> list[dict]:
    return (await client.get(f"/v1/tickets/{ticket_id}/interactions")).json()["items"]


async def test_a_new_message_opens_an_email_ticket_for_its_sender(
    client: httpx.AsyncClient,
) -> None:
    answer = await send_email(client, compose_email(message_id="<first@mail.example.com>"))
    assert answer.status_code == 201, answer.text
    received = answer.json()
    assert received["outcome"] == "created" and received["threaded_by"] is None
    ticket = (await client.get(f"/v1/tickets/{received['ticket_id']}")).json()
    assert ticket["channel"] == "email" and ticket["subject"] == "Printer jams"
    customer = (await client.get(f"/v1/customers/{ticket['customer_id']}")).json()
    assert (customer["email"], customer["name"]) == ("ada@example.com", "Ada Lovelace")
    [message] = await _interactions(client, ticket["id"])
    assert message["id"] == received["interaction_id"]
    assert (message["kind"], message["direction"], message["author_type"]) == (
        "email",
        "inbound",
        "customer",
    )
    assert message["body"] == "The printer on floor 2 jams on every page."
    assert message["external_id"] == "<first@mail.example.com>"


async def test_the_same_message_id_posted_twice_is_one_interaction(
    client: httpx.AsyncClient,
) -> None:
    raw = compose_email(message_id="<twice@mail.example.com>")
    first = await send_email(client, raw)
    again = await send_email(client, raw)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert len(await _interactions(client, first.json()["ticket_id"])) == 1
    assert len((await client.get("/v1/tickets")).json()["items"]) == 1


async def test_a_reply_naming_a_stored_message_joins_its_ticket(client: httpx.AsyncClient) -> None:
    first = (await send_email(client, compose_email(message_id="<root@mail.example.com>"))).json()
    reply = await send_email(
        client,
        compose_email(
            subject="Re: Printer jams",
            body="Still jamming.\n\nOn Mon, 2 Mar 2026, Ada wrote:\n> The printer jams",
            references="<elsewhere@x.example> <root@mail.example.com>",
        ),
    )
    answer = reply.json()
    assert (answer["outcome"], answer["threaded_by"]) == ("appended", "message_id")
    assert answer["ticket_id"] == first["ticket_id"]
    assert answer["text"] == "Still jamming."
    assert answer["quoted"].startswith("On Mon, 2 Mar 2026, Ada wrote:")
    assert [i["body"] for i in await _interactions(client, first["ticket_id"])][
        -1
    ] == "Still jamming."


async def test_an_agent_email_reply_carries_the_headers_a_gateway_sends_it_with(
    client: httpx.AsyncClient,
) -> None:
    first = (await send_email(client, compose_email(message_id="<ask@mail.example.com>"))).json()
    reply = await log(client, first["ticket_id"], body="A new fuser is on its way.")
    email = reply["email"]
    assert email["in_reply_to"] == "<ask@mail.example.com>"
    assert email["references"] == ["<ask@mail.example.com>"]
    assert email["message_id"].startswith(f"<hd.{first['ticket_id']}.{reply['id']}.")
    assert email["subject"] == f"Re: Printer jams [#{first['ticket_id']}]"
    assert email["reference_token"].startswith(f"[ref:{first['ticket_id']}.")
    listed = await _interactions(client, first["ticket_id"])
    assert listed[-1]["email"] == email and listed[0]["email"] is None
    note = await log(client, first["ticket_id"], kind="note", direction="internal", public=False)
    assert note["email"] is None


async def test_a_reply_to_the_desks_own_message_id_threads_without_it_stored(
    client: httpx.AsyncClient, db
) -> None:  # type: ignore[no-untyped-def]
    ticket = await make_ticket(client)
    reply = await log(client, ticket["id"])
    async with db.pool.acquire() as conn:  # as if the row were lost: the signature alone
        await conn.execute("DELETE FROM outbound_emails")
    answer = (
        await send_email(client, compose_email(in_reply_to=reply["email"]["message_id"]))
    ).json()
    assert (answer["ticket_id"], answer["threaded_by"]) == (ticket["id"], "message_id")
    forged = reply["email"]["message_id"].replace(
        f"<hd.{ticket['id']}.", f"<hd.{ticket['id'] + 1}."
    )
    stranger = (await send_email(client, compose_email(in_reply_to=forged))).json()
    assert stranger["outcome"] == "created" and stranger["ticket_id"] != ticket["id"]


async def test_a_signed_reference_token_threads_when_headers_are_stripped(
    client: httpx.AsyncClient,
) -> None:
    ticket = await make_ticket(client, customer={"name": "Ada", "email": "ada@example.com"})
    token = (await log(client, ticket["id"]))["email"]["reference_token"]
    body = f"Thanks, that fixed it.\n\n-----Original Message-----\nHello\n{token}"
    answer = (await send_email(client, compose_email(subject="Re: hi", body=body))).json()
    assert (answer["ticket_id"], answer["threaded_by"]) == (ticket["id"], "reference_token")
    assert answer["text"] == "Thanks, that fixed it."
    forged = token[:-3] + "aa]"
    other = (await send_email(client, compose_email(body=f"Hi {forged}"))).json()
    assert other["outcome"] == "created"


async def test_a_subject_token_threads_only_for_the_tickets_own_people(
    client: httpx.AsyncClient,
) -> None:
    customer = await make_customer(client, email="grace@example.com")
    ticket = await make_ticket(client, customer_id=customer["id"])
    subject = f"Re: Problem [#{ticket['id']}]"
    stranger = (
        await send_email(client, compose_email(sender="mallory@evil.example", subject=subject))
    ).json()
    assert (stranger["outcome"], stranger["ticket_id"]) == ("held", None)
    assert stranger["held_ticket_id"] == ticket["id"]
    own = (
        await send_email(client, compose_email(sender="Grace <GRACE@example.com>", subject=subject))
    ).json()
    assert (own["ticket_id"], own["threaded_by"]) == (ticket["id"], "subject_token")


async def test_a_reply_to_a_resolved_ticket_reopens_it(client: httpx.AsyncClient) -> None:
    first = (await send_email(client, compose_email(message_id="<r1@mail.example.com>"))).json()
    path = f"/v1/tickets/{first['ticket_id']}"
    assert (await patch(client, path, status="resolved")).status_code == 200
    answer = (await send_email(client, compose_email(in_reply_to="<r1@mail.example.com>"))).json()
    assert answer["outcome"] == "reopened"
    ticket = (await client.get(path)).json()
    assert (ticket["status"], ticket["reopen_count"], ticket["resolved_at"]) == ("open", 1, None)


async def test_a_reply_to_a_closed_ticket_opens_a_linked_follow_up(
    client: httpx.AsyncClient,
) -> None:
    first = (await send_email(client, compose_email(message_id="<c1@mail.example.com>"))).json()
    path = f"/v1/tickets/{first['ticket_id']}"
    assert (await patch(client, path, status="closed")).status_code == 200
    answer = (await send_email(client, compose_email(in_reply_to="<c1@mail.example.com>"))).json()
    assert answer["outcome"] == "follow_up"
    assert answer["followed_ticket_id"] == first["ticket_id"] != answer["ticket_id"]
    links = (await client.get(f"/v1/tickets/{answer['ticket_id']}/links")).json()["items"]
    assert [(x["linked_ticket_id"], x["kind"]) for x in links] == [(first["ticket_id"], "related")]
    assert (await client.get(path)).json()["status"] == "closed"


async def test_auto_replies_and_bounces_are_recorded_and_change_nothing(
    client: httpx.AsyncClient,
) -> None:
    first = (await send_email(client, compose_email(message_id="<a1@mail.example.com>"))).json()
    path = f"/v1/tickets/{first['ticket_id']}"
    assert (await patch(client, path, status="resolved")).status_code == 200
    before = (await client.get(path)).json()
    away = compose_email(
        subject="Out of office",
        in_reply_to="<a1@mail.example.com>",
        headers={"Auto-Submitted": "auto-replied"},
    )
    answer = (await send_email(client, away)).json()
    assert (answer["kind"], answer["outcome"]) == ("auto_reply", "recorded")
    assert answer["ticket_id"] == first["ticket_id"] and answer["interaction_id"] is None
    assert answer["automatic_reason"] == "Auto-Submitted: auto-replied"
    bulk = compose_email(headers={"Precedence": "bulk"})
    assert (await send_email(client, bulk)).json()["ticket_id"] is None
    after = (await client.get(path)).json()
    assert (after["status"], after["version"]) == ("resolved", before["version"])
    assert len((await client.get("/v1/tickets")).json()["items"]) == 1


async def test_a_body_that_is_no_message_is_422_and_another_type_415(
    client: httpx.AsyncClient,
) -> None:
    empty = await send_email(client, b"\x00\xff garbage without headers")
    assert empty.status_code == 422
    assert empty.headers["content-type"] == "application/problem+json"
    as_json = await client.post("/v1/inbound/email", json={"raw": "From: a@b.example"})
    assert as_json.status_code == 415 and as_json.headers["accept"] == "message/rfc822"
    assert (await client.get("/v1/tickets")).json()["items"] == []


async def test_only_integration_and_admin_keys_may_post_mail(app) -> None:  # type: ignore[no-untyped-def]
    for role, status in (("integration", 201), ("agent", 403), ("viewer", 403)):
        async with client_for(app, await new_key(app, role)) as c:
            answer = await send_email(c, compose_email())
            assert answer.status_code == status, (role, answer.text)
    async with client_for(app, None) as c:
        assert (await send_email(c, compose_email())).status_code == 401


async def test_a_message_already_logged_as_an_interaction_is_not_logged_again(
    client: httpx.AsyncClient,
) -> None:
    first = (await send_email(client, compose_email(message_id="<g1@mail.example.com>"))).json()
    await created(
        await client.post(
            f"/v1/tickets/{first['ticket_id']}/interactions",
            json={
                "kind": "email",
                "direction": "inbound",
                "author_type": "customer",
                "body": "via the API",
                "external_id": "<g2@mail.example.com>",
            },
        )
    )
    same = compose_email(message_id="<g2@mail.example.com>", in_reply_to="<g1@mail.example.com>")
    answer = (await send_email(client, same)).json()
    assert answer["outcome"] == "duplicate"
    assert len(await _interactions(client, first["ticket_id"])) == 2


async def test_erasing_a_customer_erases_the_mail_they_sent(client: httpx.AsyncClient, db) -> None:  # type: ignore[no-untyped-def]
    sent = compose_email(body="My card number is 4111 1111 1111 1111")
    received = (await send_email(client, sent)).json()
    ticket = (await client.get(f"/v1/tickets/{received['ticket_id']}")).json()
    erased = await client.post(f"/v1/customers/{ticket['customer_id']}/erase")
    assert erased.status_code == 200, erased.text
    async with db.pool.acquire() as conn:
        row = await conn.fetchrow("SELECT * FROM inbound_emails WHERE id = $1", received["id"])
    assert (row["sender_email"], row["text"], row["subject"]) == (None, "[erased]", "[erased]")
    again = await send_email(client, sent)  # the retry still finds the first receipt
    assert (again.status_code, again.json()["id"]) == (200, received["id"])


async def test_the_same_message_posted_at_once_by_retrying_gateways_is_one_interaction(
    client: httpx.AsyncClient,
) -> None:
    raw = compose_email(message_id="<race@mail.example.com>")
    answers = await asyncio.gather(*(send_email(client, raw) for _ in range(6)))
    assert sorted(a.status_code for a in answers) == [200] * 5 + [201]
    assert len({a.json()["id"] for a in answers}) == 1
    tickets = (await client.get("/v1/tickets")).json()["items"]
    assert len(tickets) == 1 and len(await _interactions(client, tickets[0]["id"])) == 1


async def test_a_new_email_ticket_is_routed_like_any_new_ticket(client: httpx.AsyncClient) -> None:
    mail_desk = await created(await client.post("/v1/teams", json={"name": "Mail desk"}))
    rule = await created(
        await client.post(
            "/v1/routing-rules",
            json={
                "name": "mail",
                "team_id": mail_desk["id"],
                "conditions": {"channels": ["email"]},
            },
        )
    )
    received = (await send_email(client, compose_email())).json()
    ticket = (await client.get(f"/v1/tickets/{received['ticket_id']}")).json()
    assert ticket["team_id"] == mail_desk["id"]
    assert ticket["routing"]["rule_id"] == rule["id"]
