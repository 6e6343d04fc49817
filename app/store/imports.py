"""Tickets imported from another help desk: one row per (source, external id)."""

from datetime import datetime

import asyncpg

_CLAIM = """
    INSERT INTO ticket_imports (source, external_id, imported_at, created_by_key_id)
    VALUES ($1, $2, $3, $4)
    ON CONFLICT (source, external_id) DO NOTHING
    RETURNING true
"""
_TICKET_OF = "SELECT ticket_id FROM ticket_imports WHERE source = $1 AND external_id = $2"
_SET_TICKET = "UPDATE ticket_imports SET ticket_id = $3 WHERE source = $1 AND external_id = $2"


async def claim(
    conn: asyncpg.Connection, source: str, external_id: str, now: datetime, key_id: int | None
) -> bool:
    """Whether this request is the first to import the ticket; a concurrent import of the same
    one waits here until the first commits (then finds it) or rolls back."""
    return bool(await conn.fetchval(_CLAIM, source, external_id, now, key_id))


async def ticket_of(conn: asyncpg.Connection, source: str, external_id: str) -> int | None:
    ticket_id: int | None = await conn.fetchval(_TICKET_OF, source, external_id)
    return ticket_id


async def set_ticket(
    conn: asyncpg.Connection, source: str, external_id: str, ticket_id: int
) -> None:
    await conn.execute(_SET_TICKET, source, external_id, ticket_id)
