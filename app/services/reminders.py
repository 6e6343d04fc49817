"""Reminders: the worker raises them (follow up with a customer, call back), agents close them."""

from datetime import datetime
from typing import Any

from app.db import Connection, connection, transaction
from app.domain.access import SYSTEM, Visibility
from app.domain.events import REMINDER_DUE
from app.errors import NotFound
from app.schemas import Page, ReminderOut, ReminderUpdate
from app.schemas.followups import ReminderListQuery
from app.services import history, if_match
from app.services.context import Desk
from app.services.tickets import change
from app.store import reminders as store
from app.store.reminders import ReminderFilters, ReminderRow
from app.store.timers import Claimed

FOLLOW_UP = "follow_up"
CALLBACK = "callback"


async def raise_follow_ups(
    conn: Connection, timers: list[Claimed], now: datetime, desk: Desk
) -> int:
    """The handler of `follow_up_reminder` timers: a reminder to follow up before the next
    update is due, for whoever has the ticket, with a history line."""
    raised = await store.raise_follow_ups(conn, [t.ticket_id for t in timers], now)
    await change.record(
        conn,
        [history.line(t, SYSTEM, now, "reminder", new={"kind": FOLLOW_UP}) for t in raised],
        [due_event(t, FOLLOW_UP) for t in raised],
        at=now,
    )
    return len(raised)


def due_event(ticket_id: int, kind: str) -> tuple[str, int, dict[str, Any]]:
    """The `reminder.due` event of a reminder raised on `ticket_id`."""
    return REMINDER_DUE, ticket_id, {"ticket_id": ticket_id, "kind": kind}


async def close_follow_ups(conn: Connection, ticket_id: int, now: datetime) -> None:
    """An outbound interaction was logged, in the caller's transaction: it is the follow-up the
    open reminders asked for."""
    await store.close_open(conn, ticket_id, FOLLOW_UP, now)


ESCALATION_ACK = "escalation_ack"


async def close_acknowledged(
    conn: Connection, ticket_id: int, ack_due_at: datetime | None, now: datetime
) -> None:
    """An escalation was acknowledged, in the caller's transaction: the reminder raised to
    acknowledge it (due at its deadline) is done, however late the acknowledgement."""
    if ack_due_at is not None:
        await store.close_due(conn, ticket_id, ESCALATION_ACK, ack_due_at, now)


def out(row: ReminderRow) -> ReminderOut:
    return ReminderOut(
        id=row.id,
        ticket_id=row.ticket_id,
        kind=row.kind,  # type: ignore[arg-type]
        assignee_id=row.assignee_id,
        team_id=row.team_id,
        callback_id=row.callback_id,
        due_at=row.due_at,
        status=row.status,  # type: ignore[arg-type]
        created_at=row.created_at,
        done_at=row.done_at,
        version=row.version,
    )


async def update(
    desk: Desk,
    reminder_id: int,
    data: ReminderUpdate,
    *,
    expected_version: int,
    now: datetime,
    visible: Visibility,
) -> ReminderOut:
    """Mark a reminder done or dismissed (or open again), at the version the caller read."""
    async with transaction(desk.db) as conn:
        row = await store.lock(conn, reminder_id, visible)
        if row is None:
            raise NotFound(f"reminder {reminder_id} does not exist")
        if_match.check(f"reminder {reminder_id}", row.version, expected_version)
        if data.status != row.status:
            done_at = None if data.status == "open" else now
            row = await store.set_status(conn, reminder_id, data.status, done_at)
    return out(row)


async def get_reminder(desk: Desk, reminder_id: int, *, visible: Visibility) -> ReminderOut:
    async with connection(desk.db) as conn:
        row = await store.get(conn, reminder_id, visible)
    if row is None:
        raise NotFound(f"reminder {reminder_id} does not exist")
    return out(row)


async def list_reminders(
    desk: Desk, query: ReminderListQuery, *, visible: Visibility
) -> Page[ReminderOut]:
    """Soonest due first, or in the order they were raised (`order=commit`); those on the
    tickets the caller sees."""
    filters = ReminderFilters(
        ticket_id=query.ticket_id,
        assignee_id=query.assignee_id,
        team_id=query.team_id,
        status=query.status,
        due_before=query.due_before,
    )
    read = store.feed if query.order == "commit" else store.page
    async with connection(desk.db) as conn:
        rows, next_cursor = await read(
            conn, filters, limit=query.limit, cursor=query.cursor, visible=visible
        )
    return Page[ReminderOut](items=[out(r) for r in rows], next_cursor=next_cursor)
