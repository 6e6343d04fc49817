"""Surveys: one CSAT and one NPS answer per ticket, retries return the first, the list follows
what the caller sees."""

import asyncio
from datetime import timedelta

import httpx

from tests.api.conftest import client_for, new_key
from tests.api.factories import (
    answer_survey,
    make_agent,
    make_customer,
    make_team,
    make_ticket,
)
from tests.api.test_access import portal_token
from tests.fakes import FakeClock


async def test_an_answer_is_recorded_with_the_tickets_customer(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    customer = await make_customer(client)
    ticket = await make_ticket(client, customer_id=customer["id"])
    made = await client.post(
        f"/v1/tickets/{ticket['id']}/surveys",
        json={"kind": "csat", "score": 4, "comment": "Good"},
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["kind"], body["score"], body["comment"]) == ("csat", 4, "Good")
    assert body["customer_id"] == customer["id"]
    assert body["responded_at"] == clock.now().isoformat().replace("+00:00", "Z")


async def test_the_same_answer_again_is_a_retry_and_a_different_one_a_conflict(
    client: httpx.AsyncClient,
) -> None:
    ticket = await make_ticket(client)
    path = f"/v1/tickets/{ticket['id']}/surveys"
    first = await client.post(path, json={"kind": "nps", "score": 9})
    again = await client.post(path, json={"kind": "nps", "score": 9})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    other = await client.post(path, json={"kind": "nps", "score": 3})
    assert other.status_code == 409 and "already has a nps answer" in other.json()["detail"]
    # The other kind is a question of its own.
    assert (await client.post(path, json={"kind": "csat", "score": 2})).status_code == 201
    listed = (await client.get("/v1/surveys", params={"ticket_id": ticket["id"]})).json()
    assert sorted((s["kind"], s["score"]) for s in listed["items"]) == [("csat", 2), ("nps", 9)]


async def test_concurrent_different_answers_keep_exactly_one(client: httpx.AsyncClient) -> None:
    ticket = await make_ticket(client)
    path = f"/v1/tickets/{ticket['id']}/surveys"
    answers = await asyncio.gather(
        *(client.post(path, json={"kind": "csat", "score": s}) for s in (1, 2, 3, 4, 5))
    )
    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409, 409]
    listed = (await client.get("/v1/surveys", params={"ticket_id": ticket["id"]})).json()
    assert len(listed["items"]) == 1


async def test_scores_out_of_their_kinds_range_are_refused(client: httpx.AsyncClient) -> None:
    ticket = await make_ticket(client)
    path = f"/v1/tickets/{ticket['id']}/surveys"
    for body in (
        {"kind": "csat", "score": 0},
        {"kind": "csat", "score": 6},
        {"kind": "nps", "score": 11},
        {"kind": "nps", "score": -1},
        {"kind": "ces", "score": 3},
        {"kind": "csat", "score": "5"},
    ):
        refused = await client.post(path, json=body)
        assert refused.status_code == 422, body
    assert (await client.post(path, json={"kind": "nps", "score": 0})).status_code == 201
    assert (
        await client.post("/v1/tickets/999999/surveys", json={"kind": "nps", "score": 1})
    ).status_code == 404


async def test_a_customer_answers_about_their_own_ticket_only(
    app, client: httpx.AsyncClient
) -> None:  # type: ignore[no-untyped-def]
    alice, bert = await make_customer(client), await make_customer(client)
    hers = await make_ticket(client, customer_id=alice["id"])
    his = await make_ticket(client, customer_id=bert["id"])
    async with client_for(app, await portal_token(client, alice["id"])) as portal:
        mine = await portal.post(
            f"/v1/tickets/{hers['id']}/surveys", json={"kind": "csat", "score": 5}
        )
        assert mine.status_code == 201, mine.text
        theirs = await portal.post(
            f"/v1/tickets/{his['id']}/surveys", json={"kind": "csat", "score": 1}
        )
        assert theirs.status_code == 404
        assert (await portal.get("/v1/surveys")).status_code == 403


async def test_the_list_filters_and_shows_only_visible_tickets_answers(
    app, client: httpx.AsyncClient, clock: FakeClock
) -> None:  # type: ignore[no-untyped-def]
    team_a, team_b = await make_team(client), await make_team(client)
    agent = await make_agent(client, team_id=team_a["id"])
    ours = await make_ticket(client, team_id=team_a["id"])
    theirs = await make_ticket(client, team_id=team_b["id"])
    t0 = clock.now()
    await answer_survey(client, ours["id"], "csat", 5)
    clock.set(t0 + timedelta(hours=1))
    await answer_survey(client, theirs["id"], "csat", 1)
    clock.set(t0 + timedelta(hours=2))
    await answer_survey(client, ours["id"], "nps", 10)

    everything = (await client.get("/v1/surveys")).json()["items"]
    assert [(s["ticket_id"], s["kind"]) for s in everything] == [
        (ours["id"], "nps"),
        (theirs["id"], "csat"),
        (ours["id"], "csat"),
    ]
    csat = (await client.get("/v1/surveys", params={"kind": "csat"})).json()["items"]
    assert [s["score"] for s in csat] == [1, 5]
    window = {
        "since": (t0 + timedelta(minutes=30)).isoformat(),
        "until": (t0 + timedelta(hours=2)).isoformat(),
    }
    assert [
        s["ticket_id"] for s in (await client.get("/v1/surveys", params=window)).json()["items"]
    ] == [theirs["id"]]
    first = (await client.get("/v1/surveys", params={"limit": 2})).json()
    rest = (
        await client.get("/v1/surveys", params={"limit": 2, "cursor": first["next_cursor"]})
    ).json()
    assert [s["id"] for s in first["items"] + rest["items"]] == [s["id"] for s in everything]
    assert rest["next_cursor"] is None

    async with client_for(app, await new_key(app, "agent", agent_id=agent["id"])) as agents:
        seen = (await agents.get("/v1/surveys")).json()["items"]
        assert {s["ticket_id"] for s in seen} == {ours["id"]}


async def test_erasing_the_customer_keeps_the_score_and_drops_the_comment(
    client: httpx.AsyncClient,
) -> None:
    customer = await make_customer(client)
    ticket = await make_ticket(client, customer_id=customer["id"])
    await answer_survey(client, ticket["id"], "csat", 2, comment="Anna at 555-0101 was rude")
    erased = await client.post(f"/v1/customers/{customer['id']}/erase")
    assert erased.status_code == 200, erased.text
    [survey] = (await client.get("/v1/surveys", params={"ticket_id": ticket["id"]})).json()["items"]
    assert (survey["score"], survey["comment"]) == (2, None)
