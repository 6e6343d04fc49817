"""Closing a ticket resolved long enough ago (a timer kind of the registry)."""

from datetime import datetime

from app.db import Connection
from app.domain import lifecycle
from app.domain.access import EVERYTHING, SYSTEM
from app.services import clocks, history, privacy
from app.services.desk import Desk
from app.store import customers
from app.store import tickets as store
from app.store.timers import Claimed


async def close_resolved(conn: Connection, due: list[Claimed], now: datetime, desk: Desk) -> int:
    """Close each ticket still resolved; one reopened since its timer was armed stays open."""
    closed = 0
    book = (await desk.policies.for_writing(conn)).book
    for timer in due:
        ticket = await store.lock(conn, timer.ticket_id, EVERYTHING)
        if ticket is None or ticket.status != "resolved":
            continue
        move = lifecycle.transition("resolved", "closed")
        at = max(now, ticket.updated_at)
        await history.write(
            conn,
            [
                history.line(
                    ticket.id,
                    SYSTEM,
                    at,
                    "changed",
                    field="status",
                    old="resolved",
                    new=move.target,
                    note="auto-closed after the resolution period",
                )
            ],
        )
        await clocks.settle(
            conn,
            ticket,
            {
                "status": move.target,
                "status_log": clocks.with_status(ticket, move.target, at),
                "closed_at": at,
                "version": ticket.version + 1,
                "updated_at": at,
            },
            book=book,
            organization=await customers.organization_of(conn, ticket.customer_id),
            now=at,
            settings=desk.settings,
        )
        await privacy.arm_retention(conn, ticket.id, closed_at=at, desk=desk, now=at)
        closed += 1
    return closed
