"""Events and timers about the desk rather than one ticket: the staff's feed carries desk events,
a customer or a ticket-scoped integration never sees one; timers about a subject are armed once
and claimed with their subject."""

from datetime import timedelta
from typing import Any

import pytest

from app.clock import utcnow
from app.db import transaction
from app.domain.access import Principal, visibility
from app.domain.events import KB_ARTICLE_PUBLISHED, REPORT_READY, TICKET_UPDATED
from app.services import timers
from app.services.tickets import change
from app.store import timers as timer_store
from tests.api.conftest import client_for, new_key
from tests.api.factories import follow_events, make_agent, make_team, make_ticket


async def _desk_event(db: Any, type: str, payload: dict[str, Any]) -> None:
    async with transaction(db) as conn:
        await change.record(conn, [], [(type, None, payload)], at=utcnow())


async def test_the_staff_feed_carries_desk_events_a_scoped_integration_s_does_not(
    app,  # type: ignore[no-untyped-def]
    client,  # type: ignore[no-untyped-def]
) -> None:
    team = await make_team(client)
    agent = await make_agent(client, team_id=team["id"])
    await make_ticket(client, team_id=team["id"], channel="email")
    await _desk_event(app.state.desk.db, KB_ARTICLE_PUBLISHED, {"article_id": 7})
    admin_events, _ = await follow_events(client)
    assert [(e["type"], e["ticket_id"]) for e in admin_events][-1] == (KB_ARTICLE_PUBLISHED, None)
    async with client_for(app, await new_key(app, "agent", agent_id=agent["id"])) as as_agent:
        agent_events, _ = await follow_events(as_agent)
    assert [e["type"] for e in agent_events] == ["ticket.created", KB_ARTICLE_PUBLISHED]
    # Filtered by ticket, a desk event is not the ticket's.
    by_ticket, _ = await follow_events(client, ticket_id=admin_events[0]["ticket_id"])
    assert [e["type"] for e in by_ticket] == ["ticket.created"]
    scoped = await client.post(
        "/v1/api-keys", json={"name": "mail", "role": "integration", "scope": ["email"]}
    )
    async with client_for(app, scoped.json()["key"]) as gateway:
        gateway_events, _ = await follow_events(gateway)
    assert [e["type"] for e in gateway_events] == ["ticket.created"]


def test_a_customer_never_sees_desk_events() -> None:
    customer = Principal(key_id=1, name="portal", role="customer", agent_id=None, customer_id=5)
    assert visibility(customer).desk is False


async def test_a_desk_event_needs_no_ticket_and_a_ticket_s_event_needs_one(app) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="ticket id"):
        await _desk_event(app.state.desk.db, TICKET_UPDATED, {})
    async with transaction(app.state.desk.db) as conn:
        with pytest.raises(ValueError, match="ticket id"):
            await change.record(conn, [], [(REPORT_READY, 1, {})], at=utcnow())


async def test_a_timer_about_a_subject_is_armed_once_cancelled_and_claimed_with_its_subject(
    app,  # type: ignore[no-untyped-def]
) -> None:
    now = utcnow()
    due = now + timedelta(minutes=5)
    async with transaction(app.state.desk.db) as conn:
        for _ in range(2):  # a retry arms nothing twice
            await timers.schedule_subject(
                conn, timers.WEBHOOK_RETRY, 41, due, now=now, wake_within=60
            )
        await timers.schedule_subject(conn, timers.WEBHOOK_RETRY, 42, due, now=now, wake_within=60)
        await timers.cancel_subject(conn, timers.WEBHOOK_RETRY, 42)
        with pytest.raises(ValueError, match="unknown timer kind"):
            await timers.schedule_subject(conn, "no_such_kind", 1, due, now=now, wake_within=60)
    async with transaction(app.state.desk.db) as conn:
        claimed = await timer_store.claim_due(conn, due, 10)
    assert [(c.ticket_id, c.subject_id, c.kind) for c in claimed] == [
        (None, 41, timers.WEBHOOK_RETRY)
    ]
