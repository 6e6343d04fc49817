"""The outbox: every change writes its events in its own transaction; the feed serves them in
commit order to those who see the ticket; webhook subscriptions get a delivery per event."""

import re

import httpx

from tests.api.conftest import client_for, new_key
from tests.api.factories import (
    answer_survey,
    escalate,
    follow_events,
    log,
    make_agent,
    make_team,
    make_ticket,
    make_webhook,
    patch,
)


async def test_a_ticket_s_life_is_in_the_feed_in_order(client: httpx.AsyncClient) -> None:
    agent = await make_agent(client)
    ticket = await make_ticket(
        client, subject="Printer on fire", customer={"name": "Ada", "email": "ada@example.com"}
    )
    path = f"/v1/tickets/{ticket['id']}"
    assert (await patch(client, path, status="open", assignee_id=agent["id"])).status_code == 200
    await log(client, ticket["id"], body="We are on our way")
    events, _ = await follow_events(client)
    assert [e["type"] for e in events] == [
        "ticket.created",
        "ticket.updated",
        "ticket.status_changed",
        "ticket.assigned",
        "interaction.added",
    ]
    assert {e["ticket_id"] for e in events} == {ticket["id"]}
    updated = events[1]["data"]
    assert updated["fields"] == ["assignee_id", "status"]
    assert updated["changes"]["status"] == {"from": "new", "to": "open"}
    assert (events[2]["data"]["from"], events[2]["data"]["to"]) == ("new", "open")
    assert events[3]["data"]["to"] == agent["id"]
    added = events[4]["data"]
    assert added["direction"] == "outbound" and added["interaction_id"] > 0


async def test_events_carry_no_free_text_nor_personal_data(client: httpx.AsyncClient) -> None:
    ticket = await make_ticket(
        client,
        subject="Ada's laptop",
        customer={"name": "Ada Lovelace", "email": "ada@example.com"},
    )
    await patch(client, f"/v1/tickets/{ticket['id']}", subject="Ada Lovelace's laptop")
    await log(client, ticket["id"], body="Dear Ada Lovelace, ada@example.com")
    events, _ = await follow_events(client)
    text = str([e["data"] for e in events])
    assert len(events) == 4  # created, updated, interaction.added, status_changed
    assert "Ada" not in text and "example.com" not in text
    assert events[1]["data"]["fields"] == ["subject"]  # named, its values not carried
    assert events[1]["data"]["changes"] == {}


async def test_an_interaction_that_moves_the_status_says_so(client: httpx.AsyncClient) -> None:
    ticket = await make_ticket(client)
    await log(client, ticket["id"], direction="outbound", author_type="agent")
    types = [e["type"] for e in (await follow_events(client))[0]]
    assert types == ["ticket.created", "interaction.added", "ticket.status_changed"]


async def test_following_with_the_cursor_gives_each_event_once(client: httpx.AsyncClient) -> None:
    first = await make_ticket(client)
    seen, cursor = await follow_events(client)
    assert [e["ticket_id"] for e in seen] == [first["id"]]
    assert (await follow_events(client, cursor))[0] == []
    second = await make_ticket(client)
    later, _ = await follow_events(client, cursor)
    assert [e["ticket_id"] for e in later] == [second["id"]]


async def test_the_feed_filters_by_type_and_ticket(client: httpx.AsyncClient) -> None:
    a, b = await make_ticket(client), await make_ticket(client)
    await log(client, a["id"])
    await log(client, b["id"])
    only_a, _ = await follow_events(client, ticket_id=a["id"], type="interaction.added")
    assert [(e["type"], e["ticket_id"]) for e in only_a] == [("interaction.added", a["id"])]


async def test_an_agent_sees_the_events_of_the_tickets_they_see(
    client: httpx.AsyncClient,
    app,  # type: ignore[no-untyped-def]
) -> None:
    mine, theirs = await make_team(client), await make_team(client)
    agent = await make_agent(client, team_id=mine["id"])
    seen_ticket = await make_ticket(client, team_id=mine["id"])
    await make_ticket(client, team_id=theirs["id"])
    async with client_for(app, await new_key(app, "agent", agent_id=agent["id"])) as as_agent:
        events, _ = await follow_events(as_agent)
    assert [e["ticket_id"] for e in events] == [seen_ticket["id"]]


async def test_a_bad_cursor_is_a_400(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/events", params={"cursor": "bm9wZQ"})
    assert response.status_code == 400


# ---- subscriptions -------------------------------------------------------------------------


async def test_a_subscription_gets_a_generated_secret_shown_once(client: httpx.AsyncClient) -> None:
    hook = await make_webhook(client)
    assert hook["secret"].startswith("whsec_") and hook["active"] is True
    shown = (await client.get(f"/v1/webhooks/{hook['id']}")).json()
    assert "secret" not in shown and shown["url"] == hook["url"]
    listed = (await client.get("/v1/webhooks")).json()["items"]
    assert [h["id"] for h in listed] == [hook["id"]]


async def test_a_given_secret_is_kept_and_a_malformed_one_refused(
    client: httpx.AsyncClient,
) -> None:
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    assert (await make_webhook(client, secret=secret))["secret"] == secret
    bad = await client.post(
        "/v1/webhooks",
        json={"url": "https://a.example", "event_types": ["ticket.created"], "secret": "nope"},
    )
    assert bad.status_code == 422


async def test_a_loopback_or_private_target_is_refused(client: httpx.AsyncClient) -> None:
    for url in (
        "http://127.0.0.1:9/x",
        "http://10.1.2.3/x",
        "http://[::1]/x",
        "http://169.254.169.254/",
    ):
        response = await client.post(
            "/v1/webhooks", json={"url": url, "event_types": ["sla.breach"]}
        )
        assert response.status_code == 422, url
        assert "address" in response.json()["detail"]


async def test_a_url_naming_no_host_is_refused_by_the_published_pattern_too(
    client: httpx.AsyncClient,
) -> None:
    """What the service refuses for naming no host, the schema's own pattern refuses: a
    client validating against /openapi.json learns the rule before sending."""
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    pattern = re.compile(schemas["WebhookCreate"]["properties"]["url"]["pattern"])
    for url in ("http://:8080/hook", "https://user@/hook", "http://@", "https://:@/x"):
        response = await client.post(
            "/v1/webhooks", json={"url": url, "event_types": ["sla.breach"]}
        )
        assert response.status_code == 422, url
        assert [e["field"] for e in response.json()["errors"]] == ["url"], url
        assert not pattern.search(url), url
    for url in ("https://hooks.example.com/x", "http://ops:s3cret@hooks.example.com:8443/a?b=c"):
        assert pattern.search(url), url
        response = await client.post(
            "/v1/webhooks", json={"url": url, "event_types": ["sla.breach"]}
        )
        assert response.status_code == 201, (url, response.text)


async def test_a_subscription_is_changed_at_the_version_read(client: httpx.AsyncClient) -> None:
    hook = await make_webhook(client)
    path = f"/v1/webhooks/{hook['id']}"
    changed = await patch(client, path, active=False, event_types=["sla.breach", "sla.warning"])
    assert changed.status_code == 200, changed.text
    assert changed.json()["event_types"] == ["sla.breach", "sla.warning"]
    stale = await patch(client, path, version=hook["version"], active=True)
    assert stale.status_code == 412
    assert (await client.delete(path)).status_code == 204
    assert (await client.get(path)).status_code == 404
    assert (await client.delete(path)).status_code == 404


async def test_only_admins_manage_subscriptions(app) -> None:  # type: ignore[no-untyped-def]
    for role in ("agent", "integration", "viewer"):
        async with client_for(app, await new_key(app, role)) as c:
            assert (await c.get("/v1/webhooks")).status_code == 403, role


async def test_a_delivery_is_owed_to_each_active_subscription_that_wants_the_event(
    client: httpx.AsyncClient,
) -> None:
    wants = await make_webhook(client, event_types=["ticket.created", "interaction.added"])
    other = await make_webhook(client, event_types=["sla.breach"])
    asleep = await make_webhook(client, active=False)
    ticket = await make_ticket(client)
    await log(client, ticket["id"])

    async def owed(hook: dict) -> list[tuple[str, str]]:  # type: ignore[type-arg]
        page = (await client.get(f"/v1/webhooks/{hook['id']}/deliveries")).json()
        return [(d["event_type"], d["status"]) for d in page["items"]]

    assert await owed(wants) == [("interaction.added", "pending"), ("ticket.created", "pending")]
    assert await owed(other) == []
    assert await owed(asleep) == []


async def test_a_pending_delivery_cannot_be_redelivered(client: httpx.AsyncClient) -> None:
    hook = await make_webhook(client)
    await make_ticket(client)
    delivery = (await client.get(f"/v1/webhooks/{hook['id']}/deliveries")).json()["items"][0]
    path = f"/v1/webhooks/{hook['id']}/deliveries/{delivery['id']}/redeliver"
    assert (await client.post(path)).status_code == 409
    assert (
        await client.post(f"/v1/webhooks/{hook['id']}/deliveries/999/redeliver")
    ).status_code == 404


async def test_a_refused_change_writes_no_event(client: httpx.AsyncClient) -> None:
    ticket = await make_ticket(client)
    path = f"/v1/tickets/{ticket['id']}"
    assert (await patch(client, path, version=99, status="open")).status_code == 412
    assert (await patch(client, path, assignee_id=999_999)).status_code == 422
    assert [e["type"] for e in (await follow_events(client))[0]] == ["ticket.created"]


async def test_an_escalation_and_an_email_reply_are_in_the_feed(client: httpx.AsyncClient) -> None:
    """escalation.created names the move, not its reason; an agent's public email reply's event
    says what it was, and none of what threads mail (the gateway reads the headers from the
    interaction)."""
    l1 = await make_team(client, name="Desk", tier=1)
    l2 = await make_team(client, name="Network", tier=2)
    ticket = await make_ticket(
        client, team_id=l1["id"], customer={"name": "Ada", "email": "ada@example.com"}
    )
    moved = await escalate(client, ticket["id"], reason="needs a network engineer")
    assert moved.status_code == 201, moved.text
    sent = await log(client, ticket["id"], kind="email", direction="outbound", body="Hi")
    events, _ = await follow_events(client)
    [escalation] = [e["data"] for e in events if e["type"] == "escalation.created"]
    assert (escalation["kind"], escalation["from_tier"], escalation["to_tier"]) == (
        "functional",
        1,
        2,
    )
    assert escalation["to_team_id"] == l2["id"] and escalation["team_id"] == l2["id"]
    assert "needs a network engineer" not in str(escalation)
    reply = [e["data"] for e in events if e["type"] == "interaction.added"][-1]
    assert (reply["interaction_id"], reply["kind"], reply["direction"]) == (
        sent["id"],
        "email",
        "outbound",
    )
    assert "email" not in reply
    assert sent["email"]["message_id"] not in str(reply)
    assert sent["email"]["reference_token"] not in str(reply)


async def test_a_survey_answer_is_in_the_feed_once_without_its_comment(
    client: httpx.AsyncClient,
) -> None:
    ticket = await make_ticket(client)
    survey = await answer_survey(client, ticket["id"], score=2, comment="Far too slow")
    retry = await client.post(
        f"/v1/tickets/{ticket['id']}/surveys",
        json={"kind": "csat", "score": 2, "comment": "Far too slow"},
    )
    assert retry.status_code == 200
    events, _ = await follow_events(client)
    [answered] = [e["data"] for e in events if e["type"] == "survey.received"]
    assert (answered["survey_id"], answered["kind"], answered["score"]) == (survey["id"], "csat", 2)
    assert "Far too slow" not in str(answered)
