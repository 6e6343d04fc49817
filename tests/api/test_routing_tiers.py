"""A routing rule's tier is its team's: a rule cannot place tickets in a team at another tier,
and a routed ticket is at its team's tier."""

import httpx

from tests.api.factories import make_team, make_ticket, patch


async def test_a_rule_whose_tier_contradicts_its_team_is_refused_naming_the_field(
    client: httpx.AsyncClient,
) -> None:
    first, second = await make_team(client, tier=1), await make_team(client, tier=2)
    refused = await client.post(
        "/v1/routing-rules", json={"name": "VIP", "team_id": first["id"], "tier": 2}
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "tier"
    assert "a rule routing to it places tickets at tier 1" in refused.json()["detail"]
    assert (await client.get("/v1/routing-rules")).json()["items"] == []  # nothing written

    rule = await client.post(
        "/v1/routing-rules", json={"name": "VIP", "team_id": second["id"], "tier": 2}
    )
    assert rule.status_code == 201, rule.text
    path = f"/v1/routing-rules/{rule.json()['id']}"
    # Moving the rule to a tier-1 team while it says tier 2: the team is what was given.
    moved = await patch(client, path, team_id=first["id"])
    assert moved.status_code == 422, moved.text
    assert moved.json()["errors"][0]["field"] == "team_id"
    retiered = await patch(client, path, tier=3)
    assert retiered.status_code == 422 and retiered.json()["errors"][0]["field"] == "tier"
    both = await patch(client, path, team_id=first["id"], tier=1)
    assert both.status_code == 200, both.text
    assert (both.json()["team_id"], both.json()["tier"]) == (first["id"], 1)


async def test_a_routed_ticket_is_at_its_team_s_tier_when_the_team_moved_since(
    client: httpx.AsyncClient,
) -> None:
    team = await make_team(client, tier=2)
    rule = await client.post("/v1/routing-rules", json={"name": "All", "team_id": team["id"]})
    assert rule.status_code == 201, rule.text
    assert (await make_ticket(client))["tier"] == 2
    stated = await client.post(
        "/v1/routing-rules",
        json={"name": "Stated", "team_id": team["id"], "tier": 2, "position": 1},
    )
    assert stated.status_code == 201, stated.text
    moved = await patch(client, f"/v1/teams/{team['id']}", tier=3)
    assert moved.status_code == 200, moved.text
    routed = await make_ticket(client)
    assert routed["routing"]["rule_id"] == stated.json()["id"]
    assert (routed["team_id"], routed["tier"]) == (team["id"], 3)


async def test_the_schema_states_that_a_rule_s_tier_is_its_team_s(
    client: httpx.AsyncClient,
) -> None:
    """The refusal above is a rule of the published schema, not a surprise to a client that
    validated its request against it."""
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    for name in ("RoutingRuleCreate", "RoutingRuleUpdate"):
        described = schemas[name]["properties"]["tier"]["description"]
        assert "places tickets at the team's tier" in described, name
        assert "refused" in described, name
