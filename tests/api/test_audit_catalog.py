"""The audit log's coverage, read from the database catalog: every table has its audit trigger
or a reason in app/domain/audit.py not to; every resource the log holds can be filtered on."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from app.db import Database, connection, libpq_url
from app.domain import audit as coverage
from tests.api.conftest import client_for, new_key
from tests.api.factories import (
    answer_survey,
    compose_email,
    escalate,
    log,
    make_customer,
    make_ticket,
    make_webhook,
    patch,
    send_email,
)

LOG = "/v1/audit-log"

# Tables of the public schema, and those with a row trigger calling audit_row() AFTER every
# INSERT, UPDATE and DELETE, enabled (tgtype bits: 1 row, 2 before, 4 insert, 8 delete,
# 16 update).
_TABLES = """
    SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
    ORDER BY 1
"""
_AUDITED = """
    SELECT DISTINCT c.relname FROM pg_trigger t
    JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND NOT t.tgisinternal AND t.tgenabled <> 'D'
      AND t.tgfoid = 'audit_row'::regproc
      AND t.tgtype & 31 = 1 | 4 | 8 | 16
    ORDER BY 1
"""


async def coverage_problems(conn: asyncpg.Connection) -> list[str]:
    """What the catalog and app/domain/audit.py disagree on, each with what to do about it."""
    tables = {r["relname"] for r in await conn.fetch(_TABLES)}
    audited = {r["relname"] for r in await conn.fetch(_AUDITED)}
    listed, exempt = set(coverage.AUDITED), set(coverage.NOT_AUDITED)
    problems = [
        f"table {t} has no audit trigger and no reason not to: `SELECT audit_table('{t}')` in "
        "its migration and list it in AUDITED, or give the reason in NOT_AUDITED"
        for t in sorted(tables - listed - exempt - audited)
    ]
    problems += [f"table {t} is in AUDITED but has no audit trigger" for t in listed - audited]
    problems += [f"table {t} has an audit trigger but is not in AUDITED" for t in audited - listed]
    problems += [f"{t} is in both AUDITED and NOT_AUDITED" for t in listed & exempt]
    problems += [f"{t} in AUDITED names no table" for t in listed - tables]
    problems += [f"{t} in NOT_AUDITED names no table" for t in exempt - tables]
    problems += [
        f"{t} in NOT_AUDITED gives no reason"
        for t, why in coverage.NOT_AUDITED.items()
        if not why.strip()
    ]
    return sorted(problems)


@pytest.fixture
async def catalog(fresh_database: str) -> AsyncIterator[asyncpg.Connection]:
    """A migrated database of its own (the API tests' database holds their seed tables)."""
    conn = await asyncpg.connect(libpq_url(fresh_database))
    try:
        yield conn
    finally:
        await conn.close()


async def test_every_table_has_its_audit_trigger_or_a_reason_not_to(
    catalog: asyncpg.Connection,
) -> None:
    assert await coverage_problems(catalog) == []


async def test_a_new_table_fails_the_check_until_audit_table_covers_it(
    catalog: asyncpg.Connection,
) -> None:
    await catalog.execute(
        "CREATE TABLE held_notes (id bigserial PRIMARY KEY, ticket_id bigint,"
        " note text, secret text)"
    )
    [problem] = await coverage_problems(catalog)
    assert problem.startswith("table held_notes has no audit trigger")

    await catalog.execute("SELECT audit_table('held_notes')")
    [problem] = await coverage_problems(catalog)
    assert problem == "table held_notes has an audit trigger but is not in AUDITED"
    await catalog.execute(
        "INSERT INTO held_notes (ticket_id, note, secret) VALUES (7, 'Ada', 'hunter2')"
    )
    await catalog.execute("UPDATE held_notes SET secret = 'swordfish'")
    entries = await catalog.fetch(
        "SELECT action, resource, ticket_id, fields, a::text AS everything FROM audit_log a"
        " WHERE resource = 'held_notes' ORDER BY id"
    )
    assert [(e["action"], e["ticket_id"], e["fields"]) for e in entries] == [
        ("create", 7, ["note", "secret", "ticket_id"]),
        ("update", 7, ["secret"]),
    ]
    assert not any(v in e["everything"] for e in entries for v in ("Ada", "hunter2", "swordfish"))

    await catalog.execute("SELECT unaudit_table('held_notes')")
    [problem] = await coverage_problems(catalog)
    assert problem.startswith("table held_notes has no audit trigger")


async def test_a_disabled_or_partial_trigger_does_not_count(catalog: asyncpg.Connection) -> None:
    await catalog.execute("ALTER TABLE inbound_emails DISABLE TRIGGER audit_inbound_emails")
    await catalog.execute("DROP TRIGGER audit_webhook_subscriptions ON webhook_subscriptions")
    await catalog.execute(
        "CREATE TRIGGER audit_webhook_subscriptions AFTER INSERT ON webhook_subscriptions"
        " FOR EACH ROW EXECUTE FUNCTION audit_row()"
    )
    assert await coverage_problems(catalog) == [
        "table inbound_emails is in AUDITED but has no audit trigger",
        "table webhook_subscriptions is in AUDITED but has no audit trigger",
    ]


# ---- writes of the newly audited tables --------------------------------------------------------


@pytest.fixture
async def admin(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app, await new_key(app, "admin", name="auditor")) as c:
        yield c


async def all_entries(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    """Every entry of the log matching `params`, newest first, following the pages."""
    seen: list[dict[str, Any]] = []
    cursor = None
    for _ in range(100):  # bounded: a test's log is a few pages at most
        query = {"limit": 200, **params} | ({"cursor": cursor} if cursor else {})
        response = await client.get(LOG, params=query)
        assert response.status_code == 200, response.text
        seen += response.json()["items"]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return seen
    raise AssertionError("the log never ended")


async def everything_logged(db: Database) -> str:
    async with connection(db) as conn:
        rows = await conn.fetch("SELECT a::text FROM audit_log a")
    return "\n".join(r[0] for r in rows)


async def test_webhook_subscriptions_are_audited_without_their_secret(
    admin: httpx.AsyncClient, db: Database
) -> None:
    secret = "whsec_" + "dGhlLWhvb2stc2VjcmV0LW5vLWxvZy1tYXktc2hvdw=="
    hook = await make_webhook(admin, secret=secret, description="CRM")
    rotated = "whsec_" + "YW5vdGhlci1zZWNyZXQtdGhlLWxvZy1tdXN0LW5vdC1zaG93"
    assert (await patch(admin, f"/v1/webhooks/{hook['id']}", secret=rotated)).is_success
    assert (await patch(admin, f"/v1/webhooks/{hook['id']}", active=False)).is_success
    assert (await admin.delete(f"/v1/webhooks/{hook['id']}")).status_code == 204

    written = list(reversed(await all_entries(admin, resource="webhook_subscriptions")))
    assert [(e["action"], e["resource_id"], e["fields"]) for e in written] == [
        ("create", hook["id"], ["active", "description", "event_types", "secret", "url"]),
        ("update", hook["id"], ["secret"]),
        ("update", hook["id"], ["active"]),
        ("delete", hook["id"], None),
    ]
    assert {e["actor_type"] for e in written} == {"key"}
    logged = await everything_logged(db)
    assert secret not in logged and rotated not in logged
    assert "dGhlLWhvb2st" not in logged and "YW5vdGhlci1z" not in logged


async def test_a_redelivery_is_recorded(admin: httpx.AsyncClient, db: Database) -> None:
    hook = await make_webhook(admin)
    ticket = await make_ticket(admin)
    async with connection(db) as conn:  # given up on, as the worker marks them
        delivery = await conn.fetchval(
            "UPDATE webhook_deliveries SET status = 'dead' WHERE subscription_id = $1 RETURNING id",
            hook["id"],
        )
    path = f"/v1/webhooks/{hook['id']}/deliveries/{delivery}/redeliver"
    assert (await admin.post(path, headers={"X-Request-ID": "again-1"})).status_code == 200
    assert (await admin.post(path)).status_code == 409  # under way again: nothing recorded
    [entry] = await all_entries(admin, resource="webhook_deliveries")
    assert (entry["action"], entry["resource_id"], entry["ticket_id"]) == (
        "redeliver",
        delivery,
        ticket["id"],
    )
    assert entry["actor_type"] == "key" and entry["actor_role"] == "admin"
    assert entry["request_id"] == "again-1"
    assert entry["fields"] == ["attempts", "lease_until", "next_attempt_at", "status"]


async def test_inbound_mail_is_audited(admin: httpx.AsyncClient, db: Database) -> None:
    received = await send_email(admin, compose_email(sender="Ada <ada@example.com>"))
    assert received.status_code in (200, 201, 202), received.text
    async with connection(db) as conn:
        mail = await conn.fetchrow("SELECT id, ticket_id FROM inbound_emails")
    # Recorded as received, then as filed on the ticket it made.
    created, *filed = reversed(await all_entries(admin, resource="inbound_emails"))
    assert (created["action"], created["resource_id"]) == ("create", mail["id"])
    assert "sender_email" in created["fields"] and "text" in created["fields"]
    assert {(e["action"], e["resource_id"], e["ticket_id"]) for e in filed} <= {
        ("update", mail["id"], mail["ticket_id"])
    }
    assert "ada@example.com" not in await everything_logged(db)


# ---- reads of personal data ------------------------------------------------------------------


async def test_reads_of_history_callbacks_escalations_surveys_and_exports_are_recorded(
    admin: httpx.AsyncClient,
) -> None:
    ticket = await make_ticket(admin, customer={"name": "Ada", "email": "ada@example.com"})
    t = ticket["id"]
    requested = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    callback = await admin.post(
        f"/v1/tickets/{t}/callbacks", json={"requested_at": requested, "phone": "+31 20 555 0100"}
    )
    assert callback.status_code == 201, callback.text
    assert (await escalate(admin, t)).status_code == 201
    await answer_survey(admin, t, comment="Ada was pleased")
    marked = max(e["id"] for e in await all_entries(admin))

    reads = {
        f"/v1/tickets/{t}/history": ("list", "ticket_history", t),
        f"/v1/tickets/{t}/callbacks": ("list", "callbacks", t),
        f"/v1/tickets/{t}/escalations": ("list", "escalations", t),
        "/v1/escalations": ("list", "escalations", None),
        "/v1/surveys": ("list", "survey_responses", None),
        "/v1/exports/tickets": ("export", "tickets", None),
    }
    for path, recorded in reads.items():
        response = await admin.get(path)
        assert response.status_code == 200, (path, response.text)
        [entry] = [e for e in await all_entries(admin) if e["id"] > marked]
        assert (entry["action"], entry["resource"], entry["ticket_id"]) == recorded, path
        assert entry["actor_role"] == "admin" and entry["resource_id"] is None
        marked = entry["id"]
    # A ticket that is not there: nothing read, nothing recorded.
    assert (await admin.get("/v1/tickets/999999/history")).status_code == 404
    assert (await admin.get("/v1/tickets/999999/callbacks")).status_code == 404
    assert [e for e in await all_entries(admin) if e["id"] > marked] == []


# ---- the filter: every resource the log holds ------------------------------------------------


async def busy_day(app: FastAPI, admin: httpx.AsyncClient, db: Database) -> None:
    """Something of everything the API writes and reads, as a day at the desk would."""
    agent_key = await new_key(app, "agent", name="busy agent")
    team = (await admin.post("/v1/teams", json={"name": "Busy", "tier": 1})).json()
    agent = await admin.post(
        "/v1/agents", json={"name": "Bo", "email": "bo@example.com", "team_id": team["id"]}
    )
    assert agent.status_code == 201, agent.text
    hook = await make_webhook(admin)
    customer = await make_customer(admin, name="Cy", phone="+1 555 0100")
    assert (await patch(admin, f"/v1/customers/{customer['id']}", phone="+1 555 0199")).is_success
    ticket = await make_ticket(admin, customer_id=customer["id"])
    other = await make_ticket(admin)
    t = ticket["id"]
    await log(admin, t, body="We are on it")
    assert (await patch(admin, f"/v1/tickets/{t}", urgency="high")).is_success
    assert (await escalate(admin, t)).status_code == 201
    linked = await admin.post(
        f"/v1/tickets/{t}/links", json={"ticket_id": other["id"], "kind": "related"}
    )
    assert linked.status_code == 201, linked.text
    requested = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    callback = {"requested_at": requested, "phone": "+1 555 0100"}
    assert (await admin.post(f"/v1/tickets/{t}/callbacks", json=callback)).status_code == 201
    await answer_survey(admin, t)
    async with connection(db) as conn:
        delivery = await conn.fetchval(
            "UPDATE webhook_deliveries SET status = 'dead' WHERE id = (SELECT min(id) FROM"
            " webhook_deliveries WHERE subscription_id = $1) RETURNING id",
            hook["id"],
        )
    assert (
        await admin.post(f"/v1/webhooks/{hook['id']}/deliveries/{delivery}/redeliver")
    ).status_code == 200
    assert (await send_email(admin, compose_email())).is_success
    assert (await admin.post(f"/v1/customers/{customer['id']}/tokens")).status_code == 201
    rule = await admin.post(
        "/v1/routing-rules", json={"name": "Busy first", "team_id": team["id"], "conditions": {}}
    )
    assert rule.status_code == 201, rule.text
    for path in (
        f"/v1/customers/{customer['id']}",
        "/v1/customers",
        f"/v1/tickets/{t}",
        f"/v1/tickets/{t}/sla",
        "/v1/tickets",
        f"/v1/tickets/{t}/interactions",
        f"/v1/tickets/{t}/history",
        f"/v1/tickets/{t}/callbacks",
        "/v1/escalations",
        "/v1/surveys",
        "/v1/exports/tickets",
        f"/v1/customers/{customer['id']}/export",
    ):
        assert (await admin.get(path)).status_code == 200, path
    async with client_for(app, agent_key) as agent_client:
        await make_ticket(agent_client)
    erased = await admin.post(f"/v1/customers/{customer['id']}/erase")
    assert erased.is_success, erased.text


async def test_every_resource_the_log_holds_can_be_filtered_on(
    app: FastAPI, admin: httpx.AsyncClient, db: Database
) -> None:
    await busy_day(app, admin, db)
    async with connection(db) as conn:
        held: dict[str, set[int]] = {}
        for r in await conn.fetch("SELECT resource, id FROM audit_log"):
            held.setdefault(r["resource"], set()).add(r["id"])
    assert {
        "webhook_subscriptions",
        "webhook_deliveries",
        "inbound_emails",
        "survey_responses",
        "escalations",
        "ticket_history",
        "callbacks",
    } <= set(held)
    for resource, ids in sorted(held.items()):
        found = await all_entries(admin, resource=resource)
        assert {e["id"] for e in found} == ids, resource
        assert {e["resource"] for e in found} == {resource}


async def test_the_filter_accepts_each_resource_and_action_and_nothing_else(
    admin: httpx.AsyncClient,
) -> None:
    for resource in coverage.RESOURCES:
        assert (await admin.get(LOG, params={"resource": resource})).status_code == 200, resource
    for action in coverage.ACTIONS:
        assert (await admin.get(LOG, params={"action": action})).status_code == 200, action
    refused = await admin.get(LOG, params={"resource": "pg_authid"})
    assert refused.status_code == 422
    assert "resource" in refused.text
