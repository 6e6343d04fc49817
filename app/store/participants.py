"""Ticket participants: the people on a ticket besides its customer (copied, following), each a
customer record; added, listed, removed, moved onto a merge's target, forgotten on erasure."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from app.store.paging import KeyColumn, Order, Params, fetch_page


@dataclass(frozen=True, slots=True)
class ParticipantRow:
    id: int
    ticket_id: int
    customer_id: int
    role: str
    source: str
    added_at: datetime
    name: str
    email: str | None


_COLUMNS = "p.id, p.ticket_id, p.customer_id, p.role, p.source, p.added_at, c.name, c.email"
_SOURCE = "ticket_participants p JOIN customers c ON c.id = p.customer_id"
LISTING = Order("participants", (KeyColumn("p.id", int),))

# The customer once per ticket: adding them again keeps the first row (and says so).
_INSERT = f"""
    WITH p AS (
        INSERT INTO ticket_participants
            (ticket_id, customer_id, role, source, added_by_key_id, added_at)
        VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT ON CONSTRAINT ticket_participants_unique DO NOTHING
        RETURNING *
    )
    SELECT {_COLUMNS} FROM p JOIN customers c ON c.id = p.customer_id
"""


async def insert(
    conn: asyncpg.Connection,
    ticket_id: int,
    customer_id: int,
    *,
    role: str,
    source: str,
    key_id: int | None,
    at: datetime,
) -> ParticipantRow | None:
    """The new participant; None when the customer is on the ticket already."""
    found = await conn.fetchrow(_INSERT, ticket_id, customer_id, role, source, key_id, at)
    return None if found is None else ParticipantRow(**found)


_DELETE = f"""
    WITH p AS (
        DELETE FROM ticket_participants WHERE ticket_id = $1 AND customer_id = $2 RETURNING *
    )
    SELECT {_COLUMNS} FROM p JOIN customers c ON c.id = p.customer_id
"""


async def delete(
    conn: asyncpg.Connection, ticket_id: int, customer_id: int
) -> ParticipantRow | None:
    found = await conn.fetchrow(_DELETE, ticket_id, customer_id)
    return None if found is None else ParticipantRow(**found)


async def page_of_ticket(
    conn: asyncpg.Connection, ticket_id: int, *, cursor: str | None, limit: int
) -> tuple[list[ParticipantRow], str | None]:
    """The ticket's participants in the order they were added, after `cursor`."""
    p = Params(ticket_id)
    records, next_cursor = await fetch_page(
        conn,
        columns=_COLUMNS,
        source=_SOURCE,
        where=["p.ticket_id = $1"],
        params=p,
        order=LISTING,
        cursor=cursor,
        limit=limit,
    )
    fields = ParticipantRow.__slots__
    return [ParticipantRow(**{f: r[f] for f in fields}) for r in records], next_cursor


# A reply is copied to at most this many: the desk's own mail must not become a mailing list.
MAX_COPIED = 50
# The addresses the ticket's public email replies are copied to, in the order added (read in the
# statement that stores a reply: app/store/inbound.py).
COPIED = f"""
    SELECT c.email FROM ticket_participants p JOIN customers c ON c.id = p.customer_id
    WHERE p.ticket_id = $1 AND p.role = 'cc' AND c.email IS NOT NULL
    ORDER BY p.id LIMIT {MAX_COPIED}
"""


# Participants of the merged tickets join the target (once each; the target's customer is on
# it already), and leave the merged ones.
_MOVE = """
    WITH gone AS (
        DELETE FROM ticket_participants WHERE ticket_id = ANY($1::bigint[]) RETURNING *
    )
    INSERT INTO ticket_participants
        (ticket_id, customer_id, role, source, added_by_key_id, added_at)
    SELECT DISTINCT ON (g.customer_id) $2, g.customer_id, g.role, g.source, g.added_by_key_id,
           g.added_at
    FROM gone g
    WHERE g.customer_id IS DISTINCT FROM (SELECT customer_id FROM tickets WHERE id = $2)
    ORDER BY g.customer_id, g.added_at, g.id
    ON CONFLICT ON CONSTRAINT ticket_participants_unique DO NOTHING
"""


async def move(conn: asyncpg.Connection, from_ids: Sequence[int], to_id: int) -> None:
    await conn.execute(_MOVE, list(from_ids), to_id)


_TICKETS_OF = """
    SELECT ticket_id FROM ticket_participants WHERE customer_id = $1 ORDER BY ticket_id
"""


async def tickets_of(conn: asyncpg.Connection, customer_id: int) -> list[int]:
    """The tickets the customer takes part in (not as their customer)."""
    return [r["ticket_id"] for r in await conn.fetch(_TICKETS_OF, customer_id)]


_FORGET = "DELETE FROM ticket_participants WHERE customer_id = $1 RETURNING ticket_id, role, source"


async def forget(conn: asyncpg.Connection, customer_id: int) -> list[tuple[int, str, str]]:
    """The customer taken off every ticket they take part in: (ticket id, role, source) each."""
    rows = await conn.fetch(_FORGET, customer_id)
    return sorted((r["ticket_id"], r["role"], r["source"]) for r in rows)
