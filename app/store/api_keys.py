"""API keys: only their hashes are stored."""

from dataclasses import dataclass, fields
from datetime import datetime

import asyncpg

from app.store.paging import KeyColumn, Order, Params, fetch_page


@dataclass(frozen=True, slots=True)
class ApiKeyRow:
    id: int
    name: str
    role: str
    prefix: str
    agent_id: int | None
    created_at: datetime
    revoked_at: datetime | None


_COLUMNS = "id, name, role, prefix, agent_id, created_at, revoked_at"
_BY_HASH = (
    "SELECT id, name, role, agent_id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL"
)
_INSERT = f"""
    INSERT INTO api_keys (name, role, prefix, key_hash, agent_id, created_at)
    VALUES ($1, $2, $3, $4, $5, $6) RETURNING {_COLUMNS}
"""
_REVOKE = f"""
    UPDATE api_keys SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1 RETURNING {_COLUMNS}
"""
_ANY = "SELECT EXISTS (SELECT 1 FROM api_keys)"
LISTING = Order("api-keys", (KeyColumn("id", int),))
_ROW_FIELDS = tuple(f.name for f in fields(ApiKeyRow))


async def active_by_hash(conn: asyncpg.Connection, key_hash: str) -> asyncpg.Record | None:
    """id, name, role and agent_id of the unrevoked key with this hash."""
    found: asyncpg.Record | None = await conn.fetchrow(_BY_HASH, key_hash)
    return found


async def insert(
    conn: asyncpg.Connection,
    *,
    name: str,
    role: str,
    prefix: str,
    key_hash: str,
    agent_id: int | None,
    now: datetime,
) -> ApiKeyRow:
    return ApiKeyRow(**await conn.fetchrow(_INSERT, name, role, prefix, key_hash, agent_id, now))


async def page(
    conn: asyncpg.Connection, *, cursor: str | None, limit: int
) -> tuple[list[ApiKeyRow], str | None]:
    """Keys, revoked ones too, in id order after `cursor`."""
    records, next_cursor = await fetch_page(
        conn,
        columns=_COLUMNS,
        source="api_keys",
        where=[],
        params=Params(),
        order=LISTING,
        cursor=cursor,
        limit=limit,
    )
    # A page's records carry its key columns too: take the key's own.
    return [ApiKeyRow(**{name: r[name] for name in _ROW_FIELDS}) for r in records], next_cursor


async def revoke(conn: asyncpg.Connection, key_id: int, now: datetime) -> ApiKeyRow | None:
    found = await conn.fetchrow(_REVOKE, key_id, now)
    return None if found is None else ApiKeyRow(**found)


async def any_key(conn: asyncpg.Connection) -> bool:
    return bool(await conn.fetchval(_ANY))
