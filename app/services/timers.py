"""Timers: every kind of deadline the system acts on, and scheduling and cancelling them in the
caller's transaction. Below the handlers: app/services/timer_handlers.py names what each kind
does and fires them; a new kind is a name here and one entry there, and no change to the worker."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from app.db import Connection, transaction
from app.domain import sla as clocks
from app.store import timers as store

if TYPE_CHECKING:
    from app.services.context import Desk

TIMERS_CHANNEL = "helpdesk_timers"

SLA_KINDS = tuple(f"{m}_{k}" for m in clocks.METRICS for k in ("warning", "breach"))
FOLLOW_UP = "follow_up_reminder"
AUTO_CLOSE = "auto_close"
CALLBACK_DUE = "callback_due"
CALLBACK_MISSED = "callback_missed"

ACK_REMINDER = "escalation_ack_reminder"  # halfway to an escalation's acknowledgement target
ACK_OVERDUE = "escalation_ack_overdue"  # an escalation nobody acknowledged in time
RETENTION = "retention"  # the personal-data erasure HELPDESK_RETENTION_DAYS after closing
WEBHOOK_RETRY = "webhook_retry"  # a webhook delivery's next attempt
QA_SAMPLE_SCHEDULE = "qa_sample_schedule"  # a sample schedule's period has ended: draw it
UNSENT_UPLOAD = "unsent_upload"  # an upload no interaction sent in time: deleted
AUDIT_REPORT = "audit_report"  # build the kept audit report `subject_id` (due when asked for)
AUDIT_SCHEDULE = "audit_report_schedule"  # the monthly audit report (subject 0: the desk's)

# Kinds that follow from the ticket itself: `derived_sync` keeps exactly the wanted ones.
DERIVED_KINDS = (*SLA_KINDS, FOLLOW_UP, AUTO_CLOSE)
# Every kind there is: app/services/timer_handlers.py names the handler of each (a test holds
# the two to each other), and `schedule` refuses any other, since nothing would fire it.
KINDS = frozenset(
    (
        *DERIVED_KINDS,
        CALLBACK_DUE,
        CALLBACK_MISSED,
        ACK_REMINDER,
        ACK_OVERDUE,
        RETENTION,
        WEBHOOK_RETRY,
        QA_SAMPLE_SCHEDULE,
        UNSENT_UPLOAD,
        AUDIT_REPORT,
        AUDIT_SCHEDULE,
    )
)


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
    unknown = [t.kind for t in timers if t.kind not in KINDS]
    if unknown:
        raise ValueError(f"unknown timer kinds {unknown}")  # a programming error, not input
    await store.arm(conn, ticket_id, [(t.kind, t.due_at) for t in timers])
    wake = wake_payload([t.due_at for t in timers], now, wake_within)
    if wake is not None:
        await store.notify(conn, TIMERS_CHANNEL, wake)


async def schedule_subject(
    conn: Connection,
    kind: str,
    subject_id: int,
    due_at: datetime,
    *,
    now: datetime,
    wake_within: float,
) -> None:
    """Arm a timer about something that is not a ticket (a sample schedule, a report
    schedule, an upload): `subject_id` is what its kind's handler acts on."""
    if kind not in KINDS:
        raise ValueError(f"unknown timer kind {kind!r}")  # a programming error, not input
    await store.arm_subject(conn, kind, subject_id, due_at)
    wake = wake_payload([due_at], now, wake_within)
    if wake is not None:
        await store.notify(conn, TIMERS_CHANNEL, wake)


async def cancel_subject(conn: Connection, kind: str, subject_id: int) -> None:
    """Take back the pending timers of `kind` about `subject_id`."""
    await store.cancel_subject(conn, kind, subject_id)


def derived_sync(
    wanted: Sequence[clocks.TimerSpec], *, now: datetime, wake_within: float
) -> store.Sync:
    """What makes a ticket's pending derived timers exactly `wanted` (stale ones deleted, never
    fired; those already armed kept; the workers woken when one armed now is due sooner than they
    would wake anyway), for the change's one statement to carry out (`store.tickets.write_change`)."""
    unknown = [t.kind for t in wanted if t.kind not in KINDS]
    if unknown:
        raise ValueError(f"unknown timer kinds {unknown}")  # a programming error, not input
    return store.Sync(
        DERIVED_KINDS,
        [(t.kind, t.due_at) for t in wanted],
        (TIMERS_CHANNEL, now + timedelta(seconds=wake_within)),
    )


async def cancel(conn: Connection, ticket_id: int, kinds: Sequence[str]) -> None:
    await store.cancel(conn, ticket_id, kinds)


async def next_due(desk: "Desk") -> datetime | None:
    """The earliest pending timer: how long the worker may sleep."""
    async with transaction(desk.db) as conn:
        return await store.next_due(conn)
