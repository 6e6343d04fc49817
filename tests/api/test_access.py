"""Authentication and roles: who may read, write and manage."""

import httpx
import pytest

from tests.api.conftest import client_for, new_key
from tests.api.factories import make_ticket


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
