"""Firing due timers: claim a batch, act on each (SLA events, reminders, callbacks, auto-close),
mark them fired — all in one transaction, so a crash fires them again on the next pass."""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import lifecycle
from app.models import Callback, Reminder, SlaEvent, Ticket, TicketEvent, Timer
from app.services import history, sla
from app.services.followups import CALLBACK_DUE, CALLBACK_MISSED
from app.services.history import SYSTEM
from app.services.tickets import refresh_sla

# One statement, `now` bound: any number of replicas may run it, each timer goes to exactly one.
CLAIM = text(
    """
    UPDATE timers SET fired_at = :now
    WHERE id IN (
        SELECT id FROM timers
        WHERE fired_at IS NULL AND due_at <= :now
        ORDER BY due_at
        LIMIT :batch
        FOR UPDATE SKIP LOCKED
    )
    RETURNING id, ticket_id, kind, due_at
    """
)


@dataclass(frozen=True)
class Claimed:
    id: int
    ticket_id: int
    kind: str
    due_at: datetime


@dataclass(frozen=True)
class Fired:
    """What one pass did: timers claimed, and per kind of action what was written."""

    claimed: int
    actions: Counter[str]


async def fire_due(db: AsyncSession, now: datetime, *, batch: int) -> Fired:
    async with db.begin():
        rows = (await db.execute(CLAIM, {"now": now, "batch": batch})).all()
        claimed = [Claimed(r.id, r.ticket_id, r.kind, r.due_at) for r in rows]
        actions: Counter[str] = Counter()
        if claimed:
            await _act(db, claimed, now, actions)
    return Fired(len(claimed), actions)


async def _act(
    db: AsyncSession, claimed: list[Claimed], now: datetime, actions: Counter[str]
) -> None:
    by_kind: dict[str, list[Claimed]] = {}
    for timer in claimed:
        by_kind.setdefault(timer.kind, []).append(timer)
    sla_timers = [t for k in sla.SLA_TIMER_KINDS for t in by_kind.get(k, [])]
    if sla_timers:
        actions["sla_event"] += await _record_sla_events(db, sla_timers, now)
    if by_kind.get(sla.FOLLOW_UP):
        actions["reminder"] += await _raise_follow_ups(db, by_kind[sla.FOLLOW_UP], now)
    for timer in by_kind.get(CALLBACK_DUE, []):
        actions["reminder"] += await _callback_due(db, timer, now)
    for timer in by_kind.get(CALLBACK_MISSED, []):
        actions["callback_missed"] += await _callback_missed(db, timer, now)
    for timer in by_kind.get(sla.AUTO_CLOSE, []):
        actions["auto_close"] += await _auto_close(db, timer, now)


async def _tickets(db: AsyncSession, ids: Sequence[int]) -> dict[int, Any]:
    rows = await db.execute(
        select(
            Ticket.id,
            Ticket.team_id,
            Ticket.assignee_id,
            Ticket.priority,
            Ticket.sla_policy_id,
            Ticket.first_response_due_at,
            Ticket.next_update_due_at,
            Ticket.resolution_due_at,
        ).where(Ticket.id.in_(sorted(set(ids))))  # type: ignore[union-attr]
    )
    return {r.id: r for r in rows}


def _still_due(ticket: Any, metric: str, kind: str, due_at: datetime) -> bool:
    """Belt and braces: services delete timers a change made stale, so this should always hold."""
    current = getattr(ticket, f"{metric}_due_at")
    if current is None:
        return False
    return kind == "warning" or current == due_at


async def _record_sla_events(db: AsyncSession, timers: list[Claimed], now: datetime) -> int:
    tickets = await _tickets(db, [t.ticket_id for t in timers])
    values = []
    for timer in timers:
        metric, _, kind = timer.kind.rpartition("_")
        ticket = tickets.get(timer.ticket_id)
        if ticket is None or not _still_due(ticket, metric, kind, timer.due_at):
            continue
        values.append(
            {
                "ticket_id": timer.ticket_id,
                "metric": metric,
                "kind": kind,
                "due_at": timer.due_at,
                "recorded_at": now,
                "team_id": ticket.team_id,
                "assignee_id": ticket.assignee_id,
                "priority": ticket.priority,
                "policy_id": ticket.sla_policy_id,
            }
        )
    if not values:
        return 0
    recorded = (
        await db.execute(
            insert(SlaEvent)
            .values(values)
            .on_conflict_do_nothing(constraint="sla_events_once_key")
            .returning(SlaEvent.ticket_id, SlaEvent.metric, SlaEvent.kind, SlaEvent.due_at)
        )
    ).all()
    if recorded:
        await db.execute(
            insert(TicketEvent).values(
                [
                    {
                        "ticket_id": r.ticket_id,
                        "at": now,
                        "action": f"sla_{r.kind}",
                        "field": r.metric,
                        "new_value": {"due_at": r.due_at.isoformat()},
                        **history.actor_columns(SYSTEM),
                    }
                    for r in recorded
                ]
            )
        )
    return len(recorded)


async def _raise_follow_ups(db: AsyncSession, timers: list[Claimed], now: datetime) -> int:
    tickets = await _tickets(db, [t.ticket_id for t in timers])
    values = [
        {
            "ticket_id": t.ticket_id,
            "kind": "follow_up",
            "assignee_id": tickets[t.ticket_id].assignee_id,
            "team_id": tickets[t.ticket_id].team_id,
            "due_at": tickets[t.ticket_id].next_update_due_at,
            "status": "open",
            "created_at": now,
            "version": 1,
        }
        for t in timers
        if t.ticket_id in tickets and tickets[t.ticket_id].next_update_due_at is not None
    ]
    if not values:
        return 0
    raised = (
        await db.execute(
            insert(Reminder)
            .values(values)
            .on_conflict_do_nothing(constraint="reminders_once_key")
            .returning(Reminder.ticket_id)
        )
    ).all()
    for r in raised:
        history.record(db, r.ticket_id, SYSTEM, now, "reminder", new={"kind": "follow_up"})
    return len(raised)


async def _callback_due(db: AsyncSession, timer: Claimed, now: datetime) -> int:
    callback = await db.scalar(
        select(Callback).where(
            Callback.ticket_id == timer.ticket_id,
            Callback.requested_at == timer.due_at,
            Callback.status == "scheduled",
        )
    )
    if callback is None:
        return 0
    team_id = await db.scalar(select(Ticket.team_id).where(Ticket.id == timer.ticket_id))
    raised = await db.scalar(
        insert(Reminder)
        .values(
            ticket_id=timer.ticket_id,
            kind="callback",
            assignee_id=callback.assignee_id,
            team_id=team_id,
            callback_id=callback.id,
            due_at=callback.requested_at,
            status="open",
            created_at=now,
            version=1,
        )
        .on_conflict_do_nothing(constraint="reminders_once_key")
        .returning(Reminder.id)
    )
    if raised is None:
        return 0
    history.record(db, timer.ticket_id, SYSTEM, now, "reminder", new={"kind": "callback"})
    return 1


async def _callback_missed(db: AsyncSession, timer: Claimed, now: datetime) -> int:
    callback = await db.scalar(
        select(Callback)
        .where(
            Callback.ticket_id == timer.ticket_id,
            Callback.missed_at == timer.due_at,
            Callback.status == "scheduled",
        )
        .with_for_update()
    )
    if callback is None:
        return 0
    callback.status = "missed"
    ticket = (await _tickets(db, [timer.ticket_id]))[timer.ticket_id]
    await db.execute(
        insert(SlaEvent)
        .values(
            ticket_id=timer.ticket_id,
            metric="callback",
            kind="missed",
            due_at=timer.due_at,
            recorded_at=now,
            team_id=ticket.team_id,
            assignee_id=ticket.assignee_id,
            priority=ticket.priority,
            policy_id=ticket.sla_policy_id,
        )
        .on_conflict_do_nothing(constraint="sla_events_once_key")
    )
    history.record(
        db, timer.ticket_id, SYSTEM, now, "callback_missed", new={"callback_id": callback.id}
    )
    return 1


async def _auto_close(db: AsyncSession, timer: Claimed, now: datetime) -> int:
    ticket = await db.get(Ticket, timer.ticket_id, with_for_update=True, populate_existing=True)
    if ticket is None or ticket.status != "resolved":
        return 0
    move = lifecycle.transition("resolved", "closed")
    ticket.status = move.target
    ticket.closed_at = now
    ticket.version += 1
    ticket.updated_at = now
    sla.log_status(ticket, "closed", now)
    history.record(
        db,
        timer.ticket_id,
        SYSTEM,
        now,
        "changed",
        field="status",
        old="resolved",
        new="closed",
        note="auto-closed after the resolution period",
    )
    await refresh_sla(db, ticket, now)
    return 1


async def next_due_at(db: AsyncSession) -> datetime | None:
    """The earliest pending timer: how long the worker may sleep."""
    async with db.begin():
        return await db.scalar(
            select(func.min(Timer.due_at)).where(Timer.fired_at.is_(None))  # type: ignore[union-attr]
        )
