"""Authentication and roles: who may read, write and manage; which tickets each caller sees;
API key expiry, rotation and revocation; customer portal tokens; rate limits."""

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from app.db import Database, connection
from app.main import create_app
from app.settings import Settings
from tests.api.conftest import client_for, new_key
from tests.api.factories import (
    created,
    log,
    make_agent,
    make_customer,
    make_team,
    make_ticket,
    patch,
)
from tests.fakes import FakeClock


async def test_no_key_or_bad_key_is_401(anonymous: httpx.AsyncClient, app) -> None:  # type: ignore[no-untyped-def]
    missing = await anonymous.get("/v1/tickets")
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == "Bearer"
    assert missing.json()["type"].endswith("/unauthorized")
    async with client_for(app, "hd_not-a-real-key") as stranger:
        assert (await stranger.get("/v1/tickets")).status_code == 401
    basic = await anonymous.get("/v1/tickets", headers={"Authorization": "Basic abc"})
    assert basic.status_code == 401


async def test_viewer_reads_but_cannot_write(app, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    ticket = await make_ticket(client)
    async with client_for(app, await new_key(app, "viewer")) as viewer:
        assert (await viewer.get(f"/v1/tickets/{ticket['id']}")).status_code == 200
        refused = await viewer.post("/v1/tickets", json={"subject": "x"})
        assert refused.status_code == 403 and refused.json()["type"].endswith("/forbidden")
        patched = await viewer.patch(
            f"/v1/tickets/{ticket['id']}", json={"subject": "y"}, headers={"If-Match": '"1"'}
        )
        assert patched.status_code == 403
        logged = await viewer.post(
            f"/v1/tickets/{ticket['id']}/interactions",
            json={"kind": "email", "direction": "outbound", "body": "x"},
        )
        assert logged.status_code == 403


@pytest.mark.parametrize("role", ["supervisor", "agent", "integration", "viewer"])
async def test_only_admin_manages_keys_teams_and_agents(app, role: str) -> None:  # type: ignore[no-untyped-def]
    async with client_for(app, await new_key(app, role)) as caller:
        assert (await caller.post("/v1/teams", json={"name": "T"})).status_code == 403
        assert (
            await caller.post("/v1/agents", json={"name": "A", "email": "a@x.example.com"})
        ).status_code == 403
        assert (
            await caller.post("/v1/api-keys", json={"name": "k", "role": "admin"})
        ).status_code == 403
        assert (await caller.get("/v1/api-keys")).status_code == 403


async def test_admin_creates_lists_and_revokes_keys(app, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    created = await client.post(
        "/v1/api-keys", json={"name": "mail gateway", "role": "integration"}
    )
    assert created.status_code == 201
    key = created.json()
    assert key["key"].startswith("hd_") and key["prefix"] == key["key"][:10]
    listed = (await client.get("/v1/api-keys")).json()["items"]
    assert all("key" not in k for k in listed)
    async with client_for(app, key["key"]) as gateway:
        assert (await gateway.post("/v1/tickets", json={"subject": "from mail"})).status_code == 201
        revoked = await client.delete(f"/v1/api-keys/{key['id']}")
        assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
        assert (await gateway.get("/v1/tickets")).status_code == 401
    assert (await client.delete("/v1/api-keys/9999")).status_code == 404
    bad_role = await client.post("/v1/api-keys", json={"name": "x", "role": "root"})
    assert bad_role.status_code == 422


# ---- who sees what ---------------------------------------------------------------------------


def app_with_access(db: Database, **settings: Any):  # type: ignore[no-untyped-def]
    """The app over the test database, with the access routes and middleware whether or not
    app.main registers them yet (the integrator does)."""
    # Settings are read by their environment names (HELPDESK_…).
    named = {str(Settings.model_fields[k].validation_alias or k): v for k, v in settings.items()}
    application = create_app(Settings(database_url="postgresql://unused/none", **named), db=db)
    return application


@pytest.fixture(scope="module")
def app(db: Database):  # type: ignore[no-untyped-def]
    return app_with_access(db, rate_limit_per_minute=0)


async def key_for(client: httpx.AsyncClient, role: str, **fields: Any) -> dict[str, Any]:
    return await created(
        await client.post("/v1/api-keys", json={"name": f"{role} key", "role": role} | fields)
    )


async def test_an_agent_sees_their_teams_tickets_and_theirs_and_nothing_of_another_team(
    app, client: httpx.AsyncClient, db: Database
) -> None:  # type: ignore[no-untyped-def]
    red, blue = await make_team(client), await make_team(client)
    ada = await make_agent(client, team_id=red["id"])
    bob = await make_agent(client, team_id=blue["id"])
    mine = await make_ticket(client, team_id=red["id"])
    theirs = await make_ticket(client, team_id=blue["id"], subject="Blue secret")
    assigned = await make_ticket(client, team_id=blue["id"], assignee_id=ada["id"])
    due = "2030-03-04T14:00:00Z"
    await created(
        await client.post(f"/v1/tickets/{theirs['id']}/callbacks", json={"requested_at": due})
    )
    async with connection(db) as conn:  # a reminder on the blue ticket, as the worker raises
        reminder = await conn.fetchval(
            "INSERT INTO reminders (ticket_id, kind, team_id, due_at, status, created_at,"
            " version) VALUES ($1, 'follow_up', $2, now(), 'open', now(), 1) RETURNING id",
            theirs["id"],
            blue["id"],
        )
    async with client_for(app, (await key_for(client, "agent", agent_id=ada["id"]))["key"]) as a:
        listed = (await a.get("/v1/tickets")).json()["items"]
        assert sorted(t["id"] for t in listed) == [mine["id"], assigned["id"]]
        assert (await a.get("/v1/tickets", params={"q": "secret"})).json()["items"] == []
        for path in ("", "/sla", "/interactions", "/history", "/links", "/callbacks"):
            hidden = await a.get(f"/v1/tickets/{theirs['id']}{path}")
            assert hidden.status_code == 404, path
        assert (await a.get(f"/v1/tickets/{theirs['id']}")).json()["detail"] == (
            f"ticket {theirs['id']} does not exist"
        )
        patched = await a.patch(
            f"/v1/tickets/{theirs['id']}", json={"tags": ["x"]}, headers={"If-Match": '"1"'}
        )
        assert patched.status_code == 404
        assert (await log(a, mine["id"]))["author_name"] == ada["name"]
        logged = await a.post(
            f"/v1/tickets/{theirs['id']}/interactions",
            json={"kind": "note", "direction": "internal", "public": False, "body": "x"},
        )
        assert logged.status_code == 404
        for order in ("due", "commit"):
            reminders = (await a.get("/v1/reminders", params={"order": order})).json()
            assert reminders["items"] == [], order
        assert (await a.get(f"/v1/reminders/{reminder}")).status_code == 404
        assert (await a.get("/v1/sla-events", params={"order": "commit"})).json()["items"] == []
        assert (await a.get("/v1/sla-events")).json()["items"] == []
    async with client_for(
        app, (await key_for(client, "supervisor", agent_id=bob["id"]))["key"]
    ) as s:
        seen = (await s.get("/v1/tickets")).json()["items"]
        assert sorted(t["id"] for t in seen) == [theirs["id"], assigned["id"]]
        assert (await s.get(f"/v1/reminders/{reminder}")).status_code == 200
        assert [r["id"] for r in (await s.get("/v1/reminders")).json()["items"]] == [reminder]
    async with client_for(app, (await key_for(client, "viewer"))["key"]) as viewer:
        assert len((await viewer.get("/v1/tickets")).json()["items"]) == 3


async def test_a_key_tied_to_no_agent_sees_only_what_it_created(
    app, client: httpx.AsyncClient
) -> None:  # type: ignore[no-untyped-def]
    other = await make_ticket(client)
    async with client_for(app, (await key_for(client, "agent"))["key"]) as agent:
        own = await created(await agent.post("/v1/tickets", json={"subject": "mine"}))
        assert [t["id"] for t in (await agent.get("/v1/tickets")).json()["items"]] == [own["id"]]
        assert (await agent.get(f"/v1/tickets/{other['id']}")).status_code == 404
        assert (await agent.get(f"/v1/tickets/{own['id']}")).status_code == 200


async def test_an_integration_sees_what_its_scope_names(app, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    email = await make_ticket(client, channel="email")
    phone = await make_ticket(client, channel="phone")
    scoped = await key_for(client, "integration", scope=["email", "own"])
    assert scoped["scope"] == ["email", "own"]
    async with client_for(app, scoped["key"]) as gateway:
        chat = await created(
            await gateway.post("/v1/tickets", json={"subject": "c", "channel": "chat"})
        )
        ids = sorted(t["id"] for t in (await gateway.get("/v1/tickets")).json()["items"])
        assert ids == [email["id"], chat["id"]]
        assert (await gateway.get(f"/v1/tickets/{phone['id']}")).status_code == 404
    bad = await client.post("/v1/api-keys", json={"name": "x", "role": "agent", "scope": ["own"]})
    assert bad.status_code == 422
    unknown = await client.post(
        "/v1/api-keys", json={"name": "x", "role": "integration", "scope": ["fax"]}
    )
    assert unknown.status_code == 422


async def test_keys_expire_rotate_with_a_grace_period_and_record_their_last_use(
    app, client: httpx.AsyncClient, clock: FakeClock
) -> None:  # type: ignore[no-untyped-def]
    t0 = clock.now()
    past = await client.post(
        "/v1/api-keys",
        json={"name": "x", "role": "viewer", "expires_at": (t0 - timedelta(seconds=1)).isoformat()},
    )
    assert past.status_code == 422
    soon = await key_for(client, "viewer", expires_at=(t0 + timedelta(hours=1)).isoformat())
    old = await key_for(client, "integration", scope=["own"])
    async with client_for(app, old["key"]) as gateway:
        made = await created(await gateway.post("/v1/tickets", json={"subject": "before"}))
    rotated = await client.post(f"/v1/api-keys/{old['id']}/rotate")
    assert rotated.status_code == 201
    new = rotated.json()
    assert new["replaces_id"] == old["id"] and new["key"] != old["key"]
    assert (new["role"], new["scope"], new["name"]) == ("integration", ["own"], old["name"])
    again = await client.post(f"/v1/api-keys/{old['id']}/rotate")
    assert again.status_code == 409 and "already rotated" in again.json()["detail"]
    keys = {k["id"]: k for k in (await client.get("/v1/api-keys")).json()["items"]}
    grace_end = datetime.fromisoformat(keys[old["id"]]["expires_at"])
    assert grace_end == t0 + timedelta(days=1)  # the default grace period
    assert keys[old["id"]]["last_used_at"] is not None
    async with client_for(app, old["key"]) as before, client_for(app, new["key"]) as after:
        assert (await before.get("/v1/tickets")).status_code == 200
        # The successor sees what its predecessor created: it is the same integration.
        assert [t["id"] for t in (await after.get("/v1/tickets")).json()["items"]] == [made["id"]]
        clock.set(grace_end)
        expired = await before.get("/v1/tickets")
        assert expired.status_code == 401 and "expired" in expired.json()["detail"]
        assert (await after.get("/v1/tickets")).status_code == 200
    async with client_for(app, soon["key"]) as viewer:
        assert (await viewer.get("/v1/tickets")).status_code == 401
    revoked = await client.delete(f"/v1/api-keys/{new['id']}")
    assert revoked.status_code == 200
    assert (await client.post(f"/v1/api-keys/{new['id']}/rotate")).status_code == 409
    assert (await client.post("/v1/api-keys/9999/rotate")).status_code == 404


async def test_the_last_usable_admin_key_cannot_be_revoked(app, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    keys = (await client.get("/v1/api-keys")).json()["items"]
    (me,) = [k for k in keys if k["role"] == "admin"]
    refused = await client.delete(f"/v1/api-keys/{me['id']}")
    assert refused.status_code == 409 and "last usable admin key" in refused.json()["detail"]
    # Rotating it leaves its successor the last one: the successor cannot be revoked either.
    successor = (await client.post(f"/v1/api-keys/{me['id']}/rotate")).json()
    assert (await client.delete(f"/v1/api-keys/{successor['id']}")).status_code == 409
    other = await key_for(client, "admin")
    async with client_for(app, other["key"]) as second:
        assert (await second.delete(f"/v1/api-keys/{successor['id']}")).status_code == 200
        assert (await second.delete(f"/v1/api-keys/{other['id']}")).status_code == 409


async def test_a_key_tied_to_an_agent_writes_history_in_the_agents_name(
    app, client: httpx.AsyncClient
) -> None:  # type: ignore[no-untyped-def]
    team = await make_team(client)
    grace = await make_agent(client, name="Grace", team_id=team["id"])
    ticket = await make_ticket(client, team_id=team["id"])
    key = await key_for(client, "agent", agent_id=grace["id"], name="grace's laptop")
    async with client_for(app, key["key"]) as agent:
        await patch(agent, f"/v1/tickets/{ticket['id']}", tags=["vpn"])
    history = (await client.get(f"/v1/tickets/{ticket['id']}/history")).json()["items"]
    assert history[-1]["actor_name"] == "Grace" and history[-1]["actor_type"] == "agent"
    await patch(client, f"/v1/agents/{grace['id']}", active=False)
    app.state.desk.keys.clear()
    async with client_for(app, key["key"]) as agent:
        gone = await agent.get("/v1/tickets")
        assert gone.status_code == 401 and "no longer active" in gone.json()["detail"]


# ---- customer portal tokens ------------------------------------------------------------------


async def portal_token(client: httpx.AsyncClient, customer_id: int) -> str:
    minted = await client.post(f"/v1/customers/{customer_id}/tokens")
    assert minted.status_code == 201, minted.text
    return str(minted.json()["token"])


async def test_a_customer_token_sees_its_customers_tickets_and_public_interactions_only(
    app, client: httpx.AsyncClient
) -> None:  # type: ignore[no-untyped-def]
    alice, bert = await make_customer(client), await make_customer(client)
    hers = await make_ticket(client, customer_id=alice["id"])
    his = await make_ticket(client, customer_id=bert["id"])
    await log(client, hers["id"], body="We are on it")
    await log(client, hers["id"], kind="note", direction="internal", public=False, body="VIP")
    async with client_for(app, await portal_token(client, alice["id"])) as portal_client:
        listed = (await portal_client.get("/v1/tickets")).json()["items"]
        assert [t["id"] for t in listed] == [hers["id"]]
        assert (await portal_client.get(f"/v1/tickets/{hers['id']}")).status_code == 200
        assert (await portal_client.get(f"/v1/tickets/{his['id']}")).status_code == 404
        path = f"/v1/tickets/{hers['id']}/interactions"
        assert (await portal_client.get(path)).status_code == 403
        public = (await portal_client.get(path, params={"public_only": "true"})).json()["items"]
        assert [i["body"] for i in public] == ["We are on it"]
        reply = await portal_client.post(path, json={"kind": "chat", "body": "Still broken"})
        assert reply.status_code == 201, reply.text
        stored = reply.json()
        assert (stored["author_type"], stored["direction"]) == ("customer", "inbound")
        assert stored["author_name"] == alice["name"]
        logged = (await client.get(path)).json()["items"][-1]
        assert (logged["id"], logged["public"], logged["author_id"]) == (
            stored["id"],
            True,
            alice["id"],
        )
        for shape in (
            {"kind": "note", "direction": "internal", "public": False, "body": "x"},
            {"kind": "email", "direction": "outbound", "body": "x"},
            {"kind": "chat", "author_type": "agent", "body": "x"},
            {"kind": "chat", "public": False, "body": "x"},
            {"kind": "chat", "author_id": bert["id"], "body": "x"},
            {"kind": "call", "body": "x"},
        ):
            assert (await portal_client.post(path, json=shape)).status_code == 403, shape
        retried = await portal_client.post(
            path, json={"kind": "chat", "body": "x"}, headers={"Idempotency-Key": "k"}
        )
        assert retried.status_code == 403
        theirs = f"/v1/tickets/{his['id']}/interactions"
        assert (
            await portal_client.post(theirs, json={"kind": "chat", "body": "x"})
        ).status_code == 404
        for method, other in (
            ("GET", f"/v1/customers/{alice['id']}"),
            ("GET", f"/v1/tickets/{hers['id']}/history"),
            ("POST", "/v1/tickets"),
            ("GET", "/v1/reminders"),
            ("POST", f"/v1/customers/{alice['id']}/tokens"),
        ):
            refused = await portal_client.request(
                method, other, json={} if method == "POST" else None
            )
            assert refused.status_code == 403, other
    assert (await client.post("/v1/customers/9999/tokens")).status_code == 404


async def test_customer_tokens_are_signed_and_expire(
    app, client: httpx.AsyncClient, clock: FakeClock
) -> None:  # type: ignore[no-untyped-def]
    customer = await make_customer(client)
    token = await portal_token(client, customer["id"])
    forged = token.replace(f"hdc_{customer['id']}.", f"hdc_{customer['id'] + 1}.")
    for bad in (forged, token[:-2], "hdc_x.y.z", "hdc_"):
        async with client_for(app, bad) as stranger:
            assert (await stranger.get("/v1/tickets")).status_code == 401, bad
    async with client_for(app, (await key_for(client, "integration"))["key"]) as gateway:
        assert (await gateway.post(f"/v1/customers/{customer['id']}/tokens")).status_code == 201
    for role in ("supervisor", "agent", "viewer"):
        async with client_for(app, (await key_for(client, role))["key"]) as other:
            assert (await other.post(f"/v1/customers/{customer['id']}/tokens")).status_code == 403
    clock.set(clock.now() + timedelta(seconds=app.state.desk.settings.customer_token_seconds))
    async with client_for(app, token) as late:
        expired = await late.get("/v1/tickets")
        assert expired.status_code == 401 and "expired" in expired.json()["detail"]


# ---- rate limits -----------------------------------------------------------------------------


async def test_a_key_over_its_rate_is_429_with_retry_after_and_ratelimit_headers(
    db: Database,
) -> None:
    limited = app_with_access(db, rate_limit_per_minute=3)
    secret = await new_key(limited, "admin")
    async with client_for(limited, secret) as caller:
        answers = [await caller.get("/v1/teams") for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert answers[0].headers["RateLimit-Policy"] == '"per-key";q=3;w=60'
        assert answers[0].headers["RateLimit"].startswith('"per-key";r=2;t=')
        refused = answers[3]
        assert refused.json()["type"].endswith("/rate-limited")
        assert int(refused.headers["Retry-After"]) >= 1
        assert refused.headers["RateLimit"].startswith('"per-key";r=0;t=')
        # Another key has a bucket of its own; probes are not counted.
        async with client_for(limited, await new_key(limited, "viewer")) as other:
            assert (await other.get("/v1/teams")).status_code == 200
        assert "RateLimit" not in (await caller.get("/healthz")).headers
