"""Interactions: every call, email, chat, note and callback logged on a ticket."""

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import asyncpg

from app.domain.access import Visibility
from app.store.paging import KeyColumn, Order, Params, fetch_page, rows_of
from app.store.visibility import visible_sql


@dataclass(frozen=True, slots=True)
class NewInteraction:
    ticket_id: int
    kind: str
    direction: str
    public: bool
    author_type: str
    author_agent_id: int | None
    author_customer_id: int | None
    author_name: str | None
    body: str
    occurred_at: datetime
    duration_seconds: int | None
    external_id: str | None
    created_at: datetime
    created_by_key_id: int | None


@dataclass(frozen=True, slots=True)
class InteractionRow(NewInteraction):
    id: int


_NEW = tuple(f.name for f in fields(NewInteraction))
_COLUMNS = ", ".join((*_NEW, "id"))
INSERT = f"""
    INSERT INTO interactions ({", ".join(_NEW)})
    VALUES ({", ".join(f"${i}" for i in range(1, len(_NEW) + 1))})
    RETURNING id
"""


def values(new: NewInteraction) -> list[Any]:
    """INSERT's parameters ($1, the ticket's id, first), for a statement that adds to it."""
    return [getattr(new, name) for name in _NEW]


def stored(new: NewInteraction, interaction_id: int) -> InteractionRow:
    return InteractionRow(**{name: getattr(new, name) for name in _NEW}, id=interaction_id)


# An interaction whose id was reserved (`tickets.lock_for_change`), as a part of a larger write.
WITH_ID_PARAMETERS = len(_NEW) + 1


def insert_with_id_sql(first: int) -> str:
    """INSERT of one interaction with its id, from the parameters `$first`… (`values_with_id`)."""
    names = ("id", *_NEW)
    return f"""
        INSERT INTO interactions ({", ".join(names)})
        VALUES ({", ".join(f"${first + i}" for i in range(len(names)))})
    """


def values_with_id(row: InteractionRow) -> list[Any]:
    return [row.id, *(getattr(row, name) for name in _NEW)]


async def insert(conn: asyncpg.Connection, new: NewInteraction) -> InteractionRow:
    return stored(new, await conn.fetchval(INSERT, *values(new)))


_BY_EXTERNAL_ID = f"SELECT {_COLUMNS} FROM interactions WHERE ticket_id = $1 AND external_id = $2"


async def by_external_id(
    conn: asyncpg.Connection, ticket_id: int, external_id: str
) -> InteractionRow | None:
    """The ticket's interaction with this gateway message id, if there is one."""
    found = await conn.fetchrow(_BY_EXTERNAL_ID, ticket_id, external_id)
    return None if found is None else InteractionRow(**found)


async def with_external_id(
    conn: asyncpg.Connection,
    external_id: str,
    visible: Visibility,
    *,
    limit: int,
    cursor: str | None,
) -> tuple[list[InteractionRow], str | None]:
    """Interactions with this gateway message id on tickets the caller sees, oldest first."""
    p = Params(external_id)
    where = ["i.external_id = $1"]
    limit_to = visible_sql(visible, p)
    if limit_to:
        where.append(f"i.ticket_id IN (SELECT id FROM tickets WHERE {limit_to})")
    rows, next_cursor = await fetch_page(
        conn,
        columns=", ".join(f"i.{c}" for c in (*_NEW, "id")),
        source="interactions i",
        where=where,
        params=p,
        order=Order("interactions-by-external-id", (KeyColumn("i.id", int),)),
        cursor=cursor,
        limit=limit,
    )
    return rows_of(InteractionRow, rows), next_cursor


ORDER = Order("interactions", (KeyColumn("occurred_at", datetime), KeyColumn("id", int)))


async def page(
    conn: asyncpg.Connection,
    ticket_id: int,
    *,
    public_only: bool,
    limit: int,
    cursor: str | None,
) -> tuple[list[InteractionRow], str | None]:
    """A ticket's interactions in the order they happened."""
    where = ["ticket_id = $1"]
    if public_only:
        where.append("public")
    rows, next_cursor = await fetch_page(
        conn,
        columns=_COLUMNS,
        source="interactions",
        where=where,
        params=Params(ticket_id),
        order=ORDER,
        cursor=cursor,
        limit=limit,
    )
    return rows_of(InteractionRow, rows), next_cursor
