"""The people on a ticket besides its customer: added and removed by agents, copied in by
inbound mail, listed; each add and removal is in the ticket's history and the event feed."""

from collections.abc import Collection, Sequence
from datetime import datetime

from app.db import Connection, connection, transaction
from app.domain import events as kinds
from app.domain.access import Principal, Visibility
from app.errors import Conflict, NotFound
from app.schemas import Page
from app.schemas.participants import ParticipantCreate, ParticipantListQuery, ParticipantOut
from app.services import audit, history
from app.services.context import Desk
from app.services.tickets import change
from app.services.tickets.shapes import invalid, no_ticket
from app.services.tickets.update import refuse_if_closed
from app.store import customers, participants
from app.store import tickets as ticket_store
from app.store.participants import ParticipantRow
from app.store.tickets import TicketRow


def participant_out(row: ParticipantRow) -> ParticipantOut:
    return ParticipantOut(
        ticket_id=row.ticket_id,
        customer_id=row.customer_id,
        name=row.name,
        email=row.email,
        role=row.role,  # type: ignore[arg-type]
        source=row.source,  # type: ignore[arg-type]
        added_at=row.added_at,
    )


async def _recorded(
    conn: Connection,
    row: ParticipantRow | tuple[int, int, str, str],
    action: str,
    actor: Principal,
    at: datetime,
) -> None:
    """The history line and the event of a participant added or removed."""
    if isinstance(row, ParticipantRow):
        row = (row.ticket_id, row.customer_id, row.role, row.source)
    ticket_id, customer_id, role, source = row
    added = action == "participant_added"
    await change.record(
        conn,
        [
            history.line(
                ticket_id,
                actor,
                at,
                action,
                new={"customer_id": customer_id, "role": role, "source": source},
            )
        ],
        [
            (
                kinds.PARTICIPANT_ADDED if added else kinds.PARTICIPANT_REMOVED,
                ticket_id,
                kinds.participant_facts(ticket_id, customer_id, role),
            )
        ],
        at=at,
    )


async def add_participant(
    desk: Desk,
    ticket_id: int,
    data: ParticipantCreate,
    *,
    actor: Principal,
    visible: Visibility,
    now: datetime,
) -> ParticipantOut:
    async with desk.tickets.enter(ticket_id), transaction(desk.db) as conn:
        ticket = await ticket_store.lock(conn, ticket_id, visible)
        if ticket is None:
            raise no_ticket(ticket_id)
        refuse_if_closed(ticket)
        at = max(now, ticket.updated_at)
        if data.customer_id is not None:
            if not await customers.exists(conn, data.customer_id):
                raise invalid("customer_id", f"customer {data.customer_id} does not exist")
            customer_id = data.customer_id
        else:
            assert data.email is not None
            name = data.name or data.email.split("@", 1)[0]
            customer_id, _ = await customers.upsert_by_email(
                conn, {"name": name[:200], "email": data.email}, at
            )
        if customer_id == ticket.customer_id:
            raise Conflict(
                f"customer {customer_id} is ticket {ticket_id}'s own customer",
                field="customer_id",
            )
        row = await participants.insert(
            conn,
            ticket_id,
            customer_id,
            role=data.role,
            source="api",
            key_id=actor.key_id or None,
            at=at,
        )
        if row is None:
            raise Conflict(
                f"customer {customer_id} is on ticket {ticket_id} already", field="customer_id"
            )
        await _recorded(conn, row, "participant_added", actor, at)
    return participant_out(row)


async def remove_participant(
    desk: Desk,
    ticket_id: int,
    customer_id: int,
    *,
    actor: Principal,
    visible: Visibility,
    now: datetime,
) -> None:
    async with desk.tickets.enter(ticket_id), transaction(desk.db) as conn:
        ticket = await ticket_store.lock(conn, ticket_id, visible)
        if ticket is None:
            raise no_ticket(ticket_id)
        refuse_if_closed(ticket)
        at = max(now, ticket.updated_at)
        row = await participants.delete(conn, ticket_id, customer_id)
        if row is None:
            raise NotFound(f"customer {customer_id} is not a participant of ticket {ticket_id}")
        await _recorded(conn, row, "participant_removed", actor, at)


async def list_participants(
    desk: Desk, ticket_id: int, query: ParticipantListQuery, *, visible: Visibility
) -> Page[ParticipantOut]:
    """The ticket's participants, in the order they were added; a read of personal data."""
    async with connection(desk.db) as conn:
        if not await ticket_store.exists(conn, ticket_id, visible):
            raise no_ticket(ticket_id)
        rows, next_cursor = await participants.page_of_ticket(
            conn, ticket_id, cursor=query.cursor, limit=query.limit
        )
        await audit.listed(desk, conn, "ticket_participants", ticket_id=ticket_id)
    return Page(items=[participant_out(r) for r in rows], next_cursor=next_cursor)


def _desk_address(address: str, own: Collection[str], domain: str) -> bool:
    address = address.lower()
    return address in own or address.endswith("@" + domain.lower())


async def add_copied(
    conn: Connection,
    desk: Desk,
    ticket: TicketRow,
    copied: Sequence[tuple[str, str | None]],
    *,
    sender_email: str | None,
    actor: Principal,
    at: datetime,
) -> None:
    """The addresses a message was copied to join its ticket as `cc` participants (each a
    customer, made if unknown); the desk's own addresses, the sender and the ticket's
    customer are left out. The ticket is locked by the caller."""
    for address, name in copied:
        if _desk_address(address, desk.settings.mail_addresses, desk.settings.mail_domain):
            continue
        if sender_email is not None and address == sender_email.lower():
            continue
        customer_id, _ = await customers.upsert_by_email(
            conn, {"name": (name or address.split("@", 1)[0])[:200], "email": address}, at
        )
        if customer_id == ticket.customer_id:
            continue
        row = await participants.insert(
            conn,
            ticket.id,
            customer_id,
            role="cc",
            source="email",
            key_id=actor.key_id or None,
            at=at,
        )
        if row is not None:
            await _recorded(conn, row, "participant_added", actor, at)


async def forget(conn: Connection, customer_id: int, *, actor: Principal, at: datetime) -> None:
    """An erased customer taken off every ticket they take part in (a line on each)."""
    for ticket_id, role, source in await participants.forget(conn, customer_id):
        await _recorded(
            conn, (ticket_id, customer_id, role, source), "participant_removed", actor, at
        )
