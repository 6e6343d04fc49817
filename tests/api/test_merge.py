"""Merging tickets: everything moves to the target in time order, each merged ticket closes
for good pointing at it, the target's clocks come from the combined history, later mail and
chat for a merged ticket land on the target, and metrics count a merged ticket once."""

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx

from app.db import Database, connection
from tests.api.conftest import client_for, new_key
from tests.api.factories import (
    compose_email,
    escalate,
    follow_events,
    log,
    make_agent,
    make_customer,
    make_team,
    make_ticket,
    patch,
    send_email,
)
from tests.fakes import FakeClock

# 1 h to the first response: "department" impact at "high" urgency is a high-priority ticket.
HIGH = {"impact": "department", "urgency": "high"}


def at(hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 3, 2, hh, mm, tzinfo=UTC)


async def merge(client: httpx.AsyncClient, target: int, *ids: int, **extra: Any) -> httpx.Response:
    return await client.post(f"/v1/tickets/{target}/merge", json={"ticket_ids": list(ids)} | extra)


async def pending_timer_kinds(db: Database, ticket_id: int) -> set[str]:
    async with connection(db) as conn:
        rows = await conn.fetch(
            "SELECT kind FROM timers WHERE ticket_id = $1 AND fired_at IS NULL", ticket_id
        )
    return {r["kind"] for r in rows}


async def test_the_earlier_reply_on_a_merged_ticket_becomes_the_targets_first_response(
    client: httpx.AsyncClient, clock: FakeClock, db: Database
) -> None:
    """Worked out by hand. T opened 09:00 (first response due 10:00), M opened 09:10; an
    agent answers M at 09:20 and T only at 10:30, late: T's first response is breached. M is
    merged into T at 10:40: T's first response is M's 09:20 reply, 20 minutes after T was
    opened, met; its next update runs from its latest public reply (10:30)."""
    clock.set(at(9))
    customer = await make_customer(client)
    t = await make_ticket(client, customer_id=customer["id"], **HIGH)
    assert t["sla"]["first_response"]["due_at"] == "2026-03-02T10:00:00Z"
    clock.set(at(9, 5))
    await log(client, t["id"], direction="inbound", author_type="customer", body="T asks")
    clock.set(at(9, 10))
    m = await make_ticket(client, customer_id=customer["id"], **HIGH)
    clock.set(at(9, 12))
    await log(client, m["id"], direction="inbound", author_type="customer", body="M asks")
    clock.set(at(9, 20))
    await log(client, m["id"], body="M answered")
    clock.set(at(10, 30))
    late = await log(client, t["id"], body="T answered late")
    before = (await client.get(f"/v1/tickets/{t['id']}")).json()
    assert before["first_responded_at"] == "2026-03-02T10:30:00Z"
    assert before["sla"]["first_response"]["state"] == "breached"
    assert "resolution_breach" in await pending_timer_kinds(db, m["id"])  # M's clocks run

    clock.set(at(10, 40))
    merged = await merge(client, t["id"], m["id"], reason="same printer")
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert body["merged_ticket_ids"] == [m["id"]]
    target = body["ticket"]
    assert target["first_responded_at"] == "2026-03-02T09:20:00Z"
    first = target["sla"]["first_response"]
    assert (first["state"], first["stopped_at"]) == ("met", "2026-03-02T09:20:00Z")
    assert first["business_seconds_used"] == 20 * 60
    assert target["sla"]["next_update"]["started_at"] == late["occurred_at"]
    assert (target["interaction_count"], target["agent_reply_count"]) == (4, 2)
    assert target["customer_reply_count"] == 2
    assert target == (await client.get(f"/v1/tickets/{t['id']}")).json()

    # The interactions, in the order they happened, all on T.
    items = (await client.get(f"/v1/tickets/{t['id']}/interactions")).json()["items"]
    assert [(i["ticket_id"], i["body"]) for i in items] == [
        (t["id"], "T asks"),
        (t["id"], "M asks"),
        (t["id"], "M answered"),
        (t["id"], "T answered late"),
    ]
    assert [i["occurred_at"][11:16] for i in items] == ["09:05", "09:12", "09:20", "10:30"]
    assert (await client.get(f"/v1/tickets/{m['id']}/interactions")).json()["items"] == []

    # M: closed, pointing at T, its clocks stopped and its timers gone.
    gone = (await client.get(f"/v1/tickets/{m['id']}")).json()
    assert (gone["status"], gone["merged_into_id"]) == ("closed", t["id"])
    assert gone["closed_at"] == "2026-03-02T10:40:00Z"
    assert await pending_timer_kinds(db, m["id"]) <= {"retention"}
    links = (await client.get(f"/v1/tickets/{m['id']}/links")).json()["items"]
    assert [(k["kind"], k["linked_ticket_id"], k["direction"]) for k in links] == [
        ("merged", t["id"], "outgoing")
    ]
    history = (await client.get(f"/v1/tickets/{m['id']}/history")).json()["items"]
    line = next(h for h in history if h["action"] == "merged")
    assert (line["new_value"], line["note"]) == ({"into": t["id"]}, "same printer")
    t_history = (await client.get(f"/v1/tickets/{t['id']}/history")).json()["items"]
    assert {"ticket_ids": [m["id"]]} in [
        h["new_value"] for h in t_history if h["action"] == "merged"
    ]


async def test_a_reply_before_the_target_was_opened_counts_from_its_opening(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    clock.set(at(9))
    m = await make_ticket(client, **HIGH)
    clock.set(at(9, 10))
    await log(client, m["id"])
    clock.set(at(9, 30))
    t = await make_ticket(client, **HIGH)
    clock.set(at(9, 40))
    target = (await merge(client, t["id"], m["id"])).json()["ticket"]
    assert target["first_responded_at"] == "2026-03-02T09:30:00Z"
    assert target["sla"]["first_response"]["business_seconds_used"] == 0


async def test_a_merged_ticket_refuses_writes_naming_the_target(
    client: httpx.AsyncClient,
) -> None:
    t, m, other = [await make_ticket(client) for _ in range(3)]
    assert (await merge(client, t["id"], m["id"])).status_code == 200
    for response in (
        await patch(client, f"/v1/tickets/{m['id']}", subject="still here?"),
        await client.post(
            f"/v1/tickets/{m['id']}/interactions",
            json={"kind": "note", "direction": "internal", "public": False, "body": "x"},
        ),
        await client.post(f"/v1/tickets/{m['id']}/split", json={"subject": "another"}),
        await client.post(f"/v1/tickets/{m['id']}/participants", json={"email": "a@b.example"}),
        await escalate(client, m["id"]),
        await client.post(
            f"/v1/tickets/{m['id']}/callbacks", json={"requested_at": "2030-03-03T14:00:00Z"}
        ),
        await merge(client, m["id"], other["id"]),  # a merged ticket is no target
        await merge(client, other["id"], m["id"]),  # nor merged twice
    ):
        assert response.status_code == 409, response.text
        problem = response.json()
        assert problem["merged_into_id"] == t["id"], problem
        assert f"ticket {t['id']}" in problem["detail"]
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_bad_merges_are_refused_and_change_nothing(client: httpx.AsyncClient) -> None:
    t = await make_ticket(client)
    closed = await make_ticket(client)
    await patch(client, f"/v1/tickets/{closed['id']}", status="closed")
    itself = await merge(client, t["id"], t["id"])
    assert itself.status_code == 422 and "ticket_ids" in itself.text
    assert (await merge(client, t["id"])).status_code == 422  # none listed
    assert (await merge(client, t["id"], 999_999)).status_code == 404
    assert (await merge(client, t["id"], closed["id"])).status_code == 409
    assert (await client.get(f"/v1/tickets/{t['id']}")).json()["version"] == t["version"]


async def test_merging_moves_participants_links_and_brings_the_other_customer(
    client: httpx.AsyncClient,
) -> None:
    ada, bob = await make_customer(client), await make_customer(client)
    t = await make_ticket(client, customer_id=ada["id"])
    m = await make_ticket(client, customer_id=bob["id"])
    related = await make_ticket(client)
    added = await client.post(
        f"/v1/tickets/{m['id']}/participants", json={"email": "carol@example.com"}
    )
    assert added.status_code == 201, added.text
    linked = await client.post(f"/v1/tickets/{m['id']}/links", json={"ticket_id": related["id"]})
    assert linked.status_code == 201
    between = await client.post(f"/v1/tickets/{m['id']}/links", json={"ticket_id": t["id"]})
    assert between.status_code == 201
    assert (await merge(client, t["id"], m["id"])).status_code == 200
    on_t = (await client.get(f"/v1/tickets/{t['id']}/participants")).json()["items"]
    assert {(p["email"], p["role"], p["source"]) for p in on_t} == {
        (bob["email"], "cc", "merge"),
        ("carol@example.com", "cc", "api"),
    }
    assert (await client.get(f"/v1/tickets/{m['id']}/participants")).json()["items"] == []
    t_links = (await client.get(f"/v1/tickets/{t['id']}/links")).json()["items"]
    assert sorted((k["kind"], k["linked_ticket_id"]) for k in t_links) == [
        ("merged", m["id"]),
        ("related", related["id"]),
    ]


async def test_events_one_per_ticket(client: httpx.AsyncClient) -> None:
    t, a, b = await make_ticket(client), await make_ticket(client), await make_ticket(client)
    _, cursor = await follow_events(client)
    assert (await merge(client, t["id"], b["id"], a["id"])).status_code == 200
    events, _ = await follow_events(client, cursor)
    merged = [e for e in events if e["type"] == "ticket.merged"]
    assert sorted((e["ticket_id"], e["data"].get("merged_into_id")) for e in merged) == [
        (t["id"], None),
        (a["id"], t["id"]),
        (b["id"], t["id"]),
    ]
    on_target = next(e for e in merged if e["ticket_id"] == t["id"])
    assert on_target["data"]["merged_ticket_ids"] == sorted([a["id"], b["id"]])
    closed = [e["ticket_id"] for e in events if e["type"] == "ticket.status_changed"]
    assert sorted(closed) == sorted([a["id"], b["id"]])


async def test_mail_for_a_merged_ticket_lands_on_the_target(client: httpx.AsyncClient) -> None:
    ada = "Ada Lovelace <ada@example.com>"
    first = await send_email(client, compose_email(sender=ada, message_id="<one@mail.example.com>"))
    second = await send_email(
        client, compose_email(sender=ada, message_id="<two@mail.example.com>")
    )
    t_id, m_id = second.json()["ticket_id"], first.json()["ticket_id"]
    reply_on_m = await log(client, m_id, body="On it")
    assert (await merge(client, t_id, m_id)).status_code == 200
    # Ada answers her first message (M's): onto T.
    again = await send_email(
        client,
        compose_email(sender=ada, subject="Re: Printer jams", in_reply_to="<one@mail.example.com>"),
    )
    assert (again.json()["outcome"], again.json()["ticket_id"]) == ("appended", t_id)
    # Someone answering the desk's signed reply on M: the signature vouches, onto T.
    signed = await send_email(
        client,
        compose_email(
            sender="Bob <bob@example.com>",
            subject="Re: Printer jams",
            in_reply_to=reply_on_m["email"]["message_id"],
        ),
    )
    assert (signed.json()["outcome"], signed.json()["ticket_id"]) == ("appended", t_id)
    # M's reference token in the text: onto T.
    token = await send_email(
        client,
        compose_email(sender=ada, subject="Printer", body=reply_on_m["email"]["reference_token"]),
    )
    assert (token.json()["outcome"], token.json()["ticket_id"]) == ("appended", t_id)
    # T's replies now reference the whole thread, M's mail included.
    reply_on_t = await log(client, t_id, body="Fixed")
    assert "<one@mail.example.com>" in reply_on_t["email"]["references"]


async def test_chat_for_a_merged_conversation_goes_on_on_the_target(
    client: httpx.AsyncClient,
) -> None:
    def chat(conversation: str, message: str, sent: str) -> dict[str, Any]:
        return {
            "conversation_id": conversation,
            "customer": {"name": "Ada", "email": "ada@example.com"},
            "messages": [
                {"id": message, "author": "customer", "body": f"hi {message}", "sent_at": sent}
            ],
        }

    one = await client.post("/v1/inbound/chat", json=chat("c1", "1", "2026-03-02T09:00:00Z"))
    two = await client.post("/v1/inbound/chat", json=chat("c2", "1", "2026-03-02T09:01:00Z"))
    t_id, m_id = one.json()["ticket_id"], two.json()["ticket_id"]
    # Both conversations have a message "1": the merged one is kept apart on T.
    assert (await merge(client, t_id, m_id)).status_code == 200
    later = await client.post("/v1/inbound/chat", json=chat("c2", "2", "2026-03-02T09:05:00Z"))
    assert later.status_code in (200, 201), later.text
    assert later.json()["ticket_id"] == t_id
    items = (await client.get(f"/v1/tickets/{t_id}/interactions")).json()["items"]
    assert [i["body"] for i in items] == ["hi 1", "hi 1", "hi 2"]
    assert sorted(i["external_id"] for i in items) == ["1", "2", f"merged-{m_id}:1"]


async def test_merges_in_opposite_directions_at_once_do_not_deadlock(
    client: httpx.AsyncClient,
) -> None:
    for _ in range(3):
        a, b = await make_ticket(client), await make_ticket(client)
        one, other = await asyncio.wait_for(
            asyncio.gather(merge(client, a["id"], b["id"]), merge(client, b["id"], a["id"])),
            timeout=30,
        )
        assert sorted([one.status_code, other.status_code]) == [200, 409], (one.text, other.text)
        winner, loser = (a, b) if one.status_code == 200 else (b, a)
        assert (await client.get(f"/v1/tickets/{loser['id']}")).json()["merged_into_id"] == (
            winner["id"]
        )
        assert (await client.get(f"/v1/tickets/{winner['id']}")).json()["merged_into_id"] is None


async def test_a_ticket_the_caller_cannot_see_is_not_found(app, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    mine, theirs = await make_team(client), await make_team(client)
    agent = await make_agent(client, team_id=mine["id"])
    seen = await make_ticket(client, team_id=mine["id"])
    unseen = await make_ticket(client, team_id=theirs["id"])
    async with client_for(app, await new_key(app, "agent", agent_id=agent["id"])) as own:
        assert (await merge(own, seen["id"], unseen["id"])).status_code == 404
        assert (await merge(own, unseen["id"], seen["id"])).status_code == 404
        add = await own.post(
            f"/v1/tickets/{unseen['id']}/participants", json={"email": "x@y.example"}
        )
        assert add.status_code == 404
        assert (await own.get(f"/v1/tickets/{unseen['id']}/participants")).status_code == 404
    for ticket in (seen, unseen):
        assert (await client.get(f"/v1/tickets/{ticket['id']}")).json()["merged_into_id"] is None


async def test_metrics_count_a_merged_ticket_once(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    clock.set(at(9))
    t, m = await make_ticket(client), await make_ticket(client)
    period = {"from": "2026-03-01", "to": "2026-04-01"}

    async def volume() -> dict[str, int]:
        s = await client.get("/v1/metrics/summary", params=period)
        assert s.status_code == 200, s.text
        return s.json()["volume"]

    assert (await volume())["created"] == 2
    clock.set(at(10))
    assert (await merge(client, t["id"], m["id"])).status_code == 200
    assert await volume() == {"created": 1, "resolved": 0, "closed": 0}
    series = await client.get(
        "/v1/metrics/timeseries",
        params=period | {"metric": "created", "interval": "day"},
    )
    assert series.status_code == 200, series.text
    assert sum(b["value"] or 0 for b in series.json()["buckets"]) == 1


async def test_files_follow_their_interactions_to_the_target(
    app, client: httpx.AsyncClient, db: Database
) -> None:  # type: ignore[no-untyped-def]
    target = await make_ticket(client)
    merged = await make_ticket(client)
    upload = await client.post("/v1/attachments", params={"filename": "log.txt"}, content=b"log")
    assert upload.status_code == 201, upload.text
    sent = await client.post(
        f"/v1/tickets/{merged['id']}/interactions",
        json={
            "kind": "email",
            "direction": "outbound",
            "public": True,
            "body": "attached",
            "attachment_ids": [upload.json()["id"]],
        },
    )
    assert sent.status_code == 201, sent.text
    assert (await merge(client, target["id"], merged["id"])).status_code == 200
    async with connection(db) as conn:
        owner = await conn.fetchval(
            "SELECT ticket_id FROM attachments WHERE id = $1", upload.json()["id"]
        )
    assert owner == target["id"]
    listed = (await client.get(f"/v1/tickets/{target['id']}/interactions")).json()["items"]
    assert [a["id"] for i in listed for a in i["attachments"]] == [upload.json()["id"]]
    assert (await client.get(f"/v1/attachments/{upload.json()['id']}")).content == b"log"
