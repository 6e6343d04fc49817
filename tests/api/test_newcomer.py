"""What a newcomer, a frontend team and a gateway expect of the API's manners."""

import httpx

from app.db import Database
from app.main import create_app
from app.settings import Settings
from tests.api.conftest import client_for, new_key
from tests.api.factories import make_agent, make_ticket


async def test_unknown_query_parameters_are_a_400_naming_them(client: httpx.AsyncClient) -> None:
    for path in ("/v1/tickets", "/v1/customers", "/v1/reminders", "/v1/sla-events"):
        response = await client.get(path, params={"statu": "open", "limit": 5})
        assert response.status_code == 400, (path, response.text)
        assert response.json()["errors"] == [
            {"field": "query.statu", "message": "unknown parameter"}
        ]


async def test_a_body_that_is_not_json_is_a_415(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/tickets", content=b"subject=x", headers={"content-type": "text/plain"}
    )
    assert response.status_code == 415
    assert response.headers["content-type"] == "application/problem+json"
    assert "text/plain" in response.json()["detail"]


async def test_a_405_lists_every_method_of_the_path(client: httpx.AsyncClient) -> None:
    ticket = await make_ticket(client)
    response = await client.delete(f"/v1/tickets/{ticket['id']}")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, PATCH"


async def test_a_405_lists_only_the_methods_of_the_route_that_names_the_segment(
    client: httpx.AsyncClient,
) -> None:
    # `tokens/revoke` is a route of its own; `tokens/{token_id}` would refuse "revoke".
    response = await client.request("OPTIONS", "/v1/customers/1/tokens/revoke")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    deleted = await client.delete("/v1/customers/1/tokens/revoke")
    assert (deleted.status_code, deleted.headers["allow"]) == (405, "POST")


async def test_a_403_names_the_roles_that_may(app) -> None:  # type: ignore[no-untyped-def]
    async with client_for(app, await new_key(app, "viewer")) as viewer:
        response = await viewer.post("/v1/teams", json={"name": "Night shift"})
    assert response.status_code == 403
    assert "'viewer'" in response.json()["detail"] and "'admin'" in response.json()["detail"]


async def test_assignee_none_and_me_and_external_id_filter_the_list(
    app, client: httpx.AsyncClient
) -> None:  # type: ignore[no-untyped-def]
    agent = await make_agent(client)
    mine = await make_ticket(client, assignee_id=agent["id"])
    nobodys = await make_ticket(client, channel="email", external_id="gw-7")
    unassigned = (await client.get("/v1/tickets", params={"assignee": "none"})).json()["items"]
    assert [t["id"] for t in unassigned] == [nobodys["id"]]
    by_gateway = await client.get("/v1/tickets", params={"external_id": "gw-7"})
    assert [t["id"] for t in by_gateway.json()["items"]] == [nobodys["id"]]
    async with client_for(app, await new_key(app, "agent", agent_id=agent["id"])) as own:
        assigned = (await own.get("/v1/tickets", params={"assignee": "me"})).json()["items"]
    assert [t["id"] for t in assigned] == [mine["id"]]
    keyless = await client.get("/v1/tickets", params={"assignee": "me"})
    assert keyless.status_code == 422  # the admin's key is tied to no agent


async def test_cors_preflights_are_answered_for_the_allowed_origins(db: Database) -> None:
    app = create_app(
        Settings(database_url="postgresql://unused/none", cors_origins=["https://desk.example"]),
        db=db,
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as browser:
        allowed = await browser.options(
            "/v1/tickets",
            headers={
                "Origin": "https://desk.example",
                "Access-Control-Request-Method": "PATCH",
                "Access-Control-Request-Headers": "authorization, if-match",
            },
        )
        other = await browser.options(
            "/v1/tickets",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
        )
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://desk.example"
    assert "PATCH" in allowed.headers["access-control-allow-methods"]
    assert "access-control-allow-origin" not in other.headers
