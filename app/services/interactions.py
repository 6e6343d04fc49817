"""Logging calls, emails, chats, notes and callbacks on a ticket, and what each one implies."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from app.db import Connection, connection
from app.domain import lifecycle
from app.domain.access import Principal, Visibility
from app.domain.events import INTERACTION_ADDED, interaction_facts
from app.schemas import HistoryEntryOut, InteractionCreate, InteractionOut, Page
from app.schemas.attachments import AttachmentOut
from app.schemas.inbound import OutboundEmailOut
from app.services import (
    attachments,
    audit,
    callbacks,
    clocks,
    history,
    idempotency,
    mail_threads,
    reminders,
)
from app.services.context import Desk
from app.services.idempotency import Written
from app.services.kb import tickets as kb_links
from app.services.tickets import change
from app.services.tickets.shapes import CLOCK_SKEW, invalid, no_ticket
from app.services.tickets.update import refuse_if_closed, status_move
from app.store import agents, customers, tickets
from app.store import history as history_store
from app.store import interactions as store
from app.store.interactions import InteractionRow, NewInteraction
from app.store.tickets import TicketRow


def interaction_out(
    row: InteractionRow,
    email: OutboundEmailOut | None = None,
    files: list[AttachmentOut] | None = None,
) -> InteractionOut:
    return InteractionOut(
        id=row.id,
        ticket_id=row.ticket_id,
        kind=row.kind,
        direction=row.direction,
        public=row.public,
        author_type=row.author_type,
        author_id=row.author_agent_id if row.author_type == "agent" else row.author_customer_id,
        author_name=row.author_name,
        body=row.body,
        occurred_at=row.occurred_at,
        duration_seconds=row.duration_seconds,
        external_id=row.external_id,
        created_at=row.created_at,
        email=email,
        attachments=files or [],
    )


def check_shape(data: InteractionCreate) -> None:
    """Combinations that describe no real interaction are refused, naming the field."""
    if data.direction == "internal" and data.public:
        raise invalid("public", "an internal interaction cannot be public")
    if data.kind == "note" and data.direction != "internal":
        raise invalid("direction", "a note is internal")
    if data.duration_seconds is not None and data.kind not in ("call", "callback"):
        raise invalid("duration_seconds", "only calls and callbacks have a duration")
    if data.author_type == "customer" and data.direction == "outbound":
        raise invalid("direction", "a customer's message is inbound")


def is_public_agent_reply(interaction: NewInteraction) -> bool:
    """What stops the first-response clock and restarts the next-update one: a public agent
    message or call to the customer. An inbound call an agent logs is the customer speaking."""
    return (
        interaction.author_type == "agent"
        and interaction.public
        and interaction.direction == "outbound"
    )


def is_customer_message(interaction: NewInteraction) -> bool:
    """The customer speaking: an inbound message, theirs or logged by an agent (a call taken)."""
    return interaction.direction == "inbound" and interaction.author_type in ("customer", "agent")


async def log_interaction(
    desk: Desk,
    ticket_id: int,
    data: InteractionCreate,
    *,
    actor: Principal,
    visible: Visibility,
    now: datetime,
    idempotency_key: str | None,
    files: Sequence[attachments.SentFile] = (),
) -> Written[InteractionOut]:
    """`files`: sent in the request itself (multipart), checked before anything is written and
    stored in the interaction's transaction, beside the uploads its `attachment_ids` name."""
    check_shape(data)
    if data.occurred_at is not None and data.occurred_at > now + CLOCK_SKEW:
        raise invalid("occurred_at", "must not be in the future")
    checked = await attachments.check_sent(desk, files)

    async def work(conn: Connection) -> Written[InteractionOut]:
        sent = data
        if checked:
            ids = await attachments.store_sent(conn, desk, checked, actor=actor, now=now)
            sent = data.model_copy(update={"attachment_ids": [*(data.attachment_ids or []), *ids]})
        return await append(conn, desk, ticket_id, sent, actor=actor, visible=visible, now=now)

    async with desk.tickets.enter(ticket_id):
        return await idempotency.run(
            desk, actor, idempotency_key, f"interactions.create:{ticket_id}", data, work, now=now
        )


async def append(
    conn: Connection,
    desk: Desk,
    ticket_id: int,
    data: InteractionCreate,
    *,
    actor: Principal,
    visible: Visibility,
    now: datetime,
    reopen_resolved: bool = False,
) -> Written[InteractionOut]:
    """Log `data` on the ticket in the caller's transaction (its shape already checked): the
    interaction, its history, the clocks and events it implies. A gateway's retry (a known
    `external_id`) returns the interaction logged first, even on a ticket closed since.
    `reopen_resolved`: a customer's message reopens a resolved ticket (inbound email's rule)."""
    # An internal interaction with no files needs nothing written before the ticket's change
    # (no thread, follow-up, callback or attachment refers to it): the change's statement
    # stores it, with the id the lock reserves. A public agent email reply is stored with its
    # headers, whose Message-ID signs its id: the lock reserves that too.
    with_change = data.direction == "internal" and not data.attachment_ids
    email_reply = mail_threads.is_agent_email_reply(data)
    locked = await tickets.lock_for_change(
        conn, ticket_id, visible, interaction=with_change or email_reply
    )
    if locked is None:
        raise no_ticket(ticket_id)
    ticket = locked.ticket
    if data.external_id is not None:
        # A gateway's retry: the ticket's lock orders it after the first, whose row is there.
        seen = await store.by_external_id(conn, ticket.id, data.external_id)
        if seen is not None:
            email = (await mail_threads.outbound_of(conn, [seen])).get(seen.id)
            files = (await attachments.listed(conn, [seen.id])).get(seen.id)
            return Written(interaction_out(seen, email, files), created=False)
    refuse_if_closed(ticket)
    at = max(now, ticket.updated_at)  # after the lock: history never runs backwards
    occurred_at = data.occurred_at or at
    if occurred_at < ticket.created_at:
        raise invalid("occurred_at", "is before the ticket was created")
    new = await new_interaction(conn, ticket, data, occurred_at, actor, at)
    email = None
    if locked.interaction_id is not None:
        row = store.stored(new, locked.interaction_id)
        if email_reply:
            # Stored with its headers, which close the follow-ups it answers, in one statement.
            email = await mail_threads.log_reply(
                conn, desk, ticket, row, closing=reminders.FOLLOW_UP
            )
    else:
        row = await store.insert(conn, new)
        if new.direction == "outbound":
            await reminders.close_follow_ups(conn, ticket.id, at)
    if row.public and row.direction == "outbound" and row.body:
        await kb_links.link_named(conn, ticket.id, row.body, actor=actor, now=at)
    files = await attachments.attach(
        conn,
        desk,
        data.attachment_ids or [],
        ticket_id=ticket.id,
        interaction_id=row.id,
        actor=actor,
    )
    lines = [
        history.line(
            ticket.id,
            actor,
            at,
            "interaction",
            new={"kind": data.kind, "direction": data.direction, "public": data.public},
            interaction_id=row.id,
        )
    ]
    changed, columns = _implied(ticket, new, at)
    if reopen_resolved and ticket.status == "resolved":
        reopened, moved = status_move(ticket, "open", at)
        changed, columns = changed | reopened, columns | moved
    if new.direction == "outbound" and new.kind in ("call", "callback"):
        await callbacks.complete(conn, ticket.id, at)
    await change.apply(
        conn,
        desk,
        ticket,
        change.TicketChange(
            columns=columns,
            changed=changed,
            lines=lines,
            note="after interaction",
            events=lambda stored: [(INTERACTION_ADDED, interaction_facts(row, stored))],
            interaction=row if with_change else None,  # else stored above
        ),
        actor=actor,
        at=at,
        locked=locked,
    )
    return Written(interaction_out(row, email, files))


async def new_interaction(
    conn: Connection,
    ticket: TicketRow,
    data: InteractionCreate,
    occurred_at: datetime,
    actor: Principal,
    now: datetime,
    *,
    caller_is_author: bool = True,
) -> NewInteraction:
    """The row to store for `data`, its author named and checked. `caller_is_author`: an agent
    interaction without an author is the caller's (an import's is the source's, unknown)."""
    agent_id = customer_id = None
    author_name = data.author_name
    if data.author_type == "agent":
        agent_id = data.author_id or (actor.agent_id if caller_is_author else None)
        if agent_id is not None:
            name = await agents.name_of(conn, agent_id)
            if name is None:
                raise invalid("author_id", f"agent {agent_id} does not exist")
            author_name = author_name or name
    elif data.author_type == "customer":
        customer_id = data.author_id or ticket.customer_id
        if customer_id is not None:
            name = await customers.name_of(conn, customer_id)
            if name is None:
                raise invalid("author_id", f"customer {customer_id} does not exist")
            author_name = author_name or name
    return NewInteraction(
        ticket_id=ticket.id,
        kind=data.kind,
        direction=data.direction,
        public=data.public,
        author_type=data.author_type,
        author_agent_id=agent_id,
        author_customer_id=customer_id,
        author_name=author_name
        or (actor.name if data.author_type == "agent" and caller_is_author else None),
        body=data.body,
        occurred_at=occurred_at,
        duration_seconds=data.duration_seconds,
        external_id=data.external_id,
        created_at=now,
        created_by_key_id=actor.key_id or None,
    )


def _implied(
    ticket: TicketRow, interaction: NewInteraction, at: datetime
) -> tuple[dict[str, tuple[Any, Any]], dict[str, Any]]:
    """Counts, first response and the status move an interaction implies: history's (old, new)
    pairs and the columns to store."""
    changed: dict[str, tuple[Any, Any]] = {}
    columns: dict[str, Any] = {
        "interaction_count": ticket.interaction_count + 1,
        "version": ticket.version + 1,
        "updated_at": at,
    }
    status = ticket.status
    if is_public_agent_reply(interaction):
        columns["agent_reply_count"] = ticket.agent_reply_count + 1
        replied = interaction.occurred_at
        if ticket.first_responded_at is None or replied < ticket.first_responded_at:
            changed["first_responded_at"] = (ticket.first_responded_at, replied)
            columns["first_responded_at"] = replied
        if ticket.last_public_reply_at is None or replied > ticket.last_public_reply_at:
            columns["last_public_reply_at"] = replied
        status = lifecycle.status_after_agent_reply(ticket.status)  # type: ignore[arg-type]
    elif is_customer_message(interaction):
        columns["customer_reply_count"] = ticket.customer_reply_count + 1
        status = lifecycle.status_after_customer_message(ticket.status)  # type: ignore[arg-type]
    if status != ticket.status:
        changed["status"] = (ticket.status, status)
        columns["status"] = status
        columns["status_log"] = clocks.with_status(ticket, status, at)
    return changed, columns


async def list_interactions(
    desk: Desk,
    ticket_id: int,
    *,
    visible: Visibility,
    public_only: bool,
    limit: int,
    cursor: str | None,
) -> Page[InteractionOut]:
    async with connection(desk.db) as conn:
        if not await tickets.exists(conn, ticket_id, visible):
            raise no_ticket(ticket_id)
        rows, next_cursor = await store.page(
            conn, ticket_id, public_only=public_only, limit=limit, cursor=cursor
        )
        await audit.listed(desk, conn, "interactions", ticket_id=ticket_id)
        emails = await mail_threads.outbound_of(conn, rows)
        files = await attachments.listed(conn, [r.id for r in rows])
    return Page(
        items=[interaction_out(r, emails.get(r.id), files.get(r.id)) for r in rows],
        next_cursor=next_cursor,
    )


async def find_by_external_id(
    desk: Desk, external_id: str, *, visible: Visibility, limit: int, cursor: str | None
) -> Page[InteractionOut]:
    async with connection(desk.db) as conn:
        rows, next_cursor = await store.with_external_id(
            conn, external_id, visible, limit=limit, cursor=cursor
        )
        await audit.listed(desk, conn, "interactions")
        emails = await mail_threads.outbound_of(conn, rows)
        files = await attachments.listed(conn, [r.id for r in rows])
    return Page(
        items=[interaction_out(r, emails.get(r.id), files.get(r.id)) for r in rows],
        next_cursor=next_cursor,
    )


async def list_history(
    desk: Desk, ticket_id: int, *, visible: Visibility, limit: int, cursor: str | None
) -> Page[HistoryEntryOut]:
    async with connection(desk.db) as conn:
        if not await tickets.exists(conn, ticket_id, visible):
            raise no_ticket(ticket_id)
        rows, next_cursor = await history_store.page(conn, ticket_id, limit=limit, cursor=cursor)
        await audit.listed(desk, conn, "ticket_history", ticket_id=ticket_id)
    items = [
        HistoryEntryOut(
            id=r.id,
            ticket_id=r.ticket_id,
            at=r.at,
            action=r.action,
            field=r.field,
            old_value=r.old_value,
            new_value=r.new_value,
            actor_type=r.actor_type,
            actor_name=r.actor_name,
            interaction_id=r.interaction_id,
            note=r.note,
        )
        for r in rows
    ]
    return Page(items=items, next_cursor=next_cursor)
