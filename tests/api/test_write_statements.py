"""The busiest writes stay few round trips: a PATCH and an internal note each write the ticket's
columns, history and events in one statement after one locking read, with the timers' sync (which
wakes the workers itself when it must) when the change can move them; a public email reply adds
one statement that stores it with its headers."""

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from app.db import AuditedConnection, Database, connect, connection, listen
from app.main import create_app
from app.services.timers import TIMERS_CHANNEL
from app.settings import Settings
from tests.api.conftest import client_for, new_key
from tests.api.factories import compose_email, log, make_ticket, send_email
from tests.fakes import FakeClock


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every statement the app sends while the test runs, in order."""
    sent: list[str] = []
    for name in ("execute", "fetch", "fetchrow", "fetchval"):
        original = getattr(AuditedConnection, name)

        def counting(original=original):  # type: ignore[no-untyped-def]
            async def send(self, query, *args, **kw):  # type: ignore[no-untyped-def]
                sent.append(" ".join(str(query).split()))
                return await original(self, query, *args, **kw)

            return send

        monkeypatch.setattr(AuditedConnection, name, counting())
    yield sent


async def test_a_patch_that_moves_no_clock_is_a_lock_and_one_write(
    client: httpx.AsyncClient, statements: list[str]
) -> None:
    ticket = await make_ticket(client)
    etag = (await client.get(f"/v1/tickets/{ticket['id']}")).headers["etag"]
    statements.clear()
    r = await client.patch(
        f"/v1/tickets/{ticket['id']}",
        json={"urgency": "high", "subject": "Printer jams on floor 4"},
        headers={"If-Match": etag},
    )
    assert r.status_code == 200, r.text
    assert statements[0].startswith("BEGIN") and statements[-1].startswith("COMMIT")
    assert r.json()["priority"] == ticket["priority"]  # so the clocks stay where they were
    assert len(statements) == 4, statements
    assert not any("FROM timers" in s for s in statements), statements
    history = (await client.get(f"/v1/tickets/{ticket['id']}/history")).json()["items"]
    assert {"subject", "urgency"} <= {h["field"] for h in history}


async def test_an_internal_note_is_a_lock_and_one_write_that_stores_it(
    client: httpx.AsyncClient, statements: list[str]
) -> None:
    ticket = await make_ticket(client)
    statements.clear()
    r = await client.post(
        f"/v1/tickets/{ticket['id']}/interactions",
        json={"kind": "note", "direction": "internal", "public": False, "body": "Spooler log."},
    )
    assert r.status_code == 201, r.text
    assert len(statements) == 4, statements
    assert not any("FROM timers" in s for s in statements), statements
    assert "INSERT INTO interactions" in statements[2], statements
    note = r.json()
    events = (await client.get("/v1/events", params={"ticket_id": ticket["id"]})).json()["items"]
    added = [e for e in events if e["type"] == "interaction.added"]
    assert [e["data"]["interaction_id"] for e in added] == [note["id"]], events
    history = (await client.get(f"/v1/tickets/{ticket['id']}/history")).json()["items"]
    assert note["id"] in {h.get("interaction_id") for h in history}, history
    listed = (await client.get(f"/v1/tickets/{ticket['id']}/interactions")).json()["items"]
    assert [(i["id"], i["body"]) for i in listed] == [(note["id"], "Spooler log.")]


async def test_a_public_email_reply_is_a_lock_one_statement_of_its_own_and_one_write(
    client: httpx.AsyncClient, statements: list[str]
) -> None:
    ticket = await make_ticket(client)
    await log(client, ticket["id"], body="First answer.")
    statements.clear()
    reply = await log(client, ticket["id"], body="Second answer.")
    assert statements[0].startswith("BEGIN") and statements[-1].startswith("COMMIT")
    assert "nextval" in statements[1], statements  # the lock reserves the reply's id
    body = statements[2:-2]  # after the lock, before the ticket's write
    # The interaction with its headers, the thread and copies they are made of and the
    # follow-ups it closes.
    assert "INSERT INTO interactions" in body[0] and "INSERT INTO outbound_emails" in body[0]
    assert "UPDATE reminders" in body[0], body
    assert len(body) == 1, statements
    assert "INSERT INTO interactions" not in statements[-2], statements  # stored once
    # The write syncs the timers (the stale deleted, the wanted armed) in its own statement.
    assert "DELETE FROM timers" in statements[-2] and "INSERT INTO timers" in statements[-2]
    third = await log(client, ticket["id"], body="Third answer.")
    assert reply["email"]["in_reply_to"] is not None
    assert reply["email"]["message_id"] == third["email"]["in_reply_to"]
    listed = (await client.get(f"/v1/tickets/{ticket['id']}/interactions")).json()["items"]
    assert listed[1]["email"] == reply["email"] and listed[1]["id"] == reply["id"]


async def test_an_email_reply_threads_on_the_latest_received_message_and_the_whole_thread(
    client: httpx.AsyncClient,
) -> None:
    asked = (await send_email(client, compose_email(message_id="<q1@mail.example.com>"))).json()
    tid = asked["ticket_id"]
    first = (await log(client, tid, body="Which model?"))["email"]
    again = compose_email(message_id="<q2@mail.example.com>", in_reply_to=first["message_id"])
    assert (await send_email(client, again)).json()["ticket_id"] == tid
    second = (await log(client, tid, body="A new fuser is on its way."))["email"]
    third = (await log(client, tid, body="It ships today."))["email"]
    assert first["in_reply_to"] == "<q1@mail.example.com>"
    assert first["references"] == ["<q1@mail.example.com>"]
    # The customer's latest message is what a reply answers, however many replies followed it.
    assert second["in_reply_to"] == third["in_reply_to"] == "<q2@mail.example.com>"
    thread = ["<q1@mail.example.com>", first["message_id"], "<q2@mail.example.com>"]
    assert second["references"] == thread
    assert third["references"] == [*thread, second["message_id"]]
    assert third["cc"] == []


async def test_an_email_reply_on_a_long_thread_names_its_newest_twenty_messages(
    client: httpx.AsyncClient,
) -> None:
    asked = (await send_email(client, compose_email(message_id="<q1@mail.example.com>"))).json()
    tid = asked["ticket_id"]
    thread = ["<q1@mail.example.com>"]
    for _ in range(10):
        thread.append((await log(client, tid, body="Still on it."))["email"]["message_id"])
    again = compose_email(message_id="<q2@mail.example.com>", in_reply_to=thread[-1])
    assert (await send_email(client, again)).json()["ticket_id"] == tid
    thread.append("<q2@mail.example.com>")
    for _ in range(12):
        thread.append((await log(client, tid, body="Still on it."))["email"]["message_id"])
    reply = (await log(client, tid, body="Done."))["email"]
    # Both sides of the thread, read from the newest back: the 20 newest, oldest first.
    assert len(thread) == 24
    assert reply["references"] == thread[-20:]
    assert reply["in_reply_to"] == "<q2@mail.example.com>"


async def test_an_email_reply_on_a_ticket_with_no_mail_answers_nothing_and_then_itself(
    client: httpx.AsyncClient,
) -> None:
    ticket = await make_ticket(client)
    first = (await log(client, ticket["id"]))["email"]
    second = (await log(client, ticket["id"]))["email"]
    assert (first["in_reply_to"], first["references"]) == (None, [])
    assert (second["in_reply_to"], second["references"]) == (
        first["message_id"],
        [first["message_id"]],
    )


async def test_an_email_reply_closes_its_ticket_s_open_follow_ups_and_nothing_else(
    client: httpx.AsyncClient, db: Database
) -> None:
    ticket, other = await make_ticket(client), await make_ticket(client)
    async with connection(db) as conn:  # follow-ups as the worker raises them
        for tid in (ticket["id"], other["id"]):
            await conn.execute(
                "INSERT INTO reminders (ticket_id, kind, due_at, status, created_at, version)"
                " VALUES ($1, 'follow_up', now(), 'open', now(), 1)",
                tid,
            )
    await log(client, ticket["id"], kind="note", direction="internal", public=False)
    assert len((await client.get("/v1/reminders", params={"status": "open"})).json()["items"]) == 2
    reply = await log(client, ticket["id"], body="Fixed.")
    reminders = (await client.get("/v1/reminders")).json()["items"]
    by_ticket = {r["ticket_id"]: r for r in reminders}
    assert (by_ticket[ticket["id"]]["status"], by_ticket[ticket["id"]]["done_at"]) == (
        "done",
        reply["created_at"],
    )
    assert by_ticket[ticket["id"]]["version"] == 2
    assert by_ticket[other["id"]]["status"] == "open"


async def test_a_patch_that_moves_the_clocks_rearms_its_timers_in_its_one_write(
    client: httpx.AsyncClient, statements: list[str], db: Database
) -> None:
    ticket = await make_ticket(client, impact="user", urgency="low")
    etag = (await client.get(f"/v1/tickets/{ticket['id']}")).headers["etag"]
    statements.clear()
    r = await client.patch(
        f"/v1/tickets/{ticket['id']}", json={"urgency": "high"}, headers={"If-Match": etag}
    )
    assert r.status_code == 200, r.text
    assert len(statements) == 4, statements
    assert "DELETE FROM timers" in statements[2] and "UPDATE tickets" in statements[2]
    assert r.json()["priority"] != ticket["priority"]
    async with connection(db) as conn:
        armed = await conn.fetch(
            "SELECT kind, due_at FROM timers WHERE ticket_id = $1 AND fired_at IS NULL",
            ticket["id"],
        )
        due = await conn.fetchrow(
            "SELECT first_response_due_at, resolution_due_at FROM tickets WHERE id = $1",
            ticket["id"],
        )
    breaches = {a["kind"]: a["due_at"] for a in armed if a["kind"].endswith("_breach")}
    assert breaches == {
        "first_response_breach": due["first_response_due_at"],
        "resolution_breach": due["resolution_due_at"],
    }
    assert len(armed) == len({(a["kind"], a["due_at"]) for a in armed}) == 4


async def _pending_timers(db: Database, ticket_id: int) -> list[tuple[str, object]]:
    async with connection(db) as conn:
        rows = await conn.fetch(
            "SELECT kind, due_at FROM timers WHERE ticket_id = $1 AND fired_at IS NULL"
            " ORDER BY kind, due_at",
            ticket_id,
        )
    return [(r["kind"], r["due_at"]) for r in rows]


async def test_a_patch_that_moves_what_chooses_the_policy_but_not_the_policy_syncs_no_timer(
    client: httpx.AsyncClient, statements: list[str], db: Database
) -> None:
    ticket = await make_ticket(client, channel="phone")
    armed = await _pending_timers(db, ticket["id"])
    etag = (await client.get(f"/v1/tickets/{ticket['id']}")).headers["etag"]
    statements.clear()
    r = await client.patch(
        f"/v1/tickets/{ticket['id']}", json={"channel": "email"}, headers={"If-Match": etag}
    )
    assert r.status_code == 200, r.text
    assert statements[0].startswith("BEGIN") and statements[-1].startswith("COMMIT")
    assert len(statements) == 4, statements
    assert not any("timers" in s for s in statements), statements
    sla = r.json()["sla"]
    assert sla["policy_name"] == ticket["sla"]["policy_name"]
    assert [sla[m]["due_at"] for m in ("first_response", "resolution")] == [
        ticket["sla"][m]["due_at"] for m in ("first_response", "resolution")
    ]
    assert await _pending_timers(db, ticket["id"]) == armed
    async with connection(db) as conn:
        updated = await conn.fetch(
            "SELECT payload FROM events WHERE ticket_id = $1 AND type = 'ticket.updated'",
            ticket["id"],
        )
    assert [u["payload"]["changes"] for u in updated] == [
        {"channel": {"from": "phone", "to": "email"}}
    ]


async def test_a_patch_that_moves_the_policy_syncs_the_timers_to_it(
    client: httpx.AsyncClient, statements: list[str], db: Database
) -> None:
    minutes = {"first_response_minutes": 10, "next_update_minutes": 60, "resolution_minutes": 120}
    policy = await client.post(
        "/v1/sla-policies",
        json={
            "name": "Email",
            "position": 5,
            "conditions": {"channels": ["email"]},
            "targets": {p: minutes for p in ("critical", "high", "medium", "low")},
            "calendar_id": 1,
        },
    )
    assert policy.status_code == 201, policy.text
    ticket = await make_ticket(client, channel="phone")
    etag = (await client.get(f"/v1/tickets/{ticket['id']}")).headers["etag"]
    statements.clear()
    r = await client.patch(
        f"/v1/tickets/{ticket['id']}", json={"channel": "email"}, headers={"If-Match": etag}
    )
    assert r.status_code == 200, r.text
    assert r.json()["sla"]["policy_name"] == "Email"
    assert len(statements) == 4, statements
    assert "DELETE FROM timers" in statements[2] and "UPDATE tickets" in statements[2]
    async with connection(db) as conn:
        due = await conn.fetchrow(
            "SELECT first_response_due_at, resolution_due_at FROM tickets WHERE id = $1",
            ticket["id"],
        )
    breaches = {k: d for k, d in await _pending_timers(db, ticket["id"]) if k.endswith("_breach")}
    assert breaches == {
        "first_response_breach": due["first_response_due_at"],
        "resolution_breach": due["resolution_due_at"],
    }


async def test_a_patch_that_arms_a_timer_already_due_wakes_the_workers_with_its_write(
    client: httpx.AsyncClient, statements: list[str], db: Database, clock: FakeClock
) -> None:
    ticket = await make_ticket(client, impact="user", urgency="low")  # low: 8 h to respond
    etag = (await client.get(f"/v1/tickets/{ticket['id']}")).headers["etag"]
    clock.set(clock.now() + timedelta(hours=3))
    woken = asyncio.Event()
    listening = await listen(db.url, TIMERS_CHANNEL, woken.set)
    try:
        statements.clear()
        r = await client.patch(  # now high: the first response was due an hour after opening
            f"/v1/tickets/{ticket['id']}", json={"urgency": "critical"}, headers={"If-Match": etag}
        )
        assert r.status_code == 200, r.text
        assert r.json()["sla"]["first_response"]["state"] == "breached"
        assert len(statements) == 4, statements
        assert "pg_notify" in statements[2] and "INSERT INTO timers" in statements[2]
        await asyncio.wait_for(woken.wait(), 10)
    finally:
        await listening.close()


async def _change_plans(db: Database) -> dict[str, tuple[int, int]]:
    """Each change's statement prepared on the pool's connections: its generic and custom plans,
    summed over the connections. Each connection, between transactions, plans as PostgreSQL
    chooses: the generic plans a change's lock asks for end with its transaction."""
    held = [await db.pool.acquire() for _ in range(db.pool.get_size())]
    plans: dict[str, tuple[int, int]] = {}
    try:
        for conn in held:
            assert await conn.fetchval("SELECT current_setting('plan_cache_mode')") == "auto"
            for p in await conn.fetch(
                "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"
                " WHERE statement LIKE 'WITH u AS (UPDATE tickets SET%'"
            ):
                generic, custom = plans.get(p["statement"], (0, 0))
                plans[p["statement"]] = (generic + p["generic_plans"], custom + p["custom_plans"])
    finally:
        for conn in held:
            await db.pool.release(conn)
    return plans


async def test_a_change_s_statement_is_planned_once_per_connection_not_on_every_call(
    db: Database,
) -> None:
    # PostgreSQL plans a prepared statement for each call's values five times, then keeps doing
    # so when it rates the generic plan dearer: it did for every change's statement (its history
    # lines and events come from arrays of a length only a plan for the call's values knows).
    # An app on a pool of its own: its connections' prepared statements are this test's alone.
    own = await connect(db.url)
    try:
        app = create_app(Settings(database_url=db.url, rate_limit_per_minute=0), db=own)
        async with client_for(app, await new_key(app, "admin")) as client:
            ticket = await make_ticket(client)
            for i in range(8):
                await log(client, ticket["id"], kind="note", direction="internal", public=False)
                await log(client, ticket["id"], body=f"Reply {i}")
                etag = (await client.get(f"/v1/tickets/{ticket['id']}")).headers["etag"]
                r = await client.patch(
                    f"/v1/tickets/{ticket['id']}",
                    json={"urgency": "high" if i % 2 else "low", "subject": f"Printer jams ({i})"},
                    headers={"If-Match": etag},
                )
                assert r.status_code == 200, r.text
        plans = await _change_plans(own)
    finally:
        await own.close()
    assert sum(generic for generic, _ in plans.values()) == 3 * 8, plans
    assert {s: custom for s, (_, custom) in plans.items() if custom} == {}, plans
