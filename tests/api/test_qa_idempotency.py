"""Every QA POST is retry-safe with an Idempotency-Key: a retry with the same key and body gets
the original response and writes nothing; the same key with another body is refused."""

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from app.db import Database, connection
from tests.api.conftest import client_for, new_key
from tests.api.factories import follow_events, make_agent, make_customer, make_team
from tests.api.test_qa import JUDGEMENT, REPLY, resolved_ticket
from tests.fakes import FakeClock

Post = Callable[..., Awaitable[httpx.Response]]


async def _writes(db: Database) -> int:
    """Rows written to the QA tables so far: every write is in the audit log."""
    async with connection(db) as conn:
        found: int = await conn.fetchval(
            "SELECT count(*) FROM audit_log WHERE resource LIKE 'qa\\_%'"
        )
    return found


async def _once(
    db: Database, post: Post, path: str, body: dict[str, Any] | None, other: dict[str, Any] | None
) -> dict[str, Any]:
    """POST twice with one key, then once with another body: one write, one response."""
    headers = {"Idempotency-Key": f"once {path}"}
    before = await _writes(db)
    first = await post(path, json=body, headers=headers)
    assert first.status_code in (200, 201), first.text
    after = await _writes(db)
    assert after > before, path
    again = await post(path, json=body, headers=headers)
    assert again.status_code == first.status_code, again.text
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    if other is not None:
        reused = await post(path, json=other, headers=headers)
        assert reused.status_code == 422, reused.text
        assert reused.json()["type"].endswith("/idempotency-key-reused")
    assert await _writes(db) == after, path
    result: dict[str, Any] = first.json()
    return result


async def test_every_qa_post_is_done_once_per_idempotency_key(
    app, client: httpx.AsyncClient, clock: FakeClock, db: Database
) -> None:  # type: ignore[no-untyped-def]
    team, customer = await make_team(client), await make_customer(client, name="Anna Smith")
    agent = await make_agent(client, team_id=team["id"])
    tickets = [
        await resolved_ticket(
            client, clock, agent=agent["id"], team=team["id"], customer=customer["id"], body=REPLY
        )
        for _ in range(2)
    ]
    _, cursor = await follow_events(client)
    card = {
        "name": "Phone calls",
        "sections": [
            {"key": "call", "label": "Call", "criteria": [{"key": "greet", "label": "G"}]}
        ],
    }
    await _once(db, client.post, "/v1/qa/scorecards", card, card | {"name": "Other"})
    review_path = f"/v1/tickets/{tickets[0]['id']}/qa-reviews"
    review = await _once(
        db,
        client.post,
        review_path,
        {"answers": JUDGEMENT},
        {"answers": JUDGEMENT, "comment": "another"},
    )
    async with client_for(app, await new_key(app, "agent", agent_id=agent["id"])) as as_agent:
        disputed = await _once(
            db,
            as_agent.post,
            f"/v1/qa/reviews/{review['id']}/dispute",
            {"reason": "The customer asked me not to call."},
            {"reason": "Another reason."},
        )
    assert disputed["status"] == "disputed"
    decided = await _once(
        db,
        client.post,
        f"/v1/qa/reviews/{review['id']}/decision",
        {"decision": "amended", "answers": {"empathy": 0}},
        {"decision": "upheld"},
    )
    assert decided["status"] == "amended"
    sample = {"period": "month", "starts_on": "2026-03-01", "per_agent": 1}
    await _once(db, client.post, "/v1/qa/assignments", sample, sample | {"per_agent": 2})
    schedule = {"period": "week", "per_agent": 1}
    await _once(db, client.post, "/v1/qa/schedules", schedule, schedule | {"per_agent": 3})
    session = await _once(
        db,
        client.post,
        "/v1/qa/calibrations",
        {"name": "March", "ticket_ids": [tickets[1]["id"]]},
        {"name": "April", "ticket_ids": [tickets[1]["id"]]},
    )
    closed = await _once(db, client.post, f"/v1/qa/calibrations/{session['id']}/close", None, None)
    assert closed["status"] == "closed"
    # Another key is another request: closing again is refused as closed.
    late = await client.post(
        f"/v1/qa/calibrations/{session['id']}/close", headers={"Idempotency-Key": "other"}
    )
    assert late.status_code == 409
    # The key names one request: another operation with it is refused too.
    cross = await client.post(
        "/v1/qa/scorecards", json=card, headers={"Idempotency-Key": f"once {review_path}"}
    )
    assert cross.status_code == 422
    events, _ = await follow_events(client, cursor)
    types = [e["type"] for e in events]
    assert types.count("qa.review.created") == 1 and types.count("qa.review.disputed") == 1
    async with connection(db) as conn:
        counts = await conn.fetchrow(
            """SELECT (SELECT count(*) FROM qa_scorecards WHERE NOT built_in) AS cards,
                      (SELECT count(*) FROM qa_reviews) AS reviews,
                      (SELECT count(*) FROM qa_disputes) AS disputes,
                      (SELECT count(*) FROM qa_assignments) AS samples,
                      (SELECT count(*) FROM qa_calibrations) AS sessions,
                      (SELECT count(*) FROM qa_sample_schedules) AS schedules,
                      (SELECT count(*) FROM timers WHERE kind = 'qa_sample_schedule') AS timers"""
        )
    assert dict(counts) == {
        "cards": 1,
        "reviews": 1,
        "disputes": 1,
        "samples": 1,
        "sessions": 1,
        "schedules": 1,
        "timers": 1,
    }
