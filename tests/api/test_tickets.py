"""Tickets: create, read, list, update with If-Match, split and link."""

import asyncio

import httpx

from tests.api.conftest import client_for, new_key
from tests.api.factories import make_agent, make_customer, make_team, make_ticket, patch
from tests.fakes import FakeClock


async def test_create_ticket_computes_priority_and_returns_etag(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    # On a fixed clock: the read must equal the create to the second of SLA time used.
    response = await client.post(
        "/v1/tickets",
        json={
            "subject": "VPN down for the floor",
            "impact": "department",
            "urgency": "high",
            "channel": "phone",
            "customer": {"name": "Ada", "email": "ada@example.com", "phone": "+31 20 555"},
            "tags": ["vpn", "vpn", "floor-3"],
            "product": "VPN",
            "serial_number": "LIC-42",
            "equipment_location": "HQ floor 3",
        },
    )
    assert response.status_code == 201, response.text
    ticket = response.json()
    assert ticket["status"] == "new"
    assert ticket["priority"] == "high"
    assert ticket["priority_reason"] == "impact=department × urgency=high → high"
    assert ticket["tags"] == ["vpn", "floor-3"]
    assert ticket["customer_id"] is not None
    assert response.headers["ETag"] == '"1"'
    fetched = await client.get(f"/v1/tickets/{ticket['id']}")
    assert fetched.json() == ticket
    assert fetched.headers["ETag"] == '"1"'


async def test_inline_customer_is_reused_by_email(client: httpx.AsyncClient) -> None:
    first = await make_ticket(client, customer={"name": "Ada", "email": "Ada@Example.com"})
    second = await make_ticket(client, customer={"name": "Ada L.", "email": "ada@example.com"})
    assert first["customer_id"] == second["customer_id"]


async def test_planned_work_is_low_priority(client: httpx.AsyncClient) -> None:
    ticket = await make_ticket(client, type="planned", impact="organization", urgency="critical")
    assert ticket["priority"] == "low"
    assert ticket["priority_reason"] == "type=planned → low"


async def test_priority_override_needs_a_reason_and_survives_edits(
    client: httpx.AsyncClient,
) -> None:
    refused = await client.post("/v1/tickets", json={"subject": "x", "priority": "critical"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "priority_reason"
    ticket = await make_ticket(client, priority="critical", priority_reason="CEO laptop")
    assert ticket["priority"] == "critical" and ticket["priority_overridden"]
    path = f"/v1/tickets/{ticket['id']}"
    edited = (await patch(client, path, urgency="low")).json()
    assert edited["priority"] == "critical"
    cleared = (await patch(client, path, clear_priority_override=True)).json()
    assert cleared["priority"] == "low" and not cleared["priority_overridden"]


async def test_unknown_references_are_named(client: httpx.AsyncClient) -> None:
    for field in ("customer_id", "team_id", "assignee_id"):
        response = await client.post("/v1/tickets", json={"subject": "x", field: 999})
        assert response.status_code == 422, field
        assert response.json()["errors"][0]["field"] == field


async def test_team_sets_the_default_tier(client: httpx.AsyncClient) -> None:
    team = await make_team(client, tier=2)
    ticket = await make_ticket(client, team_id=team["id"])
    assert ticket["tier"] == 2


async def test_inactive_agent_cannot_be_assigned(client: httpx.AsyncClient) -> None:
    agent = await make_agent(client, active=False)
    response = await client.post("/v1/tickets", json={"subject": "x", "assignee_id": agent["id"]})
    assert response.status_code == 422
    assert "inactive" in response.json()["detail"]


async def test_external_id_retry_returns_existing_ticket(client: httpx.AsyncClient) -> None:
    body = {"subject": "From mail", "channel": "email", "external_id": "<msg-1@mail>"}
    first = await client.post("/v1/tickets", json=body)
    again = await client.post("/v1/tickets", json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    other_channel = await client.post("/v1/tickets", json=body | {"channel": "chat"})
    assert other_channel.status_code == 201


async def test_concurrent_external_id_retries_make_one_ticket(client: httpx.AsyncClient) -> None:
    body = {"subject": "From chat", "channel": "chat", "external_id": "conv-77"}
    responses = await asyncio.gather(*[client.post("/v1/tickets", json=body) for _ in range(10)])
    ids = {r.json()["id"] for r in responses}
    assert len(ids) == 1
    assert sorted(r.status_code for r in responses).count(201) == 1


async def test_created_at_in_the_past_only_for_admin_and_integration(app, client) -> None:  # type: ignore[no-untyped-def]
    past = "2025-01-02T09:00:00Z"
    ticket = await make_ticket(client, created_at=past)
    assert ticket["created_at"].startswith("2025-01-02T09:00:00")
    async with client_for(app, await new_key(app, "agent")) as agent:
        refused = await agent.post("/v1/tickets", json={"subject": "x", "created_at": past})
    assert refused.status_code == 403
    future = await client.post(
        "/v1/tickets", json={"subject": "x", "created_at": "2999-01-01T00:00:00Z"}
    )
    assert future.status_code == 422
    naive = await client.post(
        "/v1/tickets", json={"subject": "x", "created_at": "2025-01-01T00:00:00"}
    )
    assert naive.status_code == 422


async def test_get_unknown_ticket_is_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/tickets/424242")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "ticket 424242 does not exist"


async def test_patch_needs_if_match(client: httpx.AsyncClient) -> None:
    ticket = await make_ticket(client)
    path = f"/v1/tickets/{ticket['id']}"
    missing = await client.patch(path, json={"subject": "new"})
    assert missing.status_code == 428
    stale = await patch(client, path, version=7, subject="new")
    assert stale.status_code == 412
    garbage = await client.patch(path, json={"subject": "y"}, headers={"If-Match": "nope"})
    assert garbage.status_code == 400  # not an entity tag at all
    ok = await patch(client, path, version=1, subject="new")
    assert ok.status_code == 200 and ok.json()["version"] == 2
    assert ok.headers["ETag"] == '"2"'


async def test_patch_records_each_changed_field_in_history(client: httpx.AsyncClient) -> None:
    team = await make_team(client, tier=2)
    ticket = await make_ticket(client)
    path = f"/v1/tickets/{ticket['id']}"
    updated = (await patch(client, path, subject="Renamed", team_id=team["id"], tags=["a"])).json()
    assert updated["tier"] == 2
    entries = (await client.get(f"{path}/history")).json()["items"]
    changed = {
        e["field"]: (e["old_value"], e["new_value"]) for e in entries if e["action"] == "changed"
    }
    assert changed["subject"] == (ticket["subject"], "Renamed")
    assert changed["team_id"] == (None, team["id"])
    assert changed["tier"] == (1, 2)
    assert changed["tags"] == ([], ["a"])
    assert entries[0]["action"] == "created"
    assert all(e["actor_name"] == "admin key" for e in entries)


async def test_patch_without_changes_keeps_the_version(client: httpx.AsyncClient) -> None:
    ticket = await make_ticket(client, subject="Same")
    response = await patch(client, f"/v1/tickets/{ticket['id']}", subject="Same")
    assert response.json()["version"] == 1


async def test_null_for_required_field_is_refused(client: httpx.AsyncClient) -> None:
    ticket = await make_ticket(client)
    response = await patch(client, f"/v1/tickets/{ticket['id']}", subject=None)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "subject"


async def test_fifty_concurrent_patches_exactly_one_wins_per_version(app, client) -> None:  # type: ignore[no-untyped-def]
    ticket = await make_ticket(client)
    path = f"/v1/tickets/{ticket['id']}"
    responses = await asyncio.gather(
        *[patch(client, path, version=1, category=f"cat-{i}") for i in range(50)]
    )
    codes = sorted(r.status_code for r in responses)
    assert codes.count(200) == 1 and codes.count(412) == 49
    winner = next(r.json() for r in responses if r.status_code == 200)
    final = (await client.get(path)).json()
    assert final["version"] == 2 and final["category"] == winner["category"]
    # Chained: each writer retries with the version it reads, and none of the 20 edits is lost.

    async def add_tag(i: int) -> None:
        while True:
            current = (await client.get(path)).json()
            r = await patch(
                client, path, version=current["version"], tags=[*current["tags"], f"t{i}"]
            )
            if r.status_code == 200:
                return
            assert r.status_code == 412

    await asyncio.gather(*[add_tag(i) for i in range(20)])
    final = (await client.get(path)).json()
    assert sorted(final["tags"]) == sorted(f"t{i}" for i in range(20))
    assert final["version"] == 22


async def test_list_filters_and_keyset_pages(client: httpx.AsyncClient) -> None:
    team = await make_team(client)
    customer = await make_customer(client)
    for i in range(7):
        await make_ticket(
            client,
            subject=f"t{i}",
            team_id=team["id"] if i % 2 else None,
            customer_id=customer["id"],
            tags=["even"] if i % 2 == 0 else [],
            channel="email" if i < 3 else "chat",
        )
    seen = []
    cursor = None
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/v1/tickets", params=params)).json()
        seen += [t["subject"] for t in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"t{i}" for i in reversed(range(7))]
    oldest_first = (await client.get("/v1/tickets", params={"sort": "created_at"})).json()
    assert [t["subject"] for t in oldest_first["items"]] == [f"t{i}" for i in range(7)]
    by_team = (await client.get("/v1/tickets", params={"team_id": team["id"]})).json()["items"]
    assert {t["subject"] for t in by_team} == {"t1", "t3", "t5"}
    by_tag = (await client.get("/v1/tickets", params={"tag": "even"})).json()["items"]
    assert {t["subject"] for t in by_tag} == {"t0", "t2", "t4", "t6"}
    by_channels = (
        await client.get("/v1/tickets", params=[("channel", "email"), ("status", "new")])
    ).json()["items"]
    assert {t["subject"] for t in by_channels} == {"t0", "t1", "t2"}
    either = (
        await client.get("/v1/tickets", params=[("status", "new"), ("status", "closed")])
    ).json()["items"]
    assert len(either) == 7
    assert (await client.get("/v1/tickets", params={"status": "closed"})).json()["items"] == []
    none = (
        await client.get("/v1/tickets", params={"created_before": "2000-01-01T00:00:00Z"})
    ).json()
    assert none == {"items": [], "next_cursor": None}


async def test_bad_cursor_is_400(client: httpx.AsyncClient) -> None:
    for cursor in ("garbage!", "eyJzIjoiLWNyZWF0ZWRfYXQiLCJrIjpbMV19"):
        response = await client.get("/v1/tickets", params={"cursor": cursor})
        assert response.status_code == 400
        assert response.json()["type"].endswith("/invalid-cursor")
    for _ in range(2):
        await make_ticket(client)
    real = (await client.get("/v1/tickets", params={"limit": 1})).json()["next_cursor"]
    assert (await client.get("/v1/tickets", params={"cursor": real})).status_code == 200
    # A real cursor, but issued for another sort order, is refused rather than misread.
    response = await client.get("/v1/tickets", params={"cursor": real, "sort": "updated_at"})
    assert response.status_code == 400
    import base64
    import json

    for key in (["2026-01-01T00:00:00+00:00", "x"], ["not a time", 1], [None, 1, 2]):
        forged = base64.urlsafe_b64encode(json.dumps({"s": "-created_at", "k": key}).encode())
        response = await client.get("/v1/tickets", params={"cursor": forged.decode()})
        assert response.status_code == 400, key


async def test_split_creates_a_linked_ticket_with_the_same_contact(
    client: httpx.AsyncClient,
) -> None:
    team = await make_team(client)
    original = await make_ticket(
        client,
        customer={"name": "Bob", "email": "bob@example.com"},
        team_id=team["id"],
        product="X1",
        category="network/vpn",
        type="service_request",
    )
    response = await client.post(
        f"/v1/tickets/{original['id']}/split", json={"subject": "Printer jams too"}
    )
    assert response.status_code == 201, response.text
    split = response.json()
    assert split["customer_id"] == original["customer_id"]
    assert (split["product"], split["channel"]) == ("X1", "phone")
    # Category, type and team describe the problem: the new problem has its own, or none.
    assert (split["team_id"], split["category"], split["type"]) == (None, None, "incident")
    links = (await client.get(f"/v1/tickets/{split['id']}/links")).json()["items"]
    assert [(link["linked_ticket_id"], link["kind"], link["direction"]) for link in links] == [
        (original["id"], "split_from", "outgoing")
    ]
    back = (await client.get(f"/v1/tickets/{original['id']}/links")).json()["items"]
    assert [(link["linked_ticket_id"], link["direction"]) for link in back] == [
        (split["id"], "incoming")
    ]
    history = (await client.get(f"/v1/tickets/{original['id']}/history")).json()["items"]
    assert history[-1]["action"] == "split" and history[-1]["new_value"] == {
        "ticket_id": split["id"]
    }


async def test_links_between_tickets(client: httpx.AsyncClient) -> None:
    a, b = await make_ticket(client), await make_ticket(client)
    path = f"/v1/tickets/{a['id']}/links"
    created = await client.post(path, json={"ticket_id": b["id"], "kind": "duplicate_of"})
    assert created.status_code == 201
    again = await client.post(path, json={"ticket_id": b["id"], "kind": "duplicate_of"})
    assert again.status_code == 409
    self_link = await client.post(path, json={"ticket_id": a["id"]})
    assert self_link.status_code == 422
    unknown = await client.post(path, json={"ticket_id": 9999})
    assert unknown.status_code == 422
    missing = await client.post("/v1/tickets/9999/links", json={"ticket_id": a["id"]})
    assert missing.status_code == 404


async def test_tickets_cannot_be_deleted(client: httpx.AsyncClient) -> None:
    ticket = await make_ticket(client)
    response = await client.delete(f"/v1/tickets/{ticket['id']}")
    assert response.status_code == 405
    assert response.json()["type"].endswith("/method-not-allowed")


async def test_listing_by_a_state_no_list_item_has_finds_nothing(client: httpx.AsyncClient) -> None:
    await make_ticket(client)
    response = await client.get("/v1/tickets", params={"sla_state": "not_applicable"})
    assert response.status_code == 200 and response.json()["items"] == []
