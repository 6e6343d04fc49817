"""Secrets the service makes for itself once and shares between its replicas."""

import asyncpg

_MAKE = """
    INSERT INTO service_secrets (name, value, created_at) VALUES ($1, $2, now())
    ON CONFLICT (name) DO NOTHING
    RETURNING value
"""
_READ = "SELECT value FROM service_secrets WHERE name = $1"


async def get_or_make(conn: asyncpg.Connection, name: str, candidate: str) -> str:
    """The secret called `name`: the one stored, or `candidate` stored now. Two replicas
    racing to make it both end up with the one that committed first."""
    made: str | None = await conn.fetchval(_MAKE, name, candidate)
    if made is not None:
        return made
    stored: str = await conn.fetchval(_READ, name)
    return stored
