"""Customers, teams and agents: create, read, list, update with If-Match."""

import httpx

from tests.api.factories import make_agent, make_customer, make_team, make_ticket, patch


async def test_customer_lifecycle(client: httpx.AsyncClient) -> None:
    customer = await make_customer(
        client, name="Ada", email="ada@example.com", organization="AE", time_zone="Europe/Amsterdam"
    )
    path = f"/v1/customers/{customer['id']}"
    assert (await client.get(path)).json() == customer
    updated = await patch(client, path, phone="+31 6 1234")
    assert updated.status_code == 200 and updated.json()["version"] == 2
    stale = await patch(client, path, version=1, phone="+1")
    assert stale.status_code == 412
    duplicate = await client.post(
        "/v1/customers", json={"name": "Other", "email": "ADA@example.com"}
    )
    assert duplicate.status_code == 409
    found = (await client.get("/v1/customers", params={"email": "ADA@EXAMPLE.COM"})).json()["items"]
    assert [c["id"] for c in found] == [customer["id"]]
    bad = await client.post("/v1/customers", json={"name": "Z", "time_zone": "Mars/Olympus"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "time_zone"
    bad_email = await client.post("/v1/customers", json={"name": "Z", "email": "not-an-email"})
    assert bad_email.status_code == 422
    assert (await client.get("/v1/customers/9999")).status_code == 404


async def test_teams_and_agents(client: httpx.AsyncClient) -> None:
    l1 = await make_team(client, name="Service desk", tier=1)
    l2 = await make_team(client, name="Network", tier=2)
    assert (await client.post("/v1/teams", json={"name": "Network"})).status_code == 409
    assert (await client.post("/v1/teams", json={"name": "L4", "tier": 4})).status_code == 422
    tier2 = (await client.get("/v1/teams", params={"tier": 2})).json()["items"]
    assert [t["id"] for t in tier2] == [l2["id"]]
    agent = await make_agent(client, team_id=l1["id"], languages=["en", "nl"])
    moved = await patch(client, f"/v1/agents/{agent['id']}", team_id=l2["id"])
    assert moved.json()["team_id"] == l2["id"]
    unknown_team = await patch(client, f"/v1/agents/{agent['id']}", team_id=999)
    assert unknown_team.status_code == 422
    in_l2 = (await client.get("/v1/agents", params={"team_id": l2["id"]})).json()["items"]
    assert [a["id"] for a in in_l2] == [agent["id"]]
    renamed = await patch(client, f"/v1/teams/{l1['id']}", name="Desk")
    assert renamed.json()["name"] == "Desk"


async def test_record_pages(client: httpx.AsyncClient) -> None:
    for _ in range(5):
        await make_customer(client)
    first = (await client.get("/v1/customers", params={"limit": 2})).json()
    second = (
        await client.get("/v1/customers", params={"limit": 2, "cursor": first["next_cursor"]})
    ).json()
    third = (
        await client.get("/v1/customers", params={"limit": 2, "cursor": second["next_cursor"]})
    ).json()
    ids = [c["id"] for c in first["items"] + second["items"] + third["items"]]
    assert ids == sorted(ids) and len(set(ids)) == 5 and third["next_cursor"] is None


async def test_a_field_that_always_has_a_value_cannot_be_cleared(client: httpx.AsyncClient) -> None:
    """null on a field a record always has is a 422 naming it, and the schema says so: such
    fields document no null. Leaving it out keeps it; a field that may be empty clears."""
    team = await make_team(client, name="Desk")
    agent = await make_agent(client, team_id=team["id"])
    customer = await make_customer(client, name="Ada", phone="+31 6 1234")
    ticket = await make_ticket(client)
    cases = [
        (f"/v1/tickets/{ticket['id']}", {"subject": None, "tags": None}, "TicketUpdate"),
        (f"/v1/agents/{agent['id']}", {"active": None, "languages": None}, "AgentUpdate"),
        (f"/v1/teams/{team['id']}", {"tier": None}, "TeamUpdate"),
        (f"/v1/customers/{customer['id']}", {"name": None}, "CustomerUpdate"),
    ]
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    for path, body, schema in cases:
        refused = await patch(client, path, **body)
        assert refused.status_code == 422, path
        assert {e["field"] for e in refused.json()["errors"]} == set(body), path
        for field in body:
            assert "null" not in str(schemas[schema]["properties"][field]), (schema, field)
    assert (await client.get(f"/v1/agents/{agent['id']}")).json()["version"] == 1
    cleared = await patch(client, f"/v1/customers/{customer['id']}", phone=None)
    assert cleared.status_code == 200 and cleared.json()["phone"] is None


async def test_an_erased_customer_s_update_checks_the_request_before_the_state(
    client: httpx.AsyncClient,
) -> None:
    """A request that is wrong on its face is answered as such first: a stale, empty or
    malformed If-Match, an invalid body; only a sound request learns the customer was erased."""
    customer = await make_customer(client, name="Ada", email="ada@example.com")
    path = f"/v1/customers/{customer['id']}"
    assert (await client.post(f"{path}/erase")).status_code == 200
    version = (await client.get(path)).json()["version"]
    for header, status in (('"999"', 412), ("", 412), ("null", 400)):
        answer = await client.patch(path, json={"name": "Ada"}, headers={"If-Match": header})
        assert answer.status_code == status, (header, answer.text)
    body = await client.patch(
        path, json={"email": "not-an-email"}, headers={"If-Match": f'"{version}"'}
    )
    assert body.status_code == 422, body.text
    sound = await client.patch(path, json={"name": "Ada"}, headers={"If-Match": f'"{version}"'})
    assert sound.status_code == 409 and sound.json()["reason"] == "customer_erased"
