"""Requests seen with an Idempotency-Key, and the responses they produced."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg


@dataclass(frozen=True, slots=True)
class SeenRequest:
    operation: str
    request_hash: str
    status_code: int | None
    response_body: Any


_CLAIM = """
    INSERT INTO idempotent_requests (api_key_id, key, operation, request_hash, created_at)
    VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING key
"""
_KEEP = """
    UPDATE idempotent_requests SET status_code = $3, response_body = $4
    WHERE api_key_id = $1 AND key = $2
"""
_SEEN = """
    SELECT operation, request_hash, status_code, response_body FROM idempotent_requests
    WHERE api_key_id = $1 AND key = $2
"""


async def claim(
    conn: asyncpg.Connection,
    api_key_id: int,
    key: str,
    operation: str,
    request_hash: str,
    now: datetime,
) -> bool:
    """True if this request is the first with the key. A concurrent one with the same key
    waits on the unique index until the first commits or rolls back."""
    return await conn.fetchval(_CLAIM, api_key_id, key, operation, request_hash, now) is not None


async def keep(
    conn: asyncpg.Connection, api_key_id: int, key: str, status_code: int, body: Any
) -> None:
    await conn.execute(_KEEP, api_key_id, key, status_code, body)


async def seen(conn: asyncpg.Connection, api_key_id: int, key: str) -> SeenRequest | None:
    found = await conn.fetchrow(_SEEN, api_key_id, key)
    return None if found is None else SeenRequest(**found)
