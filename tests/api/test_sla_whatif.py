"""SLA what-if over the API: a period's tickets replayed under a draft beside the current
policies, from the same stored facts and derivation as their clocks; nothing written."""

import asyncio
from datetime import datetime
from typing import Any

import httpx
import pytest

from app.db import Database, connection
from app.services import sla_whatif
from app.services.timers import TIMERS_CHANNEL
from app.store.events import WEBHOOKS_CHANNEL
from tests.api.conftest import client_for, new_key
from tests.api.factories import created, log, make_ticket, patch
from tests.api.test_sla import office_calendar, targets
from tests.fakes import FakeClock

PERIOD = {"from": "2026-03-01T00:00:00Z", "to": "2026-04-30T00:00:00Z"}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def office_desk(client: httpx.AsyncClient, clock: FakeClock) -> dict[str, Any]:
    """An office-hours policy (Amsterdam, DST on 29 March, 30 March a holiday) and tickets that
    pause, reopen, stay paused, go unanswered, breach and close unanswered."""
    calendar = await office_calendar(client)
    policy = await created(
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

    async def move(ticket: dict[str, Any], when: str, **fields: Any) -> None:
        clock.set(at(when))
        response = await patch(client, f"/v1/tickets/{ticket['id']}", **fields)
        assert response.status_code == 200, response.text

    async def reply(ticket: dict[str, Any], when: str) -> None:
        clock.set(at(when))
        await log(client, ticket["id"])

    # Across the weekend, DST and the holiday: paused, answered, resolved, reopened, resolved.
    clock.set(at("2026-03-27T14:00:00+01:00"))
    walked = await make_ticket(client, impact="user", urgency="medium")
    await move(walked, "2026-03-27T15:00:00+01:00", status="pending")
    await move(walked, "2026-03-31T09:00:00+02:00", status="open")
    await reply(walked, "2026-03-31T10:30:00+02:00")
    await move(walked, "2026-04-01T10:00:00+02:00", status="resolved")
    await move(walked, "2026-04-02T09:00:00+02:00", status="open")
    await move(walked, "2026-04-02T11:00:00+02:00", status="resolved")
    # Put on hold on Friday and still on hold.
    clock.set(at("2026-03-27T16:00:00+01:00"))
    held = await make_ticket(client, impact="organization", urgency="high")
    await move(held, "2026-03-27T16:30:00+01:00", status="on_hold")
    # Answered, then waiting on the next update.
    clock.set(at("2026-03-31T09:00:00+02:00"))
    answered = await make_ticket(client, impact="user", urgency="low")
    await reply(answered, "2026-03-31T11:00:00+02:00")
    # Never answered: its first response breaches.
    clock.set(at("2026-03-26T16:00:00+01:00"))
    ignored = await make_ticket(client, impact="user", urgency="medium")
    # Closed unanswered at once: no first response owed.
    clock.set(at("2026-04-01T09:00:00+02:00"))
    spam = await make_ticket(client, impact="user", urgency="medium")
    await move(spam, "2026-04-01T09:05:00+02:00", status="closed")
    clock.set(at("2026-04-03T12:00:00+02:00"))
    return {
        "calendar": calendar,
        "policy": policy,
        "tickets": [walked, held, answered, ignored, spam],
    }


async def what_if(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post("/v1/sla-policies/what-if", json=PERIOD | body)
    assert response.status_code == 200, response.text
    return response.json()


def outcome(metric: dict[str, Any] | None) -> str:
    if metric is None or metric["state"] == "not_applicable":
        return "not_applicable"
    return metric["state"] if metric["state"] in ("met", "breached") else "running"


async def test_replaying_under_the_current_policy_reproduces_the_stored_clocks(
    client: httpx.AsyncClient, clock: FakeClock, db: Database
) -> None:
    desk = await office_desk(client, clock)
    # A draft of the same policy with every target doubled moves every due time there is.
    doubled = {
        "name": "Office",
        "position": 1,
        "targets": targets(480, 960, 1920),
        "calendar_id": desk["calendar"]["id"],
    }
    found = await what_if(client, policy=doubled, top=200)
    assert found["tickets"] == 5

    # The current side's due times are the ones stored with the tickets.
    async with connection(db) as conn:
        rows = await conn.fetch(
            "SELECT id, first_response_due_at, next_update_due_at, resolution_due_at"
            " FROM tickets ORDER BY id"
        )
    stored = {
        (r["id"], metric): r[f"{metric}_due_at"]
        for r in rows
        for metric in ("first_response", "next_update", "resolution")
        if r[f"{metric}_due_at"] is not None
    }
    replayed = {
        (m["ticket_id"], m["metric"]): at(m["current_due_at"]) for m in found["due_moves"]["items"]
    }
    assert replayed == stored
    assert found["due_moves"]["total"] == len(stored)
    # The paused ticket has no due times stored, and so none to move.
    held = desk["tickets"][1]["id"]
    assert not any(ticket == held for ticket, _ in stored)

    # The current side's states are those /sla shows, counted per priority and metric.
    shown: dict[tuple[str, str], dict[str, int]] = {}
    for ticket in desk["tickets"]:
        sla = (await client.get(f"/v1/tickets/{ticket['id']}/sla")).json()
        priority = (await client.get(f"/v1/tickets/{ticket['id']}")).json()["priority"]
        for metric in ("first_response", "next_update", "resolution"):
            counts = shown.setdefault((priority, metric), {})
            state = outcome(sla[metric])
            counts[state] = counts.get(state, 0) + 1
    figures = {
        (c["priority"], c["metric"]): {
            k: c[k] for k in ("met", "breached", "not_applicable", "running") if c[k]
        }
        for c in found["current"]["compliance"]
    }
    assert figures == shown
    # Walked through and met; never answered and breached; closed unanswered: nothing owed.
    assert shown[("medium", "first_response")] == {"met": 1, "breached": 1, "not_applicable": 1}
    assert shown[("medium", "resolution")] == {"met": 2, "breached": 1}
    # On hold since Friday, short of its target (organization × high: critical).
    assert desk["tickets"][1]["priority"] == "critical"
    assert shown[("critical", "resolution")] == {"running": 1}


async def test_a_draft_calendar_without_the_holiday_moves_due_times_earlier(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    desk = await office_desk(client, clock)
    calendar = desk["calendar"]
    draft = {k: calendar[k] for k in ("name", "time_zone", "hours")} | {"holidays": []}
    found = await what_if(client, calendar=draft)
    ignored = desk["tickets"][3]["id"]
    # Thu 26 Mar 16:00 CET: its first response (4 h) is due on Friday either way; its
    # resolution (16 h: 1 h Thursday, 8 h Friday) crosses the holiday Monday and the DST change:
    # with the holiday Tue 31 Mar 16:00 CEST, without it Mon 30 Mar 16:00 CEST.
    assert not any(
        m["ticket_id"] == ignored and m["metric"] == "first_response"
        for m in found["due_moves"]["items"]
    )
    resolution = next(
        m
        for m in found["due_moves"]["items"]
        if m["ticket_id"] == ignored and m["metric"] == "resolution"
    )
    assert at(resolution["current_due_at"]) == at("2026-03-31T16:00:00+02:00")
    assert at(resolution["draft_due_at"]) == at("2026-03-30T16:00:00+02:00")
    assert resolution["shift_seconds"] == -24 * 3600


async def test_a_tighter_draft_names_the_breaches_it_would_add(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    desk = await office_desk(client, clock)
    walked = desk["tickets"][0]["id"]
    tight = {
        "name": "Office",
        "position": 1,
        "targets": targets(60, 480, 480),
        "calendar_id": desk["calendar"]["id"],
    }
    found = await what_if(client, policy=tight)
    gained = {(b["ticket_id"], b["metric"]) for b in found["breaches_gained"]["items"]}
    # 2.5 h to the first reply and 12 h to resolve: both over 1 h and 8 h.
    assert {(walked, "first_response"), (walked, "resolution")} <= gained
    assert found["breaches_gained"]["total"] == len(gained)
    assert found["breaches_lost"] == {"total": 0, "items": []}
    medium = {c["metric"]: c for c in found["draft"]["compliance"] if c["priority"] == "medium"}
    before = {c["metric"]: c for c in found["current"]["compliance"] if c["priority"] == "medium"}
    # The unanswered one breached either way; the spam closed in 5 minutes met either way.
    assert (before["resolution"]["met"], before["resolution"]["breached"]) == (2, 1)
    assert (medium["resolution"]["met"], medium["resolution"]["breached"]) == (1, 2)
    assert medium["resolution"]["share_met"] == round(1 / 3, 4)


async def test_the_what_if_alone_changes_no_row_count_and_sends_no_notification(
    client: httpx.AsyncClient, clock: FakeClock, db: Database
) -> None:
    desk = await office_desk(client, clock)
    async with connection(db) as conn:
        tables = [
            r["tablename"]
            for r in await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]

        async def counts() -> dict[str, int]:
            return {t: await conn.fetchval(f'SELECT count(*) FROM "{t}"') for t in tables}

        heard: list[str] = []

        def note(*args: Any) -> None:
            heard.append(args[2])  # (connection, pid, channel, payload)

        for channel in (TIMERS_CHANNEL, WEBHOOKS_CHANNEL):
            await conn.add_listener(channel, note)
        before = await counts()
        draft = {k: desk["calendar"][k] for k in ("name", "time_zone", "hours")}
        found = await what_if(
            client,
            calendar=draft | {"holidays": []},
            policy={
                "name": "Office",
                "position": 1,
                "targets": targets(60, 60, 120),
                "calendar_id": desk["calendar"]["id"],
            },
        )
        assert found["due_moves"]["total"] > 0 and found["breaches_gained"]["total"] > 0
        await conn.execute("SELECT 1")  # a round trip: any notification has arrived by now
        assert await counts() == before
        assert heard == []
        # The listener does hear a notification when there is one.
        async with connection(db) as other:
            await other.execute("SELECT pg_notify($1, '')", TIMERS_CHANNEL)
        for _ in range(100):
            if heard:
                break
            await asyncio.sleep(0.01)
        assert heard == [TIMERS_CHANNEL]
        for channel in (TIMERS_CHANNEL, WEBHOOKS_CHANNEL):
            await conn.remove_listener(channel, note)


async def test_only_admins_and_supervisors_may_ask(app, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    await office_calendar(client)
    body = PERIOD | {"calendar": OFFICE_DRAFT}
    async with client_for(app, await new_key(app, "supervisor")) as supervisor:
        response = await supervisor.post("/v1/sla-policies/what-if", json=body)
        assert response.status_code == 200, response.text
    for role in ("agent", "integration", "viewer"):
        async with client_for(app, await new_key(app, role)) as caller:
            refused = await caller.post("/v1/sla-policies/what-if", json=body)
            assert refused.status_code == 403, role
            assert "'admin' or 'supervisor'" in refused.json()["detail"]


OFFICE_DRAFT = {
    "name": "Office NL",
    "time_zone": "Europe/Amsterdam",
    "hours": [{"day": d, "start": "08:00", "end": "18:00"} for d in ("mon", "tue", "wed")],
}


async def test_bad_drafts_and_periods_are_named(client: httpx.AsyncClient) -> None:
    await office_calendar(client)
    policy = {"name": "Office", "position": 1, "targets": targets(60, 60, 120), "calendar_id": 1}

    async def field_of(**body: Any) -> str:
        response = await client.post("/v1/sla-policies/what-if", json=body)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        return str(response.json()["errors"][0]["field"])

    assert await field_of(**PERIOD, policy=policy | {"calendar_id": 99}) == "policy.calendar_id"
    zero = targets(60, 60, 120) | {"high": targets(0, 60, 120)["high"]}
    assert (
        await field_of(**PERIOD, policy=policy | {"targets": zero})
        == "policy.targets.high.first_response_minutes"
    )
    assert await field_of(**PERIOD, policy=policy | {"targets": {}}) == "policy.targets"
    assert await field_of(**PERIOD, calendar=OFFICE_DRAFT | {"name": "Nowhere"}) == "calendar.name"
    overlapping = OFFICE_DRAFT | {
        "hours": [
            {"day": "mon", "start": "09:00", "end": "12:00"},
            {"day": "mon", "start": "11:00", "end": "17:00"},
        ]
    }
    assert await field_of(**PERIOD, calendar=overlapping) == "calendar.hours"
    backwards = {"from": PERIOD["to"], "to": PERIOD["from"]}
    assert await field_of(**backwards, policy=policy) == "to"
    same = {"from": PERIOD["from"], "to": PERIOD["from"]}
    assert await field_of(**same, policy=policy) == "to"
    too_long = {"from": "2025-01-01T00:00:00Z", "to": "2026-01-03T00:00:00Z"}
    assert await field_of(**too_long, policy=policy) == "to"
    assert await field_of(**PERIOD) == "policy"
    naive = {"from": "2026-03-01T00:00:00", "to": PERIOD["to"]}
    assert "from" in await field_of(**naive, policy=policy)
    # A holiday is a date as text: a number is no day (pydantic would read 0 as 1970-01-01).
    for day in (0, "0", "2026-04-10T00:00:00Z"):
        holiday = OFFICE_DRAFT | {"holidays": [{"date": day, "name": "Good Friday"}]}
        assert await field_of(**PERIOD, calendar=holiday) == "calendar.holidays.0.date", day


async def test_tickets_of_one_instant_are_read_in_batches_once_each_and_a_period_is_capped(
    client: httpx.AsyncClient, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock.set(at("2026-03-10T10:00:00+00:00"))
    made = [await make_ticket(client) for _ in range(5)]
    monkeypatch.setattr(sla_whatif, "BATCH", 2)
    draft = {"name": "24x7", "time_zone": "UTC", "hours": OFFICE_DRAFT["hours"]}
    found = await what_if(client, calendar=draft, top=200)
    # Five tickets created at the same instant, read two at a time: each exactly once.
    assert found["tickets"] == 5
    moved = [m for m in found["due_moves"]["items"] if m["metric"] == "resolution"]
    assert sorted(m["ticket_id"] for m in moved) == sorted(t["id"] for t in made)
    monkeypatch.setattr(sla_whatif, "MAX_TICKETS", 4)
    refused = await client.post("/v1/sla-policies/what-if", json=PERIOD | {"calendar": draft})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "from"
    assert "more than 4 tickets" in refused.json()["detail"]


async def test_instants_out_of_range_are_named_not_overflowed(client: httpx.AsyncClient) -> None:
    body = {"calendar": OFFICE_DRAFT | {"name": "24x7"}}
    for instant in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-05:00"):
        response = await client.post(
            "/v1/sla-policies/what-if", json=body | {"from": instant, "to": PERIOD["to"]}
        )
        assert response.status_code == 422, response.text
        assert "between the years 1900 and 9000" in response.text


async def test_the_what_if_path_allows_only_its_own_method(client: httpx.AsyncClient) -> None:
    # Not the GET and PUT of /v1/sla-policies/{policy_id}, whose pattern it also matches.
    response = await client.options("/v1/sla-policies/what-if")
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    assert (await client.options("/v1/customers/1/tokens")).headers["Allow"] == "DELETE, POST"
    assert (await client.options("/v1/sla-policies/1")).headers["Allow"] == "GET, PUT"
    # Nor is it taken for a policy id by a method it does not serve.
    wrong = await client.get("/v1/sla-policies/what-if")
    assert wrong.status_code == 405 and wrong.headers["Allow"] == "POST"
    # A token id is a number: another segment names no route.
    assert (await client.delete("/v1/customers/1/tokens/revoke")).status_code == 404
