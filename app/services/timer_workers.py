"""What the timer workers report about themselves, and the lag monitoring should watch."""

from datetime import datetime, timedelta

from app.db import connection
from app.schemas import WorkerReplicaOut, WorkerStatus
from app.services.context import Desk
from app.store import timer_workers as store
from app.store import timers
from app.store.timer_workers import ReplicaRow as Replica

HEARTBEAT_SECONDS = 5.0
# A replica that missed three heartbeats is shown as stale: stopped, hung, or cut off from the
# database. One not seen for ten minutes is gone (a crash never says goodbye): not listed.
STALE_AFTER = timedelta(seconds=3 * HEARTBEAT_SECONDS)
LISTED_WITHIN = timedelta(minutes=10)

__all__ = ["HEARTBEAT_SECONDS", "Replica", "forget", "heartbeat", "status"]


async def heartbeat(desk: Desk, replica: Replica) -> None:
    async with connection(desk.db) as conn:
        await store.heartbeat(conn, replica)


async def forget(desk: Desk, replica_id: str) -> None:
    """A replica stopping cleanly takes itself off the list."""
    async with connection(desk.db) as conn:
        await store.forget(conn, replica_id)


def _out(row: Replica, now: datetime) -> WorkerReplicaOut:
    return WorkerReplicaOut(
        id=row.id,
        hostname=row.hostname,
        pid=row.pid,
        started_at=row.started_at,
        last_seen_at=row.last_seen_at,
        stale=row.last_seen_at < now - STALE_AFTER,
        last_cycle_ms=row.last_cycle_ms,
        fired_total=row.fired_total,
        fired_last_minute=row.fired_last_minute,
    )


async def status(desk: Desk, now: datetime) -> WorkerStatus:
    async with connection(desk.db) as conn:
        rows = await store.seen_since(conn, now - LISTED_WITHIN)
        pending, overdue, oldest = await timers.counts(conn, now)
    replicas = [_out(r, now) for r in rows]
    # A stale replica's figures are old news: the totals are of those still reporting.
    live = [r for r in replicas if not r.stale]
    return WorkerStatus(
        replicas=replicas,
        timers_pending=pending,
        timers_overdue=overdue,
        oldest_overdue_seconds=(now - oldest).total_seconds() if oldest else 0.0,
        last_cycle_ms=max((r.last_cycle_ms for r in live), default=None),
        fired_last_minute=sum(r.fired_last_minute for r in live),
    )
