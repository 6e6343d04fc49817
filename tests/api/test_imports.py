"""POST /v1/imports/tickets(/batch): a ticket's whole past replayed with its own times, so its
history and SLA clocks are those of a ticket that lived here; idempotent by external id."""

import asyncio
from datetime import timedelta
from typing import Any

import httpx

from tests.api.conftest import client_for, new_key
from tests.api.factories import created, log, make_ticket, patch
from tests.fakes import FakeClock


def _iso(clock: FakeClock, hours: float) -> str:
    return (clock.now() + timedelta(hours=hours)).isoformat()


def _import(**fields: Any) -> dict[str, Any]:
    return {
        "source": "zendesk",
        "external_id": "ZD-1",
        "subject": "Printer jams",
        "channel": "email",
        "customer": {"name": "Ada", "email": "ada@example.com"},
    } | fields


def _history(items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """A ticket's history lines, but for what says where an import came from."""

    def plain(value: Any) -> Any:
        return (
            {k: v for k, v in value.items() if k != "imported_from"}
            if isinstance(value, dict)
            else value
        )

    return [
        (h["at"], h["action"], h["field"], h["old_value"], plain(h["new_value"]))
        for h in items
        if h["action"] != "imported"
    ]


async def test_an_imported_ticket_has_the_clocks_and_history_of_one_that_lived_here(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    t0 = clock.now()
    # The ticket living here: opened, answered, waiting on the customer, back, resolved.
    lived = await make_ticket(
        client,
        subject="Printer jams",
        channel="email",
        customer={"name": "Ada", "email": "ada@example.com"},
    )
    path = f"/v1/tickets/{lived['id']}"
    clock.set(t0 + timedelta(hours=2))
    await log(client, lived["id"], body="Have you tried the other tray?")
    clock.set(t0 + timedelta(hours=3))
    assert (await patch(client, path, status="pending")).status_code == 200
    clock.set(t0 + timedelta(hours=30))
    assert (await patch(client, path, status="open")).status_code == 200
    clock.set(t0 + timedelta(hours=31))
    assert (await patch(client, path, status="resolved")).status_code == 200
    # The same past, imported a week later.
    clock.set(t0 + timedelta(days=7))
    at = [(t0 + timedelta(hours=h)).isoformat() for h in (2, 3, 30, 31)]
    body = _import(
        created_at=t0.isoformat(),
        status_changes=[
            {"at": at[3], "status": "resolved"},  # in any order: replayed by time
            {"at": at[0], "status": "open"},
            {"at": at[1], "status": "pending"},
            {"at": at[2], "status": "open"},
        ],
        interactions=[
            {
                "kind": "email",
                "direction": "outbound",
                "body": "Have you tried the other tray?",
                "occurred_at": at[0],
            }
        ],
    )
    answer = await client.post("/v1/imports/tickets", json=body)
    assert answer.status_code == 201, answer.text
    imported = answer.json()
    now_lived = (await client.get(path)).json()
    for field in ("status", "first_responded_at", "resolved_at", "reopen_count", "priority", "sla"):
        assert imported[field] == now_lived[field], field
    assert imported["created_at"] == now_lived["created_at"]
    history = [
        (await client.get(f"/v1/tickets/{t}/history")).json()["items"]
        for t in (lived["id"], imported["id"])
    ]
    assert _history(history[1]) == _history(history[0])
    assert history[1][-1]["action"] == "imported"
    detail = [
        (await client.get(f"/v1/tickets/{t}/sla")).json()["pauses"]
        for t in (lived["id"], imported["id"])
    ]
    assert detail[1] == detail[0] and len(detail[0]) == 1


async def test_an_old_unanswered_ticket_comes_in_breached(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    body = _import(created_at=_iso(clock, -24 * 10))
    imported = await created(await client.post("/v1/imports/tickets", json=body))
    assert imported["sla"]["first_response"]["state"] == "breached"
    listed = (await client.get("/v1/tickets", params={"sla_state": "breached"})).json()["items"]
    assert [t["id"] for t in listed] == [imported["id"]]


async def test_importing_the_same_ticket_again_returns_the_first_import(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    body = _import(created_at=_iso(clock, -5))
    first = await client.post("/v1/imports/tickets", json=body)
    again = await client.post("/v1/imports/tickets", json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert len((await client.get("/v1/tickets")).json()["items"]) == 1
    other_desk = await client.post(
        "/v1/imports/tickets", json=body | {"source": "freshdesk", "external_id": "FD-1"}
    )
    assert other_desk.status_code == 201 and other_desk.json()["id"] != first.json()["id"]


async def test_an_impossible_past_is_refused_naming_the_step_and_writes_nothing(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    closed_then_open = _import(
        created_at=_iso(clock, -5),
        status_changes=[
            {"at": _iso(clock, -4), "status": "closed"},
            {"at": _iso(clock, -3), "status": "open"},
        ],
    )
    answer = await client.post("/v1/imports/tickets", json=closed_then_open)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "status_changes[1].status"
    early = _import(
        created_at=_iso(clock, -5),
        interactions=[
            {
                "kind": "note",
                "direction": "internal",
                "public": False,
                "body": "x",
                "occurred_at": _iso(clock, -6),
            }
        ],
    )
    refused = await client.post("/v1/imports/tickets", json=early)
    assert refused.json()["errors"][0]["field"] == "interactions[0].occurred_at"
    future = await client.post("/v1/imports/tickets", json=_import(created_at=_iso(clock, 5)))
    assert future.status_code == 422
    assert (await client.get("/v1/tickets")).json()["items"] == []
    # Nothing half-written: the refused import can be made once its past is right.
    fixed = closed_then_open | {"status_changes": closed_then_open["status_changes"][:1]}
    assert (await client.post("/v1/imports/tickets", json=fixed)).status_code == 201


async def test_a_batch_imports_each_item_on_its_own(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    good = _import(created_at=_iso(clock, -5))
    bad = _import(
        external_id="ZD-2",
        created_at=_iso(clock, -5),
        status_changes=[
            {"at": _iso(clock, -4), "status": "closed"},
            {"at": _iso(clock, -3), "status": "open"},
        ],
    )
    other = _import(external_id="ZD-3", created_at=_iso(clock, -5))
    answer = await client.post(
        "/v1/imports/tickets/batch", json={"items": [good, bad, other, good]}
    )
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert [i["status"] for i in result["items"]] == [201, 422, 201, 200]
    assert (result["imported"], result["existing"], result["refused"]) == (2, 1, 1)
    assert result["items"][1]["problem"]["errors"][0]["field"] == "status_changes[1].status"
    assert result["items"][3]["ticket_id"] == result["items"][0]["ticket_id"]
    assert len((await client.get("/v1/tickets")).json()["items"]) == 2


async def test_imports_are_for_admin_and_integration_keys(app, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    for n, (role, status) in enumerate((("integration", 201), ("agent", 403), ("viewer", 403))):
        async with client_for(app, await new_key(app, role)) as c:
            body = _import(external_id=f"R-{n}", created_at=_iso(clock, -1))
            assert (await c.post("/v1/imports/tickets", json=body)).status_code == status, role


async def test_interactions_keep_their_authors_and_times(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    body = _import(
        created_at=_iso(clock, -10),
        interactions=[
            {
                "kind": "email",
                "direction": "inbound",
                "author_type": "customer",
                "body": "help",
                "occurred_at": _iso(clock, -10),
                "external_id": "c-1",
            },
            {
                "kind": "email",
                "direction": "outbound",
                "author_name": "Grace",
                "body": "on it",
                "occurred_at": _iso(clock, -9),
            },
        ],
    )
    imported = await created(await client.post("/v1/imports/tickets", json=body))
    items = (await client.get(f"/v1/tickets/{imported['id']}/interactions")).json()["items"]
    assert [
        (i["author_type"], i["author_name"], i["occurred_at"], i["external_id"]) for i in items
    ] == [
        ("customer", "Ada", body["interactions"][0]["occurred_at"].replace("+00:00", "Z"), "c-1"),
        ("agent", "Grace", body["interactions"][1]["occurred_at"].replace("+00:00", "Z"), None),
    ]
    assert imported["first_responded_at"] == items[1]["occurred_at"]
    assert (imported["customer_reply_count"], imported["agent_reply_count"]) == (1, 1)


async def test_the_same_import_sent_at_once_makes_one_ticket(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    body = _import(
        created_at=_iso(clock, -5), status_changes=[{"at": _iso(clock, -4), "status": "open"}]
    )
    answers = await asyncio.gather(
        *(client.post("/v1/imports/tickets", json=body) for _ in range(5))
    )
    assert sorted(a.status_code for a in answers) == [200] * 4 + [201]
    assert len({a.json()["id"] for a in answers}) == 1
    assert len((await client.get("/v1/tickets")).json()["items"]) == 1


async def test_an_imported_breach_is_an_sla_event_at_the_instant_it_happened(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    """The first response came after its due time: the warning and the breach are recorded
    with the instants they happened at, as the worker would have recorded them live."""
    t0 = clock.now() - timedelta(days=7)
    body = _import(
        external_id="ZD-late",
        created_at=t0.isoformat(),
        impact="organization",
        urgency="critical",
        interactions=[
            {
                "kind": "email",
                "direction": "outbound",
                "public": True,
                "author_type": "agent",
                "body": "Sorry for the wait",
                "occurred_at": (t0 + timedelta(days=3)).isoformat(),
            }
        ],
        status_changes=[{"at": (t0 + timedelta(days=4)).isoformat(), "status": "resolved"}],
    )
    ticket = await created(await client.post("/v1/imports/tickets", json=body))
    sla = (await client.get(f"/v1/tickets/{ticket['id']}/sla")).json()
    assert sla["first_response"]["state"] == "breached"
    events = (await client.get("/v1/sla-events", params={"ticket_id": ticket["id"]})).json()
    first = {e["kind"]: e for e in events["items"] if e["metric"] == "first_response"}
    assert set(first) == {"warning", "breach"}
    assert first["breach"]["due_at"] == sla["first_response"]["due_at"]
    assert first["breach"]["recorded_at"] == sla["first_response"]["due_at"]
    assert first["warning"]["due_at"] == sla["first_response"]["warning_at"]
    history = (await client.get(f"/v1/tickets/{ticket['id']}/history")).json()["items"]
    assert [h["field"] for h in history if h["action"] == "sla_breach"].count("first_response") == 1
    # Every clock /sla shows as breached has its breach on the feed, and no other.
    breached = {m for m in ("first_response", "resolution") if sla[m]["state"] == "breached"}
    assert {e["metric"] for e in events["items"] if e["kind"] == "breach"} == breached


async def test_an_imported_ticket_leaves_a_mirror_of_its_events_in_its_final_state(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    """A consumer that applies the events it receives ends with the ticket as it is."""
    t0 = clock.now() - timedelta(days=7)
    body = _import(
        external_id="ZD-mirror",
        created_at=t0.isoformat(),
        status_changes=[
            {"at": (t0 + timedelta(hours=1)).isoformat(), "status": "open"},
            {"at": (t0 + timedelta(hours=5)).isoformat(), "status": "resolved"},
            {"at": (t0 + timedelta(days=3)).isoformat(), "status": "closed"},
        ],
    )
    ticket = await created(await client.post("/v1/imports/tickets", json=body))
    stored = (await client.get(f"/v1/tickets/{ticket['id']}")).json()
    events = (await client.get("/v1/events", params={"ticket_id": ticket["id"]})).json()["items"]
    mirror: dict[str, Any] = {}
    for e in events:
        mirror |= {k: e["data"][k] for k in ("status", "version") if k in e["data"]}
    assert stored["status"] == "closed"
    assert mirror == {"status": "closed", "version": stored["version"]}
    assert events[0]["type"] == "ticket.created"
    assert "ticket.status_changed" in [e["type"] for e in events]
