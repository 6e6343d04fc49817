"""Idempotency-Key on POST: the first request does the work, a retry gets the original response."""

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import orjson
from pydantic import BaseModel
from pydantic_core import to_jsonable_python
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import in_transaction
from app.errors import Conflict, IdempotencyKeyReused
from app.services.auth import Principal


@dataclass(frozen=True)
class Outcome:
    """What a write returned: its HTTP status and JSON body (replayed as-is on a retry)."""

    status: int
    body: dict[str, Any]
    replayed: bool = False


def fingerprint(operation: str, payload: Any) -> str:
    canonical = json.dumps([operation, payload], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


_CLAIM = (
    "INSERT INTO idempotent_requests (api_key_id, key, operation, request_hash, created_at)"
    " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING key"
)
_STORE = (
    "UPDATE idempotent_requests SET status_code = $3, response_body = $4"
    " WHERE api_key_id = $1 AND key = $2"
)
_SEEN = (
    "SELECT operation, request_hash, status_code, response_body FROM idempotent_requests"
    " WHERE api_key_id = $1 AND key = $2"
)


async def once(
    conn: asyncpg.Connection,
    actor: Principal,
    key: str | None,
    operation: str,
    request: BaseModel,
    action: Callable[[], Awaitable[Outcome]],
    *,
    now: datetime,
) -> Outcome:
    """Run `action` at most once per (API key, Idempotency-Key), inside the caller's transaction
    on `conn` (a leased connection, or a session's: `app.db.in_transaction`).

    The key row is inserted first, in the action's transaction: a concurrent request with the
    same key blocks on the unique index until the first commits (then replays its response) or
    rolls back (then does the work itself). A failed action stores nothing, so it may be retried.
    Requests are compared by meaning: a field left out and the same field sent with its default
    are the same request."""
    if key is None:
        return await action()
    request_hash = fingerprint(operation, request.model_dump(mode="json"))
    claimed = await conn.fetchval(_CLAIM, actor.key_id, key, operation, request_hash, now)
    if claimed is not None:
        outcome = await action()
        # The pool's connections take JSON text for jsonb (SQLAlchemy's codec).
        body = orjson.dumps(
            outcome.body, default=to_jsonable_python, option=orjson.OPT_UTC_Z
        ).decode()
        await conn.execute(_STORE, actor.key_id, key, outcome.status, body)
        return outcome
    # The first request has committed (the claim waited for it): its row is visible now.
    seen = await conn.fetchrow(_SEEN, actor.key_id, key)
    if seen is None or seen["status_code"] is None:
        raise Conflict("a request with this Idempotency-Key is still being processed; retry")
    if seen["request_hash"] != request_hash:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was already used with a different request "
            f"({seen['operation']}); use a new key for a new request",
            field="Idempotency-Key",
        )
    return Outcome(status=seen["status_code"], body=seen["response_body"], replayed=True)


async def once_in_session(
    db: AsyncSession,
    actor: Principal,
    key: str | None,
    operation: str,
    request: BaseModel,
    action: Callable[[], Awaitable[Outcome]],
    *,
    now: datetime,
) -> Outcome:
    """`once` for an action written with the ORM: one transaction of `db`, the key's rows
    written on its connection."""
    async with db.begin():
        conn = await in_transaction(db)
        return await once(conn, actor, key, operation, request, action, now=now)
