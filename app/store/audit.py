"""The audit log: reads of personal data appended, pages of entries, entries about a customer.
Writes of audited tables are appended by their row triggers (audit_row, migration 0007), not
here; only a write of a table no trigger watches is appended here."""

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import asyncpg

from app.store.paging import KeyColumn, Order, Params, fetch_page


@dataclass(frozen=True, slots=True)
class Reader:
    """Who is reading (the request's acting context, None outside a request), for a read whose
    audit entry is appended by the read's own statement."""

    context: dict[str, Any] | None
    # The read's statement is its own transaction (never a write's): its commit need not wait
    # for the WAL flush, so `synchronous_commit` is off for that transaction alone.
    asynchronous: bool = False


@dataclass(frozen=True, slots=True)
class AuditEntryRow:
    id: int
    at: datetime
    actor_type: str
    actor_key_id: int | None
    actor_agent_id: int | None
    actor_customer_id: int | None
    actor_role: str | None
    action: str
    resource: str
    resource_id: int | None
    ticket_id: int | None
    fields: list[str] | None
    request_id: str | None
    client_address: str | None


# The same function the row triggers append with: one definition of how a context is recorded.
_APPEND = "SELECT audit_append($1, $2, $3, $4, $5::text[], $6::jsonb)"


def _commit(reader: Reader) -> str:
    """What a recording statement adds so that its own transaction commits asynchronously
    (set_config's `true`: for this transaction only, so the connection's later writes, in
    transactions of their own, commit as every write does)."""
    return ", set_config('synchronous_commit', 'off', true)" if reader.asynchronous else ""


def recording_read(select: str, p: Params, resource: str, reader: Reader) -> str:
    """`select` (at most one row of `resource`, with its `id`) appending a "read" entry for
    the row it finds in the same statement: the read and its audit entry are one round trip.
    A CTE calling a volatile function is evaluated once, and only because the query uses it."""
    ticket_id = "id" if resource == "tickets" else "NULL"
    return (
        f"WITH found AS ({select}), recorded AS (SELECT audit_append('read', {p(resource)}, id, "
        f"{ticket_id}, NULL, {p(reader.context)}::jsonb){_commit(reader)} FROM found) "
        "SELECT found.* FROM found, (SELECT count(*) FROM recorded) AS entries"
    )


def recording_list(select: str, p: Params, resource: str, reader: Reader) -> str:
    """`select` (a page of `resource`) appending a "list" entry in the same statement, one
    round trip, also when the page is empty: the entry is the preserved side of a left join,
    so it is written before the page is read, and an empty page comes back as one row of nulls
    (paging.fetch_page drops it)."""
    return (
        f"WITH recorded AS (SELECT audit_append('list', {p(resource)}, NULL, NULL, NULL, "
        f"{p(reader.context)}::jsonb){_commit(reader)}) "
        f"SELECT page.* FROM (SELECT count(*) FROM recorded) AS entries "
        f"LEFT JOIN LATERAL ({select}) AS page ON true"
    )


COLUMNS = ", ".join(f.name for f in fields(AuditEntryRow))
LISTING = Order("audit-log", (KeyColumn("id", int),), descending=True)

# Entries about one customer: their record, and the tickets that are theirs.
_ABOUT_CUSTOMER = f"""
    SELECT {COLUMNS} FROM audit_log
    WHERE (resource = 'customers' AND resource_id = $1)
       OR ticket_id IN (SELECT id FROM tickets WHERE customer_id = $1)
    ORDER BY id
"""

_REVOKE = "REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM CURRENT_USER, PUBLIC"


def _row(record: asyncpg.Record) -> AuditEntryRow:
    return AuditEntryRow(**{f.name: record[f.name] for f in fields(AuditEntryRow)})


async def append_read(
    conn: asyncpg.Connection,
    *,
    action: str,
    resource: str,
    resource_id: int | None,
    ticket_id: int | None,
    context: dict[str, Any] | None,
) -> None:
    await conn.execute(_APPEND, action, resource, resource_id, ticket_id, None, context)


async def append_write(
    conn: asyncpg.Connection,
    *,
    action: str,
    resource: str,
    resource_id: int | None,
    ticket_id: int | None,
    fields: list[str],
    context: dict[str, Any] | None,
) -> None:
    """An entry for a write no row trigger records, naming the fields it set."""
    await conn.execute(_APPEND, action, resource, resource_id, ticket_id, fields, context)


async def page(
    conn: asyncpg.Connection,
    *,
    actor_key_id: int | None,
    resource: str | None,
    resource_id: int | None,
    ticket_id: int | None,
    action: str | None,
    since: datetime | None,
    until: datetime | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[AuditEntryRow], str | None]:
    """Newest first."""
    p = Params()
    where = []
    if actor_key_id is not None:
        where.append(f"actor_key_id = {p(actor_key_id)}")
    if resource is not None:
        where.append(f"resource = {p(resource)}")
    if resource_id is not None:
        where.append(f"resource_id = {p(resource_id)}")
    if ticket_id is not None:
        where.append(f"ticket_id = {p(ticket_id)}")
    if action is not None:
        where.append(f"action = {p(action)}")
    if since is not None:
        where.append(f"at >= {p(since)}")
    if until is not None:
        where.append(f"at < {p(until)}")
    records, next_cursor = await fetch_page(
        conn,
        columns=COLUMNS,
        source="audit_log",
        where=where,
        params=p,
        order=LISTING,
        cursor=cursor,
        limit=limit,
    )
    return [_row(r) for r in records], next_cursor


async def about_customer(conn: asyncpg.Connection, customer_id: int) -> list[AuditEntryRow]:
    """Every entry about the customer's record or one of their tickets, oldest first (for a
    personal data export)."""
    return [_row(r) for r in await conn.fetch(_ABOUT_CUSTOMER, customer_id)]


async def revoke_changes(conn: asyncpg.Connection) -> None:
    """UPDATE, DELETE and TRUNCATE on the audit log taken from this session's role and PUBLIC."""
    await conn.execute(_REVOKE)
