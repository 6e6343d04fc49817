"""API keys: only their hashes are stored; the caller behind a key, with what narrows its view."""

from collections.abc import Sequence
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
    expires_at: datetime | None
    last_used_at: datetime | None
    replaces_id: int | None
    scope: list[str] | None


@dataclass(frozen=True, slots=True)
class CallerRow:
    """A key as authentication needs it: the key, the agent it acts as, and its lineage (the
    key and every key it rotated, newest first)."""

    id: int
    key_hash: str
    name: str
    role: str
    agent_id: int | None
    scope: list[str] | None
    revoked_at: datetime | None
    expires_at: datetime | None
    agent_name: str | None
    agent_team_id: int | None
    agent_active: bool | None
    lineage: list[int]


_ROW_FIELDS = tuple(f.name for f in fields(ApiKeyRow))
_COLUMNS = ", ".join(_ROW_FIELDS)

# Revoked and expired keys are found too, so that the 401 can say which it is.
_CALLER = """
    WITH RECURSIVE k AS (
        SELECT id, key_hash, name, role, agent_id, scope, revoked_at, expires_at, replaces_id
        FROM api_keys WHERE key_hash = $1
    ), lineage AS (
        SELECT id, replaces_id, 0 AS depth FROM k
        UNION ALL
        SELECT older.id, older.replaces_id, lineage.depth + 1
        FROM api_keys older JOIN lineage ON older.id = lineage.replaces_id
        WHERE lineage.depth < 1000
    )
    SELECT k.id, k.key_hash, k.name, k.role, k.agent_id, k.scope, k.revoked_at, k.expires_at,
           a.name AS agent_name, a.team_id AS agent_team_id, a.active AS agent_active,
           ARRAY(SELECT id FROM lineage ORDER BY depth) AS lineage
    FROM k LEFT JOIN agents a ON a.id = k.agent_id
"""
_INSERT = f"""
    INSERT INTO api_keys
        (name, role, prefix, key_hash, agent_id, created_at, expires_at, replaces_id, scope)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
    ON CONFLICT DO NOTHING
    RETURNING {_COLUMNS}
"""
_GET = f"SELECT {_COLUMNS} FROM api_keys WHERE id = $1"
_LOCK = f"{_GET} FOR UPDATE"
_REVOKE = f"""
    UPDATE api_keys SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1 RETURNING {_COLUMNS}
"""
_EXPIRE = f"""
    UPDATE api_keys SET expires_at = least(coalesce(expires_at, $2), $2)
    WHERE id = $1 RETURNING {_COLUMNS}
"""
# Usable admin keys that no successor replaces: those keep the desk manageable. Locked, so two
# admins revoking each other's keys at once cannot both succeed.
_ACTIVE_ADMINS = """
    SELECT id FROM api_keys k
    WHERE role = 'admin' AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $1)
      AND NOT EXISTS (SELECT 1 FROM api_keys n WHERE n.replaces_id = k.id)
    ORDER BY id
    FOR UPDATE
"""
_TOUCH = """
    UPDATE api_keys SET last_used_at = $2
    WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)
"""
_ANY = "SELECT EXISTS (SELECT 1 FROM api_keys)"
LISTING = Order("api-keys", (KeyColumn("id", int),))


def _row(record: asyncpg.Record) -> ApiKeyRow:
    # A page's records carry its key columns too: take the key's own.
    return ApiKeyRow(**{name: record[name] for name in _ROW_FIELDS})


async def caller_by_hash(conn: asyncpg.Connection, key_hash: str) -> CallerRow | None:
    """The key with this hash, revoked or expired ones too, with its agent and lineage."""
    found = await conn.fetchrow(_CALLER, key_hash)
    return None if found is None else CallerRow(**found)


async def insert(
    conn: asyncpg.Connection,
    *,
    name: str,
    role: str,
    prefix: str,
    key_hash: str,
    agent_id: int | None,
    now: datetime,
    expires_at: datetime | None = None,
    replaces_id: int | None = None,
    scope: Sequence[str] | None = None,
) -> ApiKeyRow | None:
    """The new key; None when `replaces_id` already has a successor (api_keys_replaces_id_key)."""
    found = await conn.fetchrow(
        _INSERT,
        name,
        role,
        prefix,
        key_hash,
        agent_id,
        now,
        expires_at,
        replaces_id,
        None if scope is None else list(scope),
    )
    return None if found is None else _row(found)


async def get(conn: asyncpg.Connection, key_id: int) -> ApiKeyRow | None:
    found = await conn.fetchrow(_GET, key_id)
    return None if found is None else _row(found)


async def lock(conn: asyncpg.Connection, key_id: int) -> ApiKeyRow | None:
    """The key, locked until the transaction ends."""
    found = await conn.fetchrow(_LOCK, key_id)
    return None if found is None else _row(found)


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
    return [_row(r) for r in records], next_cursor


async def revoke(conn: asyncpg.Connection, key_id: int, now: datetime) -> ApiKeyRow | None:
    found = await conn.fetchrow(_REVOKE, key_id, now)
    return None if found is None else _row(found)


async def expire_by(conn: asyncpg.Connection, key_id: int, at: datetime) -> ApiKeyRow:
    """The key stops working at `at` (or earlier, if it was to expire before)."""
    return _row(await conn.fetchrow(_EXPIRE, key_id, at))


async def lock_active_admins(conn: asyncpg.Connection, now: datetime) -> list[int]:
    """The ids of the admin keys usable at `now` and not rotated, locked."""
    return [r["id"] for r in await conn.fetch(_ACTIVE_ADMINS, now)]


async def touch(conn: asyncpg.Connection, key_id: int, now: datetime) -> None:
    """Record that the key was used at `now` (never moving its last use back)."""
    await conn.execute(_TOUCH, key_id, now)


async def any_key(conn: asyncpg.Connection) -> bool:
    return bool(await conn.fetchval(_ANY))
