"""Idempotency-Key on POST: the first request does the work, a retry gets the original response."""

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Conflict, IdempotencyKeyReused
from app.models import IdempotentRequest
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


async def once(
    db: AsyncSession,
    actor: Principal,
    key: str | None,
    operation: str,
    request: BaseModel,
    action: Callable[[], Awaitable[Outcome]],
    *,
    now: datetime,
) -> Outcome:
    """Run `action` in one transaction, at most once per (API key, Idempotency-Key).

    The key row is inserted first, inside the action's transaction: a concurrent request with the
    same key blocks on the unique index until the first commits (then replays its response) or
    rolls back (then does the work itself). A failed action stores nothing, so it may be retried.
    Requests are compared by meaning: a field left out and the same field sent with its default
    are the same request."""
    if key is None:
        async with db.begin():
            return await action()
    request_hash = fingerprint(operation, request.model_dump(mode="json"))
    async with db.begin():
        claimed = await db.scalar(
            insert(IdempotentRequest)
            .values(
                api_key_id=actor.key_id,
                key=key,
                operation=operation,
                request_hash=request_hash,
                created_at=now,
            )
            .on_conflict_do_nothing()
            .returning(IdempotentRequest.key)
        )
        if claimed is not None:
            outcome = await action()
            await db.execute(
                update(IdempotentRequest)
                .where(IdempotentRequest.api_key_id == actor.key_id, IdempotentRequest.key == key)
                .values(status_code=outcome.status, response_body=outcome.body)
            )
            return outcome
    async with db.begin():
        seen = await db.get(IdempotentRequest, (actor.key_id, key), populate_existing=True)
    if seen is None or seen.status_code is None:
        raise Conflict("a request with this Idempotency-Key is still being processed; retry")
    if seen.request_hash != request_hash:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was already used with a different request "
            f"({seen.operation}); use a new key for a new request",
            field="Idempotency-Key",
        )
    return Outcome(status=seen.status_code, body=seen.response_body, replayed=True)
