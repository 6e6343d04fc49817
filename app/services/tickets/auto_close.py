"""Closing a ticket resolved long enough ago (a timer kind of the registry)."""

from datetime import datetime

from app.db import Connection
from app.domain.access import EVERYTHING, SYSTEM
from app.services import clocks, history, outbox, privacy
from app.services.desk import Desk
from app.services.tickets.update import status_move
from app.store import customers
from app.store import tickets as store
from app.store.timers import Claimed

WHY = "auto-closed after the resolution period"


async def close_resolved(conn: Connection, due: list[Claimed], now: datetime, desk: Desk) -> int:
    """Close each ticket still resolved; one reopened since its timer was armed stays open. The
    close is recorded as an update to `closed` is: its history lines and its events."""
    closed = 0
    book = (await desk.policies.for_writing(conn)).book
    for timer in due:
        ticket = await store.lock(conn, timer.ticket_id, EVERYTHING)
        if ticket is None or ticket.status != "resolved":
            continue
        at = max(now, ticket.updated_at)
        changed, columns = status_move(ticket, "closed", at)
        await history.write(conn, history.changes(ticket.id, SYSTEM, at, changed, note=WHY))
        stored, _ = await clocks.settle(
            conn,
            ticket,
            columns | {"version": ticket.version + 1, "updated_at": at},
            book=book,
            organization=await customers.organization_of(conn, ticket.customer_id),
            now=at,
            settings=desk.settings,
        )
        await privacy.arm_retention(conn, ticket.id, closed_at=at, desk=desk, now=at)
        await outbox.ticket_changed(conn, stored, changed, at, updated=True)
        closed += 1
    return closed
