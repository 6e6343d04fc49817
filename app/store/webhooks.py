"""Webhook subscriptions and their deliveries: the claim in commit order, one at a time per
ticket and subscription, and each attempt's outcome."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from app.store.events import WEBHOOKS_CHANNEL
from app.store.paging import KeyColumn, Order, Params, fetch_page, rows_of


@dataclass(frozen=True, slots=True)
class SubscriptionRow:
    id: int
    url: str
    event_types: list[str]
    secret: str
    active: bool
    description: str | None
    created_at: datetime
    updated_at: datetime
    version: int


_SUBSCRIPTION = "id, url, event_types, secret, active, description, created_at, updated_at, version"

_INSERT = f"""
    INSERT INTO webhook_subscriptions (url, event_types, secret, active, description,
        created_at, updated_at, version)
    VALUES ($1, $2, $3, $4, $5, $6, $6, 1)
    RETURNING {_SUBSCRIPTION}
"""


async def insert(
    conn: asyncpg.Connection,
    *,
    url: str,
    event_types: Sequence[str],
    secret: str,
    active: bool,
    description: str | None,
    now: datetime,
) -> SubscriptionRow:
    row = await conn.fetchrow(_INSERT, url, list(event_types), secret, active, description, now)
    return SubscriptionRow(**row)


async def get(
    conn: asyncpg.Connection, subscription_id: int, *, lock: bool = False
) -> SubscriptionRow | None:
    sql = f"SELECT {_SUBSCRIPTION} FROM webhook_subscriptions WHERE id = $1"
    row = await conn.fetchrow(sql + (" FOR UPDATE" if lock else ""), subscription_id)
    return None if row is None else SubscriptionRow(**row)


_UPDATABLE = ("url", "event_types", "secret", "active", "description")


async def update(
    conn: asyncpg.Connection, subscription_id: int, changes: dict[str, Any], now: datetime
) -> SubscriptionRow:
    p = Params(subscription_id, now)
    sets = [f"{name} = {p(changes[name])}" for name in _UPDATABLE if name in changes]
    sql = (
        f"UPDATE webhook_subscriptions SET {', '.join([*sets, 'updated_at = $2'])},"
        f" version = version + 1 WHERE id = $1 RETURNING {_SUBSCRIPTION}"
    )
    return SubscriptionRow(**await conn.fetchrow(sql, *p.values))


async def delete(conn: asyncpg.Connection, subscription_id: int) -> bool:
    """Delete a subscription and (cascading) its deliveries; whether it existed."""
    done = await conn.execute("DELETE FROM webhook_subscriptions WHERE id = $1", subscription_id)
    return bool(done != "DELETE 0")


SUBSCRIPTIONS = Order("webhooks", (KeyColumn("id", int),))


async def page(
    conn: asyncpg.Connection, *, limit: int, cursor: str | None
) -> tuple[list[SubscriptionRow], str | None]:
    rows, next_cursor = await fetch_page(
        conn,
        columns=_SUBSCRIPTION,
        source="webhook_subscriptions",
        where=[],
        params=Params(),
        order=SUBSCRIPTIONS,
        cursor=cursor,
        limit=limit,
    )
    return rows_of(SubscriptionRow, rows), next_cursor


# ---- deliveries ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    id: int
    subscription_id: int
    event_id: int
    event_type: str
    ticket_id: int
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime


_DELIVERY = (
    "d.id, d.subscription_id, d.event_id, e.type AS event_type, d.ticket_id, d.status,"
    " d.attempts, d.next_attempt_at, d.last_attempt_at, d.last_status_code, d.last_error,"
    " d.delivered_at, d.created_at"
)
_DELIVERIES = "webhook_deliveries d JOIN events e ON e.id = d.event_id"
DELIVERIES = Order("webhook-deliveries", (KeyColumn("d.id", int),), descending=True)


async def deliveries(
    conn: asyncpg.Connection,
    subscription_id: int,
    *,
    status: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[DeliveryRow], str | None]:
    p = Params()
    where = [f"d.subscription_id = {p(subscription_id, 'bigint')}"]
    if status is not None:
        where.append(f"d.status = {p(status, 'text')}")
    rows, next_cursor = await fetch_page(
        conn,
        columns=_DELIVERY,
        source=_DELIVERIES,
        where=where,
        params=p,
        order=DELIVERIES,
        cursor=cursor,
        limit=limit,
    )
    return rows_of(DeliveryRow, rows), next_cursor


# A dead or delivered delivery starts again; one still under way is left as it is.
_REDELIVER = f"""
    WITH d AS (
        UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = NULL,
            lease_until = NULL
        WHERE id = $1 AND subscription_id = $2
        RETURNING *
    ), woken AS (SELECT pg_notify('{WEBHOOKS_CHANNEL}', '') FROM d)
    SELECT {_DELIVERY} FROM d JOIN events e ON e.id = d.event_id, (SELECT count(*) FROM woken) w
"""


async def redeliver(
    conn: asyncpg.Connection, subscription_id: int, delivery_id: int
) -> DeliveryRow | None:
    row = await conn.fetchrow(_REDELIVER, delivery_id, subscription_id)
    return None if row is None else DeliveryRow(**row)


async def delivery_status(
    conn: asyncpg.Connection, subscription_id: int, delivery_id: int
) -> str | None:
    status: str | None = await conn.fetchval(
        "SELECT status FROM webhook_deliveries WHERE id = $1 AND subscription_id = $2",
        delivery_id,
        subscription_id,
    )
    return status


@dataclass(frozen=True, slots=True)
class Claimed:
    """A delivery taken for one attempt, with what the attempt needs."""

    id: int
    attempts: int  # including this one
    ticket_id: int
    event_id: int
    event_type: str
    payload: dict[str, Any]
    occurred_at: datetime
    url: str
    secret: str


# One statement, `now` bound. A delivery is taken when it is pending (or its attempt's lease ran
# out: a worker died mid-attempt), its event is settled (every older transaction has ended, so
# no earlier event of its ticket can still appear), and no earlier delivery of the same ticket
# to the same subscription is unfinished: per-ticket order, whatever the number of workers.
_CLAIM = """
    WITH c AS (
        UPDATE webhook_deliveries SET status = 'sending', attempts = attempts + 1,
            last_attempt_at = $1, lease_until = $3
        WHERE id IN (
            SELECT d.id FROM webhook_deliveries d
            WHERE (d.status = 'pending' OR (d.status = 'sending' AND d.lease_until <= $1))
              AND d.txid < pg_snapshot_xmin(pg_current_snapshot())
              AND NOT EXISTS (
                  SELECT 1 FROM webhook_deliveries b
                  WHERE b.subscription_id = d.subscription_id AND b.ticket_id = d.ticket_id
                    AND b.status IN ('pending', 'sending', 'retrying')
                    AND (b.txid, b.id) < (d.txid, d.id))
            ORDER BY d.txid, d.id
            LIMIT $2
            FOR UPDATE SKIP LOCKED
        )
        RETURNING id, attempts, ticket_id, event_id, subscription_id
    )
    SELECT c.id, c.attempts, c.ticket_id, c.event_id, e.type AS event_type, e.payload,
           e.occurred_at, s.url, s.secret
    FROM c JOIN events e ON e.id = c.event_id JOIN webhook_subscriptions s ON s.id = c.subscription_id
    ORDER BY c.id
"""


async def claim(
    conn: asyncpg.Connection, now: datetime, batch: int, lease: timedelta
) -> list[Claimed]:
    return [Claimed(**r) for r in await conn.fetch(_CLAIM, now, batch, now + lease)]


# Only the attempt that holds the delivery records its outcome (a lease taken over since by
# another worker has moved `attempts` on).
_DELIVERED = """
    UPDATE webhook_deliveries d SET status = 'delivered', delivered_at = $2, lease_until = NULL,
        next_attempt_at = NULL, last_status_code = x.code, last_error = NULL
    FROM unnest($1::bigint[], $3::int[], $4::int[]) AS x(id, attempts, code)
    WHERE d.id = x.id AND d.status = 'sending' AND d.attempts = x.attempts
"""


async def mark_delivered(
    conn: asyncpg.Connection, done: Sequence[tuple[int, int, int]], now: datetime
) -> None:
    """`done`: (delivery id, attempts, status code)."""
    if done:
        await conn.execute(
            _DELIVERED, [d[0] for d in done], now, [d[1] for d in done], [d[2] for d in done]
        )


@dataclass(frozen=True, slots=True)
class Failure:
    id: int
    attempts: int
    status: str  # 'retrying' or 'dead'
    next_attempt_at: datetime | None
    status_code: int | None
    error: str


_FAILED = """
    UPDATE webhook_deliveries d SET status = x.status, next_attempt_at = x.next_at,
        lease_until = NULL, last_status_code = x.code, last_error = x.error
    FROM unnest($1::bigint[], $2::int[], $3::text[], $4::timestamptz[], $5::int[], $6::text[])
        AS x(id, attempts, status, next_at, code, error)
    WHERE d.id = x.id AND d.status = 'sending' AND d.attempts = x.attempts
    RETURNING d.id
"""


async def mark_failed(conn: asyncpg.Connection, failures: Sequence[Failure]) -> set[int]:
    """Record failed attempts; the ids of those recorded."""
    if not failures:
        return set()
    rows = await conn.fetch(
        _FAILED,
        [f.id for f in failures],
        [f.attempts for f in failures],
        [f.status for f in failures],
        [f.next_attempt_at for f in failures],
        [f.status_code for f in failures],
        [f.error for f in failures],
    )
    return {r["id"] for r in rows}


# Retry timers fire per ticket: every retrying delivery of theirs that is due goes back to the
# claim (a NOTIFY wakes the delivery workers on commit).
_RELEASE = f"""
    WITH r AS (
        UPDATE webhook_deliveries SET status = 'pending'
        WHERE ticket_id = ANY($1::bigint[]) AND status = 'retrying' AND next_attempt_at <= $2
        RETURNING 1
    )
    SELECT count(*), CASE WHEN count(*) > 0 THEN pg_notify('{WEBHOOKS_CHANNEL}', '') END FROM r
"""


async def release_retries(
    conn: asyncpg.Connection, ticket_ids: Sequence[int], now: datetime
) -> int:
    released: int = await conn.fetchval(_RELEASE, sorted(set(ticket_ids)), now)
    return released


async def counts(conn: asyncpg.Connection) -> dict[str, int]:
    rows = await conn.fetch("SELECT status, count(*) AS n FROM webhook_deliveries GROUP BY status")
    return {r["status"]: r["n"] for r in rows}
