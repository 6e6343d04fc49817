"""API keys: only their hashes are stored."""

from dataclasses import dataclass
from datetime import datetime

import asyncpg


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
_ALL = f"SELECT {_COLUMNS} FROM api_keys ORDER BY id"
_REVOKE = f"""
    UPDATE api_keys SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1 RETURNING {_COLUMNS}
"""
_ANY = "SELECT EXISTS (SELECT 1 FROM api_keys)"


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


async def all_keys(conn: asyncpg.Connection) -> list[ApiKeyRow]:
    return [ApiKeyRow(**r) for r in await conn.fetch(_ALL)]


async def revoke(conn: asyncpg.Connection, key_id: int, now: datetime) -> ApiKeyRow | None:
    found = await conn.fetchrow(_REVOKE, key_id, now)
    return None if found is None else ApiKeyRow(**found)


async def any_key(conn: asyncpg.Connection) -> bool:
    return bool(await conn.fetchval(_ANY))
