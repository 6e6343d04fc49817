"""Links between tickets: related, split from, duplicate of."""

from dataclasses import dataclass
from datetime import datetime

import asyncpg


@dataclass(frozen=True, slots=True)
class LinkRow:
    id: int
    ticket_id: int
    linked_ticket_id: int
    kind: str
    created_at: datetime


_COLUMNS = "id, ticket_id, linked_ticket_id, kind, created_at"
_INSERT = f"""
    INSERT INTO ticket_links (ticket_id, linked_ticket_id, kind, created_at, created_by_key_id)
    VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT ON CONSTRAINT ticket_links_unique DO NOTHING
    RETURNING {_COLUMNS}
"""
_OF_TICKET = f"""
    SELECT {_COLUMNS} FROM ticket_links WHERE ticket_id = $1 OR linked_ticket_id = $1 ORDER BY id
"""


async def insert(
    conn: asyncpg.Connection,
    ticket_id: int,
    linked_ticket_id: int,
    kind: str,
    *,
    now: datetime,
    key_id: int | None,
) -> LinkRow | None:
    """The new link; None if the same link already exists."""
    found = await conn.fetchrow(_INSERT, ticket_id, linked_ticket_id, kind, now, key_id)
    return None if found is None else LinkRow(**found)


async def of_ticket(conn: asyncpg.Connection, ticket_id: int) -> list[LinkRow]:
    """Links from and to the ticket, oldest first."""
    return [LinkRow(**r) for r in await conn.fetch(_OF_TICKET, ticket_id)]
