"""The customer portal tokens minted: their ids, customers, expiry and revocation."""

from dataclasses import dataclass
from datetime import datetime

import asyncpg

_COLUMNS = "id, customer_id, minted_at, expires_at, minted_by_key_id, revoked_at"


@dataclass(frozen=True, slots=True)
class CustomerTokenRow:
    id: int
    customer_id: int
    minted_at: datetime
    expires_at: datetime
    minted_by_key_id: int | None
    revoked_at: datetime | None


_INSERT = f"""
    INSERT INTO customer_tokens (customer_id, minted_at, expires_at, minted_by_key_id)
    VALUES ($1, $2, $3, $4) RETURNING {_COLUMNS}
"""
_GET = f"SELECT {_COLUMNS} FROM customer_tokens WHERE id = $1"
_REVOKE = f"""
    UPDATE customer_tokens SET revoked_at = $3
    WHERE customer_id = $1 AND ($2::bigint IS NULL OR id = $2) AND revoked_at IS NULL
      AND expires_at > $3
    RETURNING {_COLUMNS}
"""


async def insert(
    conn: asyncpg.Connection,
    customer_id: int,
    minted_at: datetime,
    expires_at: datetime,
    minted_by_key_id: int | None,
) -> CustomerTokenRow:
    found = await conn.fetchrow(_INSERT, customer_id, minted_at, expires_at, minted_by_key_id)
    return CustomerTokenRow(**found)


async def get(conn: asyncpg.Connection, token_id: int) -> CustomerTokenRow | None:
    found = await conn.fetchrow(_GET, token_id)
    return None if found is None else CustomerTokenRow(**found)


async def revoke(
    conn: asyncpg.Connection, customer_id: int, token_id: int | None, now: datetime
) -> list[CustomerTokenRow]:
    """Revoke the customer's token `token_id` (None: every one of theirs still usable); the
    tokens this revoked."""
    return [CustomerTokenRow(**r) for r in await conn.fetch(_REVOKE, customer_id, token_id, now)]
