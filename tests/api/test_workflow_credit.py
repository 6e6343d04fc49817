"""Resolution credit stays with whoever resolved a ticket: escalating, transferring or
reassigning it once resolved moves the ticket, never the resolution or its CSAT answers."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.api.factories import (
    answer_survey,
    escalate,
    log,
    make_agent,
    make_team,
    make_ticket,
    patch,
)
from tests.fakes import FakeClock

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PERIOD = {"from": "2026-03-01", "to": "2026-04-01"}


async def _figures(client: httpx.AsyncClient) -> dict[int, dict[str, Any]]:
    answered = await client.get("/v1/metrics/agents", params=PERIOD)
    assert answered.status_code == 200, answered.text
    return {a["agent_id"]: a for a in answered.json()["items"]}


async def test_moving_a_resolved_ticket_keeps_its_resolution_and_csat_credit(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    clock.set(T0)
    desk = await make_team(client, tier=1)
    other = await make_team(client, tier=1, assignment="round_robin")
    second_line = await make_team(client, tier=2, assignment="round_robin")
    resolver = await make_agent(client, team_id=desk["id"])
    receiver = await make_agent(client, team_id=other["id"])
    specialist = await make_agent(client, team_id=second_line["id"])
    transferred, escalated, reassigned = [
        await make_ticket(client, team_id=desk["id"], assignee_id=resolver["id"]) for _ in range(3)
    ]
    for ticket in (transferred, escalated, reassigned):
        await log(client, ticket["id"], author_type="agent", author_id=resolver["id"])
        path = f"/v1/tickets/{ticket['id']}"
        assert (await patch(client, path, status="resolved")).status_code == 200
        await answer_survey(client, ticket["id"], "csat", 5)
    clock.set(T0 + timedelta(hours=1))
    moved = await escalate(client, transferred["id"], "transfer", to_team_id=other["id"])
    assert moved.status_code == 201, moved.text
    moved = await escalate(client, escalated["id"], to_team_id=second_line["id"])
    assert moved.status_code == 201, moved.text
    path = f"/v1/tickets/{reassigned['id']}"
    assert (await patch(client, path, assignee_id=receiver["id"])).status_code == 200
    assignees = [
        (await client.get(f"/v1/tickets/{t['id']}")).json()["assignee_id"]
        for t in (transferred, escalated, reassigned)
    ]
    assert assignees == [receiver["id"], specialist["id"], receiver["id"]]  # the ticket moved

    figures = await _figures(client)
    assert figures[resolver["id"]]["resolved"] == 3
    assert (figures[resolver["id"]]["csat_mean"], figures[resolver["id"]]["csat_answers"]) == (
        5.0,
        3,
    )
    for agent in (receiver, specialist):
        assert agent["id"] not in figures or figures[agent["id"]]["resolved"] == 0
        assert agent["id"] not in figures or figures[agent["id"]]["csat_answers"] == 0


async def test_a_reopened_ticket_is_credited_to_whoever_resolves_it_again(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    clock.set(T0)
    team = await make_team(client)
    first, second = await make_agent(client, team_id=team["id"]), await make_agent(client)
    ticket = await make_ticket(client, team_id=team["id"], assignee_id=first["id"])
    path = f"/v1/tickets/{ticket['id']}"
    assert (await patch(client, path, status="resolved")).status_code == 200
    assert (await patch(client, path, status="open")).status_code == 200
    assert (await patch(client, path, assignee_id=second["id"])).status_code == 200
    assert (await patch(client, path, status="resolved")).status_code == 200
    figures = await _figures(client)
    assert figures[second["id"]]["resolved"] == 1
    assert first["id"] not in figures or figures[first["id"]]["resolved"] == 0
