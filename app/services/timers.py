"""The timers registry: every kind of deadline the system acts on, with its handler; scheduling,
cancelling and firing them. A new kind is one entry in `_registry`, and no change to the worker."""

from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING

from app.db import Connection, transaction
from app.domain import sla as clocks
from app.store import timers as store
from app.store.timers import Claimed

if TYPE_CHECKING:
    from app.services.desk import Desk

TIMERS_CHANNEL = "helpdesk_timers"

SLA_KINDS = tuple(f"{m}_{k}" for m in clocks.METRICS for k in ("warning", "breach"))
FOLLOW_UP = "follow_up_reminder"
AUTO_CLOSE = "auto_close"
CALLBACK_DUE = "callback_due"
CALLBACK_MISSED = "callback_missed"

# A handler acts on the claimed timers of its kind, in the claim's transaction, and says how
# many actions it took (a timer made stale by a change since it was armed may take none).
Handler = Callable[[Connection, list[Claimed], datetime, "Desk"], Awaitable[int]]


@dataclass(frozen=True)
class TimerKind:
    name: str
    handler: Handler
    action: str  # what a firing is counted as
    derived: bool  # re-derived from the ticket on every change (else scheduled explicitly)


@cache
def _registry() -> dict[str, TimerKind]:
    # Imported here, not at the top: the handlers schedule timers through this module.
    from app.services import (
        callbacks,
        escalation_matrix,
        escalations,
        privacy,
        reminders,
        sla_events,
        webhooks,
    )
    from app.services.tickets import auto_close

    kinds = [
        *(TimerKind(k, sla_events.record, "sla_event", derived=True) for k in SLA_KINDS),
        TimerKind(FOLLOW_UP, reminders.raise_follow_ups, "reminder", derived=True),
        TimerKind(AUTO_CLOSE, auto_close.close_resolved, "auto_close", derived=True),
        TimerKind(CALLBACK_DUE, callbacks.remind, "reminder", derived=False),
        TimerKind(CALLBACK_MISSED, callbacks.record_missed, "callback_missed", derived=False),
        TimerKind(privacy.RETENTION, privacy.erase_expired, "retention", derived=False),
        # issue 19, routing: an escalation waiting to be acknowledged
        TimerKind(
            escalations.ACK_REMINDER,
            escalation_matrix.remind_unacknowledged,
            "reminder",
            derived=False,
        ),
        TimerKind(
            escalations.ACK_OVERDUE,
            escalation_matrix.escalate_unacknowledged,
            "escalation",
            derived=False,
        ),
        TimerKind(webhooks.WEBHOOK_RETRY, webhooks.release_retries, "webhook_retry", derived=False),
    ]
    return {k.name: k for k in kinds}


# Kinds that follow from the ticket itself: `sync_derived` keeps exactly the wanted ones.
DERIVED_KINDS = (*SLA_KINDS, FOLLOW_UP, AUTO_CLOSE)


def kind(name: str) -> TimerKind:
    return _registry()[name]


def wake_payload(due_times: Sequence[datetime], now: datetime, within: float) -> str | None:
    """What to NOTIFY the workers with (delivered on commit), if a timer needs it: a worker
    never sleeps longer than `within` seconds, so only a timer due sooner needs to wake it."""
    if not due_times:
        return None
    soonest = min(due_times)
    return soonest.isoformat() if (soonest - now).total_seconds() < within else None


async def schedule(
    conn: Connection,
    ticket_id: int,
    timers: Sequence[clocks.TimerSpec],
    *,
    now: datetime,
    wake_within: float,
) -> None:
    """Arm timers of registered kinds in the caller's transaction."""
    for t in timers:
        kind(t.kind)  # a kind nobody handles would never fire: refuse it here
    await store.arm(conn, ticket_id, [(t.kind, t.due_at) for t in timers])
    wake = wake_payload([t.due_at for t in timers], now, wake_within)
    if wake is not None:
        await store.notify(conn, TIMERS_CHANNEL, wake)


async def sync_derived(
    conn: Connection,
    ticket_id: int,
    wanted: Sequence[clocks.TimerSpec],
    *,
    now: datetime,
    wake_within: float,
) -> None:
    """Make the ticket's pending derived timers exactly `wanted`: stale ones are deleted, never
    fired; those already armed are kept."""
    wanted_keys = {(t.kind, t.due_at) for t in wanted}
    armed = await store.pending(conn, ticket_id, DERIVED_KINDS)
    await store.delete(conn, [i for i, k, due in armed if (k, due) not in wanted_keys])
    have = {(k, due) for _, k, due in armed}
    new = [t for t in wanted if (t.kind, t.due_at) not in have]
    if new:
        await schedule(conn, ticket_id, new, now=now, wake_within=wake_within)


async def cancel(conn: Connection, ticket_id: int, kinds: Sequence[str]) -> None:
    await store.cancel(conn, ticket_id, kinds)


@dataclass(frozen=True)
class Fired:
    """What one pass did: timers claimed, and per kind of action how many were taken."""

    claimed: int
    actions: Counter[str]


async def fire_due(desk: "Desk", now: datetime, *, batch: int) -> Fired:
    """Claim up to `batch` due timers and run each kind's handler, all in one transaction: a
    crash rolls the whole pass back and the timers fire on the next."""
    actions: Counter[str] = Counter()
    async with transaction(desk.db) as conn:
        claimed = await store.claim_due(conn, now, batch)
        for wave in waves(claimed):
            for handler, timers in wave:
                entry = _registry()[timers[0].kind]
                actions[entry.action] += await handler(conn, timers, now, desk)
    return Fired(len(claimed), actions)


def waves(claimed: Sequence[Claimed]) -> list[list[tuple[Handler, list[Claimed]]]]:
    """The claimed timers (in due order) as the handler calls that run them: each ticket's
    first timer in the first wave, its second in the second, …, so a ticket's timers fire in
    due order (a warning before its breach) while a wave still hands each handler its timers
    together. Within a wave, handlers run in the order of their earliest timer. Kinds no
    longer handled are left out: marked fired, nothing to do."""
    seen: Counter[int] = Counter()
    grouped: list[dict[Handler, list[Claimed]]] = []
    for timer in claimed:
        entry = _registry().get(timer.kind)
        if entry is None:
            continue
        n = seen[timer.ticket_id]
        seen[timer.ticket_id] += 1
        if n == len(grouped):
            grouped.append({})
        grouped[n].setdefault(entry.handler, []).append(timer)
    return [list(wave.items()) for wave in grouped]


async def next_due(desk: "Desk") -> datetime | None:
    """The earliest pending timer: how long the worker may sleep."""
    async with transaction(desk.db) as conn:
        return await store.next_due(conn)
