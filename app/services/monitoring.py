"""What a monitoring system polls: the desk's live figures, read when it scrapes."""

from dataclasses import dataclass
from datetime import datetime

from app.db import connection
from app.domain.access import Visibility
from app.services.context import Desk
from app.services.timer_workers import LISTED_WITHIN, STALE_AFTER
from app.store import monitoring as store
from app.store import timer_workers, timers


@dataclass(frozen=True)
class OpenTickets:
    status: str
    priority: str
    team_id: int | None
    open: int
    breached: int


@dataclass(frozen=True)
class DeskFigures:
    open_tickets: list[OpenTickets]
    sla_events: list[tuple[str, str, int]]  # metric, kind, events
    timers_pending: int
    timers_overdue: int
    # How far behind the timer worker is: the age of the oldest timer that is due.
    worker_lag_seconds: float
    worker_replicas: int


async def figures(desk: Desk, *, visible: Visibility, now: datetime) -> DeskFigures:
    async with connection(desk.reads) as conn:
        opened = await store.open_tickets(conn, visible, now)
        events = await store.sla_event_totals(conn, visible)
        pending, overdue, oldest = await timers.counts(conn, now)
        replicas = await timer_workers.seen_since(conn, now - LISTED_WITHIN)
    return DeskFigures(
        open_tickets=[OpenTickets(**r) for r in opened],
        sla_events=[(r["metric"], r["kind"], r["events"]) for r in events],
        timers_pending=pending,
        timers_overdue=overdue,
        worker_lag_seconds=(now - oldest).total_seconds() if oldest else 0.0,
        worker_replicas=sum(1 for r in replicas if r.last_seen_at >= now - STALE_AFTER),
    )
