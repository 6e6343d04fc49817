"""Callbacks customers asked for, the reminders the worker raises, and the SLA events it records."""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Conflict, NotFound, PreconditionFailed, UnprocessableEntity
from app.models import Agent, Callback, Reminder, SlaEvent, Ticket, Timer
from app.schemas import CallbackCreate, CallbackOut, Page, ReminderOut, ReminderUpdate, SlaEventOut
from app.services import history, idempotency, pagination, records, sla
from app.services.auth import Principal
from app.services.idempotency import Outcome
from app.settings import get_settings

CALLBACK_DUE = "callback_due"
CALLBACK_MISSED = "callback_missed"


# ---- callbacks -------------------------------------------------------------------------------


async def schedule_callback(
    db: AsyncSession,
    ticket_id: int,
    data: CallbackCreate,
    *,
    actor: Principal,
    now: datetime,
    idempotency_key: str | None,
) -> Outcome:
    actor.demand("write")

    async def action() -> Outcome:
        ticket = await records.get(db, Ticket, ticket_id, for_update=True)
        if ticket.status == "closed":
            raise Conflict(f"ticket {ticket_id} is closed")
        assignee = data.assignee_id or ticket.assignee_id
        if data.assignee_id is not None and await db.get(Agent, data.assignee_id) is None:
            raise UnprocessableEntity(
                f"agent {data.assignee_id} does not exist",
                errors=[{"field": "assignee_id", "message": "unknown id"}],
            )
        grace = timedelta(seconds=get_settings().callback_grace_seconds)
        callback = Callback(
            ticket_id=ticket_id,
            requested_at=data.requested_at,
            missed_at=data.requested_at + grace,
            phone=data.phone,
            note=data.note,
            assignee_id=assignee,
            status="scheduled",
            created_at=now,
            created_by_key_id=actor.key_id or None,
        )
        db.add(callback)
        await db.flush()
        timers = [
            sla.clocks.TimerSpec(CALLBACK_DUE, callback.requested_at),
            sla.clocks.TimerSpec(CALLBACK_MISSED, callback.missed_at),
        ]
        await sla.arm_timers(db, ticket_id, timers, now=now)
        history.record(
            db,
            ticket_id,
            actor,
            now,
            "callback_scheduled",
            new={"callback_id": callback.id, "requested_at": callback.requested_at.isoformat()},
        )
        return Outcome(201, callback_out(callback).model_dump(mode="json"))

    return await idempotency.once_in_session(
        db,
        actor,
        idempotency_key,
        f"callbacks.create:{ticket_id}",
        data,
        action,
        now=now,
    )


def callback_out(row: Callback) -> CallbackOut:
    return CallbackOut.model_validate(row, from_attributes=True)


async def list_callbacks(db: AsyncSession, ticket_id: int) -> list[CallbackOut]:
    async with db.begin():
        await records.get(db, Ticket, ticket_id)
        rows = (
            await db.scalars(
                select(Callback).where(Callback.ticket_id == ticket_id).order_by(Callback.id)
            )
        ).all()
    return [callback_out(r) for r in rows]


async def complete_callbacks(db: AsyncSession, ticket_id: int, now: datetime) -> None:
    """An outbound call was logged: scheduled callbacks are done and their timers disarmed; the
    reminders to call back (missed ones included: the call has now happened) are closed."""
    done = (
        await db.execute(
            update(Callback)
            .where(Callback.ticket_id == ticket_id, Callback.status == "scheduled")
            .values(status="done", done_at=now)
            .returning(Callback.id)
        )
    ).all()
    if done:
        await db.execute(
            delete(Timer).where(
                Timer.ticket_id == ticket_id,
                Timer.kind.in_((CALLBACK_DUE, CALLBACK_MISSED)),  # type: ignore[attr-defined]
                Timer.fired_at.is_(None),  # type: ignore[union-attr]
            )
        )
    await _close_reminders(db, ticket_id, "callback", now)


async def _close_reminders(db: AsyncSession, ticket_id: int, kind: str, now: datetime) -> None:
    await db.execute(
        update(Reminder)
        .where(Reminder.ticket_id == ticket_id, Reminder.status == "open", Reminder.kind == kind)
        .values(status="done", done_at=now, version=Reminder.version + 1)
    )


async def close_follow_ups(db: AsyncSession, ticket_id: int, now: datetime) -> None:
    """An outbound interaction is the follow-up the open reminders asked for."""
    await _close_reminders(db, ticket_id, "follow_up", now)


# ---- reminders -------------------------------------------------------------------------------


async def list_reminders(
    db: AsyncSession,
    *,
    assignee_id: int | None,
    team_id: int | None,
    status: str | None,
    due_before: datetime | None,
    limit: int,
    cursor: str | None,
) -> Page[ReminderOut]:
    stmt = select(Reminder)
    for column, value in (
        (Reminder.assignee_id, assignee_id),
        (Reminder.team_id, team_id),
        (Reminder.status, status),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if due_before is not None:
        stmt = stmt.where(Reminder.due_at < due_before)
    key: list[Any] = [Reminder.due_at, Reminder.id]
    if cursor:
        values = pagination.decode_cursor(cursor, "reminders", [datetime, int])
        stmt = pagination.after(stmt, key, values, descending=False)
    stmt = pagination.order(stmt, key, descending=False).limit(limit + 1)
    async with db.begin():
        rows = (await db.scalars(stmt)).all()
    items = [ReminderOut.model_validate(r, from_attributes=True) for r in rows[:limit]]
    nxt = None
    if len(rows) > limit:
        nxt = pagination.encode_cursor("reminders", [rows[limit - 1].due_at, rows[limit - 1].id])
    return Page(items=items, next_cursor=nxt)


async def update_reminder(
    db: AsyncSession,
    reminder_id: int,
    data: ReminderUpdate,
    *,
    expected_version: int,
    now: datetime,
) -> ReminderOut:
    async with db.begin():
        row = await db.get(Reminder, reminder_id, with_for_update=True, populate_existing=True)
        if row is None:
            raise NotFound(f"reminder {reminder_id} does not exist")
        if row.version != expected_version:
            raise PreconditionFailed(
                f"reminder {reminder_id} is at version {row.version}, not {expected_version}"
            )
        if data.status != row.status:
            row.status = data.status
            row.done_at = None if data.status == "open" else now
            row.version += 1
    return ReminderOut.model_validate(row, from_attributes=True)


# ---- SLA events ------------------------------------------------------------------------------


async def list_sla_events(
    db: AsyncSession,
    *,
    ticket_id: int | None,
    metric: str | None,
    kind: str | None,
    team_id: int | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    cursor: str | None,
) -> Page[SlaEventOut]:
    """Newest first."""
    stmt = select(SlaEvent)
    for column, value in (
        (SlaEvent.ticket_id, ticket_id),
        (SlaEvent.metric, metric),
        (SlaEvent.kind, kind),
        (SlaEvent.team_id, team_id),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if since is not None:
        stmt = stmt.where(SlaEvent.recorded_at >= since)
    if until is not None:
        stmt = stmt.where(SlaEvent.recorded_at < until)
    if cursor:
        (last_id,) = pagination.decode_cursor(cursor, "sla-events", [int])
        stmt = stmt.where(SlaEvent.id < last_id)  # type: ignore[operator]
    async with db.begin():
        rows = (await db.scalars(stmt.order_by(SlaEvent.id.desc()).limit(limit + 1))).all()  # type: ignore[union-attr]
    items = [SlaEventOut.model_validate(r, from_attributes=True) for r in rows[:limit]]
    nxt = (
        pagination.encode_cursor("sla-events", [rows[limit - 1].id]) if len(rows) > limit else None
    )
    return Page(items=items, next_cursor=nxt)
