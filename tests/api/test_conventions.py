"""API conventions: problems for bad input, idempotent POSTs, body limits, request ids, health."""

import asyncio
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx

from app.db import Database
from app.schemas import Problem, TicketListItem, TicketOut, TicketSlaOut, TicketSlaSummary
from tests.api.factories import created, make_ticket
from tests.fakes import FakeClock


async def test_malformed_json_is_a_422_problem(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/tickets", content=b'{"subject": "x",', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["errors"][0]["field"] == "body"
    assert "malformed JSON" in problem["errors"][0]["message"]


async def test_wrong_types_and_unknown_fields_name_the_field(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/tickets", json={"subject": "x", "tier": "high", "impact": "galaxy", "colour": "red"}
    )
    assert response.status_code == 422
    Problem.model_validate(response.json())  # the documented shape
    fields = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert set(fields) == {"tier", "impact", "colour"}
    assert fields["colour"] == "unknown field"
    assert (await client.get("/v1/tickets")).json()["items"] == []


async def test_missing_required_field(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/tickets", json={"description": "no subject"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "subject"


async def test_bad_query_and_path_parameters(client: httpx.AsyncClient) -> None:
    assert (await client.get("/v1/tickets", params={"limit": 0})).status_code == 422
    assert (await client.get("/v1/tickets", params={"status": "sleeping"})).status_code == 422
    response = await client.get("/v1/tickets/abc")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "path.ticket_id"


async def test_oversize_body_is_413(client: httpx.AsyncClient) -> None:
    big = {"subject": "x", "description": "a" * (1024 * 1024 + 10)}
    response = await client.post("/v1/tickets", json=big)
    assert response.status_code == 413
    assert response.json()["type"].endswith("/payload-too-large")

    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(20):
            yield b"a" * 100_000

    streamed = await client.post(
        "/v1/tickets", content=chunks(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413
    assert (await client.get("/v1/tickets")).json()["items"] == []


async def test_unknown_route_and_method_are_problems(client: httpx.AsyncClient) -> None:
    missing = await client.get("/v1/nothing-here")
    assert missing.status_code == 404 and missing.json()["type"].endswith("/not-found")
    wrong = await client.put("/v1/tickets")
    assert wrong.status_code == 405 and wrong.headers["content-type"] == "application/problem+json"


async def test_a_method_no_route_serves_is_a_405_whatever_body_it_carries(
    client: httpx.AsyncClient,
) -> None:
    """The body's type matters only to a route that would read it: PUT on the upload path with
    a file, or on a path nothing serves, is the router's answer, not a 415."""
    for path, media in (
        ("/v1/attachments", "application/octet-stream"),
        ("/v1/tickets", "text/plain"),
        ("/v1/inbound/email", "message/rfc822"),
    ):
        wrong = await client.put(path, content=b"bytes", headers={"content-type": media})
        assert wrong.status_code == 405, (path, wrong.text)
        assert wrong.headers["content-type"] == "application/problem+json"
    nowhere = await client.put(
        "/v1/nothing-here", content=b"x", headers={"content-type": "text/plain"}
    )
    assert nowhere.status_code == 404, nowhere.text
    served = await client.post("/v1/tickets", content=b"x", headers={"content-type": "text/plain"})
    assert served.status_code == 415, served.text


async def test_idempotency_key_replays_the_original_response(client: httpx.AsyncClient) -> None:
    headers = {"Idempotency-Key": "abc-1"}
    body = {"subject": "Once only"}
    first = await client.post("/v1/tickets", json=body, headers=headers)
    again = await client.post("/v1/tickets", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    # Spelling out a default is the same request.
    spelled = await client.post(
        "/v1/tickets", json={**body, "type": "incident", "tags": []}, headers=headers
    )
    assert spelled.status_code == 201 and spelled.json()["id"] == first.json()["id"]
    other = await client.post("/v1/tickets", json={"subject": "Something else"}, headers=headers)
    assert other.status_code == 422
    assert other.json()["type"].endswith("/idempotency-key-reused")
    assert len((await client.get("/v1/tickets")).json()["items"]) == 1


async def test_twenty_concurrent_posts_with_one_key_make_one_ticket(
    client: httpx.AsyncClient,
) -> None:
    headers = {"Idempotency-Key": "burst"}
    responses = await asyncio.gather(
        *[client.post("/v1/tickets", json={"subject": "Burst"}, headers=headers) for _ in range(20)]
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert len((await client.get("/v1/tickets")).json()["items"]) == 1


async def test_failed_request_does_not_burn_the_key(client: httpx.AsyncClient) -> None:
    headers = {"Idempotency-Key": "retry-me"}
    failed = await client.post("/v1/tickets", json={"subject": "x", "team_id": 77}, headers=headers)
    assert failed.status_code == 422
    ok = await client.post("/v1/tickets", json={"subject": "x"}, headers=headers)
    assert ok.status_code == 201


async def test_a_failed_orm_write_does_not_burn_its_key(client: httpx.AsyncClient) -> None:
    """Writes made with the ORM claim their key in raw SQL on the session's connection: the
    claim must roll back with the failed write (it would run on its own, and stay, were the
    session's transaction not begun under it)."""
    ticket = await make_ticket(client)
    path = f"/v1/tickets/{ticket['id']}/links"
    body = {"ticket_id": ticket["id"] + 1, "kind": "related"}
    headers = {"Idempotency-Key": "link-later"}
    failed = await client.post(path, json=body, headers=headers)
    assert failed.status_code in (404, 422), failed.text
    assert (await make_ticket(client))["id"] == body["ticket_id"]
    retried = await client.post(path, json=body, headers=headers)
    assert retried.status_code == 201, retried.text
    assert "Idempotent-Replayed" not in retried.headers


async def test_idempotency_on_interactions(client: httpx.AsyncClient) -> None:
    ticket = await make_ticket(client)
    path = f"/v1/tickets/{ticket['id']}/interactions"
    body = {"kind": "email", "direction": "outbound", "body": "hi"}
    a = await client.post(path, json=body, headers={"Idempotency-Key": "k"})
    b = await client.post(path, json=body, headers={"Idempotency-Key": "k"})
    assert a.json()["id"] == b.json()["id"]
    assert len((await client.get(path)).json()["items"]) == 1


async def test_request_id_is_echoed_or_generated(client: httpx.AsyncClient) -> None:
    echoed = await client.get("/healthz", headers={"X-Request-ID": "req-123"})
    assert echoed.headers["X-Request-ID"] == "req-123"
    generated = await client.get("/healthz")
    assert len(generated.headers["X-Request-ID"]) == 32


async def test_health_probes_are_open(anonymous: httpx.AsyncClient) -> None:
    assert (await anonymous.get("/healthz")).json() == {"status": "ok", "detail": None}
    ready = await anonymous.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ok"


async def test_ticket_bodies_have_exactly_the_documented_shape(client: httpx.AsyncClient) -> None:
    """Ticket reads are rendered from rows without FastAPI re-validating them: the schema is
    checked here instead, field for field."""
    created = await make_ticket(client, tags=["vpn"], customer={"name": "Ann", "email": "a@x.io"})
    tid = created["id"]
    got = await client.get(f"/v1/tickets/{tid}")
    patched = await client.patch(
        f"/v1/tickets/{tid}", json={"status": "open"}, headers={"If-Match": got.headers["ETag"]}
    )
    listed = (await client.get("/v1/tickets")).json()
    for body in (created, got.json(), patched.json()):
        assert set(body) == set(TicketOut.model_fields)
        assert set(body["sla"]) == set(TicketSlaOut.model_fields)
        TicketOut.model_validate(body)
    assert patched.headers["ETag"] == '"2"' and got.headers["ETag"] == '"1"'
    assert got.headers["content-type"] == "application/json"
    (item,) = listed["items"]
    assert set(listed) == {"items", "next_cursor"}
    assert set(item) == set(TicketListItem.model_fields)
    assert set(item["sla"]) == set(TicketSlaSummary.model_fields)
    TicketListItem.model_validate(item)
    assert {
        k: v for k, v in item.items() if k not in ("sla", "updated_at", "status", "version")
    } == {k: v for k, v in created.items() if k not in ("sla", "updated_at", "status", "version")}
    assert item["sla"]["due_at"] == created["sla"]["first_response"]["due_at"]
    assert item["created_at"].endswith("Z")


async def test_list_items_render_every_field_as_the_ticket_does(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    """List items are rendered from their rows by a path of their own: the same ticket must read
    the same in a list and alone, to the character (instants with and without microseconds,
    text that needs escaping, nulls, overrides)."""
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    plain = await make_ticket(client)
    clock.set(datetime(2026, 3, 2, 9, 0, 1, 250, tzinfo=UTC))
    rich = await make_ticket(
        client,
        subject='Quote " backslash \\ tab \t newline \n emoji 🖨 ünïcode </script>',
        description="line one\r\nline two \u2028 \x7f",
        tags=['a"b', "ç"],
        category="hardware",
        product="Printer",
        model_number="LJ-4",
        serial_number="SN 1",
        account_number="ACC-9",
        equipment_location="Floor 3",
        language="nl",
        external_id="ext-1",
        priority="critical",
        priority_reason="CEO's printer",
        customer={"name": "Ann", "email": "ann@example.com"},
    )
    listed = await client.get("/v1/tickets", params={"limit": 10})
    assert listed.status_code == 200
    items = {item["id"]: item for item in listed.json()["items"]}
    assert set(items) == {plain["id"], rich["id"]}
    for ticket in (plain, rich):
        item = items[ticket["id"]]
        single = (await client.get(f"/v1/tickets/{ticket['id']}")).json()
        assert {k: v for k, v in item.items() if k != "sla"} == {
            k: v for k, v in single.items() if k != "sla"
        }
    assert items[plain["id"]]["created_at"] == "2026-03-02T09:00:00Z"
    assert items[rich["id"]]["created_at"] == "2026-03-02T09:00:01.000250Z"
    assert items[rich["id"]]["priority_overridden"] is True
    assert items[rich["id"]]["sla"]["due_at"].endswith("Z")


async def test_lost_database_connections_are_503_or_replaced_never_500(
    client: httpx.AsyncClient, db: Database
) -> None:
    """Every pooled connection is killed by the server (a failover, a restart): a request that
    meets a dead one is a 503 problem, the dead one is not handed out again, and the service
    recovers on its own. A write's first I/O is its BEGIN; a read's, its statement."""
    ticket = await make_ticket(client)
    # Several pooled connections, all idle.
    await asyncio.gather(*(client.get("/v1/tickets") for _ in range(8)))
    admin = await asyncpg.connect(db.url)
    try:
        killed = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await admin.close()
    assert killed >= 2
    note = {"kind": "note", "direction": "internal", "public": False, "body": "checking"}
    try:
        statuses = []
        # Writes first: each meets dead connections before any read has cleared them.
        for _ in range(10):
            posted = await client.post(f"/v1/tickets/{ticket['id']}/interactions", json=note)
            statuses.append(posted.status_code)
        for _ in range(20):
            statuses.append((await client.get("/v1/tickets")).status_code)
            statuses.append((await client.get(f"/v1/tickets/{ticket['id']}")).status_code)
        assert set(statuses) <= {200, 201, 503}, statuses
        # A dead connection fails one request at most: it is not handed out again.
        assert statuses.count(503) <= killed, statuses
        assert statuses[7:10] == [201] * 3 and statuses[-6:] == [200] * 6, statuses
    finally:
        await db.pool.expire_connections()  # other tests must not meet a dead connection


async def test_every_list_is_a_page_walked_by_its_own_cursor(client: httpx.AsyncClient) -> None:
    """Links, API keys, calendars, SLA policies and callbacks are pages like every other list:
    walked one item at a time they give each item once, in the list's order; a cursor is only
    good for the list that issued it."""
    a, b, c = [await make_ticket(client) for _ in range(3)]
    for source, target in ((a, b), (c, a), (b, c)):  # a has one outgoing, one incoming link
        await created(
            await client.post(f"/v1/tickets/{source['id']}/links", json={"ticket_id": target["id"]})
        )
    for hour in (14, 15):
        await created(
            await client.post(
                f"/v1/tickets/{a['id']}/callbacks",
                json={"requested_at": f"2030-03-04T{hour}:00:00Z"},
            )
        )
    await created(
        await client.post("/v1/api-keys", json={"name": "gateway", "role": "integration"})
    )
    await created(
        await client.post(
            "/v1/calendars",
            json={
                "name": "Office",
                "time_zone": "UTC",
                "hours": [{"day": "mon", "start": "09:00", "end": "17:00"}],
            },
        )
    )
    for name, position in (("Late", 20), ("Early", 5)):
        body = {"first_response_minutes": 60, "next_update_minutes": 60, "resolution_minutes": 60}
        await created(
            await client.post(
                "/v1/sla-policies",
                json={
                    "name": name,
                    "position": position,
                    "targets": {p: body for p in ("critical", "high", "medium", "low")},
                    "calendar_id": 1,
                },
            )
        )

    async def walk(path: str) -> tuple[list[dict[str, Any]], list[str]]:
        items: list[dict[str, Any]] = []
        cursors: list[str] = []
        params: dict[str, Any] = {"limit": 1}
        while True:
            response = await client.get(path, params=params)
            assert response.status_code == 200, response.text
            page = response.json()
            assert set(page) == {"items", "next_cursor"} and len(page["items"]) == 1
            items += page["items"]
            if page["next_cursor"] is None:
                return items, cursors
            cursors.append(page["next_cursor"])
            params = {"limit": 1, "cursor": page["next_cursor"]}

    lists = {
        f"/v1/tickets/{a['id']}/links": ["id"],
        "/v1/api-keys": ["id"],
        "/v1/calendars": ["id"],
        "/v1/sla-policies": ["name"],
        f"/v1/tickets/{a['id']}/callbacks": ["id"],
    }
    first_cursors = []
    for path, (field,) in lists.items():
        walked, cursors = await walk(path)
        whole = (await client.get(path, params={"limit": 200})).json()
        assert whole["next_cursor"] is None and len(cursors) >= 1, path
        assert walked == whole["items"], path
        values = [item[field] for item in walked]
        if field == "id":
            assert values == sorted(set(values)), path
        first_cursors.append(cursors[0])
    walked_links, _ = await walk(f"/v1/tickets/{a['id']}/links")
    assert [(link["linked_ticket_id"], link["direction"]) for link in walked_links] == [
        (b["id"], "outgoing"),
        (c["id"], "incoming"),
    ]
    policies, _ = await walk("/v1/sla-policies")
    assert [p["name"] for p in policies] == ["Early", "Late", "Default"]

    paths = list(lists)
    for path, foreign in zip(paths, first_cursors[1:] + first_cursors[:1], strict=True):
        refused = await client.get(path, params={"limit": 1, "cursor": foreign})
        assert refused.status_code == 400, (path, refused.text)
        assert refused.json()["type"].endswith("/invalid-cursor")
