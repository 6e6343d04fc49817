"""SLA over the API: calendars, policies, the priority matrix, and the clocks on tickets."""

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from app.db import Database, connection, transaction
from app.services.config import recompute
from tests.api.factories import created, log, make_customer, make_ticket, patch
from tests.fakes import FakeClock

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def z(text_: str) -> str:
    """An instant as the API renders it."""
    return datetime.fromisoformat(text_).astimezone(UTC).isoformat().replace("+00:00", "Z")


def same_instant(api_value: str | None, expected: str) -> bool:
    assert api_value is not None
    return datetime.fromisoformat(api_value) == datetime.fromisoformat(expected)


def targets(first: int, update: int, resolution: int) -> dict[str, Any]:
    body = {
        "first_response_minutes": first,
        "next_update_minutes": update,
        "resolution_minutes": resolution,
    }
    return {p: body for p in ("critical", "high", "medium", "low")}


async def office_calendar(client: httpx.AsyncClient) -> dict[str, Any]:
    return await created(
        await client.post(
            "/v1/calendars",
            json={
                "name": "Office NL",
                "time_zone": "Europe/Amsterdam",
                "hours": [{"day": d, "start": "09:00", "end": "17:00"} for d in WEEKDAYS],
                "holidays": [{"date": "2026-03-30", "name": "Company day"}],
            },
        )
    )


async def pending_timers(db: Database, ticket_id: int) -> dict[str, datetime]:
    async with connection(db) as conn:
        rows = await conn.fetch(
            "SELECT kind, due_at FROM timers WHERE ticket_id = $1 AND fired_at IS NULL", ticket_id
        )
        return {r["kind"]: r["due_at"] for r in rows}


async def test_walk_a_ticket_through_pause_reply_reopen_on_a_holiday_and_dst_calendar(
    client: httpx.AsyncClient, clock: FakeClock, db: Database
) -> None:
    """Mon–Fri 09–17 Amsterdam, Monday 30 March a holiday, DST starts Sunday 29 March.

    Medium targets: first response 4 h, next update 8 h, resolution 16 h (business time)."""
    calendar = await office_calendar(client)
    await created(
        await client.post(
            "/v1/sla-policies",
            json={
                "name": "Office",
                "position": 1,
                "targets": targets(240, 480, 960),
                "calendar_id": calendar["id"],
            },
        )
    )
    # Fri 27 Mar 14:00 CET: 3 h left today, the holiday Monday skipped, 1 h on Tuesday (CEST).
    clock.set(datetime.fromisoformat("2026-03-27T14:00:00+01:00"))
    ticket = await make_ticket(client, impact="user", urgency="medium")
    path = f"/v1/tickets/{ticket['id']}"
    sla = ticket["sla"]
    assert sla["policy_name"] == "Office" and sla["calendar"] == "Office NL"
    assert same_instant(sla["first_response"]["due_at"], "2026-03-31T10:00:00+02:00")
    assert same_instant(sla["first_response"]["warning_at"], "2026-03-31T09:12:00+02:00")
    assert same_instant(sla["resolution"]["due_at"], "2026-04-01T14:00:00+02:00")
    assert sla["next_update"] is None
    timers = await pending_timers(db, ticket["id"])
    assert timers["first_response_breach"] == datetime.fromisoformat("2026-03-31T10:00:00+02:00")
    assert timers["resolution_breach"] == datetime.fromisoformat("2026-04-01T14:00:00+02:00")

    # Fri 15:00 → pending: the clocks stop, due times are unknown while paused, timers disarmed.
    clock.set(datetime.fromisoformat("2026-03-27T15:00:00+01:00"))
    paused = (await patch(client, path, status="pending")).json()["sla"]
    assert paused["state"] == "paused"
    assert paused["first_response"]["due_at"] is None
    assert paused["first_response"]["business_seconds_used"] == 3600
    assert await pending_timers(db, ticket["id"]) == {}

    # Tue 31 Mar 09:00 CEST → open: paused for 2 business hours (Fri 15–17), all due 2 h later.
    clock.set(datetime.fromisoformat("2026-03-31T09:00:00+02:00"))
    resumed = (await patch(client, path, status="open")).json()["sla"]
    assert same_instant(resumed["first_response"]["due_at"], "2026-03-31T12:00:00+02:00")
    assert same_instant(resumed["resolution"]["due_at"], "2026-04-01T16:00:00+02:00")
    timers = await pending_timers(db, ticket["id"])
    assert timers["first_response_breach"] == datetime.fromisoformat("2026-03-31T12:00:00+02:00")

    # Tue 10:30 public reply: first response met (2.5 h used); next update due 8 business h later.
    clock.set(datetime.fromisoformat("2026-03-31T10:30:00+02:00"))
    await log(client, ticket["id"], kind="email", direction="outbound", public=True)
    replied = (await client.get(path)).json()["sla"]
    assert replied["first_response"]["state"] == "met"
    assert replied["first_response"]["business_seconds_used"] == 9000
    assert same_instant(replied["first_response"]["stopped_at"], "2026-03-31T10:30:00+02:00")
    assert same_instant(replied["next_update"]["due_at"], "2026-04-01T10:30:00+02:00")
    timers = await pending_timers(db, ticket["id"])
    assert "first_response_breach" not in timers
    assert timers["next_update_breach"] == datetime.fromisoformat("2026-04-01T10:30:00+02:00")
    # The follow-up reminder comes two (wall-clock) hours ahead of the next-update deadline.
    assert timers["follow_up_reminder"] == datetime.fromisoformat("2026-04-01T08:30:00+02:00")

    # Wed 1 Apr 10:00 resolved: 10 h of resolution used (Fri 1 h, Tue 8 h, Wed 1 h): met.
    clock.set(datetime.fromisoformat("2026-04-01T10:00:00+02:00"))
    resolved = (await patch(client, path, status="resolved")).json()["sla"]
    assert resolved["resolution"]["state"] == "met"
    assert resolved["resolution"]["business_seconds_used"] == 10 * 3600
    assert resolved["next_update"] is None
    assert resolved["state"] == "met"
    # Only the auto-close, seven days after resolution, is left armed.
    assert await pending_timers(db, ticket["id"]) == {
        "auto_close": datetime.fromisoformat("2026-04-08T10:00:00+02:00")
    }

    # Thu 2 Apr 09:00 reopened: resolution resumes with 6 h left → due 15:00.
    clock.set(datetime.fromisoformat("2026-04-02T09:00:00+02:00"))
    reopened = (await patch(client, path, status="open")).json()
    assert reopened["reopen_count"] == 1
    assert same_instant(reopened["sla"]["resolution"]["due_at"], "2026-04-02T15:00:00+02:00")
    assert reopened["sla"]["resolution"]["business_seconds_remaining"] == 6 * 3600

    # Thu 11:00 resolved again: 12 h used, met.
    clock.set(datetime.fromisoformat("2026-04-02T11:00:00+02:00"))
    final = (await patch(client, path, status="resolved")).json()["sla"]
    assert final["resolution"]["business_seconds_used"] == 12 * 3600
    assert final["resolution"]["state"] == "met"
    detail = (await client.get(f"{path}/sla")).json()
    assert [
        (p["status"], same_instant(p["start"], "2026-03-27T15:00:00+01:00"))
        for p in detail["pauses"]
    ] == [("pending", True)]
    assert same_instant(detail["pauses"][0]["end"], "2026-03-31T09:00:00+02:00")


async def test_states_as_time_passes_and_list_filters(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    ticket = await make_ticket(
        client, impact="department", urgency="high"
    )  # high: 1 h first response
    assert ticket["sla"]["first_response"]["due_at"] == "2026-03-02T10:00:00Z"
    quiet = await make_ticket(client, impact="none", urgency="low")  # low: 8 h first response
    paused = await make_ticket(client)
    await patch(client, f"/v1/tickets/{paused['id']}", status="on_hold")

    async def ids(**params: Any) -> list[int]:
        page = (await client.get("/v1/tickets", params=params)).json()
        # A list item's SLA summary says what the ticket's full clocks say.
        for item in page["items"]:
            full = (await client.get(f"/v1/tickets/{item['id']}")).json()["sla"]
            assert item["sla"]["state"] == full["state"], (item["id"], item["sla"], full)
            running = [
                full[m]["due_at"]
                for m in ("first_response", "next_update", "resolution")
                if full[m] and full[m]["stopped_at"] is None and full[m]["state"] != "paused"
            ]
            assert item["sla"]["due_at"] == min(running, default=None)
        return [t["id"] for t in page["items"]]

    assert await ids(sla_state="on_track") == [quiet["id"], ticket["id"]]
    assert await ids(sla_state="paused") == [paused["id"]]
    clock.set(datetime(2026, 3, 2, 9, 48, tzinfo=UTC))
    assert (await client.get(f"/v1/tickets/{ticket['id']}")).json()["sla"]["state"] == "warning"
    assert await ids(sla_state="warning") == [ticket["id"]]
    clock.set(datetime(2026, 3, 2, 10, 0, 1, tzinfo=UTC))
    late = (await client.get(f"/v1/tickets/{ticket['id']}")).json()["sla"]
    assert (
        late["state"] == "breached" and late["first_response"]["business_seconds_remaining"] == -1
    )
    assert await ids(sla_state="breached") == [ticket["id"]]
    assert await ids(sort="sla_due_at") == [ticket["id"], quiet["id"], paused["id"]]
    page = (await client.get("/v1/tickets", params={"sort": "sla_due_at", "limit": 1})).json()
    rest = (
        await client.get(
            "/v1/tickets", params={"sort": "sla_due_at", "limit": 5, "cursor": page["next_cursor"]}
        )
    ).json()
    assert [t["id"] for t in rest["items"]] == [quiet["id"], paused["id"]]
    # A late reply stops the clock but the breach stays on record.
    await log(client, ticket["id"])
    assert await ids(sla_state="breached") == [ticket["id"]]


async def test_priority_change_recomputes_due_times_from_creation(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    ticket = await make_ticket(client, impact="user", urgency="medium")  # medium: 4 h
    assert ticket["sla"]["first_response"]["due_at"] == "2026-03-02T13:00:00Z"
    clock.set(datetime(2026, 3, 2, 9, 20, tzinfo=UTC))
    raised = (await patch(client, f"/v1/tickets/{ticket['id']}", urgency="critical")).json()
    assert raised["priority"] == "high"
    assert raised["sla"]["first_response"]["due_at"] == "2026-03-02T10:00:00Z"
    history = (await client.get(f"/v1/tickets/{ticket['id']}/history")).json()["items"]
    assert ("medium", "high") in [
        (h["old_value"], h["new_value"]) for h in history if h["field"] == "priority"
    ]


async def test_policies_match_in_order_and_default_applies_last(client: httpx.AsyncClient) -> None:
    vip = await make_customer(client, organization="Acme")
    await created(
        await client.post(
            "/v1/sla-policies",
            json={
                "name": "Acme email",
                "position": 5,
                "conditions": {"organizations": ["Acme"], "channels": ["email"]},
                "targets": targets(10, 60, 120),
                "calendar_id": 1,
            },
        )
    )
    matched = await make_ticket(client, customer_id=vip["id"], channel="email")
    other_channel = await make_ticket(client, customer_id=vip["id"], channel="phone")
    assert matched["sla"]["policy_name"] == "Acme email"
    assert matched["sla"]["first_response"]["target_seconds"] == 600
    assert other_channel["sla"]["policy_name"] == "Default"
    policies = (await client.get("/v1/sla-policies")).json()["items"]
    assert [p["name"] for p in policies] == ["Acme email", "Default"]


async def test_editing_a_policy_recomputes_live_tickets(client: httpx.AsyncClient) -> None:
    ticket = await make_ticket(client, impact="user", urgency="medium")
    default = (await client.get("/v1/sla-policies/1")).json()
    body = {
        k: default[k]
        for k in (
            "name",
            "position",
            "conditions",
            "calendar_id",
            "pause_statuses",
            "warning_percent",
        )
    }
    body["targets"] = targets(60, 1440, 600)
    response = await client.put(
        "/v1/sla-policies/1", json=body, headers={"If-Match": f'"{default["version"]}"'}
    )
    assert response.status_code == 200, response.text
    after = (await client.get(f"/v1/tickets/{ticket['id']}")).json()
    assert after["sla"]["first_response"]["target_seconds"] == 3600
    stale = await client.put(
        "/v1/sla-policies/1", json=body, headers={"If-Match": f'"{default["version"]}"'}
    )
    assert stale.status_code == 412
    body["conditions"] = {"channels": ["email"]}
    refused = await client.put("/v1/sla-policies/1", json=body, headers={"If-Match": '"2"'})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "conditions"


async def test_bad_calendars_and_policies_are_named(client: httpx.AsyncClient) -> None:
    overlap = await client.post(
        "/v1/calendars",
        json={
            "name": "Bad",
            "time_zone": "Europe/Amsterdam",
            "hours": [
                {"day": "mon", "start": "09:00", "end": "12:00"},
                {"day": "mon", "start": "11:00", "end": "17:00"},
            ],
        },
    )
    assert overlap.status_code == 422 and "overlaps" in overlap.json()["detail"]
    zone = await client.post(
        "/v1/calendars",
        json={
            "name": "Mars",
            "time_zone": "Mars/Base",
            "hours": [{"day": "mon", "start": "09:00", "end": "17:00"}],
        },
    )
    assert zone.status_code == 422 and zone.json()["errors"][0]["field"] == "time_zone"
    no_hours = await client.post(
        "/v1/calendars", json={"name": "Empty", "time_zone": "UTC", "hours": []}
    )
    assert no_hours.status_code == 422
    missing = await client.post(
        "/v1/sla-policies",
        json={
            "name": "Half",
            "position": 1,
            "targets": {"high": targets(1, 1, 1)["high"]},
            "calendar_id": 1,
        },
    )
    assert (
        missing.status_code == 422 and "missing critical, medium, low" in missing.json()["detail"]
    )
    unknown_calendar = await client.post(
        "/v1/sla-policies",
        json={"name": "X", "position": 1, "targets": targets(1, 1, 1), "calendar_id": 99},
    )
    assert unknown_calendar.status_code == 422
    assert (await client.get("/v1/calendars/99")).status_code == 404
    assert (await client.get("/v1/sla-policies/99")).status_code == 404
    duplicate = await client.post(
        "/v1/calendars",
        json={
            "name": "24x7",
            "time_zone": "UTC",
            "hours": [{"day": "mon", "start": "00:00", "end": "00:00"}],
        },
    )
    assert duplicate.status_code == 409


async def test_a_holiday_is_a_date_as_text_checked_before_the_name_is_taken(
    client: httpx.AsyncClient,
) -> None:
    """A number is no day (pydantic reads 0 as 1970-01-01), nor is an instant; the body's 422
    comes before the 409 of a name another calendar holds."""
    calendar = await office_calendar(client)
    for day in (0, "0", 20260410, "2026-04-10T00:00:00Z", "2026-02-30"):
        body = {
            "name": calendar["name"],
            "time_zone": "Europe/Athens",
            "hours": [{"day": "mon", "start": "08:00", "end": "16:00"}],
            "holidays": [{"date": day, "name": "Orthodox Good Friday"}],
        }
        refused = await client.post("/v1/calendars", json=body)
        assert refused.status_code == 422, (day, refused.text)
        assert refused.json()["errors"][0]["field"] == "holidays.0.date", day
    listed = (await client.get("/v1/calendars")).json()["items"]
    assert [c["holidays"] for c in listed if c["id"] == calendar["id"]] == [
        [{"date": "2026-03-30", "name": "Company day", "recurring": False}]
    ]


async def test_calendar_edit_moves_due_times(client: httpx.AsyncClient, clock: FakeClock) -> None:
    calendar = await office_calendar(client)
    await created(
        await client.post(
            "/v1/sla-policies",
            json={
                "name": "Office",
                "position": 1,
                "targets": targets(240, 480, 960),
                "calendar_id": calendar["id"],
            },
        )
    )
    clock.set(datetime.fromisoformat("2026-03-27T14:00:00+01:00"))
    ticket = await make_ticket(client)
    body = {
        "name": "Office NL",
        "time_zone": "Europe/Amsterdam",
        "hours": [{"day": d, "start": "09:00", "end": "17:00"} for d in WEEKDAYS],
        "holidays": [],
    }
    response = await client.put(
        f"/v1/calendars/{calendar['id']}", json=body, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 200
    after = (await client.get(f"/v1/tickets/{ticket['id']}")).json()["sla"]
    # Without the holiday the last hour falls on Monday 30 March, 10:00 CEST.
    assert same_instant(after["first_response"]["due_at"], "2026-03-30T10:00:00+02:00")


async def test_priority_matrix_is_validated_and_applies_to_new_tickets(
    client: httpx.AsyncClient,
) -> None:
    before = await make_ticket(client, impact="user", urgency="medium")  # caches the matrix
    assert before["priority"] == "medium"
    current = await client.get("/v1/priority-matrix")
    assert current.headers["ETag"] == '"1"'
    cells = current.json()["cells"]
    cells["user"]["medium"] = "high"
    updated = await client.put(
        "/v1/priority-matrix", json={"cells": cells}, headers={"If-Match": '"1"'}
    )
    assert updated.status_code == 200 and updated.json()["version"] == 2
    ticket = await make_ticket(client, impact="user", urgency="medium")
    assert ticket["priority"] == "high"
    assert ticket["priority_reason"] == "impact=user × urgency=medium → high"
    del cells["none"]["low"]
    cells["user"]["high"] = "urgent"
    bad = await client.put(
        "/v1/priority-matrix", json={"cells": cells}, headers={"If-Match": '"2"'}
    )
    assert bad.status_code == 422
    assert "none×low" in bad.json()["detail"] and "urgent" in bad.json()["detail"]


async def test_only_admin_configures(app, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    from tests.api.conftest import client_for, new_key

    async with client_for(app, await new_key(app, "supervisor")) as supervisor:
        assert (await supervisor.get("/v1/priority-matrix")).status_code == 200
        refused = await supervisor.put(
            "/v1/priority-matrix", json={"cells": {}}, headers={"If-Match": '"1"'}
        )
        assert refused.status_code == 403
        assert (await supervisor.post("/v1/calendars", json={})).status_code in (403, 422)


async def test_a_paused_clock_past_its_target_is_breached_in_view_and_filter(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    ticket = await make_ticket(client, impact="department", urgency="high")  # 1 h first response
    clock.set(datetime(2026, 3, 2, 10, 30, tzinfo=UTC))
    paused = (await patch(client, f"/v1/tickets/{ticket['id']}", status="pending")).json()["sla"]
    assert paused["first_response"]["state"] == "breached"
    assert paused["resolution"]["state"] == "paused"
    assert paused["state"] == "breached"
    page = (await client.get("/v1/tickets", params={"sla_state": "breached"})).json()["items"]
    assert [t["id"] for t in page] == [ticket["id"]]
    assert (await client.get("/v1/tickets", params={"sla_state": "paused"})).json()["items"] == []


async def test_sla_due_sort_pages_through_tickets_without_a_running_clock(
    client: httpx.AsyncClient,
) -> None:
    running = await make_ticket(client)
    held = [await make_ticket(client) for _ in range(3)]
    for ticket in held:
        await patch(client, f"/v1/tickets/{ticket['id']}", status="on_hold")
    seen: list[int] = []
    cursor = None
    for _ in range(6):
        params: dict[str, Any] = {"sort": "sla_due_at", "limit": 1}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/v1/tickets", params=params)).json()
        seen += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [running["id"], *sorted(t["id"] for t in held)]


async def test_writes_see_a_configuration_changed_behind_the_api(
    client: httpx.AsyncClient, db: Database
) -> None:
    """Ticket writes cache policies and matrix per process; a change committed anywhere (another
    replica, a migration, psql) moves the stored revision, and the next write reloads."""
    first = await make_ticket(client, impact="user", urgency="medium")
    assert first["sla"]["first_response"]["target_seconds"] == 4 * 3600
    async with transaction(db) as conn:
        await conn.execute(
            "UPDATE sla_policies SET targets = jsonb_set(targets, "
            "'{medium,first_response}', '600') WHERE is_default"
        )
    second = await make_ticket(client, impact="user", urgency="medium")
    assert second["sla"]["first_response"]["target_seconds"] == 600


async def test_a_new_customers_first_tickets_use_the_organization_stored(
    client: httpx.AsyncClient,
) -> None:
    """Concurrent first tickets for one new email, naming different organizations: one request
    creates the customer and the others reuse it, so every ticket's policy must follow the
    organization actually stored, not the one its own request named."""
    await created(
        await client.post(
            "/v1/sla-policies",
            json={
                "name": "Acme",
                "position": 5,
                "conditions": {"organizations": ["Acme"]},
                "targets": targets(10, 60, 120),
                "calendar_id": 1,
            },
        )
    )
    bodies = [
        {
            "subject": f"Down {i}",
            "customer": {
                "name": "Eve",
                "email": "eve@new.example",
                "organization": "Acme" if i % 2 else "Globex",
            },
        }
        for i in range(12)
    ]
    responses = await asyncio.gather(*(client.post("/v1/tickets", json=b) for b in bodies))
    assert {r.status_code for r in responses} == {201}
    tickets = [r.json() for r in responses]
    (customer_id,) = {t["customer_id"] for t in tickets}
    stored = (await client.get(f"/v1/customers/{customer_id}")).json()["organization"]
    expected = "Acme" if stored == "Acme" else "Default"
    assert {t["sla"]["policy_name"] for t in tickets} == {expected}


async def recomputed(client: httpx.AsyncClient, ticket_id: int) -> list[dict[str, Any]]:
    history = (await client.get(f"/v1/tickets/{ticket_id}/history")).json()["items"]
    return [h for h in history if h["action"] == "sla_recomputed"]


async def test_a_new_policy_moves_matching_tickets_and_says_why_in_their_history(
    client: httpx.AsyncClient, clock: FakeClock, db: Database
) -> None:
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    acme = await make_customer(client, organization="Acme")
    matched = await make_ticket(client, customer_id=acme["id"], impact="user", urgency="medium")
    other = await make_ticket(client, impact="user", urgency="medium")
    assert matched["sla"]["policy_name"] == "Default"
    clock.set(datetime(2026, 3, 2, 9, 5, tzinfo=UTC))
    policy = await created(
        await client.post(
            "/v1/sla-policies",
            json={
                "name": "Acme",
                "position": 5,
                "conditions": {"organizations": ["Acme"]},
                "targets": targets(10, 60, 120),
                "calendar_id": 1,
            },
        )
    )
    after = (await client.get(f"/v1/tickets/{matched['id']}")).json()["sla"]
    assert after["policy_name"] == "Acme"
    assert after["first_response"]["due_at"] == "2026-03-02T09:10:00Z"
    timers = await pending_timers(db, matched["id"])
    assert timers["first_response_breach"] == datetime(2026, 3, 2, 9, 10, tzinfo=UTC)

    (line,) = await recomputed(client, matched["id"])
    assert line["note"] == "SLA policy 'Acme' created"
    assert line["actor_name"] == "admin key"
    assert line["at"] == "2026-03-02T09:05:00Z"
    assert line["old_value"]["policy_id"] == 1
    assert line["new_value"]["policy_id"] == policy["id"]
    assert same_instant(line["old_value"]["first_response_due_at"], "2026-03-02T13:00:00+00:00")
    assert same_instant(line["new_value"]["first_response_due_at"], "2026-03-02T09:10:00+00:00")
    # A ticket the policy does not apply to keeps its clocks, and its history says nothing.
    assert (await client.get(f"/v1/tickets/{other['id']}")).json()["sla"]["policy_name"] == (
        "Default"
    )
    assert await recomputed(client, other["id"]) == []


async def test_recompute_goes_through_live_tickets_in_batches(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = [await make_ticket(client, impact="user", urgency="medium") for _ in range(5)]
    done = await make_ticket(client, impact="user", urgency="medium")
    await patch(client, f"/v1/tickets/{done['id']}", status="resolved")
    monkeypatch.setattr(recompute, "BATCH_SIZE", 2)
    batches: list[int] = []
    real = recompute._recompute

    async def counted(*args: Any, **kwargs: Any) -> tuple[list[int], int]:
        ids, moved = await real(*args, **kwargs)
        batches.append(len(ids))
        return ids, moved

    monkeypatch.setattr(recompute, "_recompute", counted)
    default = (await client.get("/v1/sla-policies/1")).json()
    body = {
        k: default[k] for k in ("name", "position", "conditions", "calendar_id", "pause_statuses")
    }
    body["targets"] = targets(60, 1440, 600)
    response = await client.put(
        "/v1/sla-policies/1", json=body, headers={"If-Match": f'"{default["version"]}"'}
    )
    assert response.status_code == 200, response.text
    assert batches == [2, 2, 1]
    for ticket in live:
        after = (await client.get(f"/v1/tickets/{ticket['id']}")).json()["sla"]
        assert after["first_response"]["target_seconds"] == 3600
        (line,) = await recomputed(client, ticket["id"])
        assert line["note"] == "SLA policy 'Default' changed"
    # A resolved ticket keeps the due times it ended with.
    assert await recomputed(client, done["id"]) == []


async def test_working_hours_may_end_at_24_00(client: httpx.AsyncClient) -> None:
    body = {
        "name": "Evenings",
        "time_zone": "Europe/Amsterdam",
        "hours": [{"day": "mon", "start": "18:00", "end": "24:00"}],
    }
    created = await client.post("/v1/calendars", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["hours"] == [{"day": "mon", "start": "18:00", "end": "24:00"}]
    late = {**body, "name": "Late", "hours": [{"day": "mon", "start": "24:00", "end": "02:00"}]}
    refused = await client.post("/v1/calendars", json=late)
    assert refused.status_code == 422 and "hours.0.start" in refused.text
