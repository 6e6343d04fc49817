"""Agents: the people who work tickets."""

from dataclasses import dataclass, fields
from datetime import datetime

import asyncpg

from app.store.paging import KeyColumn, Order, Params, fetch_page


@dataclass(frozen=True, slots=True)
class AgentRow:
    id: int
    name: str
    email: str
    team_id: int | None
    role: str
    languages: list[str]
    active: bool
    created_at: datetime
    updated_at: datetime
    version: int
    # Routing: whether new tickets may be assigned to the agent, and how many open
    availability: str
    capacity: int | None


COLUMNS = (
    "id, name, email, team_id, role, languages, active, created_at, updated_at, version,"
    " availability, capacity"
)
_ACTIVE = "SELECT active FROM agents WHERE id = $1"
_NAME = "SELECT name FROM agents WHERE id = $1"
_GET = f"SELECT {COLUMNS} FROM agents WHERE id = $1"
_LOCK = f"{_GET} FOR UPDATE"
# Agent emails are unique (agents_email_key): an email already taken inserts nothing, and returns
# no row.
_INSERT = f"""
    INSERT INTO agents (name, email, team_id, role, languages, active, created_at, updated_at,
                        version, availability, capacity)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $7, 1, $8, $9)
    ON CONFLICT DO NOTHING
    RETURNING {COLUMNS}
"""
_UPDATE = f"""
    UPDATE agents
    SET name = $2, email = $3, team_id = $4, role = $5, languages = $6, active = $7,
        updated_at = $8, version = version + 1, availability = $9, capacity = $10
    WHERE id = $1
    RETURNING {COLUMNS}
"""
LISTING = Order("agents", (KeyColumn("id", int),))
_ROW_FIELDS = tuple(f.name for f in fields(AgentRow))


def _row(record: asyncpg.Record) -> AgentRow:
    # A page's records carry its key columns too: take the agent's own.
    return AgentRow(**{name: record[name] for name in _ROW_FIELDS})


async def is_active(conn: asyncpg.Connection, agent_id: int) -> bool | None:
    """Whether the agent is active; None when there is no such agent."""
    active: bool | None = await conn.fetchval(_ACTIVE, agent_id)
    return active


async def name_of(conn: asyncpg.Connection, agent_id: int) -> str | None:
    name: str | None = await conn.fetchval(_NAME, agent_id)
    return name


async def get(conn: asyncpg.Connection, agent_id: int) -> AgentRow | None:
    found = await conn.fetchrow(_GET, agent_id)
    return None if found is None else _row(found)


async def lock(conn: asyncpg.Connection, agent_id: int) -> AgentRow | None:
    """The agent, locked until the transaction ends (waits at most the lock timeout)."""
    found = await conn.fetchrow(_LOCK, agent_id)
    return None if found is None else _row(found)


async def insert(
    conn: asyncpg.Connection,
    *,
    name: str,
    email: str,
    team_id: int | None,
    role: str,
    languages: list[str],
    active: bool,
    now: datetime,
    availability: str = "available",
    capacity: int | None = None,
) -> AgentRow | None:
    """The new agent; None when another already has this email."""
    found = await conn.fetchrow(
        _INSERT, name, email, team_id, role, languages, active, now, availability, capacity
    )
    return None if found is None else _row(found)


async def update(conn: asyncpg.Connection, agent: AgentRow, now: datetime) -> AgentRow | None:
    """Store `agent`'s fields as its new version; None when another agent has its email
    (nothing is changed, and the caller's transaction goes on)."""
    values = (agent.name, agent.email, agent.team_id, agent.role, agent.languages, agent.active)
    try:
        # A savepoint: a unique violation undoes this statement only.
        async with conn.transaction():
            found = await conn.fetchrow(
                _UPDATE, agent.id, *values, now, agent.availability, agent.capacity
            )
    except asyncpg.UniqueViolationError:
        return None
    return None if found is None else _row(found)


async def page(
    conn: asyncpg.Connection,
    *,
    team_id: int | None,
    active: bool | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[AgentRow], str | None]:
    """Agents in id order after `cursor`."""
    p = Params()
    where = []
    if team_id is not None:
        where.append(f"team_id = {p(team_id, 'bigint')}")
    if active is not None:
        where.append(f"active = {p(active)}")
    records, next_cursor = await fetch_page(
        conn,
        columns=COLUMNS,
        source="agents",
        where=where,
        params=p,
        order=LISTING,
        cursor=cursor,
        limit=limit,
    )
    return [_row(r) for r in records], next_cursor
