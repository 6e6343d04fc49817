"""Erasure, generically: a customer planted in every free-text field the API writes is gone
from every text column of every table (read from the catalog, not a list) and from every
response and export that could show them; the registry of personal data covers every such
column; an erased customer stays erased, and their portal tokens stop at once."""

import csv
import io
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.db import Database, connection
from app.domain import personal_data as registry
from tests.api.factories import (
    answer_survey,
    compose_email,
    created,
    log,
    make_customer,
    make_team,
    make_webhook,
    patch,
    send_email,
)
from tests.fakes import FakeClock

NAME = "Zephyrine Quillfeather"
EMAIL = "zephyrine.quillfeather@example.net"
PHONE = "+44 20 7946 0321"
# The name's stems too: a search vector holds "zephyrin", not the name.
NEEDLES = (NAME, EMAIL, PHONE, "zephyrin", "quillfeath")
# What the scan reads: every column that can hold text.
TEXT_TYPES = ("text", "character varying", "character", "jsonb", "json", "ARRAY", "tsvector")

_CATALOG = """
    SELECT c.table_name, c.column_name, c.data_type
    FROM information_schema.columns c
    JOIN information_schema.tables t USING (table_schema, table_name)
    WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
      AND c.data_type = ANY($1::text[])
      AND left(c.table_name, 5) <> 'seed_'  -- the test database's copies of the configuration
    ORDER BY c.table_name, c.ordinal_position
"""


async def text_columns(db: Database) -> list[tuple[str, str, str]]:
    async with connection(db) as conn:
        rows = await conn.fetch(_CATALOG, list(TEXT_TYPES))
    return [(r["table_name"], r["column_name"], r["data_type"]) for r in rows]


async def leaks(db: Database, needles: tuple[str, ...]) -> dict[str, list[str]]:
    """table.column → the needles found in it (case-insensitively), over every text column."""
    found: dict[str, list[str]] = {}
    columns = await text_columns(db)
    async with connection(db) as conn:
        for table, column, _ in columns:
            for needle in needles:
                hit = await conn.fetchval(
                    f'SELECT count(*) FROM "{table}" WHERE strpos(lower("{column}"::text), $1) > 0',
                    needle.lower(),
                )
                if hit:
                    found.setdefault(f"{table}.{column}", []).append(needle)
    return found


def kept_by_the_registry() -> set[str]:
    return {f"{p.table}.{p.column}" for p in registry.kept()}


async def test_every_text_column_is_in_the_registry(db: Database) -> None:
    """A column that may hold text is declared personal (with what erase does) or not personal
    (with why): a new column cannot slip past the export and the erasure."""
    undeclared = [
        f"{table}.{column} ({kind})"
        for table, column, kind in await text_columns(db)
        if kind != "tsvector" and registry.declared(table, column) is None
    ]
    assert undeclared == [], "declare these in app/domain/personal_data.py: " + ", ".join(
        undeclared
    )
    # Every entry names a column that exists (no stale entries hide a renamed one).
    existing = {(t, c) for t, c, _ in await text_columns(db)}
    tables = {t for t, _ in existing}
    stale = [
        f"{p.table}.{p.column}" for p in registry.PERSONAL if (p.table, p.column) not in existing
    ]
    stale += [
        f"{n.table}.{n.column}"
        for n in registry.NOT_PERSONAL
        if (n.column == registry.ALL and n.table not in tables)
        or (n.column != registry.ALL and (n.table, n.column) not in existing)
    ]
    assert stale == []
    assert all(p.why for p in registry.kept()), "a kept personal column says why"


def test_the_registry_declares_each_column_once() -> None:
    seen = [(p.table, p.column) for p in registry.PERSONAL]
    seen += [(n.table, n.column) for n in registry.NOT_PERSONAL]
    assert len(seen) == len(set(seen))
    personal = {(p.table, p.column) for p in registry.PERSONAL}
    for n in registry.NOT_PERSONAL:
        assert (n.table, n.column) not in personal
        assert n.column != registry.ALL or not registry.columns(n.table), n.table


# ---- planting the person everywhere ------------------------------------------------------------


async def plant(client: httpx.AsyncClient, clock: FakeClock) -> dict[str, Any]:
    """The customer, named in every free-text field the API writes; their ticket ids."""
    first = await make_team(client, name="First line", tier=1)
    second = await make_team(client, name="Second line", tier=1)
    await make_team(client, name="Specialists", tier=2)
    await make_webhook(
        client, event_types=["ticket.created", "ticket.updated", "interaction.added"]
    )
    customer = await make_customer(client, name=NAME, email=EMAIL, phone=PHONE)
    cid = customer["id"]
    ticket = await created(
        await client.post(
            "/v1/tickets",
            json={
                "subject": f"{NAME} cannot print",
                "description": f"Call {PHONE} or write to {EMAIL}",
                "customer_id": cid,
                "channel": "phone",
                "category": f"vip {NAME}",
                "tags": [NAME, "printer"],
                "external_id": f"crm-{EMAIL}",
                "product": f"{NAME}'s printer",
                "model_number": f"model of {NAME}",
                "serial_number": f"SN {PHONE}",
                "account_number": f"acct {NAME}",
                "equipment_location": f"{NAME}'s desk",
                "priority": "high",
                "priority_reason": f"{NAME} is the CEO",
                "team_id": first["id"],
            },
            headers={"Idempotency-Key": "scan-create"},
        )
    )
    tid = ticket["id"]
    clock.advance(minutes=5)
    changed = await patch(
        client,
        f"/v1/tickets/{tid}",
        category=f"about {EMAIL}",
        tags=[f"{PHONE}", "urgent"],
        priority="critical",
        priority_reason=f"{NAME} phoned again from {PHONE}",
    )
    assert changed.status_code == 200, changed.text
    for kind, direction, public in (
        ("call", "inbound", True),
        ("email", "outbound", True),
        ("note", "internal", False),
        ("sms", "inbound", True),
    ):
        clock.advance(minutes=1)
        await log(
            client,
            tid,
            kind=kind,
            direction=direction,
            public=public,
            author_type="customer" if direction == "inbound" else "agent",
            body=f"{NAME} ({EMAIL}, {PHONE}) says hello via {kind}",
            **({"author_name": NAME} if direction == "inbound" else {}),
        )
    await created(
        await client.post(
            f"/v1/tickets/{tid}/interactions",
            json={
                "kind": "email",
                "direction": "inbound",
                "author_type": "customer",
                "body": f"regards, {NAME}",
                "external_id": f"<{EMAIL}-1@mail.example.net>",
            },
            headers={"Idempotency-Key": f"scan-reply-{EMAIL}"},
        )
    )
    clock.advance(minutes=1)
    moved = await client.post(
        f"/v1/tickets/{tid}/escalations",
        json={
            "kind": "transfer",
            "reason": f"{NAME} wants {PHONE} called",
            "to_team_id": second["id"],
        },
    )
    assert moved.status_code == 201, moved.text
    up = await client.post(
        f"/v1/tickets/{tid}/escalations",
        json={"kind": "functional", "reason": f"{EMAIL} escalated by {NAME}"},
    )
    assert up.status_code == 201, up.text
    down = await client.post(
        f"/v1/tickets/{tid}/deescalate", json={"reason": f"{NAME} calmed down"}
    )
    assert down.status_code in (200, 201), down.text
    await created(
        await client.post(
            f"/v1/tickets/{tid}/callbacks",
            json={
                "requested_at": (clock.now() + timedelta(hours=2)).isoformat(),
                "phone": PHONE,
                "note": f"ask for {NAME}",
            },
        )
    )
    await answer_survey(client, tid, score=2, comment=f"{NAME} here: slow, call {PHONE}")
    split = await created(
        await client.post(
            f"/v1/tickets/{tid}/split",
            json={"subject": f"Second problem of {NAME}", "description": EMAIL},
        )
    )
    mailed = await send_email(
        client,
        compose_email(
            sender=f"{NAME} <{EMAIL}>",
            subject=f"From {NAME}",
            body=f"My number is {PHONE}.\n\n-- \n{NAME}",
        ),
    )
    assert mailed.status_code == 201, mailed.text
    chat = await client.post(
        "/v1/inbound/chat",
        json={
            "conversation_id": "scan-chat-1",
            "customer": {"name": NAME, "email": EMAIL, "phone": PHONE},
            "messages": [
                {
                    "id": "m1",
                    "sent_at": clock.now().isoformat(),
                    "body": f"hi, {NAME} here, {PHONE}",
                    "author_name": NAME,
                }
            ],
        },
        headers={"Idempotency-Key": "scan-chat"},
    )
    assert chat.status_code == 201, chat.text
    imported = await client.post(
        "/v1/imports/tickets",
        json={
            "subject": f"Old ticket of {NAME}",
            "external_id": f"old-{EMAIL}",
            "created_at": (clock.now() - timedelta(days=3)).isoformat(),
            "description": f"{PHONE}",
            "customer_id": cid,
            "category": NAME,
            "tags": [EMAIL],
            "status_changes": [
                {"at": (clock.now() - timedelta(days=2)).isoformat(), "status": "resolved"}
            ],
            "interactions": [
                {
                    "kind": "email",
                    "direction": "inbound",
                    "author_type": "customer",
                    "author_name": NAME,
                    "body": f"{NAME} wrote from {EMAIL}",
                    "occurred_at": (clock.now() - timedelta(days=3)).isoformat(),
                    "external_id": f"<old-{EMAIL}>",
                }
            ],
        },
    )
    assert imported.status_code in (200, 201), imported.text
    # The rollups count the labels before the erasure.
    summary = await client.get("/v1/metrics/summary", params=_period(clock))
    assert summary.status_code == 200, summary.text
    return {"customer_id": cid, "ticket_id": tid, "split_id": split["id"]}


def _period(clock: FakeClock) -> dict[str, str]:
    day = clock.now().astimezone(UTC).date()
    return {
        "from": (day - timedelta(days=10)).isoformat(),
        "to": (day + timedelta(days=2)).isoformat(),
    }


async def responses(
    client: httpx.AsyncClient, clock: FakeClock, made: dict[str, Any]
) -> dict[str, str]:
    """Every response that could show the customer: path → its text."""
    cid = made["customer_id"]
    tickets = (await client.get("/v1/tickets", params={"customer_id": cid, "limit": 100})).json()
    ids = sorted({t["id"] for t in tickets["items"]} | {made["ticket_id"], made["split_id"]})
    paths = [
        f"/v1/tickets?customer_id={cid}&limit=100",
        "/v1/tickets?limit=100",
        f"/v1/customers/{cid}",
        f"/v1/customers/{cid}/export",
        "/v1/escalations?limit=100",
        "/v1/events?limit=200",
        "/v1/sla-events?limit=200",
        "/v1/audit-log?limit=200",
        "/v1/surveys?limit=100",
        "/v1/reminders?limit=100",
        "/v1/exports/tickets",
    ]
    for t in ids:
        paths += [
            f"/v1/tickets/{t}",
            f"/v1/tickets/{t}/interactions?limit=100",
            f"/v1/tickets/{t}/history?limit=200",
            f"/v1/tickets/{t}/escalations",
            f"/v1/tickets/{t}/callbacks",
            f"/v1/tickets/{t}/links",
            f"/v1/tickets/{t}/sla",
        ]
    answered = {}
    for path in paths:
        r = await client.get(path)
        assert r.status_code == 200, (path, r.text)
        answered[path] = r.text
    r = await client.get("/v1/exports/tickets", headers={"Accept": "text/csv"})
    assert r.status_code == 200
    answered["/v1/exports/tickets (csv)"] = "\n".join(
        ",".join(row) for row in csv.reader(io.StringIO(r.text))
    )
    r = await client.get("/v1/metrics/summary", params=_period(clock))
    assert r.status_code == 200
    answered["/v1/metrics/summary"] = r.text
    for needle in NEEDLES:
        r = await client.get("/v1/tickets", params={"q": needle})
        assert r.status_code == 200
        answered[f"/v1/tickets?q={needle}"] = r.text
    return answered


def shown(answered: dict[str, str]) -> dict[str, list[str]]:
    return {
        path: hits
        for path, text in answered.items()
        if (hits := [n for n in NEEDLES if n.lower() in text.lower()])
    }


async def test_an_erased_customer_is_in_no_column_and_no_response(
    client: httpx.AsyncClient, db: Database, clock: FakeClock
) -> None:
    made = await plant(client, clock)
    cid = made["customer_id"]
    before = await leaks(db, NEEDLES)
    # The planting reached the places the erasure must clean (the scan sees them).
    for column in (
        "tickets.priority_override_reason",
        "tickets.priority_reason",
        "tickets.routing_reason",
        "tickets.category",
        "tickets.tags",
        "escalations.reason",
        "ticket_history.new_value",
        "metric_rollups.value",
        "idempotent_requests.response_body",
        "inbound_emails.sender_email",
    ):
        assert column in before, column
    assert shown(await responses(client, clock, made))

    clock.advance(minutes=5)
    erased = await client.post(f"/v1/customers/{cid}/erase")
    assert erased.status_code == 200, erased.text

    left = {
        column: needles
        for column, needles in (await leaks(db, NEEDLES)).items()
        if column not in kept_by_the_registry()
    }
    assert left == {}, f"the erased customer is still in: {left}"
    visible = shown(await responses(client, clock, made))
    assert visible == {}, f"the erased customer is still shown by: {visible}"

    # The explanations keep their words, not the reasons they quoted; the decisions stay.
    ticket = (await client.get(f"/v1/tickets/{made['ticket_id']}")).json()
    assert ticket["priority"] == "critical"
    assert ticket["priority_reason"] == "override by agent: [erased] → critical"
    assert ticket["routing"]["reason"].endswith(": [erased]"), ticket["routing"]
    assert "urgent" in ticket["tags"] and ticket["category"] == "[erased]"
    moves = (await client.get(f"/v1/tickets/{made['ticket_id']}/escalations")).json()
    assert {m["reason"] for m in moves["items"]} == {"[erased]"}


async def test_an_erased_customer_stays_erased(client: httpx.AsyncClient, clock: FakeClock) -> None:
    customer = await make_customer(client, name=NAME, email=EMAIL, phone=PHONE)
    cid = customer["id"]
    body = {"subject": f"{NAME} cannot print", "customer_id": cid, "description": EMAIL}
    first = await created(
        await client.post("/v1/tickets", json=body, headers={"Idempotency-Key": "stays-1"})
    )
    assert (await client.post(f"/v1/customers/{cid}/erase")).status_code == 200

    # A retry of the create replays the original ticket, redacted: no new ticket is made.
    replay = await client.post("/v1/tickets", json=body, headers={"Idempotency-Key": "stays-1"})
    assert replay.status_code == 201, replay.text
    assert replay.json()["id"] == first["id"]
    assert NAME not in replay.text and EMAIL not in replay.text
    listed = (await client.get("/v1/tickets", params={"customer_id": cid})).json()["items"]
    assert [t["id"] for t in listed] == [first["id"]]

    # Nobody gives them their name back, nor a portal token.
    current = (await client.get(f"/v1/customers/{cid}")).json()
    renamed = await client.patch(
        f"/v1/customers/{cid}",
        json={"name": NAME},
        headers={"If-Match": f'"{current["version"]}"'},
    )
    assert renamed.status_code == 409, renamed.text
    assert renamed.json()["reason"] == "customer_erased"
    token = await client.post(f"/v1/customers/{cid}/tokens")
    assert token.status_code == 409 and "erased" in token.json()["detail"]
    assert (await client.get(f"/v1/customers/{cid}")).json()["name"] == f"erased customer {cid}"


async def _token(client: httpx.AsyncClient, customer_id: int) -> dict[str, Any]:
    return await created(await client.post(f"/v1/customers/{customer_id}/tokens"))


def _portal(app, token: dict[str, Any]) -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://test",
        headers={"Authorization": f"Bearer {token['token']}"},
    )


async def test_customer_tokens_are_revoked_one_or_all_at_once_and_audited(
    app, client: httpx.AsyncClient, db: Database
) -> None:  # type: ignore[no-untyped-def]
    customer = await make_customer(client)
    cid = customer["id"]
    one, two, three = [await _token(client, cid) for _ in range(3)]
    for token in (one, two, three):
        async with _portal(app, token) as portal:
            assert (await portal.get("/v1/tickets")).status_code == 200

    revoked = await client.delete(f"/v1/customers/{cid}/tokens/{one['token_id']}")
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_token_ids"] == [one["token_id"]]
    async with _portal(app, one) as portal:
        refused = await portal.get("/v1/tickets")
        assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
    async with _portal(app, two) as portal:
        assert (await portal.get("/v1/tickets")).status_code == 200

    everything = await client.delete(f"/v1/customers/{cid}/tokens")
    assert everything.status_code == 200
    assert sorted(everything.json()["revoked_token_ids"]) == sorted(
        [two["token_id"], three["token_id"]]
    )
    for token in (two, three):
        async with _portal(app, token) as portal:
            assert (await portal.get("/v1/tickets")).status_code == 401
    # Again: nothing more to revoke.
    assert (await client.delete(f"/v1/customers/{cid}/tokens")).json()["revoked_token_ids"] == []

    # Someone else's token id, or none: 404.
    other = await make_customer(client)
    theirs = await _token(client, other["id"])
    assert (
        await client.delete(f"/v1/customers/{cid}/tokens/{theirs['token_id']}")
    ).status_code == 404
    assert (await client.delete(f"/v1/customers/{cid}/tokens/999999")).status_code == 404
    async with _portal(app, theirs) as portal:
        assert (await portal.get("/v1/tickets")).status_code == 200

    async with connection(db) as conn:
        logged = await conn.fetch(
            "SELECT action, resource_id, fields FROM audit_log"
            " WHERE resource = 'customer_tokens' ORDER BY id"
        )
    minted = [r["resource_id"] for r in logged if r["action"] == "create"]
    revocations = [r["resource_id"] for r in logged if r["action"] == "update"]
    assert minted == [one["token_id"], two["token_id"], three["token_id"], theirs["token_id"]]
    assert sorted(revocations) == sorted([one["token_id"], two["token_id"], three["token_id"]])
    assert all(r["fields"] == ["revoked_at"] for r in logged if r["action"] == "update")


async def test_erasure_stops_the_customers_tokens_at_once(app, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    customer = await make_customer(client)
    token = await _token(client, customer["id"])
    async with _portal(app, token) as portal:
        assert (await portal.get("/v1/tickets")).status_code == 200
        assert (await client.post(f"/v1/customers/{customer['id']}/erase")).status_code == 200
        assert (await portal.get("/v1/tickets")).status_code == 401


@pytest.mark.parametrize(
    "forged",
    [
        lambda t: t.replace(".", ".9", 1),  # another token id, same signature
        lambda t: "hdc_" + ".".join(t.removeprefix("hdc_").split(".")[::2]),  # the old shape
    ],
)
async def test_a_token_with_a_changed_id_or_the_old_shape_is_refused(
    app, client: httpx.AsyncClient, forged: Any
) -> None:  # type: ignore[no-untyped-def]
    customer = await make_customer(client)
    token = await _token(client, customer["id"])
    async with _portal(app, {"token": forged(token["token"])}) as portal:
        assert (await portal.get("/v1/tickets")).status_code == 401


async def test_the_export_holds_only_the_customers_own_mail(client: httpx.AsyncClient) -> None:
    """Mail a stranger sent onto the customer's ticket is the stranger's: not in the export."""
    customer = await make_customer(client, name="Ada", email="ada@example.com")
    first = await send_email(
        client, compose_email(subject="Printer jams", message_id="<a1@x.example>")
    )
    assert first.status_code == 201
    ticket_id = first.json()["ticket_id"]
    ref = f"[#{ticket_id}]"
    stranger = compose_email(
        sender="Mallory Stranger <mallory@example.org>",
        subject=f"Re: Printer jams {ref}",
        in_reply_to="<a1@x.example>",
    )
    await send_email(client, stranger)
    export = (await client.get(f"/v1/customers/{customer['id']}/export")).json()
    text = str(export["received_emails"])
    assert "ada@example.com" in text
    assert "mallory@example.org" not in text and "Mallory" not in text


def test_kept_personal_columns_say_why() -> None:
    assert {f"{p.table}.{p.column}" for p in registry.kept()} >= {"audit_log.client_address"}
    assert all(len(p.why) > 10 for p in registry.kept())


def test_the_privacy_page_shows_the_registry() -> None:
    page = (Path(__file__).resolve().parents[2] / "docs" / "privacy.md").read_text()
    assert registry.markdown_table() in page, "paste markdown_table() into docs/privacy.md"
