"""Routing rules and assignment: a new ticket without a team goes by the first matching rule,
says why, and is assigned inside its team fairly, within capacity, to a speaker of its language."""

import asyncio
import re
from collections import Counter
from typing import Any

import httpx

from tests.api.conftest import client_for, new_key
from tests.api.factories import created, make_agent, make_customer, make_team, make_ticket, patch


async def make_rule(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    return await created(await client.post("/v1/routing-rules", json={"name": "rule"} | fields))


async def test_the_first_matching_rule_routes_a_ticket_and_says_why(
    client: httpx.AsyncClient,
) -> None:
    billing, dutch, rest = [await make_team(client) for _ in range(3)]
    dutch_rule = await make_rule(
        client,
        name="Dutch billing",
        position=10,
        team_id=dutch["id"],
        conditions={"category_prefix": "billing", "languages": ["nl"]},
    )
    await make_rule(
        client,
        name="Billing",
        position=20,
        team_id=billing["id"],
        conditions={"category_prefix": "billing"},
    )
    await make_rule(client, name="Everything else", position=99, team_id=rest["id"])

    nl = await make_ticket(client, category="billing/invoice", language="nl-BE")
    en = await make_ticket(client, category="Billing/refund", language="en")
    other = await make_ticket(client, category="network")

    assert (nl["team_id"], nl["routing"]["rule_id"]) == (dutch["id"], dutch_rule["id"])
    assert (
        "Dutch billing" in nl["routing"]["reason"] and "language nl-BE" in nl["routing"]["reason"]
    )
    assert en["team_id"] == billing["id"] and other["team_id"] == rest["id"]
    read = (await client.get(f"/v1/tickets/{nl['id']}")).json()
    assert read["routing"] == nl["routing"]
    listed = (await client.get("/v1/tickets", params={"team_id": dutch["id"]})).json()["items"]
    assert [t["routing"]["rule_id"] for t in listed] == [dutch_rule["id"]]
    history = (await client.get(f"/v1/tickets/{nl['id']}/history")).json()["items"]
    created_line = next(h for h in history if h["action"] == "created")
    assert created_line["new_value"]["routing"]["rule_id"] == dutch_rule["id"]


async def test_rules_match_on_type_channel_tags_priority_and_organization(
    client: httpx.AsyncClient,
) -> None:
    team = await make_team(client, tier=2)
    await make_rule(
        client,
        team_id=team["id"],
        tier=2,
        conditions={
            "types": ["incident"],
            "channels": ["email"],
            "tags": ["vip", "gold"],
            "priorities": ["critical"],
            "organizations": ["Acme"],
        },
    )
    acme = await make_customer(client, organization="Acme")
    base = {
        "type": "incident",
        "channel": "email",
        "tags": ["gold"],
        "priority": "critical",
        "priority_reason": "board member",
        "customer_id": acme["id"],
    }
    hit = await make_ticket(client, **base)
    assert (hit["team_id"], hit["tier"]) == (team["id"], 2)
    for miss in ({"channel": "phone"}, {"tags": ["bronze"]}, {"type": "question"}):
        assert (await make_ticket(client, **(base | miss)))["team_id"] is None
    assert (await make_ticket(client, **(base | {"customer_id": None})))["team_id"] is None


async def test_a_routed_priority_set_by_hand_needs_a_reason_that_is_not_blank(
    client: httpx.AsyncClient,
) -> None:
    """Routing weighs the priority before the ticket is written: a missing or blank reason is
    a 422 naming it, not an error on the way."""
    team = await make_team(client)
    await make_rule(client, team_id=team["id"], conditions={"priorities": ["critical"]})
    for reason in ({}, {"priority_reason": "  "}):
        body = {"subject": "Down", "priority": "critical"} | reason
        response = await client.post("/v1/tickets", json=body)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "priority_reason"
    ticket = await make_ticket(client, priority="critical", priority_reason=" board member ")
    assert ticket["team_id"] == team["id"]
    assert ticket["priority_reason"] == "override by agent: board member → critical"


async def test_a_ticket_given_a_team_is_not_routed(client: httpx.AsyncClient) -> None:
    mine, theirs = await make_team(client), await make_team(client)
    await make_rule(client, team_id=theirs["id"])
    ticket = await make_ticket(client, team_id=mine["id"])
    assert (ticket["team_id"], ticket["routing"]) == (mine["id"], None)


async def test_supervisors_edit_the_rules_of_their_own_teams_and_agents_none(
    app, client: httpx.AsyncClient
) -> None:  # type: ignore[no-untyped-def]
    mine, theirs = await make_team(client), await make_team(client)
    boss = await make_agent(client, team_id=mine["id"], role="supervisor")
    agent = await make_agent(client, team_id=mine["id"])
    async with client_for(app, await new_key(app, "supervisor", agent_id=boss["id"])) as c:
        rule = await created(
            await c.post("/v1/routing-rules", json={"name": "M", "team_id": mine["id"]})
        )
        other = await c.post("/v1/routing-rules", json={"name": "T", "team_id": theirs["id"]})
        assert other.status_code == 403 and "own team" in other.json()["detail"]
        moved = await patch(c, f"/v1/routing-rules/{rule['id']}", team_id=theirs["id"])
        assert moved.status_code == 403
        renamed = await patch(c, f"/v1/routing-rules/{rule['id']}", name="Mine")
        assert renamed.status_code == 200 and renamed.json()["name"] == "Mine"
    async with client_for(app, await new_key(app, "agent", agent_id=agent["id"])) as c:
        refused = await c.post("/v1/routing-rules", json={"name": "A", "team_id": mine["id"]})
        assert refused.status_code == 403
        assert (await c.get("/v1/routing-rules")).status_code == 200
    assert (await client.delete(f"/v1/routing-rules/{rule['id']}")).status_code == 204
    assert (await client.get(f"/v1/routing-rules/{rule['id']}")).status_code == 404


async def test_round_robin_skips_agents_away_or_full_and_prefers_the_ticket_language(
    client: httpx.AsyncClient,
) -> None:
    team = await make_team(client, assignment="round_robin")
    a = await make_agent(client, team_id=team["id"], languages=["en"])
    b = await make_agent(client, team_id=team["id"], languages=["en", "nl"])
    away = await make_agent(client, team_id=team["id"], availability="away")
    full = await make_agent(client, team_id=team["id"], capacity=0)
    order = [(await make_ticket(client, team_id=team["id"]))["assignee_id"] for _ in range(4)]
    assert order == [a["id"], b["id"], a["id"], b["id"]]
    assert away["id"] not in order and full["id"] not in order
    dutch = [
        (await make_ticket(client, team_id=team["id"], language="nl"))["assignee_id"]
        for _ in range(2)
    ]
    assert dutch == [b["id"], b["id"]]


async def test_least_open_assigns_to_the_agent_with_the_fewest_open_tickets(
    client: httpx.AsyncClient,
) -> None:
    team = await make_team(client, assignment="least_open")
    busy = await make_agent(client, team_id=team["id"])
    idle = await make_agent(client, team_id=team["id"])
    for _ in range(2):
        await make_ticket(client, team_id=team["id"], assignee_id=busy["id"])
    picks = [(await make_ticket(client, team_id=team["id"]))["assignee_id"] for _ in range(3)]
    # idle catches up (2 each), then the tie goes to the lower id: busy.
    assert picks == [idle["id"], idle["id"], busy["id"]]


async def test_a_routed_ticket_is_assigned_in_its_new_team(client: httpx.AsyncClient) -> None:
    team = await make_team(client, assignment="round_robin")
    agent = await make_agent(client, team_id=team["id"])
    await make_rule(client, team_id=team["id"], conditions={"channels": ["chat"]})
    ticket = await make_ticket(client, channel="chat")
    assert (ticket["team_id"], ticket["assignee_id"]) == (team["id"], agent["id"])


async def test_100_concurrent_creates_over_4_agents_stay_within_capacity_and_one_apart(
    client: httpx.AsyncClient,
) -> None:
    team = await make_team(client, assignment="round_robin")
    agents = [await make_agent(client, team_id=team["id"], capacity=26) for _ in range(4)]
    gate = asyncio.Semaphore(16)

    async def one(n: int) -> int | None:
        async with gate:
            answer = await client.post(
                "/v1/tickets", json={"subject": f"Rush {n}", "team_id": team["id"]}
            )
        assert answer.status_code == 201, answer.text
        return answer.json()["assignee_id"]

    picks = Counter(await asyncio.gather(*(one(n) for n in range(100))))
    assert set(picks) == {a["id"] for a in agents}
    assert max(picks.values()) <= 26 and max(picks.values()) - min(picks.values()) <= 1


async def test_concurrent_round_robin_without_capacities_rotates_exactly(
    client: httpx.AsyncClient,
) -> None:
    team = await make_team(client, assignment="round_robin")
    agents = [await make_agent(client, team_id=team["id"]) for _ in range(4)]

    async def one(n: int) -> int | None:
        answer = await client.post(
            "/v1/tickets", json={"subject": f"Rr {n}", "team_id": team["id"]}
        )
        assert answer.status_code == 201, answer.text
        return answer.json()["assignee_id"]

    picks = Counter(await asyncio.gather(*(one(n) for n in range(40))))
    assert picks == Counter({a["id"]: 10 for a in agents})


async def test_round_robin_gives_each_language_group_its_own_turns(
    client: httpx.AsyncClient,
) -> None:
    for capacity in (None, 10):  # plain rotation, and the counted path capacities take
        team = await make_team(client, assignment="round_robin")
        p, q, n = [
            await make_agent(client, team_id=team["id"], languages=[lang], capacity=capacity)
            for lang in ("en", "en", "nl")
        ]
        order = [
            (await make_ticket(client, team_id=team["id"], language=lang))["assignee_id"]
            for lang in ("en", "nl", "en", "nl-BE", "en")
        ]
        assert order == [p["id"], n["id"], q["id"], n["id"], p["id"]], capacity


async def test_if_match_star_changes_a_rule_whatever_its_version_as_the_schema_says(
    client: httpx.AsyncClient,
) -> None:
    """`*` is an If-Match every update takes (RFC 9110 §13.1.1), and its published pattern says
    so; what is no entity tag at all is a 400 naming the header."""
    rule = await make_rule(client, team_id=(await make_team(client))["id"])
    path = f"/v1/routing-rules/{rule['id']}"
    assert (await patch(client, path, name="first")).status_code == 200
    changed = await client.patch(path, json={"name": "second"}, headers={"If-Match": "*"})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["name"], changed.json()["version"]) == ("second", 3)
    bare = await client.patch(path, json={"name": "third"}, headers={"If-Match": "3"})
    assert bare.status_code == 400 and bare.json()["errors"][0]["field"] == "header.If-Match"

    spec = (await client.get("/openapi.json")).json()
    headers = [
        p
        for item in spec["paths"].values()
        for op in item.values()
        for p in op.get("parameters", [])
        if p["name"] == "If-Match"
    ]
    assert headers
    for header in headers:
        pattern = re.compile(header["schema"]["pattern"])
        assert pattern.search("*") and pattern.search('"3"') and pattern.search('W/"3"')
        assert not pattern.search("3") and not pattern.search("null")
