"""Closing a ticket resolved long enough ago (a timer kind of the registry)."""

from datetime import datetime

from app.db import Connection
from app.domain.access import EVERYTHING, SYSTEM
from app.services.context import Desk
from app.services.tickets import change
from app.services.tickets.update import status_move
from app.store import tickets as store
from app.store.timers import Claimed

WHY = "auto-closed after the resolution period"


async def close_resolved(conn: Connection, due: list[Claimed], now: datetime, desk: Desk) -> int:
    """Close each ticket still resolved; one reopened since its timer was armed stays open. The
    close is recorded as an update to `closed` is: its history lines and its events."""
    closed = 0
    for timer in due:
        ticket = await store.lock(conn, timer.ticket_id, EVERYTHING)
        if ticket is None or ticket.status != "resolved":
            continue
        at = max(now, ticket.updated_at)
        moved, columns = status_move(ticket, "closed", at)
        await change.apply(
            conn,
            desk,
            ticket,
            change.TicketChange(columns=columns, changed=moved, updated=True, note=WHY),
            actor=SYSTEM,
            at=at,
        )
        closed += 1
    return closed
