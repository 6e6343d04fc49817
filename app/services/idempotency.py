"""Retry-safe writes: the first request with an Idempotency-Key does the work, a retry gets the
original response; and what every create returns (created, or found: an earlier request made it)."""

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

import orjson
from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from app.db import Connection, transaction
from app.domain.access import Principal
from app.errors import Conflict, IdempotencyKeyReused
from app.services.context import Desk
from app.store import idempotency as store

T = TypeVar("T")


@dataclass(frozen=True)
class Written(Generic[T]):
    """A create's result: the resource in its API shape, whether this request created it (else
    it existed: a gateway retry with a known external id), and whether it is the stored
    response of an earlier request with the same Idempotency-Key."""

    body: T
    created: bool = True
    replayed: bool = False


def fingerprint(operation: str, request: BaseModel) -> str:
    # Compared by meaning: a field left out and the same field sent with its default are the
    # same request.
    canonical = orjson.dumps(
        [operation, request.model_dump(mode="json")], option=orjson.OPT_SORT_KEYS
    )
    return hashlib.sha256(canonical).hexdigest()


async def once(
    conn: Connection,
    actor: Principal,
    key: str | None,
    operation: str,
    request: BaseModel,
    action: Callable[[], Awaitable[Written[Any]]],
    *,
    now: datetime,
) -> Written[Any]:
    """Run `action` at most once per (API key, Idempotency-Key), in the caller's transaction on
    `conn`. The key is claimed first: a concurrent request with the same key waits until the
    first commits (then replays its response) or rolls back (then does the work itself). A
    failed action stores nothing, so it may be retried."""
    if key is None:
        return await action()
    request_hash = fingerprint(operation, request)
    if await store.claim(conn, actor.key_id, key, operation, request_hash, now):
        written = await action()
        body = to_jsonable_python(written.body)
        await store.keep(conn, actor.key_id, key, 201 if written.created else 200, body)
        return written
    seen = await store.seen(conn, actor.key_id, key)
    if seen is None or seen.status_code is None:
        raise Conflict("a request with this Idempotency-Key is still being processed; retry")
    if seen.request_hash != request_hash:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was already used with a different request "
            f"({seen.operation}); use a new key for a new request",
            field="Idempotency-Key",
        )
    return Written(seen.response_body, created=seen.status_code == 201, replayed=True)


async def run(
    desk: Desk,
    actor: Principal,
    key: str | None,
    operation: str,
    request: BaseModel,
    work: Callable[[Connection], Awaitable[Written[Any]]],
    *,
    now: datetime,
) -> Written[Any]:
    """`work` in a transaction of its own, at most once per Idempotency-Key: how a create
    opts in to retry safety, in one line."""
    async with transaction(desk.db) as conn:
        return await once(conn, actor, key, operation, request, lambda: work(conn), now=now)
