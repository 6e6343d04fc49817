"""What a newcomer, a frontend team and a gateway expect of the API's manners."""

import httpx

from app.db import Database
from app.main import create_app
from app.settings import Settings
from tests.api.conftest import client_for, new_key
from tests.api.factories import make_agent, make_ticket, make_webhook


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
    # `sla-policies/what-if` is a route of its own; `sla-policies/{policy_id}` would refuse it.
    response = await client.request("OPTIONS", "/v1/sla-policies/what-if")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    deleted = await client.delete("/v1/sla-policies/what-if")
    assert (deleted.status_code, deleted.headers["allow"]) == (405, "POST")
    # A token's id is a number: `tokens/all` names no token and no route.
    assert (await client.delete("/v1/customers/1/tokens/all")).status_code == 404


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
    assert other.status_code == 400
    assert not [h for h in other.headers if h.startswith("access-control-")]


async def test_if_match_that_is_no_entity_tag_is_a_400_naming_the_header(
    client: httpx.AsyncClient,
) -> None:
    ticket = await make_ticket(client)
    path = f"/v1/tickets/{ticket['id']}"
    for sent in ("null", "1", '"1', "W/1", '"1",,x'):
        response = await client.patch(path, json={"subject": "x"}, headers={"If-Match": sent})
        assert response.status_code == 400, (sent, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["field"] == "header.If-Match", sent
    assert (await client.get(path)).json()["subject"] == ticket["subject"]  # nothing written


async def test_a_well_formed_if_match_that_names_another_version_is_a_412(
    client: httpx.AsyncClient,
) -> None:
    ticket = await make_ticket(client)
    path = f"/v1/tickets/{ticket['id']}"
    version = ticket["version"]
    for sent in (f'"{version + 1}"', '"abc"', f'W/"{version + 1}", "x"', f'"{version}", "9"', ""):
        response = await client.patch(path, json={"subject": "x"}, headers={"If-Match": sent})
        assert response.status_code == 412, (sent, response.text)
    listed = await client.patch(
        path, json={"subject": "listed"}, headers={"If-Match": f'"x", "{version}"'}
    )
    assert listed.status_code == 200, listed.text
    anything = await client.patch(path, json={"subject": "any"}, headers={"If-Match": "*"})
    assert anything.status_code == 200, anything.text
    assert anything.json()["subject"] == "any"


async def test_a_preflight_with_no_origin_allowed_is_refused_plainly(
    client: httpx.AsyncClient,
) -> None:
    response = await client.options(
        "/v1/tickets",
        headers={"Origin": "https://desk.example", "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert "HELPDESK_CORS_ORIGINS" in response.json()["detail"]
    assert not [h for h in response.headers if h.startswith("access-control-")]
    # An OPTIONS that is no preflight is what it was: a method the path does not serve.
    assert (await client.options("/v1/tickets")).status_code == 405


async def test_an_import_overriding_the_priority_without_a_reason_is_a_422(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/v1/imports/tickets",
        json={
            "source": "zendesk",
            "external_id": "ZD-9",
            "subject": "Printer jams",
            "channel": "email",
            "customer": {"name": "Ada", "email": "ada@example.com"},
            "created_at": "2025-11-03T09:12:00Z",
            "priority": "critical",
        },
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "priority_reason"
    listed = await client.get("/v1/tickets", params={"external_id": "ZD-9"})
    assert listed.json()["items"] == []


async def test_a_webhook_url_no_delivery_could_reach_is_refused_naming_url(
    client: httpx.AsyncClient,
) -> None:
    hook = await make_webhook(client, url="https://hooks.example.com/x")
    path = f"/v1/webhooks/{hook['id']}"
    for url in (
        "http://xn--a.example/hook",  # not an IDNA name
        "http://\u2488.com/hook",
        "http://a\u200d.com/hook",
        "http://exa%20mple.com/",
        "http://-bad-.example/",
        "http://a.com:99999/",
        "http://" + "a" * 64 + ".example/",
        "https://" + ".".join(["abcdefgh"] * 30) + "/",  # a host over 253 characters
    ):
        created = await client.post(
            "/v1/webhooks", json={"url": url, "event_types": ["ticket.created"]}
        )
        assert created.status_code == 422, (url, created.text)
        assert [e["field"] for e in created.json()["errors"]] == ["url"], url
        changed = await client.patch(path, json={"url": url}, headers={"If-Match": '"1"'})
        assert changed.status_code == 422, (url, changed.text)
        assert [e["field"] for e in changed.json()["errors"]] == ["url"], url
    for url in ("https://bücher.example/hook", "https://hooks.example.com:8443/a?b=c"):
        ok = await client.patch(path, json={"url": url}, headers={"If-Match": "*"})
        assert ok.status_code == 200, (url, ok.text)
