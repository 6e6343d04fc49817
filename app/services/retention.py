"""Retention's timer: armed as a ticket closes, for the personal-data erasure that follows
HELPDESK_RETENTION_DAYS later (app/services/privacy.py: `erase_expired` is its handler)."""

from datetime import datetime, timedelta

from app.db import Connection
from app.domain.sla import TimerSpec
from app.services import timers as registry
from app.services.context import Desk

RETENTION = registry.RETENTION


async def arm_retention(
    conn: Connection, ticket_id: int, *, closed_at: datetime | None, desk: Desk, now: datetime
) -> None:
    """Arm the ticket's retention timer as it closes (in the closing transaction; a change
    that closes nothing passes None); nothing while HELPDESK_RETENTION_DAYS is unset."""
    days = desk.settings.retention_days
    if closed_at is None or days is None:
        return
    due = closed_at + timedelta(days=days)
    await registry.schedule(
        conn,
        ticket_id,
        [TimerSpec(RETENTION, due)],
        now=now,
        wake_within=desk.settings.worker_max_sleep_seconds,
    )
