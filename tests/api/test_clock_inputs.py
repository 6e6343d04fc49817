"""The ticket-change writer derives the clocks again only when a change sets a column they are
derived from (clocks.CLOCK_INPUTS): every other column leaves them, the SLA columns and the
timers as they were."""

import dataclasses
from datetime import datetime, timedelta
from typing import Any

import httpx

from app.db import Database, connection
from app.domain.access import EVERYTHING
from app.services import clocks
from app.store import tickets as store
from tests.api.factories import make_ticket


def _other(name: str, value: Any) -> Any:
    """A value of the column's kind that differs from `value`."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 7
    if isinstance(value, datetime):
        return value + timedelta(hours=5)
    if isinstance(value, str):
        return value + " (changed)"
    if isinstance(value, list):
        return [*value, "changed"]
    assert value is None, (name, value)
    if name.endswith("_at"):
        return datetime.fromisoformat("2026-01-05T10:00:00+00:00")
    if name.endswith("_id") or name.endswith("_count"):
        return 99
    return "changed"


async def test_no_column_but_the_clock_inputs_moves_the_clocks(
    app, db: Database, client: httpx.AsyncClient
) -> None:  # type: ignore[no-untyped-def]
    made = await make_ticket(client)
    desk = app.state.desk
    async with connection(db) as conn:
        ticket = await store.get(conn, made["id"], EVERYTHING)
        assert ticket is not None
        book = (await desk.policies.for_writing(conn)).book
    at = ticket.created_at + timedelta(minutes=3)

    def derived(t: store.TicketRow) -> clocks.Derived:
        return clocks.derive(t, book, at, organization=None, settings=desk.settings)

    before = derived(ticket)
    others = [
        f.name
        for f in dataclasses.fields(store.TicketRow)
        if f.name not in clocks.CLOCK_INPUTS and f.name != "id"
    ]
    assert {"subject", "tags", "interaction_count", "updated_at", "version"} <= set(others)
    for name in others:
        moved = derived(dataclasses.replace(ticket, **{name: _other(name, getattr(ticket, name))}))
        assert (moved.columns, moved.timers, moved.report) == (
            before.columns,
            before.timers,
            before.report,
        ), name
    # And a clock input does move them.
    resolved = derived(dataclasses.replace(ticket, priority="critical"))
    assert resolved.columns != before.columns


async def test_a_tag_change_answers_with_the_clocks_as_a_read_shows_them(
    client: httpx.AsyncClient,
) -> None:
    ticket = await make_ticket(client)
    read = await client.get(f"/v1/tickets/{ticket['id']}")
    r = await client.patch(
        f"/v1/tickets/{ticket['id']}",
        json={"tags": ["printer"]},
        headers={"If-Match": read.headers["etag"]},
    )
    assert r.status_code == 200, r.text
    assert r.json()["tags"] == ["printer"]
    assert _due(r.json()) == _due(read.json())
    assert _due((await client.get(f"/v1/tickets/{ticket['id']}")).json()) == _due(read.json())


def _due(ticket: dict[str, Any]) -> tuple[Any, ...]:
    """The clocks' policy and due times (what a change may move; the rest runs with time)."""
    sla = ticket["sla"]
    metrics = ("first_response", "next_update", "resolution")
    return sla["policy_id"], *((sla[m] or {}).get("due_at") for m in metrics)
