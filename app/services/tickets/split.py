"""Splitting: one caller, another problem — a new ticket with the contact, linked back."""

from datetime import datetime
from typing import Any

from app.db import Connection
from app.domain.access import Principal, Visibility
from app.schemas import TicketSplit
from app.services import history, idempotency
from app.services.desk import Desk
from app.services.idempotency import Written
from app.services.tickets import change
from app.services.tickets.create import insert_new
from app.services.tickets.shapes import no_ticket, ticket_out
from app.services.tickets.update import refuse_if_closed
from app.store import customers, links
from app.store import tickets as store

# What the new ticket takes from the one it is split from: the caller's context. Category, type
# and team describe the problem, and the new problem is another: it has its own or none.
INHERITED = (
    "language",
    "product",
    "model_number",
    "serial_number",
    "account_number",
    "equipment_location",
)


async def split_ticket(
    desk: Desk,
    ticket_id: int,
    data: TicketSplit,
    *,
    actor: Principal,
    visible: Visibility,
    now: datetime,
    idempotency_key: str | None,
) -> Written[dict[str, Any]]:
    async def work(conn: Connection) -> Written[dict[str, Any]]:
        origin = await store.lock(conn, ticket_id, visible)
        if origin is None:
            raise no_ticket(ticket_id)
        refuse_if_closed(origin)
        at = max(now, origin.updated_at)
        given = data.model_dump(exclude_unset=True)
        inherited = {k: getattr(origin, k) for k in INHERITED if k not in given}
        inserted = await insert_new(
            conn,
            desk,
            data.model_copy(update=inherited),
            subject=data.subject,
            channel=origin.channel,
            customer_id=origin.customer_id,
            organization=await customers.organization_of(conn, origin.customer_id),
            external_id=None,
            opened_at=at,
            actor=actor,
            now=at,
            snapshot=await desk.policies.for_writing(conn),
            created={"status": "new", "split_from": origin.id},
        )
        assert inserted is not None, "a split has no external id to collide on"
        ticket, clocks = inserted
        await links.insert(
            conn, ticket.id, origin.id, "split_from", now=at, key_id=actor.key_id or None
        )
        await change.record(
            conn, [history.line(origin.id, actor, at, "split", new={"ticket_id": ticket.id})], at=at
        )
        return Written(ticket_out(ticket, clocks))

    async with desk.tickets.enter(ticket_id):
        return await idempotency.run(
            desk, actor, idempotency_key, f"tickets.split:{ticket_id}", data, work, now=now
        )
