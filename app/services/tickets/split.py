"""Splitting: one caller, another problem — a new ticket with the contact, linked back."""

from datetime import datetime
from typing import Any

from app.db import Connection
from app.domain.access import Principal, Visibility
from app.schemas import TicketSplit
from app.services import clocks as shown_clocks
from app.services import history, idempotency
from app.services.context import Desk
from app.services.idempotency import Written
from app.services.tickets import change
from app.services.tickets.create import insert_new
from app.services.tickets.merge import recounted
from app.services.tickets.shapes import invalid, no_ticket, ticket_out
from app.services.tickets.update import refuse_if_closed
from app.store import customers, links, merges
from app.store import tickets as store
from app.store.tickets import TicketRow

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
        if data.interaction_ids:
            ticket, clocks = await _take_interactions(
                conn, desk, origin, ticket, data.interaction_ids, actor=actor, at=at
            )
        return Written(ticket_out(ticket, clocks))

    async with desk.tickets.enter(ticket_id):
        return await idempotency.run(
            desk, actor, idempotency_key, f"tickets.split:{ticket_id}", data, work, now=now
        )


async def _take_interactions(
    conn: Connection,
    desk: Desk,
    origin: TicketRow,
    ticket: TicketRow,
    interaction_ids: list[int],
    *,
    actor: Principal,
    at: datetime,
) -> tuple[TicketRow, dict[str, Any]]:
    """The original's interactions about the new problem moved to the new ticket, with their
    files and mail; each ticket's counts worked out again. The original keeps the instants of
    its replies (its clocks answered to them when they were given); the new ticket's come from
    what it now holds. The new ticket as stored, and its clocks as shown."""
    wanted = list(dict.fromkeys(interaction_ids))
    found = await merges.interactions_of(conn, wanted, origin.id)
    for position, interaction_id in enumerate(wanted):
        if interaction_id not in found:
            raise invalid(
                f"interaction_ids.{position}",
                f"interaction {interaction_id} on ticket {origin.id} does not exist",
            )
    await merges.split_off(conn, wanted, origin.id, ticket.id)
    moved = {"ticket_id": ticket.id, "interaction_ids": wanted}
    columns, changed = await recounted(conn, origin, instants=False)
    await change.apply(
        conn,
        desk,
        origin,
        change.TicketChange(
            columns=columns,
            changed=changed,
            lines=[history.line(origin.id, actor, at, "interactions_moved", new=moved)],
            note="after split",
        ),
        actor=actor,
        at=at,
    )
    columns, changed = await recounted(conn, ticket, instants=True)
    applied = await change.apply(
        conn,
        desk,
        ticket,
        change.TicketChange(
            columns=columns,
            changed=changed,
            lines=[
                history.line(
                    ticket.id,
                    actor,
                    at,
                    "interactions_moved",
                    new={"ticket_id": origin.id, "interaction_ids": wanted},
                )
            ],
            note="after split",
            rederive=True,
        ),
        actor=actor,
        at=at,
    )
    assert applied.derived is not None, "a rederived change derives the clocks"
    return applied.ticket, shown_clocks.shown(applied.derived.policy, applied.derived.report)
