"""The ticket-change writer syncs the ticket's timers only when they can have moved
(clocks.moves_timers): a change of what chooses the policy that leaves the policy and every due
time as they were wants the timers the last derivation synced."""

import dataclasses
from datetime import timedelta
from typing import Any

import httpx

from app.db import Database, connection
from app.domain.access import EVERYTHING
from app.services import clocks
from app.store import tickets as store
from tests.api.factories import make_ticket

# A value of each policy-choosing input that differs from make_ticket's.
_OTHER: dict[str, Any] = {"channel": "email", "type": "service_request", "team_id": 99}


def test_only_the_timeline_and_the_sla_columns_move_the_timers() -> None:
    parts = (clocks.POLICY_CHOOSERS, clocks.TIMELINE_INPUTS, clocks.SLA_COLUMNS)
    assert sum(map(len, parts)) == len(clocks.CLOCK_INPUTS)  # three parts, none shared
    assert set(_OTHER) | {"customer_id"} == clocks.POLICY_CHOOSERS
    assert not clocks.moves_timers({"channel", "team_id", "version", "updated_at", "subject"})
    assert clocks.moves_timers({"channel", "sla_policy_id"})
    assert clocks.moves_timers({"priority"})


async def test_what_chooses_the_policy_moves_no_timer_while_the_sla_columns_stay(
    app, db: Database, client: httpx.AsyncClient
) -> None:  # type: ignore[no-untyped-def]
    made = await make_ticket(client, impact="user", urgency="high")
    desk = app.state.desk
    async with connection(db) as conn:
        ticket = await store.get(conn, made["id"], EVERYTHING)
    book = await desk.policies.for_reading(db)
    assert ticket is not None
    at = ticket.created_at + timedelta(minutes=3)

    def derived(t: store.TicketRow, organization: str | None = None) -> clocks.Derived:
        return clocks.derive(t, book, at, organization=organization, settings=desk.settings)

    before = derived(ticket)
    assert set(before.columns) == clocks.SLA_COLUMNS
    assert before.timers, "a new ticket's clocks run"
    for name, value in _OTHER.items():
        moved = derived(dataclasses.replace(ticket, **{name: value}))
        assert moved.columns == before.columns, name
        assert moved.timers == before.timers, name
    moved = derived(dataclasses.replace(ticket, customer_id=7), organization="Acme")
    assert (moved.columns, moved.timers) == (before.columns, before.timers)
    # What the instants are worked out from does move them.
    for name, value in {"priority": "critical", "status": "pending"}.items():
        t = dataclasses.replace(ticket, **{name: value})
        if name == "status":
            t = dataclasses.replace(t, status_log=clocks.with_status(ticket, value, at))
        assert derived(t).timers != before.timers, name
