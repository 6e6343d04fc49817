"""Quality assurance through the API: a month of QA by a manager, scorecard versions, who reads
which reviews, and bad input."""

from datetime import UTC, datetime
from typing import Any

import httpx

from app.db import Database, connection
from tests.api.conftest import client_for, new_key
from tests.api.factories import (
    created,
    escalate,
    follow_events,
    log,
    make_agent,
    make_customer,
    make_team,
    make_ticket,
    patch,
)
from tests.fakes import FakeClock

REPLY = (
    "Hello Anna, thank you for reporting this. A technician will call you within 2 hours."
    " Is there anything else I can help with?"
)
CURT = "Fixed. You should have restarted it."


async def resolved_ticket(
    client: httpx.AsyncClient, clock: FakeClock, *, agent: int, team: int, customer: int, body: str
) -> dict[str, Any]:
    ticket = await make_ticket(
        client,
        team_id=team,
        assignee_id=agent,
        customer_id=customer,
        category="Hardware",
        tags=["printer"],
        language="en",
    )
    clock.advance(minutes=30)
    await log(client, ticket["id"], body=body, author_id=agent)
    clock.advance(hours=2)
    await created(await patch(client, f"/v1/tickets/{ticket['id']}", status="resolved"))
    clock.advance(hours=1)
    return ticket


def by_check(review: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["check"]: s for s in review["suggestions"]}


# Answers for the built-in checklist's criteria no pre-check decides.
JUDGEMENT = {
    "empathy": 2,
    "no_jargon": 2,
    "answered_all": 1,
    "several_solutions": None,
    "self_help": 0,
}


async def test_a_manager_runs_a_month_of_qa_through_the_api(
    app, client: httpx.AsyncClient, clock: FakeClock, db: Database
) -> None:  # type: ignore[no-untyped-def]
    red, blue = await make_team(client), await make_team(client)
    ada = await make_agent(client, team_id=red["id"])
    bob = await make_agent(client, team_id=red["id"])
    cleo = await make_agent(client, team_id=blue["id"])
    sam = await make_agent(client, team_id=red["id"], name="Sam Supervisor")
    anna = await make_customer(client, name="Anna Smith")
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    tickets: dict[int, list[int]] = {ada["id"]: [], bob["id"]: []}
    for agent in (ada, bob):
        for i in range(4):
            made = await resolved_ticket(
                client,
                clock,
                agent=agent["id"],
                team=red["id"],
                customer=anna["id"],
                body=REPLY if i % 2 == 0 else CURT,
            )
            tickets[agent["id"]].append(made["id"])
    other = await resolved_ticket(
        client, clock, agent=cleo["id"], team=blue["id"], customer=anna["id"], body=REPLY
    )
    await escalate(client, tickets[bob["id"]][1], kind="functional")  # an escalated ticket

    clock.set(datetime(2026, 4, 1, 10, 0, tzinfo=UTC))
    supervisor = client_for(app, await new_key(app, "supervisor", agent_id=sam["id"]))
    as_ada = client_for(app, await new_key(app, "agent", agent_id=ada["id"]))
    as_bob = client_for(app, await new_key(app, "agent", agent_id=bob["id"]))
    as_cleo = client_for(app, await new_key(app, "agent", agent_id=cleo["id"]))
    _, cursor = await follow_events(client)

    # 1. The month's sample: 2 per agent of team red, reproducible, never the same ticket twice.
    request = {
        "period": "month",
        "starts_on": "2026-03-01",
        "per_agent": 2,
        "team_id": red["id"],
        "seed": 42,
    }
    sample = await supervisor.post("/v1/qa/assignments", json=request)
    assert sample.status_code == 201, sample.text
    drawn = sample.json()
    assert drawn["population"] == {
        str(ada["id"]): tickets[ada["id"]],
        str(bob["id"]): tickets[bob["id"]],
    }
    assert drawn["seed"] == 42
    picked = [i["ticket_id"] for i in drawn["items"]]
    assert len(picked) == 4 and other["id"] not in picked
    for agent in (ada, bob):
        assert len([i for i in drawn["items"] if i["agent_id"] == agent["id"]]) == 2
    again = await supervisor.post("/v1/qa/assignments", json=request)
    assert again.status_code == 200
    assert again.json()["id"] == drawn["id"] and again.json()["items"] == drawn["items"]
    rest = await created(await supervisor.post("/v1/qa/assignments", json=request | {"seed": 7}))
    assert {i["ticket_id"] for i in rest["items"]}.isdisjoint(picked)
    assert len(rest["items"]) == 4  # the other two of each agent: the population left

    # 2. Reviews with pre-checks: the built-in checklist, suggestions accepted or overruled.
    cards = (await supervisor.get("/v1/qa/scorecards")).json()["items"]
    assert [c["built_in"] for c in cards] == [True]
    first = picked[0]
    preview = (await supervisor.get(f"/v1/tickets/{first}/qa-prechecks")).json()
    assert {s["check"] for s in preview["suggestions"]} >= {"greeting", "update_gap", "tagged"}
    assert all(s["outcome"] is None for s in preview["suggestions"])
    reviews: dict[int, dict[str, Any]] = {}
    for ticket_id in picked:
        body: dict[str, Any] = {"answers": dict(JUDGEMENT), "comment": "Reviewed for March."}
        if ticket_id == first:
            body["answers"]["thanks"] = 0  # overrule the pre-check
            body["root_causes"] = {}
        response = await supervisor.post(f"/v1/tickets/{ticket_id}/qa-reviews", json=body)
        assert response.status_code == 201, response.text
        reviews[ticket_id] = response.json()
    checks = by_check(reviews[first])
    assert checks["tagged"]["passed"] is True and checks["tagged"]["outcome"] == "accepted"
    assert reviews[first]["answers"]["tagged"] == 1
    curt_or_kind = checks["thanks"]
    assert curt_or_kind["criterion"] == "thanks"
    if curt_or_kind["suggested_answer"] == 1:
        assert curt_or_kind["outcome"] == "overruled"
    # A curt reply that blames the customer fails the critical tone criterion: scope "all".
    for review in reviews.values():
        blame = by_check(review)["no_blame"]
        if blame["passed"] is False:
            assert "you should have" in blame["evidence"].lower()
            assert review["score"] == 0 and review["critical_failed"]
        else:
            assert review["score"] > 0
    assert {r["agent_id"] for r in reviews.values()} == {ada["id"], bob["id"]}

    # 3. Who reads which reviews.
    async with as_ada, as_bob, as_cleo:
        mine = (await as_ada.get("/v1/qa/reviews")).json()["items"]
        assert {r["agent_id"] for r in mine} == {ada["id"]} and len(mine) == 2
        assert (await as_cleo.get("/v1/qa/reviews")).json()["items"] == []
        assert len((await supervisor.get("/v1/qa/reviews")).json()["items"]) == 4
        disputed = mine[0]
        assert (await as_cleo.get(f"/v1/qa/reviews/{disputed['id']}")).status_code == 404

        # 4. A dispute: by the reviewed agent only, once; a supervisor amends it.
        path = f"/v1/qa/reviews/{disputed['id']}"
        reason = {"reason": "The customer asked me not to call."}
        assert (await as_bob.post(f"{path}/dispute", json=reason)).status_code == 404
        raised = await as_ada.post(f"{path}/dispute", json=reason)
        assert raised.status_code == 200, raised.text
        assert raised.json()["status"] == "disputed"
        assert (await as_ada.post(f"{path}/dispute", json=reason)).status_code == 409
        assert (
            await as_ada.post(f"{path}/decision", json={"decision": "upheld"})
        ).status_code == 403
        amended = await supervisor.post(
            f"{path}/decision",
            json={"decision": "amended", "answers": {"empathy": 0}, "comment": "Fair point."},
        )
        assert amended.status_code == 200, amended.text
        after = amended.json()
        assert after["status"] == "amended" and after["answers"]["empathy"] == 0
        assert after["dispute"]["previous_answers"] == disputed["answers"]
        assert after["dispute"]["previous_score"] == disputed["score"]
        assert after["dispute"]["reason"] == reason["reason"]
        if disputed["score"] > 0:
            assert after["score"] < disputed["score"]
        again_decided = await supervisor.post(f"{path}/decision", json={"decision": "upheld"})
        assert again_decided.status_code == 409

    # 5. A calibration session: two reviewers, blind until closed.
    session = await created(
        await supervisor.post(
            "/v1/qa/calibrations", json={"name": "March", "ticket_ids": picked[:2]}
        )
    )
    answers = [dict(JUDGEMENT), dict(JUDGEMENT, empathy=0, no_jargon=1)]
    for reviewer, given in zip((supervisor, client), answers, strict=True):
        for ticket_id in picked[:2]:
            await created(
                await reviewer.post(
                    f"/v1/tickets/{ticket_id}/qa-reviews",
                    json={"calibration_id": session["id"], "answers": given},
                )
            )
    twice = await client.post(
        f"/v1/tickets/{picked[0]}/qa-reviews",
        json={"calibration_id": session["id"], "answers": answers[1]},
    )
    assert twice.status_code == 409
    blind = (await supervisor.get(f"/v1/qa/calibrations/{session['id']}")).json()
    assert len(blind["reviews"]) == 2 and blind["results"] is None
    assert {r["reviewer_name"] for r in blind["reviews"]} == {"Sam Supervisor"}
    closed = await created(await supervisor.post(f"/v1/qa/calibrations/{session['id']}/close"))
    assert closed["status"] == "closed" and len(closed["reviews"]) == 4
    agreement = {c["criterion"]: c for c in closed["results"]["criteria"]}
    # Both took the greeting pre-check's suggestion: full agreement where the tickets differ,
    # undefined (no disagreement possible) where they do not.
    greetings = {reviews[t]["answers"]["greeting"] for t in picked[:2]}
    assert agreement["greeting"]["alpha"] == (1.0 if len(greetings) == 2 else None)
    assert agreement["empathy"]["alpha"] < 0  # always apart: worse than chance
    assert len(closed["results"]["reviewers"]) == 2
    assert all(r["deviation"] > 0 for r in closed["results"]["reviewers"])
    late = await client.post(
        f"/v1/tickets/{picked[0]}/qa-reviews",
        json={"calibration_id": session["id"], "answers": answers[1]},
    )
    assert late.status_code == 409
    # Calibration reviews are not agents' reviews.
    assert len((await supervisor.get("/v1/qa/reviews")).json()["items"]) == 4

    # 6. The month's KPIs.
    figures = await supervisor.get(
        "/v1/metrics/qa",
        params={"from": "2026-03-01T00:00:00Z", "to": "2026-05-01T00:00:00Z", "bucket": "month"},
    )
    assert figures.status_code == 200, figures.text
    kpis = figures.json()
    assert kpis["reviews"] == 4
    assert kpis["coverage"] == {"resolved": 8, "reviewed": 4, "share": 0.5}
    assert kpis["disputes"] == 1 and kpis["dispute_rate"] == 0.25
    assert {g["id"] for g in kpis["by_agent"]} == {ada["id"], bob["id"]}
    assert [g["reviews"] for g in kpis["by_team"]] == [4]
    assert [b["start"] for b in kpis["timeseries"]] == ["2026-04-01T00:00:00Z"]
    assert len(kpis["calibration_alpha"]) == 1
    scores = [r["score"] for r in (await supervisor.get("/v1/qa/reviews")).json()["items"]]
    assert kpis["average_score"] == round(sum(scores) / 4, 4)
    assert kpis["most_failed"][0]["failed"] >= 1
    # An agent's figures are their own: cleo has no review.
    async with client_for(app, await new_key(app, "agent", agent_id=cleo["id"])) as cleo_again:
        assert (
            await cleo_again.get(
                "/v1/metrics/qa",
                params={"from": "2026-03-01T00:00:00Z", "to": "2026-05-01T00:00:00Z"},
            )
        ).json()["reviews"] == 0

    # 7. Events through the outbox; every write in the audit log.
    events, _ = await follow_events(client, cursor)
    types = [e["type"] for e in events]
    assert types.count("qa.review.created") == 4 and types.count("qa.review.disputed") == 1
    created_event = next(e for e in events if e["type"] == "qa.review.created")
    assert "comment" not in created_event["data"]
    async with connection(db) as conn:
        audited = await conn.fetch(
            "SELECT resource, action, count(*) FROM audit_log WHERE resource LIKE 'qa_%'"
            " GROUP BY 1, 2"
        )
    counted = {(r["resource"], r["action"]): r["count"] for r in audited}
    assert counted[("qa_reviews", "create")] == 8  # 4 agents' reviews, 4 in calibration
    assert counted[("qa_disputes", "create")] == 1
    assert counted[("qa_assignments", "create")] == 2
    await supervisor.aclose()


async def test_a_used_scorecard_version_is_never_changed(client: httpx.AsyncClient) -> None:
    card = {
        "name": "Phone calls",
        "sections": [
            {
                "key": "call",
                "label": "Call",
                "criteria": [
                    {"key": "greeting", "label": "Greeted", "precheck": "greeting"},
                    {"key": "solved", "label": "Solved", "scale": "five_point", "weight": 3},
                ],
            }
        ],
    }
    made = await client.post("/v1/qa/scorecards", json=card)
    assert made.status_code == 201, made.text
    path = f"/v1/qa/scorecards/{made.json()['id']}"
    assert made.headers["ETag"] == '"1"'
    card["sections"][0]["criteria"][1]["weight"] = 2  # type: ignore[index]
    unused = await patch(client, path, sections=card["sections"])
    assert unused.status_code == 200
    assert unused.json()["current_version"] == 1  # nobody used it: changed in place
    stale = await client.patch(path, json={"name": "x"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412

    ticket = await make_ticket(client)
    await log(client, ticket["id"], body="Hello there")
    review = await created(
        await client.post(
            f"/v1/tickets/{ticket['id']}/qa-reviews",
            json={"scorecard_id": made.json()["id"], "answers": {"solved": 2}},
        )
    )
    # greeting accepted from its pre-check (1 of 1), solved 2/4 of weight 2: 2 of 3.
    assert review["answers"] == {"greeting": 1, "solved": 2}
    assert review["score"] == round(100 * 2 / 3, 4)
    assert (await client.get(path)).json()["used"] is True

    card["sections"][0]["criteria"][1]["critical"] = "all"  # type: ignore[index]
    edited = await patch(client, path, sections=card["sections"], name="Calls")
    assert edited.status_code == 200, edited.text
    assert edited.json()["current_version"] == 2 and edited.json()["used"] is False
    kept = (await client.get(f"/v1/qa/reviews/{review['id']}")).json()
    assert kept["scorecard_version"] == 1 and kept["score"] == review["score"]
    newer = await created(
        await client.post(
            f"/v1/tickets/{ticket['id']}/qa-reviews",
            json={"scorecard_id": made.json()["id"], "answers": {"solved": 0}},
        )
    )
    assert newer["scorecard_version"] == 2 and newer["score"] == 0


async def test_reviews_are_read_by_role(app, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    team = await make_team(client)
    ada = await make_agent(client, team_id=team["id"])
    ticket = await make_ticket(client, team_id=team["id"], assignee_id=ada["id"])
    answers = {
        k: 1
        for k in ("greeting", "customer_name", "time_estimate", "anything_else", "thanks", "tagged")
    } | {"positive_tone": 1, "updated_daily": None, "resolution": 1, "first_response_sla": None}
    review = await created(
        await client.post(
            f"/v1/tickets/{ticket['id']}/qa-reviews", json={"answers": answers | JUDGEMENT}
        )
    )
    other_team = await make_team(client)
    lead = await make_agent(client, team_id=other_team["id"])
    for role, agent, sees in (
        ("viewer", None, False),
        ("integration", None, False),
        ("agent", ada["id"], True),
        ("supervisor", lead["id"], False),
        ("admin", None, True),
    ):
        async with client_for(app, await new_key(app, role, agent_id=agent)) as c:
            listed = (await c.get("/v1/qa/reviews")).json()["items"]
            one = await c.get(f"/v1/qa/reviews/{review['id']}")
        assert (len(listed) == 1) is sees, role
        assert one.status_code == (200 if sees else 404), role
    async with client_for(app, await new_key(app, "agent", agent_id=ada["id"])) as c:
        refused = await c.post(f"/v1/tickets/{ticket['id']}/qa-reviews", json={"answers": {}})
    assert refused.status_code == 403


async def test_bad_input_names_the_field_and_writes_nothing(client: httpx.AsyncClient) -> None:
    ticket = await make_ticket(client)
    url = f"/v1/tickets/{ticket['id']}/qa-reviews"
    unknown = await client.post(url, json={"answers": {"smile": 1}})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "answers.smile"
    not_na = await client.post(url, json={"answers": {"answered_all": None}})
    assert not_na.json()["errors"][0]["field"] == "answers.answered_all"
    missing = await client.post(url, json={"answers": {}})
    assert missing.status_code == 422  # no reply to read: the text criteria need answers
    off_scale = await client.post(url, json={"answers": {"empathy": 3}})
    assert off_scale.json()["errors"][0]["field"] == "answers.empathy"
    assert (await client.get("/v1/qa/reviews")).json()["items"] == []
    for bad in (0, "2026-13-01", "1800-01-01"):  # a number is no date (pydantic reads 1970)
        refused = await client.post(
            "/v1/qa/assignments", json={"period": "day", "starts_on": bad, "per_agent": 1}
        )
        assert refused.status_code == 422, bad
        assert refused.json()["errors"][0]["field"] == "starts_on"
    # A sample covers the period holding the day named: a Wednesday's week from its Monday.
    week = await created(
        await client.post(
            "/v1/qa/assignments", json={"period": "week", "starts_on": "2026-03-04", "per_agent": 1}
        )
    )
    assert (week["starts_on"], week["ends_on"]) == ("2026-03-02", "2026-03-09")
    month = await created(
        await client.post(
            "/v1/qa/assignments",
            json={"period": "month", "starts_on": "2026-12-15", "per_agent": 1},
        )
    )
    assert (month["starts_on"], month["ends_on"]) == ("2026-12-01", "2027-01-01")
    bonus_critical = {
        "name": "Bad",
        "sections": [
            {
                "key": "s",
                "label": "S",
                "criteria": [
                    {"key": "a", "label": "A"},
                    {"key": "b", "label": "B", "bonus": True, "critical": "all"},
                ],
            }
        ],
    }
    refused = await client.post("/v1/qa/scorecards", json=bonus_critical)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "sections[0].criteria[1].critical"
    assert (await client.get("/v1/qa/reviews/99")).status_code == 404
    assert (
        await client.post("/v1/qa/calibrations", json={"name": "x", "ticket_ids": [999]})
    ).json()["errors"][0]["field"] == "ticket_ids[0]"


async def test_one_interaction_is_reviewed_as_its_authors_work(client: httpx.AsyncClient) -> None:
    team = await make_team(client)
    ada = await make_agent(client, team_id=team["id"])
    bob = await make_agent(client, team_id=team["id"])
    greek = await make_customer(client, name="Γιώργος Παπαδόπουλος")
    ticket = await make_ticket(
        client, team_id=team["id"], assignee_id=ada["id"], customer_id=greek["id"], language="el"
    )
    await log(client, ticket["id"], body="Καλημέρα Γιώργο, ευχαριστούμε.", author_id=ada["id"])
    bobs = await log(client, ticket["id"], body="Έγινε.", author_id=bob["id"])
    review = await created(
        await client.post(
            f"/v1/tickets/{ticket['id']}/qa-reviews",
            json={
                "interaction_id": bobs["id"],
                "answers": JUDGEMENT | {"time_estimate": 0, "resolution": 1},
            },
        )
    )
    assert review["agent_id"] == bob["id"] and review["interaction_id"] == bobs["id"]
    checks = by_check(review)
    # Only Bob's reply is read: no greeting, no name, no thanks in it.
    assert checks["greeting"]["passed"] is False and checks["greeting"]["outcome"] == "accepted"
    assert checks["customer_name"]["passed"] is False
    assert review["answers"]["thanks"] == 0
    whole = (await client.get(f"/v1/tickets/{ticket['id']}/qa-prechecks")).json()
    found = {s["check"]: s for s in whole["suggestions"]}
    assert found["customer_name"]["passed"] is True  # Ada's reply, in the vocative
    assert "Γιώργο" in found["customer_name"]["evidence"]
    elsewhere = await client.post(
        f"/v1/tickets/{ticket['id']}/qa-reviews",
        json={"interaction_id": 999_999, "answers": JUDGEMENT},
    )
    assert elsewhere.status_code == 422
    assert elsewhere.json()["errors"][0]["field"] == "interaction_id"


async def test_a_linked_knowledge_base_article_suggests_self_help(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    team, customer = await make_team(client), await make_customer(client, name="Anna Smith")
    agent = await make_agent(client, team_id=team["id"])
    ticket = await resolved_ticket(
        client, clock, agent=agent["id"], team=team["id"], customer=customer["id"], body=REPLY
    )
    path = f"/v1/tickets/{ticket['id']}/qa-prechecks"
    before = by_check((await client.get(path)).json())["kb_article_linked"]
    assert before["passed"] is False and before["criterion"] == "self_help"
    assert before["suggested_answer"] == 0
    article = await created(
        await client.post(
            "/v1/kb/articles",
            json={"title": "Printer jams", "body": "Open tray 2.", "language": "en"},
        )
    )
    link = {"article_id": article["id"]}
    await created(await client.post(f"/v1/tickets/{ticket['id']}/kb-links", json=link))
    after = by_check((await client.get(path)).json())["kb_article_linked"]
    assert after["passed"] is True and after["suggested_answer"] == 1
    assert after["evidence"] == f"article(s) {article['id']} linked"
    # Left out of the answers, the bonus takes the suggestion and lifts the score.
    answers = {k: v for k, v in JUDGEMENT.items() if k != "self_help"}
    review = await created(
        await client.post(f"/v1/tickets/{ticket['id']}/qa-reviews", json={"answers": answers})
    )
    assert review["answers"]["self_help"] == 1
    assert by_check(review)["kb_article_linked"]["outcome"] == "accepted"


async def test_samples_are_listed_paged_and_filtered_for_who_reads_them(
    app, client: httpx.AsyncClient
) -> None:  # type: ignore[no-untyped-def]
    red, blue = await make_team(client), await make_team(client)
    red_lead = await make_agent(client, team_id=red["id"])
    blue_lead = await make_agent(client, team_id=blue["id"])
    as_red = client_for(app, await new_key(app, "supervisor", agent_id=red_lead["id"]))
    as_blue = client_for(app, await new_key(app, "supervisor", agent_id=blue_lead["id"]))
    day = {"period": "day", "starts_on": "2026-03-02", "per_agent": 1}
    for_red = await created(
        await client.post("/v1/qa/assignments", json=day | {"team_id": red["id"]})
    )
    for_blue = await created(
        await client.post("/v1/qa/assignments", json=day | {"team_id": blue["id"]})
    )
    desk_wide = await created(
        await client.post("/v1/qa/assignments", json=day | {"period": "week"})
    )
    blues_own = await created(
        await as_blue.post("/v1/qa/assignments", json=day | {"starts_on": "2026-04-01"})
    )

    async def ids(c: httpx.AsyncClient, **params: Any) -> list[int]:
        response = await c.get("/v1/qa/assignments", params=params)
        assert response.status_code == 200, response.text
        return [a["id"] for a in response.json()["items"]]

    everything = await ids(client)
    mine = [blues_own["id"], desk_wide["id"], for_blue["id"], for_red["id"]]
    assert everything[:4] == mine  # newest first
    assert await ids(as_red) == [for_red["id"]]
    assert await ids(as_blue) == [blues_own["id"], for_blue["id"]]
    assert (await as_red.get(f"/v1/qa/assignments/{for_blue['id']}")).status_code == 404
    assert (await as_red.get(f"/v1/qa/assignments/{desk_wide['id']}")).status_code == 404
    assert (await as_blue.get(f"/v1/qa/assignments/{blues_own['id']}")).status_code == 200
    # Filters, and pages that continue where the last one stopped.
    assert await ids(client, team_id=red["id"]) == [for_red["id"]]
    assert desk_wide["id"] in await ids(client, period="week")
    assert for_red["id"] not in await ids(client, period="week")
    assert blues_own["id"] not in await ids(client, starts_before="2026-04-01")
    assert await ids(as_blue, starts_from="2026-04-01") == [blues_own["id"]]
    first = (await client.get("/v1/qa/assignments", params={"limit": 2})).json()
    rest = await client.get(
        "/v1/qa/assignments", params={"limit": 2, "cursor": first["next_cursor"]}
    )
    assert [a["id"] for a in first["items"]] + [a["id"] for a in rest.json()["items"]] == (
        everything[:4]
    )
    assert first["items"][0]["items"] == [] and first["items"][0]["per_agent"] == 1
    assert (await client.get("/v1/qa/assignments", params={"sort": "id"})).status_code == 400
    bad = await client.get("/v1/qa/assignments", params={"starts_from": "March"})
    assert bad.status_code == 422 and "starts_from" in bad.text
    await as_red.aclose()
    await as_blue.aclose()


async def test_a_sample_list_date_filter_is_a_date_as_its_schema_says(
    client: httpx.AsyncClient,
) -> None:
    # The schema says `format: date`: a number, a compact or a date-time form is no date
    # (pydantic alone would read "0" as 1970-01-01 and list everything since).
    for name in ("starts_from", "starts_before"):
        for bad in ("0", "1700000000", "20260301", "2026-03-01T00:00:00"):
            refused = await client.get("/v1/qa/assignments", params={name: bad})
            assert refused.status_code == 422, (name, bad, refused.text)
            problem = refused.json()
            assert refused.headers["content-type"].startswith("application/problem+json")
            assert [e["field"] for e in problem["errors"]] == [f"query.{name}"], problem
        listed = await client.get("/v1/qa/assignments", params={name: "2026-03-01"})
        assert listed.status_code == 200, listed.text
