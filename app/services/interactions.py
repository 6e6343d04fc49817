"""Logging calls, emails, chats, notes and callbacks on a ticket, and what each one implies."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import lifecycle
from app.errors import Conflict, UnprocessableEntity
from app.models import Agent, Customer, Interaction, Ticket
from app.schemas import InteractionCreate, InteractionOut, Page
from app.services import followups, history, idempotency, pagination, records, sla
from app.services.auth import Principal
from app.services.idempotency import Outcome
from app.services.tickets import CLOCK_SKEW, get_for_update, refresh_sla


def _invalid(field: str, message: str) -> UnprocessableEntity:
    return UnprocessableEntity(f"{field}: {message}", errors=[{"field": field, "message": message}])


def interaction_out(row: Interaction) -> InteractionOut:
    return InteractionOut(
        id=row.id,  # type: ignore[arg-type]
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
    )


def _check_shape(data: InteractionCreate) -> None:
    """Combinations that describe no real interaction are refused, naming the field."""
    if data.direction == "internal" and data.public:
        raise _invalid("public", "an internal interaction cannot be public")
    if data.kind == "note" and data.direction != "internal":
        raise _invalid("direction", "a note is internal")
    if data.duration_seconds is not None and data.kind not in ("call", "callback"):
        raise _invalid("duration_seconds", "only calls and callbacks have a duration")
    if data.author_type == "customer" and data.direction == "outbound":
        raise _invalid("direction", "a customer's message is inbound")


async def log_interaction(
    db: AsyncSession,
    ticket_id: int,
    data: InteractionCreate,
    *,
    actor: Principal,
    now: datetime,
    idempotency_key: str | None,
) -> Outcome:
    actor.demand("write")
    _check_shape(data)
    occurred_at = data.occurred_at or now
    if occurred_at > now + CLOCK_SKEW:
        raise _invalid("occurred_at", "must not be in the future")

    async def action() -> Outcome:
        ticket = await get_for_update(db, ticket_id)
        if ticket.status == "closed":
            raise Conflict(f"ticket {ticket_id} is closed; open a new ticket and link it")
        if occurred_at < ticket.created_at:
            raise _invalid("occurred_at", "is before the ticket was created")
        interaction = await _new_interaction(db, ticket, data, occurred_at, actor, now)
        history.record(
            db,
            ticket.id,
            actor,
            now,
            "interaction",
            new={"kind": data.kind, "direction": data.direction, "public": data.public},
            interaction_id=interaction.id,
        )
        _apply_to_ticket(db, ticket, interaction, actor, now)
        if interaction.direction == "outbound":
            await followups.close_follow_ups(db, ticket.id, now)  # type: ignore[arg-type]
            if interaction.kind in ("call", "callback"):
                await followups.complete_callbacks(db, ticket.id, now)  # type: ignore[arg-type]
        await refresh_sla(db, ticket, now)
        return Outcome(201, interaction_out(interaction).model_dump(mode="json"))

    return await idempotency.once_in_session(
        db,
        actor,
        idempotency_key,
        f"interactions.create:{ticket_id}",
        data,
        action,
        now=now,
    )


async def _new_interaction(
    db: AsyncSession,
    ticket: Ticket,
    data: InteractionCreate,
    occurred_at: datetime,
    actor: Principal,
    now: datetime,
) -> Interaction:
    agent_id = customer_id = None
    author_name = data.author_name
    if data.author_type == "agent":
        agent_id = data.author_id or actor.agent_id
        if agent_id is not None:
            name = await db.scalar(select(Agent.name).where(Agent.id == agent_id))
            if name is None:
                raise _invalid("author_id", f"agent {agent_id} does not exist")
            author_name = author_name or name
    elif data.author_type == "customer":
        customer_id = data.author_id or ticket.customer_id
        if customer_id is not None:
            name = await db.scalar(select(Customer.name).where(Customer.id == customer_id))
            if name is None:
                raise _invalid("author_id", f"customer {customer_id} does not exist")
            author_name = author_name or name
    interaction = Interaction(
        ticket_id=ticket.id,  # type: ignore[arg-type]
        kind=data.kind,
        direction=data.direction,
        public=data.public,
        author_type=data.author_type,
        author_agent_id=agent_id,
        author_customer_id=customer_id,
        author_name=author_name or (actor.name if data.author_type == "agent" else None),
        body=data.body,
        occurred_at=occurred_at,
        duration_seconds=data.duration_seconds,
        external_id=data.external_id,
        created_at=now,
        created_by_key_id=actor.key_id or None,
    )
    db.add(interaction)
    await db.flush()
    return interaction


def is_public_agent_reply(interaction: Interaction) -> bool:
    return (
        interaction.author_type == "agent"
        and interaction.direction == "outbound"
        and interaction.public
    )


def _apply_to_ticket(
    db: AsyncSession, ticket: Ticket, interaction: Interaction, actor: Principal, now: datetime
) -> None:
    """Counts, first response and the status moves an interaction implies, with their history."""
    changes = {}
    ticket.interaction_count += 1
    if is_public_agent_reply(interaction):
        ticket.agent_reply_count += 1
        at = interaction.occurred_at
        if ticket.first_responded_at is None or at < ticket.first_responded_at:
            changes["first_responded_at"] = (ticket.first_responded_at, at)
            ticket.first_responded_at = at
        if ticket.last_public_reply_at is None or at > ticket.last_public_reply_at:
            ticket.last_public_reply_at = at
        target = lifecycle.status_after_agent_reply(ticket.status)  # type: ignore[arg-type]
    elif interaction.author_type == "customer" and interaction.direction == "inbound":
        ticket.customer_reply_count += 1
        target = lifecycle.status_after_customer_message(ticket.status)  # type: ignore[arg-type]
    else:
        target = ticket.status  # type: ignore[assignment]
    if target != ticket.status:
        changes["status"] = (ticket.status, target)
        ticket.status = target
        sla.log_status(ticket, target, now)
    ticket.version += 1
    ticket.updated_at = now
    history.record_changes(db, ticket.id, actor, now, changes, note="after interaction")  # type: ignore[arg-type]


async def list_interactions(
    db: AsyncSession, ticket_id: int, *, limit: int, cursor: str | None, public_only: bool
) -> Page[InteractionOut]:
    stmt = select(Interaction).where(Interaction.ticket_id == ticket_id)
    if public_only:
        stmt = stmt.where(Interaction.public.is_(True))  # type: ignore[attr-defined]
    key = [Interaction.occurred_at, Interaction.id]
    if cursor:
        values = pagination.decode_cursor(cursor, "interactions", [datetime, int])
        stmt = pagination.after(stmt, key, values, descending=False)  # type: ignore[arg-type]
    stmt = pagination.order(stmt, key, descending=False).limit(limit + 1)  # type: ignore[arg-type]
    async with db.begin():
        await records.get(db, Ticket, ticket_id)
        rows = (await db.scalars(stmt)).all()
    items = [interaction_out(r) for r in rows[:limit]]
    nxt = None
    if len(rows) > limit:
        last = rows[limit - 1]
        nxt = pagination.encode_cursor("interactions", [last.occurred_at, last.id])
    return Page(items=items, next_cursor=nxt)
