"""Callbacks customers asked for: scheduled with their timers, reminded at the requested moment,
recorded as missed when no outbound call came by the end of the grace period."""

from datetime import datetime, timedelta

from app.db import Connection, connection
from app.domain.access import SYSTEM, Principal, Visibility
from app.domain.sla import TimerSpec
from app.errors import Conflict, NotFound, UnprocessableEntity
from app.schemas import CallbackCreate, CallbackOut, Page
from app.schemas.followups import CallbackListQuery
from app.services import audit, history, idempotency, reminders, sla_events
from app.services import timers as registry
from app.services.context import Desk
from app.services.idempotency import Written
from app.services.tickets import change
from app.services.tickets.shapes import refuse_if_merged
from app.services.timers import CALLBACK_DUE, CALLBACK_MISSED
from app.store import agents, tickets
from app.store import callbacks as store
from app.store import reminders as reminders_store
from app.store import sla_events as sla_events_store
from app.store.callbacks import CallbackRow, NewCallback
from app.store.timers import Claimed


def out(row: CallbackRow) -> CallbackOut:
    return CallbackOut(
        id=row.id,
        ticket_id=row.ticket_id,
        requested_at=row.requested_at,
        missed_at=row.missed_at,
        phone=row.phone,
        note=row.note,
        assignee_id=row.assignee_id,
        status=row.status,  # type: ignore[arg-type]
        created_at=row.created_at,
        done_at=row.done_at,
    )


async def schedule(
    desk: Desk,
    ticket_id: int,
    data: CallbackCreate,
    *,
    actor: Principal,
    visible: Visibility,
    now: datetime,
    idempotency_key: str | None,
) -> Written[CallbackOut]:
    """Schedule a callback: the worker raises a reminder at `requested_at` and records it
    missed if no outbound call is logged within the grace period after."""

    async def work(conn: Connection) -> Written[CallbackOut]:
        ticket = await tickets.lock(conn, ticket_id, visible)
        if ticket is None:
            raise NotFound(f"ticket {ticket_id} does not exist")
        refuse_if_merged(ticket)
        if ticket.status == "closed":
            raise Conflict(f"ticket {ticket_id} is closed")
        if data.assignee_id is not None and await agents.is_active(conn, data.assignee_id) is None:
            raise UnprocessableEntity(
                f"agent {data.assignee_id} does not exist",
                errors=[{"field": "assignee_id", "message": "unknown id"}],
            )
        at = max(now, ticket.updated_at)
        grace = timedelta(seconds=desk.settings.callback_grace_seconds)
        row = await store.insert(
            conn,
            NewCallback(
                ticket_id=ticket_id,
                requested_at=data.requested_at,
                missed_at=data.requested_at + grace,
                phone=data.phone,
                note=data.note,
                assignee_id=data.assignee_id or ticket.assignee_id,
                status="scheduled",
                created_at=at,
                done_at=None,
                created_by_key_id=actor.key_id or None,
            ),
        )
        await registry.schedule(
            conn,
            ticket_id,
            [TimerSpec(CALLBACK_DUE, row.requested_at), TimerSpec(CALLBACK_MISSED, row.missed_at)],
            now=now,
            wake_within=desk.settings.worker_max_sleep_seconds,
        )
        await change.record(
            conn,
            [
                history.line(
                    ticket_id,
                    actor,
                    at,
                    "callback_scheduled",
                    new={"callback_id": row.id, "requested_at": row.requested_at.isoformat()},
                )
            ],
            at=at,
        )
        return Written(out(row))

    return await idempotency.run(
        desk, actor, idempotency_key, f"callbacks.create:{ticket_id}", data, work, now=now
    )


async def list_for_ticket(
    desk: Desk, ticket_id: int, query: CallbackListQuery, *, visible: Visibility
) -> Page[CallbackOut]:
    """The callbacks of a ticket, oldest first."""
    async with connection(desk.db) as conn:
        if not await tickets.exists(conn, ticket_id, visible):
            raise NotFound(f"ticket {ticket_id} does not exist")
        rows, next_cursor = await store.page_of_ticket(
            conn, ticket_id, cursor=query.cursor, limit=query.limit
        )
        await audit.listed(desk, conn, "callbacks", ticket_id=ticket_id)
    return Page(items=[out(r) for r in rows], next_cursor=next_cursor)


async def complete(conn: Connection, ticket_id: int, now: datetime) -> None:
    """An outbound call was logged, in the caller's transaction: scheduled callbacks are done
    and their timers disarmed; the reminders to call back (missed ones included: the call has
    now happened) are closed."""
    if await store.complete_scheduled(conn, ticket_id, now):
        await registry.cancel(conn, ticket_id, [CALLBACK_DUE, CALLBACK_MISSED])
    await reminders_store.close_open(conn, ticket_id, "callback", now)


async def remind(conn: Connection, timers: list[Claimed], now: datetime, desk: Desk) -> int:
    """The handler of `callback_due` timers: a reminder to call back, if the callback is still
    scheduled, with a history line."""
    raised = await reminders_store.raise_for_callbacks(
        conn, [(t.ticket_id, t.due_at) for t in timers], now
    )
    await change.record(
        conn,
        [history.line(t, SYSTEM, now, "reminder", new={"kind": "callback"}) for t in raised],
        [reminders.due_event(t, reminders.CALLBACK) for t in raised],
        at=now,
    )
    return len(raised)


async def record_missed(conn: Connection, timers: list[Claimed], now: datetime, desk: Desk) -> int:
    """The handler of `callback_missed` timers: a callback still scheduled when its grace period
    ends is missed, an SLA event (metric "callback", kind "missed") and a history line."""
    missed = await store.mark_missed(conn, [(t.ticket_id, t.due_at) for t in timers])
    if not missed:
        return 0
    facts = await sla_events_store.ticket_facts(conn, [m.ticket_id for m in missed])
    await sla_events_store.record(
        conn,
        [
            sla_events.event(facts[m.ticket_id], "callback", "missed", m.missed_at, now)
            for m in missed
        ],
    )
    await change.record(
        conn,
        [
            history.line(m.ticket_id, SYSTEM, now, "callback_missed", new={"callback_id": m.id})
            for m in missed
        ],
        at=now,
    )
    return len(missed)
