"""Personal data: a customer's export, their erasure (no trace left in any table), retention."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from app.db import Database, connection, transaction
from app.main import create_app
from app.services import privacy, timer_handlers
from app.services import retention as retention_timer
from app.services.context import Desk
from app.settings import Settings
from tests.api.conftest import client_for, new_key
from tests.api.factories import (
    answer_survey,
    compose_email,
    created,
    log,
    make_customer,
    make_ticket,
    patch,
    send_email,
)
from tests.fakes import FakeClock

NAME = "Quintessa Vandermolen"
EMAIL = "quintessa.vandermolen@example.org"
PHONE = "+31 20 555 0199"
ACCOUNT = "QV-778812"
SUBJECT = "Blorptastic frobulator malfunction"
DESCRIPTION = "The zygomorphic frobulator hums at night"
BODY = "Zanzibarian wobble reported by the caller"
REPLY = "Customer writes: my wobbulator is Xylophonic again"
SERIAL = "SN-QX-99812"
LOCATION = "Vandermolen farmhouse, Oosterweg 12"
CALLBACK_NOTE = "ring Quintessa after the milking"
# What must be gone from every table after the erasure.
PERSONAL = (NAME, EMAIL, PHONE, ACCOUNT, SUBJECT, DESCRIPTION, BODY, REPLY, SERIAL, LOCATION)


@pytest.fixture(scope="module")
def app(db: Database):  # type: ignore[no-untyped-def]
    """The app over the test database (no rate limit: the tests send in bursts)."""
    return create_app(
        Settings(database_url="postgresql://unused/none", rate_limit_per_minute=0), db=db
    )


def settings(**changes: Any) -> Settings:
    return Settings(database_url="postgresql://unused/none").model_copy(update=changes)


@pytest.fixture
def retention() -> Iterator[None]:
    """The registry has the `retention` kind, with erasure as its handler."""
    assert timer_handlers.kind(privacy.RETENTION).handler is privacy.erase_expired
    yield


async def make_personal_history(client: httpx.AsyncClient) -> dict[str, Any]:
    """A customer with two tickets, interactions both ways, a callback and idempotent creates."""
    customer = await make_customer(
        client,
        name=NAME,
        email=EMAIL,
        phone=PHONE,
        account_number=ACCOUNT,
        organization="Vandermolen Dairy",
    )
    ticket = await created(
        await client.post(
            "/v1/tickets",
            json={
                "subject": SUBJECT,
                "description": DESCRIPTION,
                "customer_id": customer["id"],
                "channel": "phone",
                "serial_number": SERIAL,
                "equipment_location": LOCATION,
            },
            headers={"Idempotency-Key": "create-personal-1"},
        )
    )
    second = await make_ticket(client, customer={"name": NAME, "email": EMAIL}, subject=SUBJECT)
    await log(
        client, ticket["id"], body=BODY, kind="call", direction="inbound", author_type="customer"
    )
    await created(
        await client.post(
            f"/v1/tickets/{ticket['id']}/interactions",
            json={
                "kind": "email",
                "direction": "inbound",
                "author_type": "customer",
                "body": REPLY,
            },
            headers={"Idempotency-Key": "reply-personal-1"},
        )
    )
    await log(
        client,
        ticket["id"],
        body="Internal: check the frobulator",
        public=False,
        kind="note",
        direction="internal",
    )
    await created(
        await client.post(
            f"/v1/tickets/{ticket['id']}/callbacks",
            json={
                "requested_at": "2030-01-01T10:00:00Z",
                "phone": PHONE,
                "note": CALLBACK_NOTE,
            },
        )
    )
    assert (
        await patch(client, f"/v1/tickets/{second['id']}", description=DESCRIPTION)
    ).status_code == 200
    return {"customer": customer, "ticket": ticket, "second": second}


async def rows_mentioning(db: Database, values: tuple[str, ...]) -> list[tuple[str, str]]:
    """(table, value) for every row of every table whose text holds one of `values`: every
    text, jsonb, array and tsvector column is in a row's text."""
    found = []
    async with connection(db) as conn:
        tables = [
            r["tablename"]
            for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ]
        for table in tables:
            for r in await conn.fetch(f'SELECT t::text AS row FROM "{table}" t'):
                text = r["row"].lower()
                found += [(table, v) for v in values if v.lower() in text]
    return found


async def test_an_export_holds_everything_about_the_customer(
    client: httpx.AsyncClient, db: Database
) -> None:
    made = await make_personal_history(client)
    cid, tid = made["customer"]["id"], made["ticket"]["id"]
    other = await make_customer(client)
    await make_ticket(client, customer_id=other["id"])

    response = await client.get(f"/v1/customers/{cid}/export")
    assert response.status_code == 200, response.text
    export = response.json()
    assert export["customer"]["email"] == EMAIL
    assert sorted(t["ticket"]["id"] for t in export["tickets"]) == sorted(
        [tid, made["second"]["id"]]
    )
    mine = next(t for t in export["tickets"] if t["ticket"]["id"] == tid)
    assert mine["ticket"]["subject"] == SUBJECT
    bodies = [i["body"] for i in mine["interactions"]]
    assert BODY in bodies and REPLY in bodies
    assert "Internal: check the frobulator" in bodies  # the customer's data is all of it
    assert mine["callbacks"][0]["note"] == CALLBACK_NOTE
    assert mine["history"][0]["action"] == "created"
    assert {"customers", "tickets", "interactions"} <= {a["resource"] for a in export["audit"]}
    assert export["erasure"] is None
    # Nothing of the other customer's.
    assert all(t["ticket"]["customer_id"] == cid for t in export["tickets"])

    # The export is audited as one.
    async with connection(db) as conn:
        exports = await conn.fetchval(
            "SELECT count(*) FROM audit_log WHERE action = 'export' AND resource_id = $1", cid
        )
    assert exports == 1


async def test_an_export_holds_the_customers_survey_answers_and_mail(
    client: httpx.AsyncClient,
) -> None:
    """Answers about their tickets, and every message from their address: the ones threaded
    onto a ticket and the auto-replies that are on none."""
    customer = await make_customer(client, name="Ada", email="ada@example.com")
    ticket = await make_ticket(client, customer_id=customer["id"])
    await answer_survey(client, ticket["id"], score=4, comment="Quick, thanks")
    mailed = (await send_email(client, compose_email(subject="Printer jams"))).json()
    away = compose_email(subject="Out of office", headers={"Auto-Submitted": "auto-replied"})
    assert (await send_email(client, away)).status_code == 201
    stranger = compose_email(sender="Eve <eve@example.com>", subject="Not Ada's")
    assert (await send_email(client, stranger)).status_code == 201

    export = (await client.get(f"/v1/customers/{customer['id']}/export")).json()
    assert [(s["score"], s["comment"]) for s in export["surveys"]] == [(4, "Quick, thanks")]
    received = {(m["subject"], m["kind"]) for m in export["received_emails"]}
    assert received == {("Printer jams", "message"), ("Out of office", "auto_reply")}
    assert mailed["ticket_id"] in {t["ticket"]["id"] for t in export["tickets"]}


async def test_export_and_erase_are_for_admins_and_known_customers(
    app, client: httpx.AsyncClient
) -> None:  # type: ignore[no-untyped-def]
    customer = await make_customer(client)
    assert (await client.get("/v1/customers/999999/export")).status_code == 404
    assert (await client.post("/v1/customers/999999/erase")).status_code == 404
    for role in ("supervisor", "agent", "integration", "viewer"):
        async with client_for(app, await new_key(app, role)) as other:
            assert (await other.get(f"/v1/customers/{customer['id']}/export")).status_code == 403
            assert (await other.post(f"/v1/customers/{customer['id']}/erase")).status_code == 403
    async with client_for(app, None) as anonymous:
        assert (await anonymous.get(f"/v1/customers/{customer['id']}/export")).status_code == 401


async def test_erasure_leaves_no_trace_in_any_table_and_keeps_the_metrics(
    client: httpx.AsyncClient, db: Database, clock: FakeClock
) -> None:
    made = await make_personal_history(client)
    cid, tid = made["customer"]["id"], made["ticket"]["id"]
    bystander = await make_customer(client, name="Bartholomew Bystander", email="bb@example.net")
    kept = await make_ticket(
        client, customer_id=bystander["id"], subject="Bystander printer jam", channel="email"
    )
    await created(
        await client.post(
            f"/v1/tickets/{kept['id']}/interactions",
            json={
                "kind": "email",
                "direction": "inbound",
                "author_type": "customer",
                "body": "jam!",
            },
            headers={"Idempotency-Key": "bystander-1"},
        )
    )
    before = (await client.get(f"/v1/tickets/{tid}")).json()
    assert await rows_mentioning(db, PERSONAL)  # the scan sees them before

    response = await client.post(f"/v1/customers/{cid}/erase")
    assert response.status_code == 200, response.text
    outcome = response.json()
    assert outcome["customer_id"] == cid and outcome["reason"] == "request"
    assert outcome["ticket_ids"] == sorted([tid, made["second"]["id"]])

    assert await rows_mentioning(db, PERSONAL) == []
    assert await rows_mentioning(db, (CALLBACK_NOTE,)) == []

    customer = (await client.get(f"/v1/customers/{cid}")).json()
    assert customer["name"] == f"erased customer {cid}"
    assert customer["email"] is None and customer["phone"] is None
    ticket = (await client.get(f"/v1/tickets/{tid}")).json()
    assert ticket["subject"] == "[erased]" and ticket["description"] is None
    assert ticket["serial_number"] is None and ticket["equipment_location"] is None
    for field in ("status", "priority", "created_at", "customer_id", "interaction_count", "sla"):
        assert ticket[field] == before[field], field
    assert ticket["version"] > before["version"]
    interactions = (await client.get(f"/v1/tickets/{tid}/interactions")).json()["items"]
    assert {i["body"] for i in interactions} == {"[erased]"}
    history = (await client.get(f"/v1/tickets/{tid}/history")).json()["items"]
    assert history[-1]["action"] == "personal_data_erased"
    # Text search follows (generated columns).
    found = (await client.get("/v1/tickets", params={"q": "Blorptastic"})).json()["items"]
    assert found == []

    # The bystander keeps everything, including a stored idempotent response; the erased
    # customer's are kept redacted (a retry replays the erased resource).
    assert (await client.get(f"/v1/tickets/{kept['id']}")).json()[
        "subject"
    ] == "Bystander printer jam"
    assert len(await rows_mentioning(db, ("Bartholomew Bystander",))) >= 1
    async with connection(db) as conn:
        keys = {r["key"] for r in await conn.fetch("SELECT key FROM idempotent_requests")}
        erasures = await conn.fetchval(
            "SELECT count(*) FROM audit_log WHERE action = 'erase' AND resource_id = $1", cid
        )
    assert keys == {"bystander-1", "create-personal-1", "reply-personal-1"}
    assert erasures == 1

    # Idempotent: the same outcome again, nothing changed.
    again = await client.post(f"/v1/customers/{cid}/erase")
    assert again.status_code == 200
    assert again.json() == outcome
    assert (await client.get(f"/v1/tickets/{tid}")).json()["version"] == ticket["version"]

    export = (await client.get(f"/v1/customers/{cid}/export")).json()
    assert export["erasure"] == outcome
    assert {t["ticket_id"] for t in export["erased_tickets"]} == set(outcome["ticket_ids"])


async def test_retention_erases_closed_tickets_past_the_period(
    app, client: httpx.AsyncClient, retention: None
) -> None:  # type: ignore[no-untyped-def]
    desk = Desk.of(app.state.desk.db, settings(retention_days=30))
    gone = await make_customer(client, name=NAME, email=EMAIL)
    stays = await make_customer(client, name="Ophelia Openticket", email="ophelia@example.org")
    old = await make_ticket(client, customer_id=gone["id"], subject=SUBJECT)
    await log(client, old["id"], body=BODY, direction="inbound", author_type="customer")
    closed_later = await make_ticket(
        client, customer_id=stays["id"], subject="Ophelia's closed one"
    )
    still_open = await make_ticket(client, customer_id=stays["id"], subject="Ophelia's open one")
    for t in (old, closed_later):
        assert (await patch(client, f"/v1/tickets/{t['id']}", status="closed")).status_code == 200

    now = datetime.now(UTC)
    # Tickets closed before retention was set get their timer from the backlog.
    assert await privacy.arm_retention_backlog(desk, now) == 2
    assert await privacy.arm_retention_backlog(desk, now) == 0
    # 29 days on: nothing yet.
    fired = await timer_handlers.fire_due(desk, now + timedelta(days=29), batch=100)
    assert fired.actions["retention"] == 0
    fired = await timer_handlers.fire_due(desk, now + timedelta(days=31), batch=100)
    assert fired.actions["retention"] == 2

    assert (await client.get(f"/v1/tickets/{old['id']}")).json()["subject"] == "[erased]"
    assert (await client.get(f"/v1/tickets/{closed_later['id']}")).json()["subject"] == "[erased]"
    assert (await client.get(f"/v1/tickets/{still_open['id']}")).json()[
        "subject"
    ] == "Ophelia's open one"
    # A customer with nothing but erased tickets goes too; one with an open ticket stays.
    assert (await client.get(f"/v1/customers/{gone['id']}")).json()["email"] is None
    assert (await client.get(f"/v1/customers/{stays['id']}")).json()[
        "email"
    ] == "ophelia@example.org"
    assert await rows_mentioning(app.state.desk.db, (NAME, EMAIL, SUBJECT, BODY)) == []
    export = (await client.get(f"/v1/customers/{gone['id']}/export")).json()
    assert export["erasure"]["reason"] == "retention"

    # Retention turned off: a due timer erases nothing.
    keep = Desk.of(app.state.desk.db, settings(retention_days=None))
    assert await privacy.arm_retention_backlog(keep, now) == 0


async def test_a_lengthened_retention_period_arms_the_timer_again(
    app, client: httpx.AsyncClient, retention: None
) -> None:  # type: ignore[no-untyped-def]
    short = Desk.of(app.state.desk.db, settings(retention_days=10))
    long = Desk.of(app.state.desk.db, settings(retention_days=40))
    ticket = await make_ticket(client, subject=SUBJECT)
    assert (await patch(client, f"/v1/tickets/{ticket['id']}", status="closed")).status_code == 200
    now = datetime.now(UTC)
    assert await privacy.arm_retention_backlog(short, now) == 1
    fired = await timer_handlers.fire_due(long, now + timedelta(days=11), batch=100)
    assert fired.claimed == 1 and fired.actions["retention"] == 0  # armed again, for day 40
    assert (await client.get(f"/v1/tickets/{ticket['id']}")).json()["subject"] == SUBJECT
    fired = await timer_handlers.fire_due(long, now + timedelta(days=41), batch=100)
    assert fired.actions["retention"] == 1
    assert (await client.get(f"/v1/tickets/{ticket['id']}")).json()["subject"] == "[erased]"


async def test_a_ticket_closing_arms_its_retention_timer(
    app, client: httpx.AsyncClient, db: Database, retention: None
) -> None:  # type: ignore[no-untyped-def]
    """What the closing use cases call in their transaction (app/services/tickets)."""
    desk = Desk.of(app.state.desk.db, settings(retention_days=30))
    ticket = await make_ticket(client, subject=SUBJECT)
    closed = (await patch(client, f"/v1/tickets/{ticket['id']}", status="closed")).json()
    closed_at = datetime.fromisoformat(closed["closed_at"])
    async with transaction(db) as conn:
        await retention_timer.arm_retention(
            conn, ticket["id"], closed_at=None, desk=desk, now=closed_at
        )
        await retention_timer.arm_retention(
            conn, ticket["id"], closed_at=closed_at, desk=desk, now=closed_at
        )
    async with connection(db) as conn:
        armed = await conn.fetch(
            "SELECT due_at FROM timers WHERE ticket_id = $1 AND kind = 'retention'", ticket["id"]
        )
    assert [r["due_at"] for r in armed] == [closed_at + timedelta(days=30)]
    assert await privacy.arm_retention_backlog(desk, closed_at) == 0  # it has one already
    fired = await timer_handlers.fire_due(desk, closed_at + timedelta(days=30), batch=100)
    assert fired.actions["retention"] == 1
    assert (await client.get(f"/v1/tickets/{ticket['id']}")).json()["subject"] == "[erased]"
