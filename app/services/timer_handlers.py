"""The timer handlers: what each kind of timer does when it comes due, and the firing of due
timers a worker pass runs (claimed with SKIP LOCKED, handled in one transaction)."""

from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from app.db import Connection, transaction
from app.services import (
    attachments,
    audit_report,
    callbacks,
    escalation_matrix,
    privacy,
    reminders,
    sla_events,
    webhooks,
)
from app.services.context import Desk
from app.services.qa import schedules as qa_schedules
from app.services.tickets import auto_close
from app.services.timers import (
    ACK_OVERDUE,
    ACK_REMINDER,
    AUDIT_REPORT,
    AUDIT_SCHEDULE,
    AUTO_CLOSE,
    CALLBACK_DUE,
    CALLBACK_MISSED,
    FOLLOW_UP,
    QA_SAMPLE_SCHEDULE,
    RETENTION,
    SLA_KINDS,
    UNSENT_UPLOAD,
    WEBHOOK_RETRY,
)
from app.store import timers as store
from app.store.timers import Claimed

# A handler acts on the claimed timers of its kind, in the claim's transaction, and says how
# many actions it took (a timer made stale by a change since it was armed may take none).
Handler = Callable[[Connection, list[Claimed], datetime, Desk], Awaitable[int]]


@dataclass(frozen=True)
class TimerKind:
    name: str
    handler: Handler
    action: str  # what a firing is counted as
    derived: bool  # re-derived from the ticket on every change (else scheduled explicitly)


@cache
def _registry() -> dict[str, TimerKind]:
    kinds = [
        *(TimerKind(k, sla_events.record, "sla_event", derived=True) for k in SLA_KINDS),
        TimerKind(FOLLOW_UP, reminders.raise_follow_ups, "reminder", derived=True),
        TimerKind(AUTO_CLOSE, auto_close.close_resolved, "auto_close", derived=True),
        TimerKind(CALLBACK_DUE, callbacks.remind, "reminder", derived=False),
        TimerKind(CALLBACK_MISSED, callbacks.record_missed, "callback_missed", derived=False),
        TimerKind(RETENTION, privacy.erase_expired, "retention", derived=False),
        TimerKind(ACK_REMINDER, escalation_matrix.remind_unacknowledged, "reminder", derived=False),
        TimerKind(
            ACK_OVERDUE, escalation_matrix.escalate_unacknowledged, "escalation", derived=False
        ),
        TimerKind(WEBHOOK_RETRY, webhooks.release_retries, "webhook_retry", derived=False),
        TimerKind(QA_SAMPLE_SCHEDULE, qa_schedules.draw_due, "qa_sample", derived=False),
        TimerKind(UNSENT_UPLOAD, attachments.expire_unsent, "upload_expired", derived=False),
        TimerKind(AUDIT_REPORT, audit_report.build_requested, "audit_report", derived=False),
        TimerKind(AUDIT_SCHEDULE, audit_report.build_scheduled, "audit_report", derived=False),
    ]
    return {k.name: k for k in kinds}


def kind(name: str) -> TimerKind:
    return _registry()[name]


@dataclass(frozen=True)
class Fired:
    """What one pass did: timers claimed, and per kind of action how many were taken."""

    claimed: int
    actions: Counter[str]


async def fire_due(desk: Desk, now: datetime, *, batch: int) -> Fired:
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
    seen: Counter[object] = Counter()
    grouped: list[dict[Handler, list[Claimed]]] = []
    for timer in claimed:
        entry = _registry().get(timer.kind)
        if entry is None:
            continue
        # A timer about no ticket keeps its order among its own subject's.
        about = timer.ticket_id if timer.ticket_id is not None else (timer.kind, timer.subject_id)
        n = seen[about]
        seen[about] += 1
        if n == len(grouped):
            grouped.append({})
        grouped[n].setdefault(entry.handler, []).append(timer)
    return [list(wave.items()) for wave in grouped]
