"""The audit log: every write and every read of personal data, who, what, when, from where;
listed for admins, append-only."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from starlette.routing import NoMatchFound

from app.db import Database, connection, libpq_url, transaction
from app.services import audit
from app.services.context import Desk
from app.settings import Settings
from app.store import audit as store
from tests.api.conftest import client_for, new_key
from tests.api.factories import log, make_customer, make_ticket, patch

LOG = "/v1/audit-log"


def _registered(app: FastAPI) -> bool:
    try:
        app.url_path_for("list_audit_log")
    except NoMatchFound:
        return False
    return True


@pytest.fixture
def audited(app: FastAPI) -> FastAPI:
    """The shared app (it registers the audit log's router)."""
    return app


@pytest.fixture
async def admin(audited: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(audited, await new_key(audited, "admin", name="auditor")) as c:
        yield c


async def entries(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    response = await client.get(LOG, params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def newer(client: httpx.AsyncClient, than: int, **params: Any) -> list[dict[str, Any]]:
    """Entries after `than`: not the seeding and key making done before the test's requests."""
    return [e for e in await entries(client, **params) if e["id"] > than]


@pytest.fixture
async def mark(admin: httpx.AsyncClient, db: Database) -> int:
    async with connection(db) as conn:
        last: int = await conn.fetchval("SELECT coalesce(max(id), 0) FROM audit_log")
    return last


async def key_id(db: Database, name: str) -> int:
    async with connection(db) as conn:
        found: int = await conn.fetchval("SELECT id FROM api_keys WHERE name = $1", name)
    return found


# ---- writes ----------------------------------------------------------------------------------


async def test_a_write_is_recorded_with_who_what_when_and_where(
    admin: httpx.AsyncClient, db: Database
) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    response = await admin.post(
        "/v1/customers",
        json={"name": "Ada Lovelace", "email": "ada@example.com", "phone": "+31 20 555"},
        headers={"X-Request-ID": "req-audit-1"},
    )
    customer = response.json()
    [entry] = await entries(admin, resource="customers", action="create")
    assert entry["resource_id"] == customer["id"]
    assert entry["actor_type"] == "key"
    assert entry["actor_key_id"] == await key_id(db, "auditor")
    assert entry["actor_role"] == "admin"
    assert entry["fields"] == ["email", "name", "phone"]
    assert entry["request_id"] == "req-audit-1"
    assert entry["client_address"] == "127.0.0.1"
    assert before <= datetime.fromisoformat(entry["at"]) <= datetime.now(UTC)


async def test_an_update_names_the_changed_fields_never_their_values(
    admin: httpx.AsyncClient,
) -> None:
    customer = await make_customer(admin, name="Grace Hopper")
    assert (await patch(admin, f"/v1/customers/{customer['id']}", phone="+1 555 0100")).is_success
    [update] = await entries(admin, resource="customers", action="update")
    assert update["fields"] == ["phone"]
    everything = str(await entries(admin))
    # (digits could be in any id or instant: the name and the email's domain are telling)
    assert "Grace" not in everything and "example.com" not in everything


async def test_ticket_writes_are_recorded_by_whichever_path_they_take(
    admin: httpx.AsyncClient, db: Database, mark: int
) -> None:
    auditor = await key_id(db, "auditor")
    # Without an Idempotency-Key a create is single statements; with one, a transaction.
    plain = await make_ticket(admin, customer={"name": "Alan", "email": "alan@example.com"})
    keyed = await admin.post(
        "/v1/tickets",
        json={"subject": "Keyed", "channel": "email"},
        headers={"Idempotency-Key": "k1"},
    )
    assert keyed.status_code == 201
    await log(admin, plain["id"], body="We are on it")
    assert (await patch(admin, f"/v1/tickets/{plain['id']}", urgency="high")).is_success

    written = [e for e in await newer(admin, mark) if e["action"] not in ("read", "list")]
    by_what = {(e["resource"], e["action"], e["ticket_id"]) for e in written}
    assert ("tickets", "create", plain["id"]) in by_what
    assert ("tickets", "create", keyed.json()["id"]) in by_what
    assert ("customers", "create", None) in by_what
    assert ("interactions", "create", plain["id"]) in by_what
    assert ("tickets", "update", plain["id"]) in by_what
    assert {e["actor_key_id"] for e in written} == {auditor}
    assert {e["actor_type"] for e in written} == {"key"}
    [urgency] = [
        e for e in written
        if e["resource"] == "tickets" and e["action"] == "update" and "urgency" in e["fields"]
    ]  # fmt: skip
    assert "version" not in urgency["fields"] and "updated_at" not in urgency["fields"]


async def test_an_api_key_write_never_names_its_hash(
    admin: httpx.AsyncClient,
) -> None:
    created = await admin.post("/v1/api-keys", json={"name": "gateway", "role": "integration"})
    assert created.status_code == 201
    [entry] = await entries(admin, resource="api_keys", resource_id=created.json()["id"])
    assert entry["action"] == "create"
    assert "key_hash" not in entry["fields"]


async def test_writes_outside_a_request_are_the_systems_and_other_clients_the_databases(
    admin: httpx.AsyncClient, db: Database
) -> None:
    await admin.get("/v1/customers")  # a request before: its caller does not linger
    async with transaction(db) as conn:  # as the worker writes
        await conn.execute(
            "INSERT INTO teams (name, tier, created_at, updated_at, version)"
            " VALUES ('Night shift', 1, now(), now(), 1)"
        )
    conn = await asyncpg.connect(libpq_url(db.url))  # psql, a migration, an operator
    try:
        await conn.execute("UPDATE teams SET description = 'by hand' WHERE name = 'Night shift'")
    finally:
        await conn.close()
    created, updated = reversed(await entries(admin, resource="teams"))
    assert (created["action"], created["actor_type"], created["actor_key_id"]) == (
        "create",
        "system",
        None,
    )
    assert (updated["action"], updated["actor_type"], updated["fields"]) == (
        "update",
        "database",
        ["description"],
    )
    assert updated["actor_role"]  # the database role that did it


async def test_the_actor_does_not_stay_on_a_pooled_connection(
    admin: httpx.AsyncClient, db: Database
) -> None:
    await make_ticket(admin)  # a write outside a transaction sets it for the session
    for _ in range(3):
        async with connection(db) as conn:
            assert not await conn.fetchval("SELECT current_setting('helpdesk.context', true)")


async def test_a_request_id_that_is_not_plain_is_replaced(admin: httpx.AsyncClient) -> None:
    response = await admin.post(
        "/v1/teams", json={"name": "Quotes", "tier": 1}, headers={"X-Request-ID": "x'); --"}
    )
    echoed = response.headers["X-Request-ID"]
    assert len(echoed) == 32
    [entry] = await entries(admin, resource="teams")
    assert entry["request_id"] == echoed


# ---- reads of personal data ------------------------------------------------------------------


async def test_reads_of_personal_data_are_recorded(admin: httpx.AsyncClient) -> None:
    customer = await make_customer(admin)
    ticket = await make_ticket(admin, customer_id=customer["id"])
    await admin.get(f"/v1/customers/{customer['id']}")
    await admin.get("/v1/customers")
    await admin.get(f"/v1/tickets/{ticket['id']}")
    await admin.get("/v1/tickets")
    await admin.get(f"/v1/tickets/{ticket['id']}/interactions")
    await admin.get("/v1/tickets/999999")  # nothing read: nothing recorded
    # An empty page is a listing all the same (recorded by the page's own statement).
    assert (await admin.get("/v1/tickets", params={"external_id": "none"})).json()["items"] == []
    recorded = [e for e in reversed(await entries(admin)) if e["action"] in ("read", "list")]
    # A ticket's read is recorded by the read's own statement: with the same actor as the rest.
    assert {(e["actor_key_id"], e["actor_role"]) for e in recorded} == {
        (recorded[0]["actor_key_id"], "admin")
    }
    assert recorded[0]["actor_key_id"] is not None
    reads = [(e["action"], e["resource"], e["resource_id"], e["ticket_id"]) for e in recorded]
    assert reads == [
        ("read", "customers", customer["id"], None),
        ("list", "customers", None, None),
        ("read", "tickets", ticket["id"], ticket["id"]),
        ("list", "tickets", None, None),
        ("list", "interactions", None, ticket["id"]),
        ("list", "tickets", None, None),
    ]


async def test_reads_are_not_recorded_when_the_setting_says_so(
    admin: httpx.AsyncClient, audited: FastAPI, monkeypatch: pytest.MonkeyPatch, mark: int
) -> None:
    desk: Desk = audited.state.desk
    monkeypatch.setattr(desk, "settings", desk.settings.model_copy(update={"audit_reads": False}))
    customer = await make_customer(admin)
    await admin.get(f"/v1/customers/{customer['id']}")
    assert [e["action"] for e in await newer(admin, mark)] == ["create"]


@pytest.mark.parametrize("asynchronous", [True, False])
async def test_a_read_commits_its_entry_asynchronously_and_alone(
    admin: httpx.AsyncClient, db: Database, asynchronous: bool
) -> None:
    """HELPDESK_AUDIT_READ_COMMIT=async: the read's own transaction commits without waiting for
    the WAL flush, and the connection's next transaction (a write's) commits as it always does."""
    from app.store import customers
    from app.store import tickets as ticket_store

    customer = await make_customer(admin)
    ticket = await make_ticket(admin, customer_id=customer["id"])
    reader = store.Reader({"actor_type": "key", "actor_key_id": None}, asynchronous=asynchronous)
    select = "SELECT current_setting('synchronous_commit') AS seen, id FROM tickets WHERE id = $1"
    async with connection(db) as conn:
        await conn.execute("SET synchronous_commit = on")
        p = ticket_store.Params(ticket["id"])
        sql = store.recording_read(select, p, "tickets", reader)
        assert ("set_config('synchronous_commit', 'off', true)" in sql) is asynchronous
        await conn.fetchrow(sql, *p.values)
        # Set for the read's transaction only: the session's own setting is untouched.
        assert await conn.fetchval("SHOW synchronous_commit") == "on"
        assert await customers.get(conn, customer["id"], reader) is not None
        assert await conn.fetchval("SHOW synchronous_commit") == "on"
        recorded = await conn.fetch(
            "SELECT resource FROM audit_log WHERE action = 'read' AND resource_id IN ($1, $2)",
            ticket["id"],
            customer["id"],
        )
    assert sorted(r["resource"] for r in recorded) == ["customers", "tickets"]


# ---- the log: admins only, filters, pages, append-only ---------------------------------------


async def test_only_admins_read_the_audit_log(audited: FastAPI) -> None:
    async with client_for(audited, await new_key(audited, "supervisor")) as supervisor:
        assert (await supervisor.get(LOG)).status_code == 403
    async with client_for(audited, None) as anonymous:
        assert (await anonymous.get(LOG)).status_code == 401


async def test_the_log_is_newest_first_in_pages_and_filtered(
    admin: httpx.AsyncClient, audited: FastAPI, db: Database
) -> None:
    async with client_for(audited, await new_key(audited, "agent", name="other")) as other:
        await make_ticket(other)
    for n in range(3):
        await make_customer(admin, name=f"Paged {n}")
    everything = await entries(admin)
    assert [e["id"] for e in everything] == sorted((e["id"] for e in everything), reverse=True)

    seen, cursor = [], None
    while True:
        page = await admin.get(LOG, params={"limit": 2} | ({"cursor": cursor} if cursor else {}))
        body = page.json()
        seen += [e["id"] for e in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [e["id"] for e in everything]

    other_id = await key_id(db, "other")
    assert {e["actor_key_id"] for e in await entries(admin, actor_key_id=other_id)} == {other_id}
    assert {e["resource"] for e in await entries(admin, resource="customers")} == {"customers"}
    assert len(await entries(admin, resource="customers", action="create")) == 3
    middle = everything[len(everything) // 2]
    later = await entries(admin, since=middle["at"])
    assert later and all(e["at"] >= middle["at"] for e in later)
    assert all(e["at"] < middle["at"] for e in await entries(admin, until=middle["at"]))

    assert (await admin.get(LOG, params={"who": "me"})).status_code == 400
    assert (await admin.get(LOG, params={"cursor": "nonsense"})).status_code == 400
    assert (await admin.get(LOG, params={"action": "burn"})).status_code == 422
    assert (await admin.get(LOG, params={"since": "yesterday"})).status_code == 422


async def test_no_api_and_no_statement_changes_the_log(
    admin: httpx.AsyncClient, db: Database
) -> None:
    await make_customer(admin)
    assert (await admin.delete(LOG)).status_code == 405
    assert (await admin.patch(LOG, json={})).status_code == 405
    async with connection(db) as conn:
        for statement in ("UPDATE audit_log SET actor_key_id = NULL", "DELETE FROM audit_log"):
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
                await conn.execute(statement)
    assert len(await entries(admin, resource="customers")) == 1


async def test_entries_about_a_customer_cover_their_record_and_tickets(
    admin: httpx.AsyncClient, db: Database
) -> None:
    customer = await make_customer(admin)
    ticket = await make_ticket(admin, customer_id=customer["id"])
    await make_ticket(admin)  # someone else's
    async with connection(db) as conn:
        about = await store.about_customer(conn, customer["id"])
    assert {(e.resource, e.resource_id) for e in about} >= {
        ("customers", customer["id"]),
        ("tickets", ticket["id"]),
    }
    assert all(e.resource_id == customer["id"] or e.ticket_id == ticket["id"] for e in about)


async def test_sealing_takes_update_delete_and_truncate_from_the_services_role(
    fresh_database: str,
) -> None:
    """HELPDESK_AUDIT_APPEND_ONLY: the role the service runs as (here: owning the table, as
    a role that ran the migrations does) can append, and nothing else."""
    role = f"audit_owner_{fresh_database.rsplit('/', 1)[-1]}"
    conn = await asyncpg.connect(libpq_url(fresh_database))
    await conn.execute(f"CREATE ROLE {role}")
    try:
        await conn.execute(f"ALTER TABLE audit_log OWNER TO {role}")
        await conn.execute(f"GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO {role}")
        await conn.execute(f"SET ROLE {role}")
        await store.revoke_changes(conn)
        await conn.execute("SELECT audit_append('read', 'customers', 1, NULL, NULL, NULL)")
        for statement in ("UPDATE audit_log SET fields = NULL", "TRUNCATE audit_log"):
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied"):
                await conn.execute(statement)
        await conn.execute("RESET ROLE")
        assert await conn.fetchval("SELECT count(*) FROM audit_log") == 1
    finally:
        await conn.execute("RESET ROLE")
        await conn.execute(f"REASSIGN OWNED BY {role} TO CURRENT_USER")
        await conn.execute(f"DROP OWNED BY {role}")
        await conn.execute(f"DROP ROLE {role}")
        await conn.close()


async def test_sealing_is_off_unless_the_setting_asks(db: Database) -> None:
    assert await audit.seal(Desk.of(db, Settings(database_url="postgresql://unused/none"))) is False
