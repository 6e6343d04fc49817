"""Customers: the people and organisations tickets are for."""

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import asyncpg

from app.store import audit
from app.store.paging import KeyColumn, Order, Params, fetch_page


@dataclass(frozen=True, slots=True)
class CustomerRow:
    id: int
    name: str
    email: str | None
    phone: str | None
    organization: str | None
    account_number: str | None
    language: str | None
    time_zone: str | None
    created_at: datetime
    updated_at: datetime
    version: int


# What a customer is described by: the columns a create sets and an update may change.
REF_FIELDS = (
    "name",
    "email",
    "phone",
    "organization",
    "account_number",
    "language",
    "time_zone",
)
COLUMNS = ", ".join(("id", *REF_FIELDS, "created_at", "updated_at", "version"))
_SETTABLE = len(REF_FIELDS)

_ORGANIZATION = "SELECT organization FROM customers WHERE id = $1"
_NAME = "SELECT name FROM customers WHERE id = $1"
_EXISTS = "SELECT EXISTS (SELECT 1 FROM customers WHERE id = $1)"
_GET = f"SELECT {COLUMNS} FROM customers WHERE id = $1"
_LOCK = f"{_GET} FOR UPDATE"
# Emails are unique whatever their case (the customers_email_key index on lower(email)): an
# email already taken inserts nothing, and returns no row.
_INSERT = f"""
    INSERT INTO customers ({", ".join(REF_FIELDS)}, created_at, updated_at, version)
    VALUES ({", ".join(f"${i}" for i in range(1, _SETTABLE + 1))},
            ${_SETTABLE + 1}, ${_SETTABLE + 1}, 1)
    ON CONFLICT DO NOTHING
    RETURNING {COLUMNS}
"""
_UPDATE = f"""
    UPDATE customers
    SET {", ".join(f"{f} = ${i}" for i, f in enumerate(REF_FIELDS, start=2))},
        updated_at = ${_SETTABLE + 2}, version = version + 1
    WHERE id = $1
    RETURNING {COLUMNS}
"""
# The customer a new ticket names (by id, or by email for an inline one) with the configuration
# revision, in one round trip; no customer when there is none.
_REVISION_AND_BY_ID = """
    SELECT r.revision, c.id, c.organization FROM config_revision r
    LEFT JOIN customers c ON c.id = $1
"""
_REVISION_AND_BY_EMAIL = """
    SELECT r.revision, c.id, c.organization FROM config_revision r
    LEFT JOIN customers c ON lower(c.email) = lower($1)
"""
# "DO UPDATE" with a no-op rather than "DO NOTHING": a customer created by a concurrent request
# since the lookup is still returned, with the organization stored.
_UPSERT_BY_EMAIL = f"""
    INSERT INTO customers ({", ".join(REF_FIELDS)}, created_at, updated_at, version)
    VALUES ({", ".join(f"${i}" for i in range(1, _SETTABLE + 1))},
            ${_SETTABLE + 1}, ${_SETTABLE + 1}, 1)
    ON CONFLICT (lower(email)) DO UPDATE SET updated_at = customers.updated_at
    RETURNING id, organization
"""
LISTING = Order("customers", (KeyColumn("id", int),))
_ROW_FIELDS = tuple(f.name for f in fields(CustomerRow))


def _row(record: asyncpg.Record) -> CustomerRow:
    # A page's records carry its key columns too: take the customer's own.
    return CustomerRow(**{name: record[name] for name in _ROW_FIELDS})


async def get(
    conn: asyncpg.Connection, customer_id: int, reader: audit.Reader | None = None
) -> CustomerRow | None:
    """The customer; with a `reader`, the read recorded in the audit log by the same statement."""
    p = Params(customer_id)
    sql = _GET if reader is None else audit.recording_read(_GET, p, "customers", reader)
    found = await conn.fetchrow(sql, *p.values)
    return None if found is None else _row(found)


async def lock(conn: asyncpg.Connection, customer_id: int) -> CustomerRow | None:
    """The customer, locked until the transaction ends (waits at most the lock timeout)."""
    found = await conn.fetchrow(_LOCK, customer_id)
    return None if found is None else _row(found)


async def insert(
    conn: asyncpg.Connection,
    *,
    name: str,
    email: str | None,
    phone: str | None,
    organization: str | None,
    account_number: str | None,
    language: str | None,
    time_zone: str | None,
    now: datetime,
) -> CustomerRow | None:
    """The new customer; None when another already has this email."""
    found = await conn.fetchrow(
        _INSERT, name, email, phone, organization, account_number, language, time_zone, now
    )
    return None if found is None else _row(found)


async def update(
    conn: asyncpg.Connection, customer: CustomerRow, now: datetime
) -> CustomerRow | None:
    """Store `customer`'s fields as its new version; None when another customer has its email
    (nothing is changed, and the caller's transaction goes on)."""
    values = [getattr(customer, f) for f in REF_FIELDS]
    try:
        # A savepoint: a unique violation undoes this statement only.
        async with conn.transaction():
            found = await conn.fetchrow(_UPDATE, customer.id, *values, now)
    except asyncpg.UniqueViolationError:
        return None
    return None if found is None else _row(found)


async def page(
    conn: asyncpg.Connection,
    *,
    email: str | None,
    organization: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[CustomerRow], str | None]:
    """Customers in id order after `cursor`; `email` matches whatever its case."""
    p = Params()
    where = []
    if email is not None:
        where.append(f"lower(email) = lower({p(email)})")
    if organization is not None:
        where.append(f"organization = {p(organization)}")
    records, next_cursor = await fetch_page(
        conn,
        columns=COLUMNS,
        source="customers",
        where=where,
        params=p,
        order=LISTING,
        cursor=cursor,
        limit=limit,
    )
    return [_row(r) for r in records], next_cursor


async def organization_of(conn: asyncpg.Connection, customer_id: int | None) -> str | None:
    """The organization of a ticket's customer (SLA policies may match on it)."""
    if customer_id is None:
        return None
    organization: str | None = await conn.fetchval(_ORGANIZATION, customer_id)
    return organization


async def name_of(conn: asyncpg.Connection, customer_id: int) -> str | None:
    name: str | None = await conn.fetchval(_NAME, customer_id)
    return name


async def exists(conn: asyncpg.Connection, customer_id: int) -> bool:
    return bool(await conn.fetchval(_EXISTS, customer_id))


async def revision_and_customer(
    conn: asyncpg.Connection, *, customer_id: int | None = None, email: str | None = None
) -> tuple[int | None, int | None, str | None]:
    """(configuration revision, customer id, organization); the id is None when no customer
    has that id or email."""
    if email is not None:
        r = await conn.fetchrow(_REVISION_AND_BY_EMAIL, email)
    else:
        r = await conn.fetchrow(_REVISION_AND_BY_ID, customer_id)
    return r["revision"], r["id"], r["organization"]


async def upsert_by_email(
    conn: asyncpg.Connection, ref: dict[str, Any], now: datetime
) -> tuple[int, str | None]:
    """The customer with `ref`'s email, created from `ref` if there is none: (id, organization)."""
    r = await conn.fetchrow(_UPSERT_BY_EMAIL, *(ref.get(f) for f in REF_FIELDS), now)
    return r["id"], r["organization"]
