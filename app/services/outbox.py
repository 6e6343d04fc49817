"""The transactional outbox's feed (`GET /v1/events`), and the event a new ticket is inserted with.
Events of changes are written by the ticket-change writer (app/services/tickets/change.py)."""

from datetime import datetime

from app.db import connection
from app.domain import events as kinds
from app.domain.access import Visibility
from app.schemas import Page
from app.schemas.events import EventListQuery, EventOut
from app.services.context import Desk
from app.store import events as store
from app.store.events import EventFilters, EventRow
from app.store.tickets import CreatedEvent, TicketRow


def of_new_ticket(type: str, ticket: TicketRow, now: datetime) -> CreatedEvent:
    """The event a new ticket is written with, by the statement that inserts it (which adds
    the ticket's id to its payload: `ticket` has none yet)."""
    known(type, ticket.id)
    payload = kinds.ticket_facts(ticket)
    del payload["ticket_id"]
    return CreatedEvent(type, payload, now)


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


def known(type: str, ticket_id: int | None) -> None:
    """Refuse an event type the feed does not list, or a desk event given a ticket, or a
    ticket's event given none (programming errors, not input)."""
    if type not in kinds.EVENT_TYPES:
        raise ValueError(f"unknown event type {type!r}")
    if (ticket_id is None) != (type in kinds.DESK_EVENT_TYPES):
        raise ValueError(f"event {type!r} with ticket id {ticket_id!r}")
