"""The ticket history: who changed what, and when, written in the same transaction as the change."""

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFound
from app.models import Ticket, TicketEvent
from app.schemas import HistoryEntryOut, Page
from app.services import pagination
from app.services.auth import Principal

SYSTEM = Principal(key_id=0, name="system", role="system", agent_id=None)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def actor_columns(actor: Principal) -> dict[str, Any]:
    """Who made a change, as a history row records it."""
    return {
        "actor_type": "system" if actor is SYSTEM else ("agent" if actor.agent_id else "api_key"),
        "actor_key_id": actor.key_id or None,
        "actor_name": actor.name,
    }


def record(
    db: AsyncSession,
    ticket_id: int,
    actor: Principal,
    now: datetime,
    action: str,
    *,
    field: str | None = None,
    old: Any = None,
    new: Any = None,
    interaction_id: int | None = None,
    note: str | None = None,
) -> TicketEvent:
    event = TicketEvent(
        ticket_id=ticket_id,
        at=now,
        action=action,
        field=field,
        old_value=_jsonable(old),
        new_value=_jsonable(new),
        **actor_columns(actor),
        interaction_id=interaction_id,
        note=note,
    )
    db.add(event)
    return event


def record_changes(
    db: AsyncSession,
    ticket_id: int,
    actor: Principal,
    now: datetime,
    changes: dict[str, tuple[Any, Any]],
    note: str | None = None,
) -> None:
    for field, (old, new) in changes.items():
        record(db, ticket_id, actor, now, "changed", field=field, old=old, new=new, note=note)


async def list_history(
    db: AsyncSession, ticket_id: int, *, limit: int, cursor: str | None
) -> Page[HistoryEntryOut]:
    stmt = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
    if cursor:
        (last_id,) = pagination.decode_cursor(cursor, "history", [int])
        stmt = stmt.where(TicketEvent.id > last_id)
    async with db.begin():
        if await db.scalar(select(Ticket.id).where(Ticket.id == ticket_id)) is None:
            raise NotFound(f"ticket {ticket_id} does not exist")
        rows = (await db.scalars(stmt.order_by(TicketEvent.id).limit(limit + 1))).all()
    items = [HistoryEntryOut.model_validate(r, from_attributes=True) for r in rows[:limit]]
    next_cursor = (
        pagination.encode_cursor("history", [rows[limit - 1].id]) if len(rows) > limit else None
    )
    return Page(items=items, next_cursor=next_cursor)
