"""The transactional outbox: events written in the transaction of the change that causes them,
and the feed that serves them (`GET /v1/events`)."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from app.db import Connection, connection
from app.domain import events as kinds
from app.domain.access import Visibility
from app.schemas import Page
from app.schemas.events import EventListQuery, EventOut
from app.services.desk import Desk
from app.store import events as store
from app.store.events import EventFilters, EventRow, NewEvent
from app.store.tickets import CreatedEvent, TicketRow


async def emit(
    conn: Connection, type: str, ticket_id: int, payload: dict[str, Any], now: datetime
) -> None:
    """Write one event (and its deliveries) in the caller's transaction."""
    await emit_all(conn, [(type, payload)], ticket_id, now)


async def emit_all(
    conn: Connection,
    events: Sequence[tuple[str, dict[str, Any]]],
    ticket_id: int,
    now: datetime,
) -> None:
    """Write a change's events, in order, in one statement of the caller's transaction."""
    await emit_batch(conn, [(t, ticket_id, p) for t, p in events], now)


async def emit_batch(
    conn: Connection, events: Sequence[tuple[str, int, dict[str, Any]]], now: datetime
) -> None:
    """Write events of several tickets (a worker's pass), in order, in one statement."""
    for type, _, _ in events:
        _known(type)
    await store.insert(conn, [NewEvent(t, ticket_id, p, now) for t, ticket_id, p in events])


def of_new_ticket(type: str, ticket: TicketRow, now: datetime) -> CreatedEvent:
    """The event a new ticket is written with, by the statement that inserts it (which adds
    the ticket's id to its payload: `ticket` has none yet)."""
    _known(type)
    payload = kinds.ticket_facts(ticket)
    del payload["ticket_id"]
    return CreatedEvent(type, payload, now)


def _known(type: str) -> None:
    if type not in kinds.EVENT_TYPES:
        raise ValueError(f"unknown event type {type!r}")  # a programming error, not input


async def ticket_changed(
    conn: Connection, ticket: Any, changed: Mapping[str, Any], now: datetime, *, updated: bool
) -> None:
    """The events of one change of `ticket` (as it is after it): see `events.change_events`."""
    facts = kinds.ticket_facts(ticket)
    await emit_all(conn, kinds.change_events(facts, changed, updated=updated), ticket.id, now)


def out(row: EventRow) -> EventOut:
    return EventOut(
        id=row.id,
        type=row.type,  # type: ignore[arg-type]
        ticket_id=row.ticket_id,
        occurred_at=row.occurred_at,
        data=row.payload,
    )


async def feed(desk: Desk, query: EventListQuery, *, visible: Visibility) -> Page[EventOut]:
    """The events of the tickets the caller sees, in commit order, never missing one."""
    filters = EventFilters(types=query.type, ticket_id=query.ticket_id)
    async with connection(desk.db) as conn:
        rows, next_cursor = await store.feed(
            conn, filters, limit=query.limit, cursor=query.cursor, visible=visible
        )
    return Page[EventOut](items=[out(r) for r in rows], next_cursor=next_cursor)
