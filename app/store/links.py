"""Links between tickets: related, split from, duplicate of."""

from dataclasses import dataclass, fields
from datetime import datetime

import asyncpg

from app.store.paging import KeyColumn, Order, Params, fetch_page


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
LISTING = Order("links", (KeyColumn("id", int),))
_ROW_FIELDS = tuple(f.name for f in fields(LinkRow))


def _row(record: asyncpg.Record) -> LinkRow:
    # A page's records carry its key columns too: take the link's own.
    return LinkRow(**{name: record[name] for name in _ROW_FIELDS})


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
    return None if found is None else _row(found)


async def page_of_ticket(
    conn: asyncpg.Connection, ticket_id: int, *, cursor: str | None, limit: int
) -> tuple[list[LinkRow], str | None]:
    """Links from and to the ticket, oldest first, after `cursor`."""
    p = Params()
    ticket = p(ticket_id)
    records, next_cursor = await fetch_page(
        conn,
        columns=_COLUMNS,
        source="ticket_links",
        where=[f"(ticket_id = {ticket} OR linked_ticket_id = {ticket})"],
        params=p,
        order=LISTING,
        cursor=cursor,
        limit=limit,
    )
    return [_row(r) for r in records], next_cursor
