"""Exports for BI tools: tickets changed since a cursor, never missing one committed late."""

from dataclasses import dataclass
from typing import Any

from app.db import connection
from app.domain.access import Visibility
from app.services import audit
from app.services.context import Desk
from app.store import exports as store

COLUMNS = store.EXPORTED


@dataclass(frozen=True)
class ExportPage:
    records: list[dict[str, Any]]
    next_cursor: str  # always given: poll with it for what changes next


async def changed_tickets(
    desk: Desk, *, visible: Visibility, cursor: str | None, limit: int
) -> ExportPage:
    # The primary, not the replica: the no-miss guarantee is argued on the primary's snapshots.
    async with connection(desk.db) as conn:
        records, next_cursor = await store.changed_tickets(
            conn, visible, cursor=cursor, limit=limit
        )
        await audit.listed(desk, conn, "tickets", action="export")
    return ExportPage(records, next_cursor)
