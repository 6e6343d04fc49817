"""Escalations: functional up a tier, hierarchical to a supervisor, transfers, de-escalation,
acknowledgement; each with its trail, internal note and history, and the refusals."""

from typing import Any

import httpx

from tests.api.conftest import client_for, new_key
from tests.api.factories import (
    created,
    escalate,
    follow_events,
    make_agent,
    make_team,
    make_ticket,
    patch,
)
from tests.fakes import FakeClock


async def tiers(client: httpx.AsyncClient) -> tuple[dict[str, Any], ...]:
    return (
        await make_team(client, tier=1),
        await make_team(client, tier=2),
        await make_team(client, tier=3),
    )


async def history_actions(client: httpx.AsyncClient, ticket_id: int) -> list[dict[str, Any]]:
    return (await client.get(f"/v1/tickets/{ticket_id}/history")).json()["items"]


async def test_functional_escalation_moves_the_ticket_up_a_tier_with_its_trail(
    client: httpx.AsyncClient,
) -> None:
    l1, l2, _ = await tiers(client)
    agent = await make_agent(client, team_id=l1["id"])
    ticket = await make_ticket(client, team_id=l1["id"], assignee_id=agent["id"])

    answer = await escalate(client, ticket["id"], reason="needs a network engineer")

    assert answer.status_code == 201, answer.text
    row = answer.json()
    assert (row["kind"], row["trigger"]) == ("functional", "manual")
    assert (row["from_team_id"], row["to_team_id"]) == (l1["id"], l2["id"])
    assert (row["from_tier"], row["to_tier"]) == (1, 2)
    assert row["from_agent_id"] == agent["id"] and row["to_agent_id"] is None
    assert row["acknowledgement_due_at"] is not None and row["acknowledged_at"] is None
    moved = (await client.get(f"/v1/tickets/{ticket['id']}")).json()
    assert (moved["team_id"], moved["tier"], moved["assignee_id"]) == (l2["id"], 2, None)
    assert moved["routing"]["rule_id"] is None
    assert (
        "functional" in moved["routing"]["reason"]
        and "network engineer" in moved["routing"]["reason"]
    )
    trail = (await client.get(f"/v1/tickets/{ticket['id']}/escalations")).json()["items"]
    assert [e["id"] for e in trail] == [row["id"]]
    notes = (await client.get(f"/v1/tickets/{ticket['id']}/interactions")).json()["items"]
    note = next(n for n in notes if n["kind"] == "note")
    assert not note["public"] and "network engineer" in note["body"]
    lines = await history_actions(client, ticket["id"])
    escalated = next(line for line in lines if line["action"] == "escalated")
    assert escalated["interaction_id"] == note["id"]
    changed = {line["field"]: line["new_value"] for line in lines if line["action"] == "changed"}
    assert changed["team_id"] == l2["id"] and changed["tier"] == 2


async def test_functional_escalation_to_a_named_team_of_a_higher_tier(
    client: httpx.AsyncClient,
) -> None:
    l1, _, l3 = await tiers(client)
    ticket = await make_ticket(client, team_id=l1["id"])
    row = await created(await escalate(client, ticket["id"], to_team_id=l3["id"]))
    assert (row["to_team_id"], row["to_tier"]) == (l3["id"], 3)


async def test_escalating_past_the_top_tier_or_sideways_is_a_409_naming_why(
    client: httpx.AsyncClient,
) -> None:
    l1, _, l3 = await tiers(client)
    other_l1 = await make_team(client, tier=1)
    top = await make_ticket(client, team_id=l3["id"])
    past = await escalate(client, top["id"])
    assert past.status_code == 409 and "top tier" in past.json()["detail"]
    low = await make_ticket(client, team_id=l1["id"])
    sideways = await escalate(client, low["id"], to_team_id=other_l1["id"])
    assert sideways.status_code == 409 and "transfer" in sideways.json()["detail"]
    assert (await client.get(f"/v1/tickets/{low['id']}/escalations")).json()["items"] == []


async def test_a_closed_ticket_is_not_escalated(client: httpx.AsyncClient) -> None:
    l1, _, _ = await tiers(client)
    ticket = await make_ticket(client, team_id=l1["id"])
    path = f"/v1/tickets/{ticket['id']}"
    assert (await patch(client, path, status="resolved")).status_code == 200
    assert (await patch(client, path, status="closed")).status_code == 200
    refused = await escalate(client, ticket["id"])
    assert refused.status_code == 409 and "closed" in refused.json()["detail"]


async def test_a_failed_escalation_leaves_nothing_written(client: httpx.AsyncClient) -> None:
    l1, _, _ = await tiers(client)
    ticket = await make_ticket(client, team_id=l1["id"])
    refused = await escalate(client, ticket["id"], to_team_id=999999)
    assert refused.status_code == 422
    after = (await client.get(f"/v1/tickets/{ticket['id']}")).json()
    assert after["version"] == ticket["version"] and after["interaction_count"] == 0
    assert (await client.get("/v1/escalations")).json()["items"] == []


async def test_hierarchical_escalation_goes_to_the_team_supervisor_and_stays_in_the_team(
    client: httpx.AsyncClient,
) -> None:
    team = await make_team(client, tier=1)
    boss = await make_agent(client, team_id=team["id"], role="supervisor")
    path = f"/v1/teams/{team['id']}"
    assert (await patch(client, path, supervisor_id=boss["id"])).status_code == 200
    ticket = await make_ticket(client, team_id=team["id"])

    row = await created(await escalate(client, ticket["id"], "hierarchical"))

    assert row["kind"] == "hierarchical" and row["to_agent_id"] == boss["id"]
    assert row["to_team_id"] == team["id"] and row["to_tier"] == 1
    after = (await client.get(f"/v1/tickets/{ticket['id']}")).json()
    assert (after["team_id"], after["escalated_to_id"]) == (team["id"], boss["id"])


async def test_hierarchical_escalation_needs_a_supervisor(client: httpx.AsyncClient) -> None:
    team = await make_team(client, tier=1)
    plain = await make_agent(client, team_id=team["id"])
    ticket = await make_ticket(client, team_id=team["id"])
    none = await escalate(client, ticket["id"], "hierarchical")
    assert none.status_code == 409 and "no supervisor" in none.json()["detail"]
    not_one = await escalate(client, ticket["id"], "hierarchical", to_agent_id=plain["id"])
    assert not_one.status_code == 409 and "not an active supervisor" in not_one.json()["detail"]


async def test_supervisors_not_agents_acknowledge_hierarchical_escalations(
    app, client: httpx.AsyncClient, clock: FakeClock
) -> None:  # type: ignore[no-untyped-def]
    team = await make_team(client, tier=1)
    boss = await make_agent(client, team_id=team["id"], role="supervisor")
    agent = await make_agent(client, team_id=team["id"])
    ticket = await make_ticket(client, team_id=team["id"])
    row = await created(
        await escalate(client, ticket["id"], "hierarchical", to_agent_id=boss["id"])
    )
    clock.advance(minutes=12)
    path = f"/v1/escalations/{row['id']}/acknowledge"
    async with client_for(app, await new_key(app, "agent", agent_id=agent["id"])) as as_agent:
        refused = await as_agent.post(path)
        assert refused.status_code == 403 and "supervisors" in refused.json()["detail"]
    async with client_for(app, await new_key(app, "supervisor", agent_id=boss["id"])) as as_boss:
        taken = await as_boss.post(path)
        assert taken.status_code == 200, taken.text
        assert taken.json()["seconds_to_acknowledge"] == 12 * 60
        again = await as_boss.post(path)
        assert again.status_code == 409 and "acknowledged" in again.json()["detail"]
    lines = await history_actions(client, ticket["id"])
    assert any(line["action"] == "escalation_acknowledged" for line in lines)
    listed = (await client.get("/v1/escalations", params={"acknowledged": "true"})).json()
    assert [e["id"] for e in listed["items"]] == [row["id"]]


async def test_an_agent_of_the_receiving_team_acknowledges_a_functional_escalation(
    app, client: httpx.AsyncClient
) -> None:  # type: ignore[no-untyped-def]
    l1, l2, _ = await tiers(client)
    receiver = await make_agent(client, team_id=l2["id"])
    ticket = await make_ticket(client, team_id=l1["id"])
    row = await created(await escalate(client, ticket["id"]))
    async with client_for(app, await new_key(app, "agent", agent_id=receiver["id"])) as c:
        taken = await c.post(f"/v1/escalations/{row['id']}/acknowledge")
    assert taken.status_code == 200 and taken.json()["acknowledged_by"] is not None


async def test_a_team_change_by_patch_is_a_transfer_on_the_trail(client: httpx.AsyncClient) -> None:
    first, second = await make_team(client, tier=1), await make_team(client, tier=1)
    ticket = await make_ticket(client, team_id=first["id"])
    path = f"/v1/tickets/{ticket['id']}"
    moved = (await patch(client, path, team_id=second["id"])).json()
    assert moved["team_id"] == second["id"] and "transfer" in moved["routing"]["reason"]
    trail = (await client.get(f"{path}/escalations")).json()["items"]
    assert [(e["kind"], e["from_team_id"], e["to_team_id"]) for e in trail] == [
        ("transfer", first["id"], second["id"])
    ]
    transfers = (await client.get("/v1/escalations", params={"kind": "transfer"})).json()
    assert len(transfers["items"]) == 1
    refused = await client.post(f"/v1/escalations/{trail[0]['id']}/acknowledge")
    assert refused.status_code == 409


async def test_a_transfer_by_post_stays_in_the_tier(client: httpx.AsyncClient) -> None:
    first, second = await make_team(client, tier=1), await make_team(client, tier=1)
    higher = await make_team(client, tier=2)
    ticket = await make_ticket(client, team_id=first["id"])
    row = await created(await escalate(client, ticket["id"], "transfer", to_team_id=second["id"]))
    assert (row["kind"], row["to_tier"]) == ("transfer", 1)
    up = await escalate(client, ticket["id"], "transfer", to_team_id=higher["id"])
    assert up.status_code == 409


async def test_supervisors_deescalate_back_to_the_team_it_came_from(
    app, client: httpx.AsyncClient
) -> None:  # type: ignore[no-untyped-def]
    l1, l2, _ = await tiers(client)
    boss = await make_agent(client, team_id=l2["id"], role="supervisor")
    agent = await make_agent(client, team_id=l2["id"])
    ticket = await make_ticket(client, team_id=l1["id"])
    await created(await escalate(client, ticket["id"]))
    path = f"/v1/tickets/{ticket['id']}/deescalate"
    async with client_for(app, await new_key(app, "agent", agent_id=agent["id"])) as as_agent:
        assert (await as_agent.post(path, json={"reason": "solved"})).status_code == 403
    async with client_for(app, await new_key(app, "supervisor", agent_id=boss["id"])) as as_boss:
        down = await as_boss.post(path, json={"reason": "workaround found"})
    assert down.status_code == 201, down.text
    assert (down.json()["kind"], down.json()["to_team_id"], down.json()["to_tier"]) == (
        "deescalation",
        l1["id"],
        1,
    )
    bottom = await client.post(path, json={"reason": "again"})
    assert bottom.status_code == 409 and "no lower tier" in bottom.json()["detail"]
    kinds = [
        e["kind"]
        for e in (await client.get(f"/v1/tickets/{ticket['id']}/escalations")).json()["items"]
    ]
    assert kinds == ["functional", "deescalation"]


async def test_escalations_are_seen_by_whoever_sees_their_ticket(
    app, client: httpx.AsyncClient
) -> None:  # type: ignore[no-untyped-def]
    a, b = await make_team(client, tier=1), await make_team(client, tier=1)
    outsider = await make_agent(client, team_id=b["id"])
    ticket = await make_ticket(client, team_id=a["id"])
    await created(await escalate(client, ticket["id"], "transfer", to_team_id=await _third(client)))
    async with client_for(app, await new_key(app, "agent", agent_id=outsider["id"])) as c:
        assert (await c.get("/v1/escalations")).json()["items"] == []
        assert (await c.get(f"/v1/tickets/{ticket['id']}/escalations")).status_code == 404
    assert len((await client.get("/v1/escalations")).json()["items"]) == 1


async def _third(client: httpx.AsyncClient) -> int:
    return int((await make_team(client, tier=1))["id"])


async def test_escalations_list_pages_with_a_cursor(client: httpx.AsyncClient) -> None:
    teams = [await make_team(client, tier=1) for _ in range(4)]
    ticket = await make_ticket(client, team_id=teams[0]["id"])
    for team in teams[1:]:
        await created(await escalate(client, ticket["id"], "transfer", to_team_id=team["id"]))
    first = (await client.get("/v1/escalations", params={"limit": 2})).json()
    second = (
        await client.get("/v1/escalations", params={"limit": 2, "cursor": first["next_cursor"]})
    ).json()
    ids = [e["id"] for e in first["items"] + second["items"]]
    assert len(ids) == 3 and ids == sorted(ids, reverse=True)


async def test_the_supervisor_escalated_to_sees_and_acknowledges_the_ticket_and_no_other(
    app, client: httpx.AsyncClient
) -> None:  # type: ignore[no-untyped-def]
    l1, l2, _ = await tiers(client)
    l1_boss = await make_agent(client, team_id=l1["id"], role="supervisor")
    l2_boss = await make_agent(client, team_id=l2["id"], role="supervisor")
    agent = await make_agent(client, team_id=l1["id"])
    ticket = await make_ticket(client, team_id=l1["id"], assignee_id=agent["id"])
    async with client_for(app, await new_key(app, "agent", agent_id=agent["id"])) as as_agent:
        row = await created(
            await escalate(as_agent, ticket["id"], "hierarchical", to_agent_id=l2_boss["id"])
        )
    path = f"/v1/escalations/{row['id']}/acknowledge"
    async with client_for(app, await new_key(app, "supervisor", agent_id=l1_boss["id"])) as c:
        assert (await c.get(f"/v1/tickets/{ticket['id']}")).status_code == 200
        refused = await c.post(path)
        assert refused.status_code == 403, refused.text
        assert f"supervisor {l2_boss['id']}" in refused.json()["detail"]
    async with client_for(app, await new_key(app, "supervisor", agent_id=l2_boss["id"])) as c:
        seen = await c.get(f"/v1/tickets/{ticket['id']}")
        assert seen.status_code == 200 and seen.json()["escalated_to_id"] == l2_boss["id"]
        listed = (await c.get("/v1/tickets")).json()["items"]
        assert [t["id"] for t in listed] == [ticket["id"]]
        taken = await c.post(path)
        assert taken.status_code == 200, taken.text
        assert taken.json()["acknowledged_by"] is not None


async def test_a_hierarchical_escalation_to_whoever_holds_the_ticket_is_a_422(
    client: httpx.AsyncClient,
) -> None:
    team = await make_team(client, tier=1)
    boss = await make_agent(client, team_id=team["id"], role="supervisor")
    assert (
        await patch(client, f"/v1/teams/{team['id']}", supervisor_id=boss["id"])
    ).status_code == 200
    ticket = await make_ticket(client, team_id=team["id"], assignee_id=boss["id"])
    for named in ({"to_agent_id": boss["id"]}, {}):
        refused = await escalate(client, ticket["id"], "hierarchical", **named)
        assert refused.status_code == 422, refused.text
        assert f"agent {boss['id']} holds ticket {ticket['id']}" in refused.json()["detail"]
        assert refused.json()["errors"][0]["field"] == "to_agent_id"
    assert (await client.get(f"/v1/tickets/{ticket['id']}/escalations")).json()["items"] == []


async def test_escalations_and_tickets_filter_on_whom_they_were_escalated_to(
    client: httpx.AsyncClient,
) -> None:
    team = await make_team(client, tier=1)
    one = await make_agent(client, team_id=team["id"], role="supervisor")
    two = await make_agent(client, team_id=team["id"], role="supervisor")
    first = await make_ticket(client, team_id=team["id"])
    second = await make_ticket(client, team_id=team["id"])
    await make_ticket(client, team_id=team["id"])
    to_one = await created(
        await escalate(client, first["id"], "hierarchical", to_agent_id=one["id"])
    )
    await created(await escalate(client, second["id"], "hierarchical", to_agent_id=two["id"]))

    listed = (await client.get("/v1/escalations", params={"to_agent_id": one["id"]})).json()
    assert [e["id"] for e in listed["items"]] == [to_one["id"]]
    tickets = (await client.get("/v1/tickets", params={"escalated_to_id": two["id"]})).json()
    assert [t["id"] for t in tickets["items"]] == [second["id"]]


async def test_a_team_change_by_patch_is_recorded_as_the_same_move_by_post_is(
    client: httpx.AsyncClient,
) -> None:
    first, second = await make_team(client, tier=1), await make_team(client, tier=1)
    higher = await make_team(client, tier=2)
    agent = await make_agent(client, team_id=first["id"])
    ticket = await make_ticket(client, team_id=first["id"], assignee_id=agent["id"])
    path = f"/v1/tickets/{ticket['id']}"
    _, cursor = await follow_events(client)

    across = (await patch(client, path, team_id=second["id"])).json()
    up = (await patch(client, path, team_id=higher["id"])).json()

    trail = (await client.get(f"{path}/escalations")).json()["items"]
    assert [(e["kind"], e["to_agent_id"]) for e in trail] == [
        ("transfer", across["assignee_id"]),
        ("functional", up["assignee_id"]),
    ]
    assert trail[0]["acknowledgement_due_at"] is None
    assert trail[1]["acknowledgement_due_at"] is not None
    notes = (await client.get(f"{path}/interactions")).json()["items"]
    assert [n["kind"] for n in notes] == ["note", "note"] and up["interaction_count"] == 2
    assert all("team changed by PATCH" in n["body"] for n in notes)
    lines = await history_actions(client, ticket["id"])
    moves = [line for line in lines if line["action"] in ("transferred", "escalated")]
    assert [line["interaction_id"] for line in moves] == [n["id"] for n in notes]
    seen, _ = await follow_events(client, cursor, type="escalation.created")
    assert [(e["data"]["kind"], e["data"]["version"]) for e in seen] == [
        ("transfer", across["version"]),
        ("functional", up["version"]),
    ]


async def test_the_supervisor_escalated_to_counts_the_ticket_in_their_metrics(
    app, client: httpx.AsyncClient, clock: FakeClock
) -> None:  # type: ignore[no-untyped-def]
    l1, l2, _ = await tiers(client)
    l2_boss = await make_agent(client, team_id=l2["id"], role="supervisor")
    ticket = await make_ticket(client, team_id=l1["id"])
    await make_ticket(client, team_id=l1["id"])
    await created(await escalate(client, ticket["id"], "hierarchical", to_agent_id=l2_boss["id"]))
    period = {"from": "2026-03-01", "to": "2026-04-01"}
    async with client_for(app, await new_key(app, "supervisor", agent_id=l2_boss["id"])) as c:
        answered = await c.get("/v1/metrics/summary", params=period)
    assert answered.status_code == 200, answered.text
    assert answered.json()["volume"]["created"] == 1
