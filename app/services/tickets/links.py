"""Linking tickets to each other, and the links of a ticket."""

from datetime import datetime

from app.db import Connection, connection
from app.domain.access import Principal, Visibility
from app.errors import Conflict
from app.schemas import LinkCreate, LinkOut, Page
from app.schemas.tickets import LinkListQuery
from app.services import history, idempotency
from app.services.context import Desk
from app.services.idempotency import Written
from app.services.tickets import change
from app.services.tickets.shapes import invalid, no_ticket
from app.store import links
from app.store import tickets as store
from app.store.links import LinkRow


def link_out(link: LinkRow, seen_from: int) -> LinkOut:
    outgoing = link.ticket_id == seen_from
    return LinkOut(
        id=link.id,
        ticket_id=seen_from,
        linked_ticket_id=link.linked_ticket_id if outgoing else link.ticket_id,
        kind=link.kind,
        direction="outgoing" if outgoing else "incoming",
        created_at=link.created_at,
    )


async def link_tickets(
    desk: Desk,
    ticket_id: int,
    data: LinkCreate,
    *,
    actor: Principal,
    visible: Visibility,
    now: datetime,
    idempotency_key: str | None,
) -> Written[LinkOut]:
    if data.ticket_id == ticket_id:
        raise invalid("ticket_id", "a ticket cannot be linked to itself")

    async def work(conn: Connection) -> Written[LinkOut]:
        ticket = await store.lock(conn, ticket_id, visible)
        if ticket is None:
            raise no_ticket(ticket_id)
        if not await store.exists(conn, data.ticket_id, visible):
            raise invalid("ticket_id", f"ticket {data.ticket_id} does not exist")
        at = max(now, ticket.updated_at)
        link = await links.insert(
            conn, ticket_id, data.ticket_id, data.kind, now=at, key_id=actor.key_id or None
        )
        if link is None:
            raise Conflict(
                f"ticket {ticket_id} is already linked to {data.ticket_id} as {data.kind}"
            )
        await change.record(
            conn,
            [
                history.line(
                    ticket_id,
                    actor,
                    at,
                    "linked",
                    new={"ticket_id": data.ticket_id, "kind": data.kind},
                ),
                history.line(
                    data.ticket_id,
                    actor,
                    at,
                    "linked",
                    new={"ticket_id": ticket_id, "kind": data.kind},
                ),
            ],
            at=at,
        )
        return Written(link_out(link, ticket_id))

    async with desk.tickets.enter(ticket_id):
        return await idempotency.run(
            desk, actor, idempotency_key, f"tickets.link:{ticket_id}", data, work, now=now
        )


async def list_links(
    desk: Desk, ticket_id: int, query: LinkListQuery, *, visible: Visibility
) -> Page[LinkOut]:
    """Links from and to the ticket, oldest first."""
    async with connection(desk.db) as conn:
        if not await store.exists(conn, ticket_id, visible):
            raise no_ticket(ticket_id)
        rows, next_cursor = await links.page_of_ticket(
            conn, ticket_id, cursor=query.cursor, limit=query.limit
        )
    return Page(items=[link_out(link, ticket_id) for link in rows], next_cursor=next_cursor)
