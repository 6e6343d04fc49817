"""A ticket write references the acting key and the SLA policy without locking their rows, and
keys and policies, which those references name, are never deleted."""

from collections.abc import AsyncIterator

import asyncpg
import pytest

from app.db import libpq_url

_TICKET = """
    INSERT INTO tickets (subject, type, status, impact, urgency, priority, priority_reason,
        channel, tier, created_at, updated_at, reopen_count, agent_reply_count,
        customer_reply_count, interaction_count, version, sla_paused, sla_breached,
        created_by_key_id, sla_policy_id)
    VALUES ('Printer jams', 'incident', 'new', 'user', 'low', 'low', 'x', 'email', 1, now(),
        now(), 0, 0, 0, 0, 1, false, false, $1, $2)
    RETURNING id
"""


@pytest.fixture
async def two(fresh_database: str) -> AsyncIterator[tuple[asyncpg.Connection, asyncpg.Connection]]:
    first = await asyncpg.connect(libpq_url(fresh_database))
    second = await asyncpg.connect(libpq_url(fresh_database))
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()


async def _key_and_policy(conn: asyncpg.Connection) -> tuple[int, int]:
    key = await conn.fetchval(
        "INSERT INTO api_keys (name, role, prefix, key_hash, created_at)"
        " VALUES ('gateway', 'integration', 'hd_probe', 'x', now()) RETURNING id"
    )
    policy = await conn.fetchval("SELECT min(id) FROM sla_policies")
    return key, policy


async def test_a_ticket_write_leaves_the_key_and_policy_rows_unlocked(
    two: tuple[asyncpg.Connection, asyncpg.Connection],
) -> None:
    writer, other = two
    key, policy = await _key_and_policy(writer)
    async with writer.transaction():
        ticket = await writer.fetchval(_TICKET, key, policy)
        await writer.execute(
            "INSERT INTO ticket_history (ticket_id, at, action, actor_type, actor_key_id)"
            " VALUES ($1, now(), 'created', 'api_key', $2)",
            ticket,
            key,
        )
        await writer.execute(
            "INSERT INTO interactions (ticket_id, kind, direction, public, author_type, body,"
            " occurred_at, created_at, created_by_key_id)"
            " VALUES ($1, 'note', 'internal', false, 'agent', 'x', now(), now(), $2)",
            ticket,
            key,
        )
        # While the writer's transaction is open, another may still lock both rows outright.
        async with other.transaction():
            await other.execute("SET LOCAL lock_timeout = '1s'")
            await other.execute("SELECT 1 FROM api_keys WHERE id = $1 FOR UPDATE NOWAIT", key)
            await other.execute(
                "SELECT 1 FROM sla_policies WHERE id = $1 FOR UPDATE NOWAIT", policy
            )


async def test_keys_and_policies_are_never_deleted(
    two: tuple[asyncpg.Connection, asyncpg.Connection],
) -> None:
    conn, _ = two
    key, policy = await _key_and_policy(conn)
    await conn.fetchval(_TICKET, key, policy)
    with pytest.raises(asyncpg.ForeignKeyViolationError, match="retired, never deleted"):
        await conn.execute("DELETE FROM api_keys WHERE id = $1", key)
    with pytest.raises(asyncpg.ForeignKeyViolationError, match="retired, never deleted"):
        await conn.execute("DELETE FROM sla_policies WHERE id = $1", policy)
    assert await conn.fetchval("SELECT count(*) FROM api_keys WHERE id = $1", key) == 1
